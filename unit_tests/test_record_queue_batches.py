"""A batch goes into the record queue as one item and comes out record by record: what the CDK's
consumer loop asks of the queue between two records (`empty`, `qsize`) still counts the rest."""

from __future__ import annotations

import threading
from queue import Queue

from airbyte_cdk.sources.types import Record

from source_socialfetch_tiktok.read.record_queue import RecordBatchingQueue


def record(n: int) -> Record:
    return Record(data={"id": str(n), "handle": "h"}, stream_name="videos")


def test_given_a_batch_being_handed_out_then_the_queue_is_not_empty_until_its_last_record() -> None:
    # ConcurrentSource._consume_from_queue ends the read when the queue is empty and every
    # partition is done: a record still in the batch being handed out must keep it going.
    queue = RecordBatchingQueue(maxsize=100, records_per_batch=3)
    worker = threading.Thread(target=lambda: [queue.put(record(n)) for n in range(3)])
    worker.start()
    worker.join(10)

    seen = []
    while not queue.empty():
        seen.append((queue.get().data["id"], queue.qsize()))

    assert seen == [("0", 2), ("1", 1), ("2", 0)]


def test_the_queue_relies_only_on_what_queue_offers_publicly() -> None:
    """No reach into `Queue`'s internals (`not_full`, `_put`, `_qsize`, `unfinished_tasks`): the
    batching overrides only public methods, and takes part of no lock of the standard library's."""
    overridden = {name for name in vars(RecordBatchingQueue) if not name.startswith("__")}
    public_of_queue = {name for name in vars(Queue) if not name.startswith("_")}
    assert {name for name in overridden if not name.startswith("_")} - public_of_queue == {"flush", "held_records"}
    assert not {name for name in overridden if name.startswith("_")} & set(vars(Queue))
