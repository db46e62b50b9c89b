"""Our streams as the CDK's concurrent framework reads them: one partition per handle (and one per
stats refresh), `concurrency` handles at a time, in phases.

Why not the CDK's `StreamFacade`: one page of videos feeds two streams (`videos` and
`video_stats`, and `handle_reads` at the end of each part), and the facade tags every record with
the partition's own stream. Here a `StatsSnapshot` the stream yields becomes a record of
`video_stats` (a `HandleReadRecord`, of `handle_reads`), so the framework counts it, marks that
stream RUNNING, and queues it before that stream's COMPLETE (whose generator waits for the last
videos partition, see `AfterVideos`).

The phases, each a `Phase` below: every handle's incremental part is read before any refresh page
(new videos first, under the credit budget); `video_stats` ends after the last videos partition.
Partitions are handed to the thread pool in the order they are generated, so when a waiting
partition starts, every partition it waits for has already started: waiting cannot deadlock.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
from typing import Any, Iterable, Iterator, List, Mapping, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField, FinalStateCursor
from airbyte_cdk.sources.streams.concurrent.default_stream import DefaultStream
from airbyte_cdk.sources.streams.concurrent.helpers import get_primary_key_from_stream
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.partitions.partition_generator import PartitionGenerator
from airbyte_cdk.sources.types import Record, StreamSlice

from ..records.handle_reads import HANDLE_READS, HandleReadRecord
from ..records.video_stats import VIDEO_STATS, StatsSnapshot
from .record_queue import RecordBatchingQueue

REFRESH = "refresh"  # the slice key of a stats-refresh partition: {"handle": h, "refresh": True}


class Phase:
    """Partitions of one phase handed out and not finished. `wait()` returns once the phase's
    generation has ended and every one of its partitions finished, or the read was cancelled."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._open = 0
        self._generated = False
        self._cancelled = False

    def opened(self) -> None:
        with self._condition:
            self._open += 1

    def finished(self) -> None:
        with self._condition:
            self._open -= 1
            self._condition.notify_all()

    def generated(self) -> None:
        with self._condition:
            self._generated = True
            self._condition.notify_all()

    def cancel(self) -> None:
        with self._condition:
            self._cancelled = True
            self._condition.notify_all()

    def wait(self) -> bool:
        """True when the phase is over, False when the read was cancelled first."""
        with self._condition:
            self._condition.wait_for(lambda: self._cancelled or (self._generated and self._open == 0))
            return not self._cancelled


class Slots:
    """At most `n` handles read at once, granted in the order asked: a freed slot goes to the
    longest waiter, never to a thread that asks later (a plain semaphore lets the releasing worker
    take it straight back for its next handle). So handles are read in the order generated, which
    the credit budget's rotation (`waiting_for_budget` first) relies on.

    Partitions that all start asking at one instant (the refreshes, woken together when the
    incremental phase ends) would ask in whatever order the threads wake: they take a `ticket`
    when generated and ask in ticket order (`taken(ticket)`)."""

    def __init__(self, n: int):
        self._free = max(n, 1)
        self._waiters: collections.deque[threading.Event] = collections.deque()
        self._lock = threading.Lock()
        self._turn_changed = threading.Condition(self._lock)
        self._tickets = 0
        self._turn = 0
        self._cancelled = False

    def ticket(self) -> int:
        """A place in the order in which `taken` grants turns to ask."""
        with self._lock:
            self._tickets += 1
            return self._tickets - 1

    def __enter__(self) -> Slots:
        self._wait(self._ask(None))
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._free += 1

    @contextlib.contextmanager
    def taken(self, ticket: Optional[int]) -> Iterator[Slots]:
        """A slot, asked for once every earlier ticket has asked (None: at once)."""
        self._wait(self._ask(ticket))
        try:
            yield self
        finally:
            self.__exit__()

    def cancel(self) -> None:
        """Stop keeping turns: the read ended before every ticket asked."""
        with self._lock:
            self._cancelled = True
            self._turn_changed.notify_all()

    def _ask(self, ticket: Optional[int]) -> Optional[threading.Event]:
        """Take a free slot (None), or join the waiters (the event the releasing thread sets)."""
        with self._lock:
            if ticket is not None:
                self._turn_changed.wait_for(lambda: self._cancelled or self._turn == ticket)
                self._turn = max(self._turn, ticket + 1)
                self._turn_changed.notify_all()
            if self._free and not self._waiters:
                self._free -= 1
                return None
            turn = threading.Event()
            self._waiters.append(turn)
            return turn

    @staticmethod
    def _wait(turn: Optional[threading.Event]) -> None:
        if turn is not None:
            turn.wait()  # the releasing thread hands its slot over


class ReadPhases:
    """The phases of one read, and the slots that bound how many handles are read at once (the
    thread pool is larger: a waiting partition or a generator must not take a reader's place)."""

    def __init__(self, concurrency: int):
        self.incremental = Phase()
        self.videos = Phase()
        self.slots = Slots(concurrency)

    def cancel(self) -> None:
        """Release every waiter: the read ended (or failed) before its phases did."""
        self.incremental.cancel()
        self.videos.cancel()
        self.slots.cancel()


class HandlePartition(Partition):
    """One handle of one stream (or one handle's stats refresh)."""

    def __init__(self, stream: Stream, stream_slice: Mapping[str, Any], phases: ReadPhases,
                 message_repository: MessageRepository, member_of: List[Phase], queue: RecordBatchingQueue,
                 ticket: Optional[int] = None, stamp: Optional[Mapping[str, Any]] = None):
        self._stream = stream
        self._stamp = stamp  # fields every video_stats and handle_reads record carries (its shard)
        self._ticket = ticket  # a refresh's place in the order its slot is asked (Slots.taken)
        self._queue = queue
        self._slice = StreamSlice(partition=dict(stream_slice), cursor_slice={})
        self._phases = phases
        self._message_repository = message_repository
        self._member_of = member_of

    def read(self) -> Iterable[Record]:
        try:
            if self._slice.get(REFRESH) and not self._phases.incremental.wait():
                return
            with self._phases.slots.taken(self._ticket):
                yield from self._records()
        finally:
            # This partition's last records go into the queue before its cursor closes it and
            # before a phase waiting for it (video_stats' and handle_reads' COMPLETE) can end.
            self._queue.flush()
            for phase in self._member_of:
                phase.finished()

    def _records(self) -> Iterator[Record]:
        name, own_slice, stamp = self._stream.name, self._slice, self._stamp
        for item in self._stream.read_records(sync_mode=SyncMode.full_refresh, stream_slice=own_slice):
            # Exact types first: this is the per-record path, and `isinstance` against typing's
            # `Mapping` costs about a microsecond a call.
            if type(item) is dict:
                yield Record(data=item, stream_name=name, associated_slice=own_slice)
            elif type(item) is StatsSnapshot:
                if stamp:
                    item.update(stamp)
                yield Record(data=item, stream_name=VIDEO_STATS, associated_slice=own_slice)
            elif type(item) is HandleReadRecord:
                if stamp:
                    item.update(stamp)
                yield Record(data=item, stream_name=HANDLE_READS, associated_slice=own_slice)
            elif isinstance(item, Mapping):
                yield Record(data=item, stream_name=name, associated_slice=own_slice)
            else:
                self._message_repository.emit_message(item)

    def to_slice(self) -> Optional[Mapping[str, Any]]:
        return self._slice

    def stream_name(self) -> str:
        return self._stream.name

    def __hash__(self) -> int:
        return hash((self._stream.name, self._slice.get("handle"), bool(self._slice.get(REFRESH))))


class HandlePartitionGenerator(PartitionGenerator):
    """The stream's slices as partitions, each counted in the phases it belongs to."""

    def __init__(self, stream: Stream, phases: ReadPhases, message_repository: MessageRepository, phased: bool,
                 queue: RecordBatchingQueue, stamp: Optional[Mapping[str, Any]] = None):
        self._stream = stream
        self._stamp = stamp
        self._queue = queue
        self._phases = phases
        self._message_repository = message_repository
        self._phased = phased  # only the videos stream has phases

    def generate(self) -> Iterable[Partition]:
        phases = self._phases
        member: List[Phase] = []
        try:
            for stream_slice in self._stream.stream_slices(sync_mode=SyncMode.full_refresh):
                ticket = None
                if self._phased:
                    refresh = bool(stream_slice.get(REFRESH)) if stream_slice else False
                    if refresh:
                        phases.incremental.generated()  # refresh slices come after every incremental one
                        ticket = phases.slots.ticket()  # and read in the order generated
                    member = [phases.videos] if refresh else [phases.incremental, phases.videos]
                    for phase in member:
                        phase.opened()
                yield HandlePartition(self._stream, stream_slice or {}, phases, self._message_repository, member,
                                      self._queue, ticket, self._stamp)
        finally:
            if self._phased:
                phases.incremental.generated()
                phases.videos.generated()


class AfterVideos(PartitionGenerator):
    """For `video_stats` and `handle_reads`, which have no partitions of their own: their records
    come from the videos read. Generation ends only after the last videos partition, so the
    stream's COMPLETE follows its records."""

    def __init__(self, phases: ReadPhases):
        self._phases = phases

    def generate(self) -> Iterable[Partition]:
        self._phases.videos.wait()
        return []


def concurrent_stream(stream: Stream, generator: PartitionGenerator, cursor: Optional[Cursor],
                      message_repository: MessageRepository, logger: logging.Logger) -> DefaultStream:
    """A `DefaultStream` for one of our streams; full-refresh streams get the CDK's FinalStateCursor."""
    cursor_field = stream.cursor_field if isinstance(stream.cursor_field, str) and stream.cursor_field else None
    return DefaultStream(
        partition_generator=generator,
        name=stream.name,
        json_schema=stream.get_json_schema(),
        primary_key=get_primary_key_from_stream(stream.primary_key),
        cursor_field=CursorField(cursor_field) if cursor_field and cursor is not None else None,
        logger=logger,
        cursor=cursor or FinalStateCursor(stream.name, None, message_repository),
    )
