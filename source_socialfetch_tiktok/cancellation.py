"""Cancel from outside: the platform's SIGTERM (`docker stop`, a Kubernetes pod moved, a cancelled
sync), then a grace period, then SIGKILL.

A read that is cancelled stops asking for pages (the sync-wide stop every handle checks before its
next page), lets the pages in flight finish, checkpoints every handle that completed and the page
every other one stopped at, and ends with a TRACE saying it was cancelled. Any other command (spec,
check, discover, or a read before it began) has nothing to save: it ends at once the same way.

Only the console entry point installs the handler (`handling_sigterm`): it owns its process. A read
called in-process only watches a `Cancellation` that nothing requests.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Callable, Iterator, Optional

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils import AirbyteTracedException

CANCELLED_MESSAGE = "The sync was cancelled"


class CommandCancelled(BaseException):
    """Raised on the main thread by a cancel that came outside a read. A BaseException, as
    KeyboardInterrupt is: the CDK's entrypoint turns any Exception into a failed check."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def traced(self) -> AirbyteTracedException:
        message = f"{CANCELLED_MESSAGE} ({self.reason}) before it read anything: nothing was saved or lost."
        return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.transient_error)


class Cancellation:
    """A request to stop, and the reads that watch for it. `request` may run in a signal handler,
    on the main thread between two bytecodes, while that thread holds any lock of the sync: it only
    flips a flag under a re-entrant condition, and a thread of the read turns it into the stop."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.RLock())
        self._reason: Optional[str] = None
        self._watching = 0

    @property
    def requested(self) -> Optional[str]:
        return self._reason

    def request(self, reason: str) -> None:
        """Stop the read being watched; with none, raise CommandCancelled (once) on this thread."""
        with self._condition:
            first = self._reason is None
            if first:
                self._reason = reason
            watching = self._watching
            self._condition.notify_all()
        if first and not watching:
            raise CommandCancelled(reason)

    @contextmanager
    def watching(self, stop: Callable[[str], None]) -> Iterator[None]:
        """For the time of a read: a request (or one already made) calls `stop(reason)`, once, from
        a thread of its own (stop takes the sync's locks, which a signal handler must not)."""
        finished = threading.Event()

        def watch() -> None:
            with self._condition:
                self._condition.wait_for(lambda: finished.is_set() or self._reason is not None)
                reason = None if finished.is_set() else self._reason
            if reason is not None:
                stop(reason)

        with self._condition:
            self._watching += 1
        watcher = threading.Thread(target=watch, name="cancellation-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            with self._condition:
                finished.set()
                self._watching -= 1
                self._condition.notify_all()
            watcher.join()


@contextmanager
def handling_sigterm(cancellation: Cancellation) -> Iterator[None]:
    """SIGTERM requests `cancellation` for the time of the block, and the previous handler is put
    back after. The connector is PID 1 in its image, and a PID 1 without a handler ignores SIGTERM.
    Off the main thread (where Python cannot set handlers) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigterm(signum: int, frame: Optional[FrameType]) -> None:
        cancellation.request(f"{signal.Signals(signum).name} received")

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
