"""Ctrl-C and SIGTERM during a local sync end it the same way.

Ctrl-C reaches this process (and the connector, in the same process group) as SIGINT, which Python
turns into KeyboardInterrupt; a scheduler's or a container's stop reaches it as SIGTERM, whose
default action would end this process at once and leave the connector running on, orphaned. So
SIGTERM raises KeyboardInterrupt too, for the time of the sync: PyAirbyte then stops the connector
(SIGTERM, which the connector answers by saving where it was; docs/reliability.md) and nothing of
the unfinished sync is written. PyAirbyte keeps a sync's records and state only once the connector
ends successfully, so what the destination held before stays as it was, and the next sync goes on
from the last state saved there.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator, Optional


@contextmanager
def sigterm_as_keyboard_interrupt() -> Iterator[None]:
    """For the time of the block, SIGTERM raises KeyboardInterrupt on the main thread (off it, nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Optional[FrameType]) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def hush_the_stopped_connector() -> None:
    """When a sync is interrupted, PyAirbyte's read generator is closed as the interrupt unwinds (or
    later, when collected), and its clean-up raises that the connector it stopped exited non-zero;
    Python prints that as "Exception ignored in ..." with a traceback, beside the command's own
    message. Only that error is dropped (a connector that fails otherwise is reported by PyAirbyte's
    read itself, not here); any other goes to the previous hook. The command owns its process."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if type(unraisable.exc_value).__name__ != "AirbyteSubprocessFailedError":
            previous(unraisable)

    sys.unraisablehook = hook
