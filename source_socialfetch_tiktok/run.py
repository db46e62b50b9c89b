"""Console entry point: the Airbyte protocol on stdout. It owns its process (it is PID 1 in the image):
only here are process-wide settings changed (the signal mask, the GIL's switch interval, the cyclic
collector's threshold), for the time of the command.

It imports only the standard library before it blocks the cancel signals (cancellation.py); the
CDK and the connector are imported after, in `console.run_command`, in one data-stack chunk
(`in_one_stack_chunk`) and with the collector's threshold already raised.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, TypeVar

from .cancellation import Cancellation, cancelled_before_reading, receiving_signals

# How long a thread may run Python before CPython hands the GIL to a waiting one (default 5 ms).
# Longer, a worker finishes its page and the main thread writes a whole batch instead of the two
# forcing the GIL from each other (figures: docs/performance.md).
THREAD_SWITCH_INTERVAL_SECONDS = 0.02

# Container allocations between two young-generation collections of CPython's cyclic collector
# (default 700). A record is a tree of about 15 containers, freed by reference counting, not by
# the collector; at 700 the collector still ran about 1,200 times per 50,000 records, and its
# full collections walked the records waiting in the queue: about a tenth of a read's CPU.
YOUNG_COLLECTION_THRESHOLD = 10_000

# The exit code of a command that failed or was cancelled (its last TRACE says which).
FAILED = 1

# Unused local slots that make `in_one_stack_chunk`'s frame 7,250+ words: more than the 7,192 words
# for which CPython would still take a chunk of 64 KB (see there).
STACK_CHUNK_SLOTS = 7_250

T = TypeVar("T")


def in_one_stack_chunk(fn: Callable[[], T]) -> T:
    """`fn()`, with every frame it calls on this thread in one data-stack chunk that lives as long as the call.

    CPython 3.11+ keeps a thread's Python frames in chunks of 16 KB, takes a new one when a call does not
    fit, and unmaps it the moment the first frame in it returns: a call made again and again at a chunk's
    edge maps and unmaps 16 KB each time (7 us of CPU, against 0.05 us for a call). The CDK's imports
    build hundreds of pydantic models about 100 frames deep, right where the first edge falls: a `spec`
    or `check` paid 3,300 of these at 0.3.0 and 14,600 once 0.4.0 imported from inside `run` (the depth
    moved by a frame or two): 0.1 s of CPU, +0.27 s of wall on a loaded machine (bench/results.md).
    This frame is too big for a chunk of 64 KB (its unused slots, below), so CPython gives it one of
    128 KB (doubling 16 KB until the frame and 1,000 words fit) with about 9,000 words free after it,
    some 450 frames, more than a command goes (a call past it would take a chunk of 16 KB again, which
    integration_tests/test_cli.py counts); and the chunk is the frame's, so no call under it maps or
    unmaps one."""
    return fn()


in_one_stack_chunk.__code__ = in_one_stack_chunk.__code__.replace(
    co_varnames=("fn", *(f"_unused_{i}" for i in range(STACK_CHUNK_SLOTS))), co_nlocals=1 + STACK_CHUNK_SLOTS
)


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


def end_at_once(reason: str, cdk_imported: bool = True) -> None:
    """A cancel with nothing to save (start-up, spec, check, discover, a read not yet begun): end
    the process now, from the signal watcher's thread. Every write to stdout goes through the CDK's
    print buffer under its lock, so holding it, the lines already written are whole; the buffered
    ones are written, then the TRACE, and nothing after it. While the main thread is still importing
    the CDK, nothing was written, and importing it from this thread would find its modules half
    initialised: the same TRACE is then written with the standard library."""
    message = cancelled_before_reading(reason)
    if not cdk_imported:
        write_whole(1, trace_line(message))  # stdout: this runs only in the console script
        os._exit(FAILED)

    from airbyte_cdk.logger import PRINT_BUFFER
    from airbyte_cdk.models import FailureType
    from airbyte_cdk.utils import AirbyteTracedException

    traced = AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.transient_error)
    with PRINT_BUFFER.lock:
        PRINT_BUFFER.flush()  # what was written before, whole, ahead of the TRACE
        traced.emit_message()  # into the buffer inside the CDK's entrypoint, else straight to stdout
        PRINT_BUFFER.flush()
        if sys.stdout is not None:
            sys.stdout.flush()
        os._exit(FAILED)


def trace_line(message: str) -> bytes:
    """The TRACE the CDK writes for a transient error, as one line."""
    error = {"message": message, "internal_message": message, "failure_type": "transient_error"}
    trace = {"type": "ERROR", "emitted_at": time.time() * 1000, "error": error}
    return (json.dumps({"type": "TRACE", "trace": trace}) + "\n").encode()


def write_whole(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def run(args: Optional[List[str]] = None) -> None:
    code = in_one_stack_chunk(lambda: run_command_here(sys.argv[1:] if args is None else args))
    if code:
        sys.exit(code)


def run_command_here(args: List[str]) -> int:
    """The command with the console script's process-wide settings; its exit code."""
    cdk_imported = threading.Event()
    cancellation = Cancellation(end_now=lambda reason: end_at_once(reason, cdk_imported.is_set()))
    # The threshold already covers the imports: at CPython's 700 the collector ran 750 times during
    # them (0.14-0.19 s of CPU), at 10,000 33 times (0.09-0.10 s).
    with receiving_signals(cancellation), collector_threshold(YOUNG_COLLECTION_THRESHOLD):
        from .console import run_command  # the CDK's imports: after the signals are blocked

        cdk_imported.set()
        with thread_switch_interval(THREAD_SWITCH_INTERVAL_SECONDS):
            return run_command(args, cancellation)
