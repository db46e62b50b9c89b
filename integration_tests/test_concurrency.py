"""The guarantees of concurrent reads, at concurrency 1 and 16: message order, cursors that move
only for completed handles, handles kept from an old state, full refresh ignoring state."""

from __future__ import annotations

import pytest

from integration_tests.harness import catalog, config, cursors, keys, read, records, truth, videos_state
from source_socialfetch_tiktok.state import cursor as cursor_module

HANDLES = ["pinned.creator", "nasa.fan", "cook_with_kim", "daily.vlogger", "ads.creator", "nulls.creator",
           "unicode.creator", "one.video", "full.page", "empty.profile"]


@pytest.fixture
def state_after_every_handle(monkeypatch):
    """A STATE after every completed handle, so that the order of messages is tested on many STATEs."""
    monkeypatch.setenv(cursor_module.CHECKPOINT_INTERVAL_ENV, "0")


def _positions(output):
    """(kind, handle or state) for RECORD and STATE messages, in output order."""
    order = []
    for message in output.records_and_state_messages:
        if message.record is not None:
            order.append(("RECORD", message.record.data["handle"]))
        elif message.state is not None and message.state.stream.stream_descriptor.name == "videos":
            blob = message.state.stream.stream_state
            blob = blob if isinstance(blob, dict) else blob.__dict__
            order.append(("STATE", {s["partition"]["handle"] for s in blob["states"]}))
    return order


@pytest.mark.parametrize("concurrency", [1, 16])
def test_a_handles_state_never_overtakes_its_records(emulator, state_after_every_handle, concurrency):
    emulator.set_latency(5)
    output = read(config(emulator.base_url, HANDLES, concurrency=concurrency), catalog("incremental"))
    order = _positions(output)
    states = [i for i, (kind, _) in enumerate(order) if kind == "STATE"]
    assert len(states) >= 5, "a STATE after (nearly) every handle"
    for handle in HANDLES:
        last_record = max((i for i, (kind, h) in enumerate(order) if kind == "RECORD" and h == handle), default=-1)
        first_state = min((i for i in states if handle in order[i][1]), default=None)
        if first_state is not None:
            assert last_record < first_state, f"{handle}: a record came after the STATE holding its cursor"
    assert keys(records(output)) == truth(emulator, HANDLES)


@pytest.mark.parametrize("concurrency", [1, 16])
def test_a_handle_failing_mid_read_keeps_its_old_cursor_while_the_others_move(emulator, concurrency):
    emulator.inject("400", handle="cook_with_kim", times=None, skip=1)
    old = {"cook_with_kim": "2026-01-01T00:00:00Z", "removed.handle": "2025-05-05T00:00:00Z"}
    output = read(config(emulator.base_url, HANDLES, concurrency=concurrency), catalog("incremental"),
                  state=videos_state(old), expect_failure=True)
    saved = cursors(output)
    assert saved["cook_with_kim"] == old["cook_with_kim"], "the failed handle's cursor did not move"
    assert saved["removed.handle"] == old["removed.handle"], "a handle no longer configured is kept"
    assert set(saved) == (set(HANDLES) - {"empty.profile", "cook_with_kim"}) | set(old)
    assert any(r["handle"] == "cook_with_kim" for r in records(output)), "its first page was still delivered"


@pytest.mark.parametrize("concurrency", [1, 16])
def test_full_refresh_ignores_state_at_any_concurrency(emulator, concurrency):
    state = videos_state({h: "2026-10-31T23:00:00Z" for h in HANDLES})
    output = read(config(emulator.base_url, HANDLES, concurrency=concurrency), catalog("full_refresh"), state=state)
    assert keys(records(output)) == truth(emulator, HANDLES)


def test_a_read_changes_no_process_wide_setting(emulator):
    # The connector runs inside other people's processes (PyAirbyte, test runners): only the console
    # entry point, which owns its process, sets the thread switch interval (see run.py).
    import sys

    before = (sys.getswitchinterval(), sys.getrecursionlimit())
    read(config(emulator.base_url, HANDLES, concurrency=4), catalog("incremental"))

    assert (sys.getswitchinterval(), sys.getrecursionlimit()) == before
