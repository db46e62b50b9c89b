"""A concurrent cursor keyed by handle: the CDK has none for Python streams (airbytehq/airbyte#29602)."""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from typing import Any, Mapping, MutableMapping, Optional

import orjson
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record

from ..read.part import Outcome
from ..read.partitions import REFRESH
from ..read.sync_run import SyncRun
from .store import VideosStateStore

# Every STATE carries every handle, so one per handle costs O(N^2) bytes over N handles. At most
# one per interval (and always one at the end) bounds that; a crash re-reads at most the handles
# completed in the last interval, and their records were already emitted (dedup makes it exact).
CHECKPOINT_INTERVAL_SECONDS = 5.0
# And at most about this many a sync, whatever the number of handles: 10,000 handles checkpointed
# every 5 s would still write megabytes of state per checkpoint, dozens of times. A checkpoint waits
# for this share of the handles to complete, or for MAX_CHECKPOINT_SECONDS on a long sync.
CHECKPOINTS_PER_SYNC = 18
MAX_CHECKPOINT_SECONDS = 60.0
# Set to another number of seconds (0: a STATE after every completed handle, as a long sync emits
# them; the fault suites use it), for a process that cannot pass `checkpoint_interval_seconds`.
CHECKPOINT_INTERVAL_ENV = "SOCIALFETCH_CHECKPOINT_INTERVAL_SECONDS"


def checkpoint_interval() -> float:
    """CHECKPOINT_INTERVAL_SECONDS, unless the environment sets a valid (finite, >= 0) other one."""
    try:
        value = float(os.environ.get(CHECKPOINT_INTERVAL_ENV, ""))
    except ValueError:
        return CHECKPOINT_INTERVAL_SECONDS
    return value if math.isfinite(value) and value >= 0 else CHECKPOINT_INTERVAL_SECONDS


class PerHandleCursor(Cursor):
    """Moves a handle's cursor only when that handle completed, and emits state through the
    message repository that carries the records, so a STATE never overtakes its own records."""

    def __init__(
        self,
        stream_name: str,
        store: VideosStateStore,
        run: SyncRun,
        message_repository: MessageRepository,
        checkpoint_interval_seconds: Optional[float] = None,
    ):
        self._stream_name = stream_name
        self._store = store
        self._run = run
        self._message_repository = message_repository
        run.closed_by_cursor(stream_name)  # each part's result comes to close_partition
        self._interval = checkpoint_interval() if checkpoint_interval_seconds is None else checkpoint_interval_seconds
        self._emitted = 0
        # The parts this sync may close: every handle's read, and the refreshes due at its start.
        # A checkpoint waits for an eighteenth of them, whichever kind closed.
        parts = len(store.handles) + store.refresh.due_count()
        self._closes_per_checkpoint = max(1, math.ceil(parts / CHECKPOINTS_PER_SYNC))
        # One lock for the cadence's counters and for building and queueing a STATE: two parts
        # closing together cannot queue their snapshots in the reverse order (the older one last).
        self._lock = threading.Lock()
        self._last_emit = time.monotonic()
        self._closed_since_emit = 0
        # What the last STATE carried, as a digest: the state itself (megabytes at 10,000 handles)
        # leaves with its message and is not kept between checkpoints.
        self._last_digest: Optional[bytes] = None

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._snapshot()

    @property
    def store(self) -> VideosStateStore:
        return self._store

    @property
    def states_emitted(self) -> int:
        return self._emitted

    def observe(self, record: Record) -> None:
        """Nothing to do per record: the stream notes the newest video of each page of a handle's
        own read (not of its refresh, not its stats snapshots) in the store, from the date its
        pager already parsed (`Videos.read_page`); here every date would be parsed again."""

    def close_partition(self, partition: Partition) -> None:
        partition_slice = partition.to_slice() or {}
        handle = partition_slice.get("handle")
        if not isinstance(handle, str):
            return
        if partition_slice.get(REFRESH):
            self._close_refresh(handle)
            return
        read = self._run.take_result(self._stream_name, handle)
        outcome = read.outcome if read else None
        if outcome is Outcome.COMPLETED and read is not None:
            self._store.paces.note(handle, read.records, read.newest_emitted, read.oldest_emitted, read.started_at)
            self._store.complete_read(handle, read.pages, read.refresh_done, read.deep)
            self._maybe_emit()
        elif outcome is Outcome.WAITING and read is not None and read.resume_cursor:
            self._store.suspend(handle, read.resume_cursor)
        else:
            if outcome is Outcome.INCOMPLETE:
                self._store.forget_resume(handle)  # the position led into a paging loop: start over
            self._store.discard(handle)

    def _close_refresh(self, handle: str) -> None:
        """A stats refresh ended: schedule the next one, or remember where this one stopped."""
        read = self._run.take_result(self._stream_name, handle, REFRESH)
        if read is None:
            return
        pages = read.pages_before + read.pages
        if read.outcome in (Outcome.COMPLETED, Outcome.INCOMPLETE):  # a paging guard: not again every sync
            self._store.complete_refresh(handle, pages)
            self._maybe_emit()
        elif read.outcome in (Outcome.WAITING, Outcome.FAILED) and read.resume_cursor:
            self._store.suspend_refresh(handle, read.resume_cursor, pages)

    def ensure_at_least_one_state_emitted(self) -> None:
        """Called once the stream is done: the final, complete state, in which every handle without
        a refresh due instant gets one (placed by the page counts this sync learnt)."""
        self._store.refresh.place_new(self._store.handles)
        self._emit()

    def _maybe_emit(self) -> None:
        """A checkpoint once the interval has passed and enough parts completed since the last."""
        with self._lock:
            self._closed_since_emit += 1
            elapsed = time.monotonic() - self._last_emit
            if elapsed < self._interval or (
                self._closed_since_emit < self._closes_per_checkpoint and elapsed < MAX_CHECKPOINT_SECONDS
            ):
                return
            self._closed_since_emit = 0
            self._emit_locked()

    def should_be_synced(self, record: Record) -> bool:
        # Never called outside the declarative framework: the stream filters by boundary itself.
        return True

    def _snapshot(self) -> MutableMapping[str, Any]:
        return self._store.snapshot_of(self._run, self._stream_name)

    def _emit(self) -> None:
        with self._lock:
            self._emit_locked()

    def _emit_locked(self) -> None:
        self._message_repository.emit_message(self._state_message())
        self._last_emit = time.monotonic()

    def _state_message(self) -> AirbyteMessage:
        snapshot = self._snapshot()
        self._last_digest = _digest(snapshot)
        self._emitted += 1
        return state_message(self._stream_name, snapshot)

    def state_if_changed(self) -> Optional[AirbyteMessage]:
        """After the whole read: the state again if it changed since the stream's final one (user
        ids the profiles stream learnt after the last videos page), for the next sync to use."""
        with self._lock:
            if self._last_digest is None or _digest(self._snapshot()) == self._last_digest:
                return None
            return self._state_message()


def state_message(stream: str, state: Mapping[str, Any]) -> AirbyteMessage:
    """A per-stream STATE message, as the CDK's `ConnectorStateManager.create_state_message` makes
    it, without a copy of the state kept in a state manager until the next one."""
    descriptor = StreamDescriptor(name=stream, namespace=None)
    stream_state = AirbyteStreamState(stream_descriptor=descriptor, stream_state=AirbyteStateBlob(state))
    return AirbyteMessage(type=Type.STATE, state=AirbyteStateMessage(type=AirbyteStateType.STREAM, stream=stream_state))


def _digest(state: Mapping[str, Any]) -> bytes:
    return hashlib.blake2b(orjson.dumps(state), digest_size=16).digest()
