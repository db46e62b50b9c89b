"""What one sync has done so far, shared by every worker thread: per-handle outcomes, the credit
budget, the signal that stops every handle (bad key, no credits), progress logs and the summary."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime
from typing import Callable, Dict, List, Optional

from airbyte_cdk.models import FailureType

from ..api.errors_handlers import Kind
from ..timeutil import utc_now
from .budget import CreditBudget
from .part import Ending, HandleRead, Outcome, Part

__all__ = ["HandleRead", "Outcome", "SyncRun"]

PROGRESS_INTERVAL_SECONDS = 5.0
# Above this many handles, a completed handle's line is DEBUG and the log has one line for the
# whole sync every PROGRESS_INTERVAL_SECONDS instead: 10,000 lines a sync are not read.
PER_HANDLE_LINES_UP_TO = 100


# How a part ended, when the one ending it said only what the cursor does.
_ENDINGS = {
    Outcome.COMPLETED: Ending.COMPLETED,
    Outcome.INCOMPLETE: Ending.FAILED,
    Outcome.WAITING: Ending.BUDGET,
    Outcome.FAILED: Ending.FAILED,
}


class SyncRun:
    """Shared across streams and threads. The lock guards the registry of reads, the stop and the
    profile statuses, and each read's outcome (the first word wins). A `HandleRead`'s counters are
    written without it, only by the one thread reading that handle (a thread reads one partition
    at a time), and read by others once its partition is closed. The budget has its own lock."""

    def __init__(
        self, logger: logging.Logger, budget: CreditBudget, clock: Callable[[], datetime] = utc_now, handles: int = 0
    ):
        self.logger = logger
        self.budget = budget
        self.handles = handles
        self._finished: Dict[str, Dict[Outcome, int]] = {}
        self._last_overall_log = time.monotonic()
        # The sync's wall clock: `capturedAt`, the refresh schedule and the cursor sanity checks read
        # it (a benchmark simulating days of syncs passes a clock of its own).
        self.clock = clock
        self.sync_start = clock()
        self.sync_id = uuid.uuid4().hex  # `syncId`: the same on every `handle_reads` record of this sync
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._reads: Dict[tuple[str, str, str], HandleRead] = {}
        self._order: List[tuple[str, str, str]] = []
        self._stop_kind: Optional[Kind] = None
        self._profile_status: Dict[str, str] = {}

    # -- the sync-wide stop ------------------------------------------------------------
    def stop(self, kind: Kind, message: str) -> None:
        with self._lock:
            if self._stop_kind is None:
                self._stop_kind = kind
                self.logger.error(f"Stopping the sync: {message}")

    @property
    def stop_kind(self) -> Optional[Kind]:
        with self._lock:
            return self._stop_kind

    # -- per handle --------------------------------------------------------------------
    def begin(self, stream: str, handle: str, part: str = "", kind: Part = Part.INCREMENTAL) -> HandleRead:
        read = HandleRead(stream, handle, part, kind)
        with self._lock:
            key = (stream, handle, part)
            if key not in self._reads:
                self._order.append(key)
            self._reads[key] = read
        return read

    def reserve(self, read: HandleRead) -> bool:
        """Reserve one request's credits; False (and the handle waits) when stopped or out of budget."""
        stopped = self.stop_kind
        if stopped is not None:
            ending = Ending.BUDGET if stopped is Kind.OUT_OF_CREDITS else Ending.FAILED
            self.finish(read, Outcome.WAITING, f"not read: the sync stopped ({stopped.value})", ending=ending)
            return False
        price = self.budget.try_reserve()
        if price is None:
            self.finish(read, Outcome.WAITING, "waiting for budget (max_credits_per_sync reached)", ending=Ending.BUDGET)
            return False
        read.reserved += price
        return True

    def settle(self, read: HandleRead, charged: int) -> None:
        self.budget.settle(read.reserved, charged)
        read.reserved = 0
        read.credits += charged
        read.pages += 1

    def release(self, read: HandleRead, assume_charged: bool = False) -> None:
        """Give back an unsettled reservation, or count it as spent when it may have been charged."""
        if read.reserved:
            if assume_charged:
                self.budget.settle(read.reserved, read.reserved)
                read.credits += read.reserved
            else:
                self.budget.release(read.reserved)
            read.reserved = 0

    def finish(
        self,
        read: HandleRead,
        outcome: Outcome,
        reason: str = "",
        failure_type: Optional[FailureType] = None,
        ending: Optional[Ending] = None,
    ) -> None:
        """Record the outcome once: the first word on a handle is the one that counts."""
        with self._lock:
            if read.outcome is not None:
                return
            read.outcome, read.reason, read.failure_type = outcome, reason, failure_type
            read.ending = ending or _ENDINGS[outcome]

    def log_progress(self, read: HandleRead, force: bool = False) -> None:
        """A line per handle at most every few seconds, so long handles keep the platform's heartbeat."""
        now = time.monotonic()
        if not force and now - read.last_progress_log < PROGRESS_INTERVAL_SECONDS:
            return
        read.last_progress_log = now
        self.logger.info(
            f"{read.stream} {read.handle}: {read.pages} pages, {read.records} records, "
            f"{read.credits} credits so far ({now - read.started:.1f}s)"
        )

    def log_finished(self, read: HandleRead) -> None:
        outcome = read.outcome.value if read.outcome else "unknown"
        if read.part:
            outcome = f"stats {read.part} {outcome}"
        detail = f": {read.reason}" if read.reason else ""
        line = (
            f"{read.stream} {read.handle}: {outcome}{detail}; {read.pages} pages, {read.records} records, "
            f"{read.credits} credits in {time.monotonic() - read.started:.1f}s"
        )
        many = self.handles > PER_HANDLE_LINES_UP_TO
        if read.outcome not in (Outcome.COMPLETED, Outcome.WAITING):
            self.logger.warning(line)
        elif many:
            self.logger.debug(line)
        else:
            self.logger.info(line)
        if many:
            self._log_overall(read)

    def _log_overall(self, read: HandleRead) -> None:
        """One line for the whole sync at most every few seconds, when handles are many."""
        now = time.monotonic()
        with self._lock:
            counts = self._finished.setdefault(read.stream, {})
            if read.outcome is not None:
                counts[read.outcome] = counts.get(read.outcome, 0) + 1
            if now - self._last_overall_log < PROGRESS_INTERVAL_SECONDS:
                return
            self._last_overall_log = now
            done = dict(counts)
        self.logger.info(
            f"{read.stream}: {sum(done.values()):,} of {self.handles:,} handles done "
            f"({done.get(Outcome.COMPLETED, 0):,} completed, {done.get(Outcome.FAILED, 0):,} failed, "
            f"{done.get(Outcome.WAITING, 0):,} waiting), "
            f"{self.budget.spent:,} credits so far ({now - self.started:.1f}s)"
        )

    def read_of(self, stream: str, handle: str, part: str = "") -> Optional[HandleRead]:
        with self._lock:
            return self._reads.get((stream, handle, part))

    def reads(self, stream: Optional[str] = None, part: str = "") -> List[HandleRead]:
        """The reads of `stream` (every stream when None) of one `part` (a handle's own read by default)."""
        with self._lock:
            return [self._reads[k] for k in self._order if (stream is None or k[0] == stream) and k[2] == part]

    def handles_with(self, stream: str, outcome: Outcome) -> List[str]:
        return [r.handle for r in self.reads(stream) if r.outcome is outcome]

    # -- what the profiles stream learnt, for the videos summary -----------------------------
    def note_profile_status(self, handle: str, status: str) -> None:
        with self._lock:
            self._profile_status[handle] = status

    def profile_status(self, handle: str) -> Optional[str]:
        with self._lock:
            return self._profile_status.get(handle)
