"""The queue that takes each worker's records in batches keeps every order a sync relies on."""

from __future__ import annotations

import threading
from queue import Full
from typing import Any, Iterable, List, Mapping, Optional

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.message.repository import InMemoryMessageRepository
from airbyte_cdk.sources.streams.concurrent.partitions.types import PartitionCompleteSentinel
from airbyte_cdk.sources.types import Record

from source_socialfetch_tiktok.read.partitions import HandlePartition, Phase, ReadPhases
from source_socialfetch_tiktok.read.record_queue import RECORDS_PER_BATCH, RecordBatchingQueue


def record(n: int) -> Record:
    return Record(data={"id": str(n), "handle": "h"}, stream_name="videos")


def in_thread(fn: Any) -> None:
    """Run `fn` in a worker thread (the queue keeps records per thread); what it raises, an
    assertion included, is raised here."""
    raised: List[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            raised.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    if raised:
        raise raised[0]


def drain(queue: RecordBatchingQueue) -> List[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get())
    return items


def test_records_wait_for_a_whole_batch_then_go_in_at_once() -> None:
    queue = RecordBatchingQueue(maxsize=1000)

    def work() -> None:
        for n in range(RECORDS_PER_BATCH - 1):
            queue.put(record(n))
        assert queue.qsize() == 0 and queue.held_records() == RECORDS_PER_BATCH - 1
        queue.put(record(RECORDS_PER_BATCH - 1))
        assert queue.qsize() == RECORDS_PER_BATCH and queue.held_records() == 0

    in_thread(work)
    assert [item.data["id"] for item in drain(queue)] == [str(n) for n in range(RECORDS_PER_BATCH)]


def test_anything_but_a_record_goes_in_after_the_records_its_thread_holds() -> None:
    queue = RecordBatchingQueue(maxsize=1000)
    sentinel = PartitionCompleteSentinel(partition=None, is_successful=True)  # type: ignore[arg-type]

    def work() -> None:
        for n in range(3):
            queue.put(record(n))
        queue.put(sentinel)

    in_thread(work)
    items = drain(queue)
    assert [getattr(item, "data", {}).get("id") for item in items[:3]] == ["0", "1", "2"]
    assert items[3] is sentinel


def test_flush_hands_over_only_the_calling_threads_records() -> None:
    queue = RecordBatchingQueue(maxsize=1000)
    holding, release = threading.Event(), threading.Event()

    def work() -> None:
        queue.put(record(1))
        queue.put(record(2))
        holding.set()
        release.wait(10)
        queue.flush()

    worker = threading.Thread(target=work)
    worker.start()
    assert holding.wait(10)
    queue.flush()  # this thread holds nothing: the worker's records stay with it
    assert queue.qsize() == 0
    release.set()
    worker.join(10)
    assert [item.data["id"] for item in drain(queue)] == ["1", "2"]


def test_a_full_queue_still_refuses_a_put_that_must_not_wait() -> None:
    # The main thread's puts (through the CDK's message repository) never wait on the queue they drain.
    queue = RecordBatchingQueue(maxsize=2, records_per_batch=2)
    in_thread(lambda: [queue.put(record(n)) for n in range(2)])

    with pytest.raises(Full):
        queue.put("a log message", block=False)  # type: ignore[arg-type]


def test_a_worker_waits_for_room_before_it_hands_a_batch_over() -> None:
    queue = RecordBatchingQueue(maxsize=2, records_per_batch=2)
    in_thread(lambda: [queue.put(record(n)) for n in range(2)])
    handed_over = threading.Event()

    def work() -> None:
        queue.put(record(2))
        queue.put(record(3))  # a full batch: waits until the consumer makes room
        handed_over.set()

    worker = threading.Thread(target=work)
    worker.start()
    assert not handed_over.wait(0.3)
    assert [queue.get().data["id"] for _ in range(2)] == ["0", "1"]
    assert handed_over.wait(10)
    worker.join(10)
    assert [item.data["id"] for item in drain(queue)] == ["2", "3"]


class _Stream:
    """The little of a stream a partition reads: a name and its records."""

    name = "videos"

    def __init__(self, count: int):
        self._count = count

    def read_records(self, sync_mode: SyncMode, stream_slice: Optional[Mapping[str, Any]] = None,
                     **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        for n in range(self._count):
            yield {"id": str(n), "handle": "h"}


def test_a_partition_hands_its_last_records_over_before_its_phase_ends() -> None:
    # Its cursor closes it (and may checkpoint its handle) right after, and video_stats' COMPLETE
    # waits for the phase: neither may overtake a record still held back.
    queue = RecordBatchingQueue(maxsize=1000)
    phase = Phase()
    phase.opened()
    phase.generated()
    partition = HandlePartition(_Stream(5), {"handle": "h"}, ReadPhases(1),  # type: ignore[arg-type]
                                InMemoryMessageRepository(), [phase], queue)
    seen: List[int] = []

    def work() -> None:
        for item in partition.read():
            queue.put(item)
            seen.append(queue.qsize())
        assert queue.held_records() == 0

    in_thread(work)
    assert seen == [0, 0, 0, 0, 0], "records are held back while the partition is read"
    assert phase.wait()
    assert [item.data["id"] for item in drain(queue)] == ["0", "1", "2", "3", "4"]
