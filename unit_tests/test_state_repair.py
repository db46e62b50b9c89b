"""The saved state as data (`saved_state`) and the live store's checkpoints (`state`, `cursor`):
a 0.1.0 state converted, a resume position that cannot vouch for its pages read again, a part's
end and a checkpoint never torn apart, one lock for the checkpoint cadence."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional

import pytest
from airbyte_cdk.models import AirbyteMessage
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record

from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.read.part import Ending
from source_socialfetch_tiktok.read.sync_run import SyncRun
from source_socialfetch_tiktok.state.cursor import PerHandleCursor
from source_socialfetch_tiktok.state.refresh import RefreshPosition, RefreshSchedule
from source_socialfetch_tiktok.state.saved import (
    RESUME_KEY,
    HandleCursor,
    parse_resume_positions,
    parse_videos_state,
    repair_videos_state,
)
from source_socialfetch_tiktok.state.store import VideosStateStore

LOGGER = logging.getLogger("test_state_repair")
UTC = timezone.utc
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
NEWEST = "2026-11-20T08:15:00Z"


# -- a 0.1.0 state ----------------------------------------------------------------------------
def test_given_a_0_1_0_flat_state_when_repaired_then_its_handles_become_states_entries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = {"NASA": {"createdAt": NEWEST}, "amy": "2026-11-18T00:00:00Z", "waiting_for_budget": ["amy"]}

    with caplog.at_level(logging.INFO):
        repaired = repair_videos_state(raw, LOGGER)

    assert repaired == {
        "states": [
            {"partition": {"handle": "NASA"}, "cursor": {"createdAt": NEWEST}},
            {"partition": {"handle": "amy"}, "cursor": {"createdAt": "2026-11-18T00:00:00Z"}},
        ],
        "waiting_for_budget": ["amy"],
    }
    assert "0.1.0" in caplog.text and "never writes" not in caplog.text
    cursors, waiting = parse_videos_state(repaired, LOGGER)
    assert {h: c.text for h, c in cursors.items()} == {"nasa": NEWEST, "amy": "2026-11-18T00:00:00Z"}
    assert waiting == ["amy"]


def test_given_a_state_with_states_and_stray_keys_when_repaired_then_the_stray_keys_are_not_taken_for_handles(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = {"states": [], "nasa": {"createdAt": NEWEST}, "not a handle!": {"createdAt": NEWEST}}

    repaired = repair_videos_state(raw, LOGGER)

    assert repaired == {"states": []}
    assert "never writes" in caplog.text


def test_given_a_flat_state_whose_keys_are_no_handles_when_repaired_then_they_are_dropped_as_before() -> None:
    assert repair_videos_state({"not a handle!": {"createdAt": NEWEST}, "nasa": {"views": 3}}, LOGGER) == {}


# -- a resume position without `newest` -----------------------------------------------------
@pytest.mark.parametrize("entry", [{"cursor": "c2", "newest": None}, {"cursor": "c2"}])
def test_given_a_resume_position_without_newest_when_parsed_then_it_is_dropped_with_a_warning(
    entry: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    positions = parse_resume_positions({RESUME_KEY: {"alpha": entry, "beta": {"cursor": "c3", "newest": NEWEST}}}, LOGGER)

    assert list(positions) == ["beta"]
    assert "alpha" in caplog.text and "first page" in caplog.text


def test_given_a_cut_read_that_noted_no_video_when_suspended_then_no_position_is_written() -> None:
    store = VideosStateStore({}, [], ["alpha", "beta"])
    store.note_newest("beta", HandleCursor.parse(NEWEST))  # type: ignore[arg-type]

    store.suspend("alpha", "c2")
    store.suspend("beta", "c9")

    assert store.snapshot([])[RESUME_KEY] == {"beta": {"cursor": "c9", "newest": NEWEST}}


# -- a part's end and a checkpoint ------------------------------------------------------------
class _PausingSchedule(RefreshSchedule):
    """A schedule whose `complete` stops half-way until told to go on, as a thread switch would."""

    def __init__(self) -> None:
        super().__init__(3, START, due={"alpha": START - timedelta(days=1)})
        self.inside, self.go_on = threading.Event(), threading.Event()

    def complete(self, handle: str, pages: int) -> None:
        self.inside.set()
        assert self.go_on.wait(10)
        super().complete(handle, pages)


def test_given_a_read_that_completed_its_refresh_when_a_checkpoint_is_taken_meanwhile_then_it_has_both_or_neither() -> None:
    """A STATE with the new cursor but the refresh still due would, after a crash, pay for the
    refresh again: the cursor's commit and the refresh's completion are one step."""
    schedule = _PausingSchedule()
    store = VideosStateStore({}, [], ["alpha"], refresh=schedule)
    store.note_newest("alpha", HandleCursor.parse(NEWEST))  # type: ignore[arg-type]
    closing = threading.Thread(target=store.complete_read, args=("alpha", 4, True, False))
    closing.start()
    assert schedule.inside.wait(10)
    snapshots: List[Dict[str, Any]] = []
    checkpoint = threading.Thread(target=lambda: snapshots.append(store.snapshot([])))
    checkpoint.start()
    checkpoint.join(0.3)  # a checkpoint that does not wait for the part's end takes its snapshot now
    schedule.go_on.set()
    closing.join(10)
    checkpoint.join(10)

    (snapshot,) = snapshots
    moved = bool(snapshot["states"])
    refreshed = snapshot["refresh_due"]["alpha"] > "2026-12-01"
    assert moved == refreshed, f"torn checkpoint: cursor moved {moved}, refresh completed {refreshed}"


class _Part(Partition):
    def __init__(self, handle: str) -> None:
        self._handle = handle

    def read(self) -> Iterable[Record]:
        return []

    def to_slice(self) -> Optional[Mapping[str, Any]]:
        return {"handle": self._handle}

    def stream_name(self) -> str:
        return "videos"

    def __hash__(self) -> int:
        return hash(self._handle)


class _SlowFirstRepository:
    """Queues STATE messages; the first one takes a while to go in (a full queue, a thread switch)."""

    def __init__(self) -> None:
        self.messages: List[AirbyteMessage] = []
        self.first_inside = threading.Event()

    def emit_message(self, message: AirbyteMessage) -> None:
        if not self.messages and not self.first_inside.is_set():
            self.first_inside.set()
            time.sleep(0.3)
        self.messages.append(message)


def test_given_two_handles_closing_together_when_one_checkpoint_is_being_queued_then_the_other_waits_for_the_interval() -> None:
    """At most one checkpoint per interval: the time of the last one is read and written under one lock."""
    handles = ["alpha", "beta"]
    run = SyncRun(LOGGER, CreditBudget(None), handles=len(handles))
    store = VideosStateStore({}, [], handles)
    repository = _SlowFirstRepository()
    cursor = PerHandleCursor("videos", store, run, repository,  # type: ignore[arg-type]
                             checkpoint_interval_seconds=0.1)
    for handle in handles:
        walk = run.begin("videos", handle)
        walk.end(Ending.COMPLETED)
        run.end(walk)
    time.sleep(0.15)  # the interval has passed since the sync began
    first = threading.Thread(target=cursor.close_partition, args=(_Part("alpha"),))
    first.start()
    assert repository.first_inside.wait(10)
    cursor.close_partition(_Part("beta"))  # while the first checkpoint is still being queued
    first.join(10)

    assert len(repository.messages) == 1


# -- the refresh order ------------------------------------------------------------------------
def test_given_due_handles_then_refreshes_cut_in_an_earlier_sync_come_first_then_by_due_instant_then_handle() -> None:
    day = timedelta(days=1)
    due = {"a": START - day, "b": START - 3 * day, "c": START - 2 * day, "d": START - 2 * day, "later": START + day}
    positions = {"e": RefreshPosition("c", START - 2 * day, 1), "f": RefreshPosition("c", START - 5 * day, 1)}
    schedule = RefreshSchedule(7, START, due=due, positions=positions)

    assert schedule.refresh_order(["a", "b", "c", "d", "e", "f", "later", "unknown"]) == ["f", "e", "b", "c", "d", "a"]
    assert schedule.due_count() == 6
