"""The queue between the worker threads and the main thread, which takes each thread's records in batches.

The CDK's `PartitionReader` puts every record into the queue on its own, and every put takes the
queue's lock and wakes the main thread, so with many workers that lock is contended record by
record (figures: docs/performance.md). The
queue is an option of `ConcurrentSource.create` (its `queue` argument), so no CDK code changes:
this one holds a worker's records back until `RECORDS_PER_BATCH` of them are waiting, then puts
them in under one lock and one wake-up.

Order is kept where it matters:
- A thread's held records go in before anything else that thread puts (a partition's end, a
  STATE or log message from the message repository, an exception), so each of those still
  follows the records before it.
- A partition hands its last records over itself (`flush`, at the end of `HandlePartition.read`)
  before its cursor closes it: a STATE that another thread emits after that close, and that
  carries this handle's new cursor, is queued after this handle's records.
The main thread takes items one by one as from any `Queue`: a batch goes in as one item (one lock,
one wake-up) and `get` hands its records out in order. Only `Queue`'s public methods are used.
`maxsize` counts records, as before, give or take one batch.
"""

from __future__ import annotations

import collections
import math
import threading
from queue import Queue
from typing import Any, List, Optional, cast

from airbyte_cdk.sources.streams.concurrent.partitions.types import QueueItem
from airbyte_cdk.sources.types import Record

# About two pages of videos: a worker hands its records over about once per page it reads.
RECORDS_PER_BATCH = 64


class _Batch(List[QueueItem]):
    """One worker's records, in the order it read them, handed over as one queue item."""


class RecordBatchingQueue(Queue[QueueItem]):
    """A `Queue` whose `put` of a record waits in a per-thread batch; see the module docstring."""

    def __init__(self, maxsize: int = 0, records_per_batch: int = RECORDS_PER_BATCH):
        self._records_per_batch = max(records_per_batch, 1)
        # A batch is one item of the underlying queue: bound the items so the records stay bounded.
        super().__init__(math.ceil(maxsize / self._records_per_batch) if maxsize > 0 else 0)
        self._held = threading.local()
        # The records of the batch being handed out; only the consumer (the main thread) reads them.
        self._unpacked: collections.deque[QueueItem] = collections.deque()
        self._count = 0  # items in the underlying queue, a batch counted by its records (for qsize)
        self._count_lock = threading.Lock()

    def put(self, item: QueueItem, block: bool = True, timeout: Optional[float] = None) -> None:
        if type(item) is Record:
            held: Optional[List[QueueItem]] = getattr(self._held, "records", None)
            if held is None:
                held = self._held.records = []
            held.append(item)
            if len(held) >= self._records_per_batch:
                self._hand_over(held)
            return
        self.flush()
        self._counted(1)
        try:
            super().put(item, block, timeout)
        except BaseException:
            self._counted(-1)
            raise

    def get(self, block: bool = True, timeout: Optional[float] = None) -> QueueItem:
        if self._unpacked:
            return self._unpacked.popleft()  # no lock: the rest of a batch already taken
        item: Any = super().get(block, timeout)
        if type(item) is not _Batch:
            self._counted(-1)
            return cast(QueueItem, item)
        self._counted(-len(item))
        self._unpacked.extend(item[1:])
        return cast(QueueItem, item[0])

    def empty(self) -> bool:
        return not self._unpacked and super().empty()

    def qsize(self) -> int:
        """Records and other items waiting, a batch counted by its records (approximate, as `Queue`'s)."""
        with self._count_lock:
            return self._count + len(self._unpacked)

    def flush(self) -> None:
        """Put in the records the calling thread holds back."""
        held: Optional[List[QueueItem]] = getattr(self._held, "records", None)
        if held:
            self._hand_over(held)

    def held_records(self) -> int:
        """How many records the calling thread holds back (for tests)."""
        return len(getattr(self._held, "records", None) or [])

    def _hand_over(self, held: List[QueueItem]) -> None:
        # Only worker threads hold records, and they may wait for room (the main thread, which
        # must never wait on its own queue, puts no records).
        batch = _Batch(held)
        held.clear()
        self._counted(len(batch))
        super().put(cast(QueueItem, batch))

    def _counted(self, change: int) -> None:
        with self._count_lock:
            self._count += change
