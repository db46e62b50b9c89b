"""Checkpoints and the refresh phase under a budget, through the real entrypoint and the emulator:
the STATE cadence counts refreshes among a sync's parts, due refreshes are read in a fixed order,
and the budget warning names the refreshes that wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Mapping, Optional

import pytest
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.models.outcome import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.harness import catalog, config, final_videos_state, validate_records
from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.state.cursor import CHECKPOINT_INTERVAL_ENV
from source_socialfetch_tiktok.timeutil import format_instant

PAGE = 10


def sync(emu: Emulator, cfg: Mapping[str, Any], blob: Dict[str, Any], fails: bool = False) -> EntrypointOutput:
    """One incremental sync at the emulator's clock, from the videos state `blob`."""
    now = emu.now
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if fails else ExpectedOutcome.EXPECT_SUCCESS
    output = entrypoint_wrapper.read(
        SourceSocialfetchTiktok(clock=lambda: now), cfg, catalog("incremental"),
        StateBuilder().with_stream_state("videos", blob).build(), expected_outcome=outcome,
    )
    validate_records(output)
    return output


def due_state(emu: Emulator, due: Mapping[str, Any], positions: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Every handle at its newest video (a sync reads one page of it) and due for a refresh."""
    newest = {h: max(v["createdAt"] for v in emu.videos(h)) for h in due}
    blob: Dict[str, Any] = {
        "states": [{"partition": {"handle": h}, "cursor": {"createdAt": c}} for h, c in newest.items()],
        "refresh_due": {h: format_instant(instant) for h, instant in due.items()},
    }
    if positions:
        blob["refresh_positions"] = positions
    return blob


def refresh_requests(emu: Emulator) -> List[str]:
    """The handles of the pages asked with a cursor (refresh pages), in the order asked."""
    return [r.handle for r in emu.requests if r.route == "videos" and r.status == 200 and "cursor" in r.query]


def warnings(output: EntrypointOutput) -> str:
    return "\n".join(m.log.message for m in output.logs if m.log.level.value == "WARN")


def test_given_as_many_due_refreshes_as_handles_when_checkpointing_freely_then_still_about_20_states(
    make_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refresh closes are parts like the reads: a sync that closes twice as many parts does not
    checkpoint twice as often (the README promises about 20 STATE messages at most)."""
    monkeypatch.setenv(CHECKPOINT_INTERVAL_ENV, "0")
    emu = make_emulator(dataset="empty", page_size=PAGE)
    handles = [f"creator.{n:02d}" for n in range(36)]
    for handle in handles:
        emu.add_handle(handle, PAGE + 2)
    yesterday = emu.now - timedelta(days=1)
    cfg = config(emu.base_url, handles, stats_refresh_days=7, lookback_window_days=0, concurrency=4)

    output = sync(emu, cfg, due_state(emu, {h: yesterday for h in handles}))

    assert sorted(refresh_requests(emu)) == handles, "every handle read one page, then its refresh one more"
    states = [m for m in output.state_messages if m.state.stream.stream_descriptor.name == "videos"]
    assert len(states) <= 20, f"{len(states)} STATE messages for {len(handles)} handles and as many refreshes"
    assert all(h in final_videos_state(output)["refresh_due"] for h in handles)


@pytest.fixture
def six_due(make_emulator: Any) -> Emulator:
    """Six creators of three pages each."""
    emu = make_emulator(dataset="empty", page_size=PAGE)
    for n in range(6):
        emu.add_handle(f"h{n}", 2 * PAGE + 5)
    return emu


def test_given_a_budget_for_two_refreshes_then_the_one_cut_earlier_goes_first_then_the_longest_due(
    six_due: Emulator,
) -> None:
    """The refreshes are read in a fixed order, not whichever worker wakes first: h3 was cut in an
    earlier sync, then h5 is the longest due, then h4; the configured order does not count."""
    emu, now = six_due, six_due.now
    handles = [f"h{n}" for n in range(6)]
    due = {h: now - timedelta(hours=1 + n) for n, h in enumerate(handles)}  # h5 the longest due
    page_two = ApiClient(emu).videos("h3", sortBy="latest").json()["data"]["page"]["nextCursor"]
    positions = {"h3": {"cursor": page_two, "started": format_instant(now - timedelta(days=1)), "pages": 1}}
    # Six first pages, two refreshes of two pages each (pages 2 and 3), and one page of a third.
    cfg = config(emu.base_url, handles, stats_refresh_days=7, lookback_window_days=0, concurrency=1,
                 max_credits_per_sync=6 + 2 + 2 + 1)

    for _ in range(3):  # the order held whatever the threads did: ask three times
        emu.clear_requests()
        output = sync(emu, cfg, due_state(emu, due, positions))

        assert refresh_requests(emu) == ["h3", "h3", "h5", "h5", "h4"]
        blob = final_videos_state(output)
        assert list(blob["refresh_positions"]) == ["h4"], "the third refresh goes on next sync"
        assert {h for h, d in blob["refresh_due"].items() if d > format_instant(now)} == {"h3", "h5"}


def test_given_a_budget_reached_in_the_refresh_phase_then_its_warning_names_the_refreshes_that_wait(
    six_due: Emulator,
) -> None:
    emu, now = six_due, six_due.now
    handles = [f"h{n}" for n in range(6)]
    due = {h: now - timedelta(hours=6 - n) for n, h in enumerate(handles)}  # h0 the longest due
    cfg = config(emu.base_url, handles, stats_refresh_days=7, lookback_window_days=0, concurrency=1,
                 max_credits_per_sync=6 + 2 + 1)

    output = sync(emu, cfg, due_state(emu, due))

    text = warnings(output)
    assert "budget was reached" in text
    assert "The stats refresh of 5 handles waits for the next sync: h1, h2, h3, h4, h5" in text
    assert "0 handles wait" not in text


def test_given_credits_that_run_out_in_the_refresh_phase_then_the_error_names_the_refreshes_that_wait(
    six_due: Emulator,
) -> None:
    emu, now = six_due, six_due.now
    handles = [f"h{n}" for n in range(6)]
    due = {h: now - timedelta(hours=6 - n) for n, h in enumerate(handles)}
    emu.inject("402", skip=6, times=None)  # the six first pages are served, then no credit is left
    cfg = config(emu.base_url, handles, stats_refresh_days=7, lookback_window_days=0, concurrency=1)

    output = sync(emu, cfg, due_state(emu, due), fails=True)

    (error,) = output.errors
    assert "The stats refresh of 6 handles waits for the next sync: h0, h1, h2, h3, h4, h5" in error.trace.error.message
    assert "0 handles wait" not in error.trace.error.message
