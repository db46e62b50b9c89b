"""Cancel from outside: the platform's SIGTERM (`docker stop`, a Kubernetes pod moved, a cancelled
sync; then a grace period, then SIGKILL), or Ctrl-C's SIGINT to the console script.

No Python signal handler is ever installed. A handler runs on the main thread, and when it runs
while that thread is blocked writing to a full stdout pipe (a destination slower than the
source), CPython 3.11 drops the rest of that write: a RECORD cut mid-line and hundreds of records
after it lost, then a STATE that skips them (docs/reliability.md, "Cancel"). Instead the console
script blocks SIGTERM and SIGINT before any thread starts, so every thread inherits the mask and
no write is interrupted, and one watcher thread receives them with `sigwait`.

What a cancel does depends on what the command is doing (`Cancellation`):
- a `read` stops asking for pages, lets the pages in flight finish, checkpoints every handle that
  completed and the page every other one stopped at, writes its last STATE, and ends with a TRACE
  saying it was cancelled;
- before a read, and in `spec`, `check` and `discover`, there is nothing to save: the command ends
  at once, after the whole lines already written, with the same TRACE.

This module imports nothing but the standard library: the console script blocks the signals
before the CDK's imports (about a second), so a cancel at start-up is not lost either.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

CANCELLED_MESSAGE = "The sync was cancelled"
CANCEL_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


def cancelled_before_reading(reason: str) -> str:
    return f"{CANCELLED_MESSAGE} ({reason}) before it read anything: nothing was saved or lost."


def cancelled_after_reading(reason: str) -> str:
    return (f"{CANCELLED_MESSAGE} ({reason}) after its read ended: every record it read and its last STATE "
            "were written whole.")


class Cancellation:
    """A request to stop, and what it does: stop the read being watched; with none, end the
    command at once through `end_now` (nothing to save), unless the command is a read that has
    not begun or has ended (`hold`), which then finishes writing and ends cancelled."""

    def __init__(self, end_now: Optional[Callable[[str], None]] = None) -> None:
        self._condition = threading.Condition()
        self._reason: Optional[str] = None
        self._watching = 0
        self._held = False
        self._end_now = end_now
        self._settle: Optional[Callable[[], None]] = None  # set by `receiving_signals`

    @property
    def requested(self) -> Optional[str]:
        with self._condition:
            return self._reason

    def hold(self) -> None:
        """The command is a read: from now on a request never ends it at once; the read stops at
        its next page, or, if it has already ended, the command ends cancelled once it is written."""
        with self._condition:
            self._held = True

    def settled(self) -> Optional[str]:
        """The reason of a request, once every cancel signal the kernel had queued by now was taken:
        a signal already sent, whose watcher thread was not yet scheduled, is still a cancel."""
        if self._settle is not None:
            self._settle()
        return self.requested

    def request(self, reason: str) -> None:
        """Called from the signal watcher's thread (or a test), never from a signal handler."""
        with self._condition:
            first = self._reason is None
            if first:
                self._reason = reason
            end_now = first and not self._watching and not self._held
            self._condition.notify_all()
        if end_now and self._end_now is not None:
            self._end_now(reason)

    @contextmanager
    def watching(self, stop: Callable[[str], None]) -> Iterator[None]:
        """For the time of a read: a request (or one already made) calls `stop(reason)`, once, from
        a thread of its own (stop takes the sync's locks)."""
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
def receiving_signals(cancellation: Cancellation, signals: frozenset[signal.Signals] = CANCEL_SIGNALS) -> Iterator[None]:
    """For the time of the block, `signals` are blocked in this thread (and so in every thread it
    starts) and a watcher thread turns each one into `cancellation.request`. Only an entry point that
    owns its process may call it, on the main thread, before any thread starts: a thread started
    earlier keeps its mask and could still take the signal with its default action. Off the main
    thread it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    closing, waking, answered = threading.Event(), threading.Event(), threading.Event()
    ours = os.getpid()

    def take(received: signal.struct_siginfo) -> None:
        cancellation.request(f"{signal.Signals(received.si_signo).name} received")

    def watch() -> None:
        try:
            while True:
                received = signal.sigwaitinfo(signals)
                if not (waking.is_set() and received.si_pid == ours):
                    take(received)
                    continue
                # Our wake-up (below). The kernel hands a thread its own signals first, so a signal
                # from outside may still be queued behind it: take every one before answering.
                waking.clear()
                while (queued := signal.sigtimedwait(signals, 0)) is not None:
                    if queued.si_pid != ours:
                        take(queued)
                answered.set()
                if closing.is_set():
                    return
        finally:
            answered.set()  # never leave `settle` waiting on a watcher that is gone

    watcher = threading.Thread(target=watch, name="signal-watch", daemon=True)
    watcher.start()

    def settle() -> None:
        """Wake the watcher and wait until it has taken every signal queued so far."""
        if watcher.ident is None or not watcher.is_alive():
            return
        answered.clear()
        waking.set()
        signal.pthread_kill(watcher.ident, signal.SIGTERM)  # blocked there too: wakes its sigwaitinfo, nothing else
        while not answered.wait(0.1) and watcher.is_alive():
            pass

    cancellation._settle = settle
    try:
        yield
    finally:
        closing.set()
        settle()
        watcher.join()
        cancellation._settle = None
        # A signal that came after the watcher's last look: taken here, not by the default action once
        # unblocked (which would end the process before its exit code is set). The command is over.
        while signal.sigtimedwait(signals, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
