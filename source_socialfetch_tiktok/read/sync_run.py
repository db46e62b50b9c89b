"""What one sync has done so far, shared by every worker thread: the credit budget, the signal
that stops every handle (bad key, no credits), progress logs, and of each part that ended only
what the summary and the state still need.

A part's `PartWalk` lives while its pages are read; when it ends, `end` freezes it into a
`PartResult`, keeps a small tally of it for the summary (`tallies`), and holds the result for the one
reader that still needs it: the cursor closing that partition, or the handle's refresh (each takes
it by key, once). Nothing else of a part is kept to the end of the sync.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime
from typing import Callable, Dict, List, Optional, Set

from ..api.errors_handlers import Kind
from ..timeutil import utc_now
from .budget import CreditBudget
from .part import Ending, Outcome, Part, PartResult, PartWalk
from .tallies import PartTally, Tallies

__all__ = ["Outcome", "PartTally", "SyncRun"]

PROGRESS_INTERVAL_SECONDS = 5.0
# Above this many handles, a completed handle's line is DEBUG and the log has one line for the
# whole sync every PROGRESS_INTERVAL_SECONDS instead: 10,000 lines a sync are not read.
PER_HANDLE_LINES_UP_TO = 100


class SyncRun:
    """Shared across streams and threads. The lock guards the parts being read, the tallies and
    results of those that ended, the stop and the profile statuses. A `PartWalk` is written
    without it, only by the one thread reading that part (a thread reads one partition at a time).
    The budget has its own lock."""

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
        self._walking: Dict[int, PartWalk] = {}  # the parts being read (at most `concurrency` a stream), by id()
        self._tallies = Tallies()  # in the order the parts ended
        self._closed_by_cursor: Set[str] = set()  # streams whose cursor takes each part's result
        self._to_close: Dict[str, Dict[str, PartResult]] = {}  # part key -> handle -> result, until the cursor takes it
        self._handed_over: Dict[str, PartResult] = {}  # handle -> its own read's result, until its refresh takes it
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

    # -- a part, from its first page to its result -----------------------------------------
    def begin(self, stream: str, handle: str, part: str = "", kind: Part = Part.INCREMENTAL) -> PartWalk:
        walk = PartWalk(stream, handle, part, kind)
        with self._lock:
            self._walking[id(walk)] = walk
        return walk

    def end(self, walk: PartWalk) -> PartResult:
        """The part is over: its result, its tally kept for the summary, and the result held for the
        cursor that closes its partition (when its stream has one). The walk is forgotten."""
        result = walk.result()
        with self._lock:
            self._walking.pop(id(walk), None)
            self._tallies.add(result)
            if result.stream in self._closed_by_cursor:
                self._to_close.setdefault(result.part, {})[result.handle] = result
        return result

    def closed_by_cursor(self, stream: str) -> None:
        """`stream`'s cursor takes each part's result when it closes the partition (`take_result`)."""
        with self._lock:
            self._closed_by_cursor.add(stream)

    def take_result(self, stream: str, handle: str, part: str = "") -> Optional[PartResult]:
        """The result of a part of a stream closed by its cursor, once; None if that part never began."""
        with self._lock:
            return self._to_close.get(part, {}).pop(handle, None) if stream in self._closed_by_cursor else None

    def hand_over(self, result: PartResult) -> None:
        """A handle's own read that its refresh goes on from, later in this sync (`take_handed_over`)."""
        with self._lock:
            self._handed_over[result.handle] = result

    def take_handed_over(self, handle: str) -> Optional[PartResult]:
        with self._lock:
            return self._handed_over.pop(handle, None)

    # -- the credit budget ---------------------------------------------------------------
    def reserve(self, walk: PartWalk) -> bool:
        """Reserve one request's credits; False (and the part ends, waiting) when stopped or out of budget."""
        stopped = self.stop_kind
        if stopped is not None:
            ending = Ending.BUDGET if stopped is Kind.OUT_OF_CREDITS else Ending.STOPPED
            walk.end(ending, f"not read: the sync stopped ({stopped.value})")
            return False
        price = self.budget.try_reserve()
        if price is None:
            walk.end(Ending.BUDGET, "waiting for budget (max_credits_per_sync reached)")
            return False
        walk.reserved += price
        return True

    def settle(self, walk: PartWalk, charged: int) -> None:
        self.budget.settle(walk.reserved, charged)
        walk.reserved = 0
        walk.credits += charged
        walk.pages += 1

    def release(self, walk: PartWalk, assume_charged: bool = False) -> None:
        """Give back an unsettled reservation, or count it as spent when it may have been charged."""
        if walk.reserved:
            if assume_charged:
                self.budget.settle(walk.reserved, walk.reserved)
                walk.credits += walk.reserved
            else:
                self.budget.release(walk.reserved)
            walk.reserved = 0

    # -- the log -------------------------------------------------------------------------
    def log_progress(self, walk: PartWalk, force: bool = False) -> None:
        """A line per handle at most every few seconds, so long handles keep the platform's heartbeat."""
        now = time.monotonic()
        if not force and now - walk.last_progress_log < PROGRESS_INTERVAL_SECONDS:
            return
        walk.last_progress_log = now
        self.logger.info(
            f"{walk.stream} {walk.handle}: {walk.pages} pages, {walk.records} records, "
            f"{walk.credits} credits so far ({now - walk.started:.1f}s)"
        )

    def log_finished(self, walk: PartWalk) -> None:
        outcome = walk.outcome.value if walk.outcome else "unknown"
        if walk.part:
            outcome = f"stats {walk.part} {outcome}"
        detail = f": {walk.reason}" if walk.reason else ""
        line = (
            f"{walk.stream} {walk.handle}: {outcome}{detail}; {walk.pages} pages, {walk.records} records, "
            f"{walk.credits} credits in {time.monotonic() - walk.started:.1f}s"
        )
        many = self.handles > PER_HANDLE_LINES_UP_TO
        if walk.outcome not in (Outcome.COMPLETED, Outcome.WAITING):
            self.logger.warning(line)
        elif many:
            self.logger.debug(line)
        else:
            self.logger.info(line)
        if many:
            self._log_overall(walk)

    def _log_overall(self, walk: PartWalk) -> None:
        """One line for the whole sync at most every few seconds, when handles are many."""
        now = time.monotonic()
        with self._lock:
            counts = self._finished.setdefault(walk.stream, {})
            if walk.outcome is not None:
                counts[walk.outcome] = counts.get(walk.outcome, 0) + 1
            if now - self._last_overall_log < PROGRESS_INTERVAL_SECONDS:
                return
            self._last_overall_log = now
            done = dict(counts)
        self.logger.info(
            f"{walk.stream}: {sum(done.values()):,} of {self.handles:,} handles done "
            f"({done.get(Outcome.COMPLETED, 0):,} completed, {done.get(Outcome.FAILED, 0):,} failed, "
            f"{done.get(Outcome.WAITING, 0):,} waiting), "
            f"{self.budget.spent:,} credits so far ({now - self.started:.1f}s)"
        )

    # -- what the summary and the state read -----------------------------------------------
    def tallies(self, stream: Optional[str] = None, part: str = "") -> List[PartTally]:
        """The parts of `stream` (every stream when None) of one `part` (a handle's own read by
        default) that ended, in the order they ended."""
        with self._lock:
            return list(self._tallies.rows(stream, part))

    def walking(self, stream: str, part: str = "") -> List[PartWalk]:
        """The parts of `stream` being read now."""
        with self._lock:
            return [w for w in self._walking.values() if w.stream == stream and w.part == part]

    def handles_with(self, stream: str, outcome: Outcome) -> List[str]:
        return [t.handle for t in self.tallies(stream) if t.outcome is outcome]

    # -- what the profiles stream learnt, for the videos summary -----------------------------
    def note_profile_status(self, handle: str, status: str) -> None:
        with self._lock:
            self._profile_status[handle] = status

    def profile_status(self, handle: str) -> Optional[str]:
        with self._lock:
            return self._profile_status.get(handle)
