"""ESTIMATE trace messages through real syncs against the emulator: one per stream (videos,
video_stats) before the first record, valid against the Airbyte protocol's own models, within 20% of
what an incremental sync of the demo data then reads, and updated at checkpoints (the platform keeps
the last one), a bounded number of times."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, TraceType, Type
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_protocol.models import AirbyteMessage as ProtocolMessage

from integration_tests.harness import catalog, final_videos_state, records
from integration_tests.syncs import Syncs
from socialfetch_emulator import Emulator
from socialfetch_emulator.dataset import DEMO
from source_socialfetch_tiktok.estimates import MAX_ESTIMATES, PAGE_SIZE
from source_socialfetch_tiktok.state.cursor import CHECKPOINT_INTERVAL_ENV

# nulls.creator's undated videos lose their `createdAt: null` in the in-process harness (the console
# script keeps nulls: serialization.keep_nulls_in_records), which the schema check then refuses.
DEMO_HANDLES = [spec.handle for spec in DEMO if spec.handle != "nulls.creator"]
STREAMS = ("videos", "video_stats")


def estimates(output: EntrypointOutput) -> List[Dict[str, Any]]:
    """(position in the output, stream, rows, bytes) of every ESTIMATE, in order."""
    found = []
    for position, message in enumerate(output._messages):
        if message.type == Type.TRACE and message.trace.type == TraceType.ESTIMATE:
            estimate = message.trace.estimate
            found.append({"at": position, "stream": estimate.name, "rows": estimate.row_estimate,
                          "bytes": estimate.byte_estimate, "message": message})
    return found


def first_record_at(output: EntrypointOutput) -> int:
    return next(i for i, m in enumerate(output._messages) if m.type == Type.RECORD)


def demo_after_a_day(emu: Emulator) -> Syncs:
    """The demo's journey: a first sync, a day on, new videos on two handles."""
    syncs = Syncs(emu, DEMO_HANDLES)
    syncs.sync(catalog("incremental", stats=True), check=False)
    emu.advance(1)
    emu.publish("nasa.fan", 3)
    emu.publish("cook_with_kim", 2)
    return syncs


def test_given_the_demo_data_when_an_incremental_sync_runs_then_its_first_estimate_comes_first_and_within_20_percent(
    make_emulator: Callable[..., Emulator],
) -> None:
    syncs = demo_after_a_day(make_emulator(dataset="demo"))
    output = syncs.sync(catalog("incremental", stats=True), check=False)

    found = estimates(output)
    first = {e["stream"]: e for e in found[:2]}
    assert set(first) == set(STREAMS)
    assert max(e["at"] for e in first.values()) < first_record_at(output)  # before the first record
    for stream in STREAMS:
        read = len(records(output, stream))
        assert abs(first[stream]["rows"] - read) <= 0.2 * read, (stream, first[stream]["rows"], read)
        assert first[stream]["bytes"] > 0  # the platform `set`s it too: never left out
    # Each message as a destination's platform reads it: JSON, then the protocol's own models.
    for estimate in found:
        line = json.dumps(AirbyteMessageSerializer.dump(estimate["message"]))
        parsed = ProtocolMessage.model_validate_json(line)
        assert parsed.trace.type.value == "ESTIMATE" and parsed.trace.estimate.type.value == "STREAM"
        assert parsed.trace.estimate.namespace is None


def test_given_a_checkpoint_after_every_handle_then_estimates_follow_the_read_and_end_at_what_was_read(
    make_emulator: Callable[..., Emulator], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CHECKPOINT_INTERVAL_ENV, "0")  # a STATE after every handle, as a long sync emits them
    syncs = demo_after_a_day(make_emulator(dataset="demo"))
    output = syncs.sync(catalog("incremental", stats=True), check=False)

    for stream in STREAMS:
        rows = [e["rows"] for e in estimates(output) if e["stream"] == stream]
        assert 2 <= len(rows) <= MAX_ESTIMATES
        assert rows[-1] == len(records(output, stream))  # every handle done: the estimate is what was read


def test_given_a_full_refresh_with_a_saved_history_then_the_estimate_is_its_pages(
    make_emulator: Callable[..., Emulator],
) -> None:
    syncs = Syncs(make_emulator(dataset="demo"), ["big.creator", "daily.vlogger"])
    syncs.sync(catalog("incremental", stats=True), check=False)
    pages = final_videos_state(syncs.sync(catalog("incremental"), check=False))["history_pages"]

    output = syncs.sync(catalog("full_refresh", stats=True), check=False)

    first = estimates(output)[0]
    assert first["rows"] == sum(pages.values()) * PAGE_SIZE and first["at"] < first_record_at(output)
    assert abs(first["rows"] - len(records(output))) <= 0.05 * len(records(output))


def test_given_a_budget_then_the_estimate_is_no_more_than_its_pages_and_only_selected_streams_get_one(
    make_emulator: Callable[..., Emulator],
) -> None:
    syncs = Syncs(make_emulator(dataset="demo"), ["big.creator"], max_credits_per_sync=3)
    output = syncs.sync(catalog("incremental"), check=False)

    found = estimates(output)
    assert {e["stream"] for e in found} == {"videos"}  # video_stats not selected
    assert found[0]["rows"] <= 3 * PAGE_SIZE


def test_given_only_profiles_then_no_estimate(make_emulator: Callable[..., Emulator]) -> None:
    syncs = Syncs(make_emulator(dataset="demo"), ["nasa.fan"])
    output = syncs.sync(catalog(None, profiles=True), check=False)
    assert estimates(output) == []
