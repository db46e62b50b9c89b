"""PerHandleCursor with the CDK's real state manager and message repository."""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional

import pytest
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, Type
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import InMemoryMessageRepository
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record

from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.read.part import Ending
from source_socialfetch_tiktok.read.sync_run import SyncRun
from source_socialfetch_tiktok.state.cursor import (
    CHECKPOINT_INTERVAL_ENV,
    PerHandleCursor,
    checkpoint_interval,
    state_message,
)
from source_socialfetch_tiktok.state.store import HandleCursor, VideosStateStore

HANDLES = ["a", "b", "c"]
OLD = "2026-11-01T00:00:00Z"
NEW = "2026-11-20T08:15:00Z"


class HandlePartition(Partition):
    def __init__(self, handle: Optional[str]) -> None:
        self._handle = handle

    def read(self) -> Iterable[Record]:
        return []

    def to_slice(self) -> Optional[Mapping[str, Any]]:
        return {"handle": self._handle} if self._handle is not None else None

    def stream_name(self) -> str:
        return "videos"

    def __hash__(self) -> int:
        return hash(self._handle)


class Harness:
    def __init__(self, interval: float, cursors: Optional[Dict[str, str]] = None) -> None:
        self.run = SyncRun(logging.getLogger("test_cursor"), CreditBudget(None))
        parsed = {h: HandleCursor.parse(t) for h, t in (cursors or {}).items()}
        self.store = VideosStateStore({h: c for h, c in parsed.items() if c}, [], HANDLES)
        self.repository = InMemoryMessageRepository()
        self.cursor = PerHandleCursor("videos", self.store, self.run, self.repository,
                                      checkpoint_interval_seconds=interval)

    def read(self, handle: str, created: List[str], ending: Optional[Ending]) -> None:
        """A handle's read: records observed, an ending recorded, its partition closed."""
        read = self.run.begin("videos", handle)
        for value in created:
            self.store.observe(handle, value)
        if ending is not None:
            read.end(ending, "test")
        self.run.end(read)
        self.cursor.close_partition(HandlePartition(handle))

    def states(self) -> List[Dict[str, Any]]:
        messages: List[AirbyteMessage] = list(self.repository.consume_queue())
        assert all(m.type == Type.STATE for m in messages)
        wire = [AirbyteMessageSerializer.dump(m) for m in messages]
        for message in wire:
            assert message["state"]["type"] == "STREAM"
            assert message["state"]["stream"]["stream_descriptor"] == {"name": "videos"}
        return [m["state"]["stream"]["stream_state"] for m in wire]


def cursor_texts(stream_state: Mapping[str, Any]) -> Dict[str, str]:
    return {s["partition"]["handle"]: s["cursor"]["createdAt"] for s in stream_state["states"]}


def test_given_a_completed_handle_when_its_partition_closes_then_its_cursor_moves_and_state_is_emitted() -> None:
    h = Harness(interval=0)

    h.read("a", [OLD, NEW], Ending.COMPLETED)

    states = h.states()
    assert len(states) == 1
    assert cursor_texts(states[0]) == {"a": NEW}
    assert h.cursor.states_emitted == 1


def test_given_handles_that_did_not_complete_when_closed_then_their_cursors_do_not_move() -> None:
    h = Harness(interval=0, cursors={"a": OLD, "b": OLD, "c": OLD})

    h.read("a", [NEW], Ending.GUARD)
    h.read("b", [NEW], Ending.FAILED)
    h.read("c", [NEW], Ending.BUDGET)
    h.cursor.ensure_at_least_one_state_emitted()

    assert h.states() == [{"states": [{"partition": {"handle": x}, "cursor": {"createdAt": OLD}} for x in HANDLES],
                           "waiting_for_budget": ["c"]}]


def test_given_a_failed_read_then_a_completed_one_when_closed_then_the_failed_reads_videos_are_forgotten() -> None:
    h = Harness(interval=0)
    h.read("a", [NEW], Ending.FAILED)

    h.read("a", [OLD], Ending.COMPLETED)

    assert cursor_texts(h.states()[-1]) == {"a": OLD}


def test_given_a_partition_without_an_outcome_or_handle_when_closed_then_nothing_is_committed_nor_emitted() -> None:
    h = Harness(interval=0)
    h.read("a", [NEW], None)
    h.cursor.close_partition(HandlePartition(None))

    assert h.states() == []
    assert h.store.cursor("a") is None


def test_given_a_long_interval_when_handles_complete_then_no_state_until_the_end_which_has_them_all() -> None:
    h = Harness(interval=3600)
    h.read("a", [NEW], Ending.COMPLETED)
    h.read("b", [OLD], Ending.COMPLETED)

    assert h.states() == []

    h.cursor.ensure_at_least_one_state_emitted()

    states = h.states()
    assert len(states) == 1
    assert cursor_texts(states[0]) == {"a": NEW, "b": OLD}


def test_given_a_zero_interval_when_handles_complete_then_one_state_per_completed_handle() -> None:
    h = Harness(interval=0)
    h.read("a", [NEW], Ending.COMPLETED)
    h.read("b", [OLD], Ending.COMPLETED)

    states = h.states()

    assert [cursor_texts(s) for s in states] == [{"a": NEW}, {"a": NEW, "b": OLD}]


def test_given_nothing_read_when_the_stream_ends_then_one_state_is_still_emitted() -> None:
    h = Harness(interval=3600, cursors={"a": OLD})

    h.cursor.ensure_at_least_one_state_emitted()

    assert h.states() == [{"states": [{"partition": {"handle": "a"}, "cursor": {"createdAt": OLD}}],
                           "waiting_for_budget": []}]


def test_given_an_emitted_state_when_asked_then_the_cursor_gives_the_same_state() -> None:
    h = Harness(interval=0)
    h.read("a", [NEW], Ending.COMPLETED)

    emitted = h.states()[-1]

    assert h.cursor.state == emitted


def test_the_state_message_is_the_one_the_cdk_state_manager_makes() -> None:
    state = {"states": [{"partition": {"handle": "a"}, "cursor": {"createdAt": NEW}}], "waiting": []}
    manager = ConnectorStateManager([])
    manager.update_state_for_stream("videos", None, state)

    ours = AirbyteMessageSerializer.dump(state_message("videos", state))

    assert ours == AirbyteMessageSerializer.dump(manager.create_state_message("videos", None))


def test_given_a_state_unchanged_since_the_last_checkpoint_then_no_state_again_and_a_changed_one_is_emitted() -> None:
    h = Harness(interval=0)
    h.read("a", [NEW], Ending.COMPLETED)
    h.cursor.ensure_at_least_one_state_emitted()
    h.states()

    assert h.cursor.state_if_changed() is None
    h.store.user_ids.learn("a", "6812345678901234567")
    late = h.cursor.state_if_changed()
    assert late is not None and late.state.stream.stream_state.__dict__["user_ids"] == {"a": "6812345678901234567"}


@pytest.mark.parametrize("value, expected", [(None, 5.0), ("0", 0.0), ("2.5", 2.5), ("-1", 5.0), ("nan", 5.0),
                                             ("inf", 5.0), ("soon", 5.0), ("", 5.0)])
def test_the_checkpoint_interval_is_five_seconds_unless_the_environment_sets_a_valid_one(
    monkeypatch: pytest.MonkeyPatch, value: Optional[str], expected: float,
) -> None:
    if value is None:
        monkeypatch.delenv(CHECKPOINT_INTERVAL_ENV, raising=False)
    else:
        monkeypatch.setenv(CHECKPOINT_INTERVAL_ENV, value)

    assert checkpoint_interval() == expected


def test_the_fault_suites_set_the_variable_the_cursor_reads() -> None:
    from integration_tests import launcher

    assert launcher.CHECKPOINT_INTERVAL_ENV == CHECKPOINT_INTERVAL_ENV


def test_given_10000_handles_checkpointing_with_no_interval_then_at_most_20_states_in_all() -> None:
    handles = [f"h{i}" for i in range(10_000)]
    run = SyncRun(logging.getLogger("test_cursor"), CreditBudget(None))
    store = VideosStateStore({}, [], handles)
    repository = InMemoryMessageRepository()
    cursor = PerHandleCursor("videos", store, run, repository, checkpoint_interval_seconds=0)
    for handle in handles:
        read = run.begin("videos", handle)
        store.observe(handle, NEW)
        read.end(Ending.COMPLETED, "end")
        run.end(read)
        cursor.close_partition(HandlePartition(handle))
    cursor.ensure_at_least_one_state_emitted()

    states = [m for m in repository.consume_queue() if m.type == Type.STATE]
    assert 2 <= len(states) <= 20
    last = states[-1].state.stream.stream_state.__dict__
    assert len(last["states"]) == 10_000


def test_given_many_handles_and_few_completing_then_a_checkpoint_still_comes_after_60_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """1,000 handles: a checkpoint waits for 1/18 of them (56) to complete, or for 60 s on a slow
    sync. The clock is the test's: nothing waits."""
    from types import SimpleNamespace

    from source_socialfetch_tiktok.state import cursor as cursor_module

    now = [1000.0]
    monkeypatch.setattr(cursor_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    handles = [f"h{i}" for i in range(1_000)]
    run = SyncRun(logging.getLogger("test_cursor"), CreditBudget(None))
    store = VideosStateStore({}, [], handles)
    repository = InMemoryMessageRepository()
    cursor = PerHandleCursor("videos", store, run, repository, checkpoint_interval_seconds=5)
    done = iter(handles)

    def complete_one_at(seconds: float) -> int:
        """Complete the next handle `seconds` after the cursor was made; the STATE messages since."""
        now[0] = 1000.0 + seconds
        handle = next(done)
        read = run.begin("videos", handle)
        store.observe(handle, NEW)
        read.end(Ending.COMPLETED, "end")
        run.end(read)
        cursor.close_partition(HandlePartition(handle))
        return len([m for m in repository.consume_queue() if m.type == Type.STATE])

    assert complete_one_at(10) == 0, "past the 5 s interval, but 1 of 56 handles is not enough"
    assert complete_one_at(59.9) == 0
    assert complete_one_at(60.0) == 1, "60 s without a checkpoint: one now"
    assert complete_one_at(61) == 0, "the next waits again"
    assert complete_one_at(119) == 0
    assert complete_one_at(120.5) == 1
