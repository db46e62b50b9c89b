"""Console entry point: the Airbyte protocol on stdout. It owns its process (it is PID 1 in the image):
only here are process-wide settings changed (the GIL's switch interval, the cyclic collector's
threshold), for the time of the command."""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from typing import Iterator, List, Optional

from airbyte_cdk.utils import AirbyteTracedException

from .cancellation import CommandCancelled, handling_sigterm
from .masking import launch
from .serialization import keep_nulls_in_records
from .source import SourceSocialfetchTiktok

# How long a thread may run Python before CPython hands the GIL to a waiting one (default 5 ms).
# Longer, a worker finishes its page and the main thread writes a whole batch instead of the two
# forcing the GIL from each other (figures: docs/performance.md).
THREAD_SWITCH_INTERVAL_SECONDS = 0.02


# Container allocations between two young-generation collections of CPython's cyclic collector
# (default 700). A record is a tree of about 15 containers, freed by reference counting, not by
# the collector; at 700 the collector still ran about 1,200 times per 50,000 records, and its
# full collections walked the records waiting in the queue: about a tenth of a read's CPU.
YOUNG_COLLECTION_THRESHOLD = 10_000


@contextmanager
def collector_threshold(young: int) -> Iterator[None]:
    """The cyclic collector's first threshold, for the time of the block (process-wide, like the
    switch interval below: only an entry point that owns the process sets it)."""
    previous = gc.get_threshold()
    gc.set_threshold(young, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def thread_switch_interval(seconds: float) -> Iterator[None]:
    """CPython's thread switch interval, for the time of the block: it is the process's, so only
    an entry point that owns the process sets it (`read` never does), and it is put back after."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def run(args: Optional[List[str]] = None) -> None:
    keep_nulls_in_records()
    source = SourceSocialfetchTiktok()
    try:
        with (thread_switch_interval(THREAD_SWITCH_INTERVAL_SECONDS), collector_threshold(YOUNG_COLLECTION_THRESHOLD),
              handling_sigterm(source.cancellation)):
            launch(source, sys.argv[1:] if args is None else args)
    except CommandCancelled as cancelled:
        cancelled.traced().emit_message()
        sys.exit(1)
    except AirbyteTracedException as error:
        # An expected failure (bad config, failed handles, no credits) ends with its TRACE message
        # and a non-zero exit, without the traceback the CDK's uncaught-exception hook would log.
        error.emit_message()
        sys.exit(1)
