"""The stats refresh plan (`stats_refresh_days`): which handles are due for a refresh, where a refresh
cut short goes on, and how many pages each handle's history holds.

Kept in the `videos` state beside `states` (the contract's `refresh_due`, and two keys of ours):

    {"refresh_due": {"nasa": "2026-12-05T08:00:00Z"},
     "refresh_positions": {"nasa": {"cursor": "...", "started": "2026-11-28T08:00:00Z", "pages": 12}},
     "history_pages": {"nasa": 40}}

A refresh reads a handle's videos past its lookback boundary, down to the refresh floor
(`stats_refresh_max_age_days`, `start_date`, or its first video). Handles without a due instant
are placed over the next D days by their page counts (largest first, into the day with the fewest
pages), so the pages per sync stay level whatever the mix of short and long histories.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional

from ..timeutil import format_instant, minus_days, parse_instant

DUE_KEY = "refresh_due"
POSITIONS_KEY = "refresh_positions"
PAGES_KEY = "history_pages"
DAY = timedelta(days=1)
_MAX_WARNINGS = 5


@dataclass(frozen=True, slots=True)
class RefreshPosition:
    """A refresh cut short: the API cursor of its next page, the start of the sync in which it
    began (its next due instant counts from there), and the pages it has read so far."""

    cursor: str
    started: datetime
    pages: int


@dataclass(frozen=True)
class HandlePlan:
    """What the next sync is expected to read of one handle, in pages (None: not known yet)."""

    handle: str
    incremental_pages: Optional[int]
    refresh_pages: Optional[int]
    due: bool
    resumes: bool

    @property
    def pages(self) -> Optional[int]:
        if self.incremental_pages is None or (self.due and self.refresh_pages is None):
            return None
        return self.incremental_pages + (self.refresh_pages or 0)


class RefreshSchedule:
    """Thread-safe: refresh reads complete on worker threads while checkpoints read the schedule."""

    def __init__(
        self,
        every_days: Optional[int],
        sync_start: datetime,
        due: Optional[Mapping[str, datetime]] = None,
        positions: Optional[Mapping[str, RefreshPosition]] = None,
        pages: Optional[Mapping[str, int]] = None,
    ):
        self._every = timedelta(days=every_days) if every_days else None
        self._sync_start = sync_start
        self._due: Dict[str, datetime] = dict(due or {}) if self._every else {}
        self._positions: Dict[str, RefreshPosition] = dict(positions or {}) if self._every else {}
        self._pages: Dict[str, int] = dict(pages or {})
        self._lock = threading.Lock()
        self._due_at_start = {h for h in set(self._due) | set(self._positions) if self._due_now(h)}

    def _due_now(self, handle: str) -> bool:
        if handle in self._positions:
            return True
        due = self._due.get(handle)
        return due is not None and due <= self._sync_start

    # -- reading a saved state ----------------------------------------------------------------
    @classmethod
    def from_state(
        cls,
        raw: Any,
        handles: Iterable[str],
        every_days: Optional[int],
        sync_start: datetime,
        logger: logging.Logger,
    ) -> RefreshSchedule:
        """The schedule of an incoming `videos` state. Malformed entries are dropped with a warning:
        such a handle is placed again over the next D days (never made due at once)."""
        state = raw if isinstance(raw, Mapping) else {}
        configured = set(handles)
        warn = _Warnings(logger)
        due: Dict[str, datetime] = {}
        horizon = sync_start + timedelta(days=every_days) if every_days else None
        for handle, value in _entries(state, DUE_KEY, warn):
            instant = parse_instant(value) if isinstance(value, str) else None
            if handle not in configured:
                warn(f"the refresh due instant of {handle!r} is dropped: that handle is no longer configured")
                continue
            if instant is None:
                warn(f"the refresh due instant of {handle!r} ({str(value)[:40]!r}) is not a date-time")
            elif horizon is not None and instant > horizon:
                warn(f"the refresh due instant of {handle!r} is more than stats_refresh_days ahead")
            else:
                due[handle] = instant
        positions: Dict[str, RefreshPosition] = {}
        for handle, value in _entries(state, POSITIONS_KEY, warn):
            position = _position(value)
            if handle not in configured:
                continue
            if position is None or position.started > sync_start:
                warn(f"the refresh position of {handle!r} is malformed; its refresh starts again")
            else:
                positions[handle] = position
        pages: Dict[str, int] = {}
        for handle, value in _entries(state, PAGES_KEY, warn):
            if handle not in configured:
                continue
            if type(value) is int and value >= 1:
                pages[handle] = value
            else:
                warn(f"the history page count of {handle!r} ({str(value)[:40]!r}) is not a positive integer; "
                     "it is counted again")
        warn.flush()
        return cls(every_days, sync_start, due, positions, pages)

    # -- what this sync does --------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self._every is not None

    def is_due(self, handle: str) -> bool:
        """Due in this sync: a refresh under way, or a due instant at or before the sync's start."""
        with self._lock:
            return self._every is not None and self._due_now(handle)

    def was_due(self, handle: str) -> bool:
        """Due at the start of this sync (a refresh that completed since is still counted)."""
        return handle in self._due_at_start

    def due_count(self) -> int:
        """How many handles were due at the start of this sync."""
        return len(self._due_at_start)

    def refresh_order(self, handles: Iterable[str]) -> List[str]:
        """The handles of `handles` due in this sync, in the order their refreshes are read (so,
        under a budget, the order in which they get it): those cut short in an earlier sync first
        (by the sync they began in), then by due instant, then by handle."""
        with self._lock:
            if self._every is None:
                return []
            due = [h for h in dict.fromkeys(handles) if self._due_now(h)]
            return sorted(due, key=self._refresh_rank)

    def _refresh_rank(self, handle: str) -> tuple[int, datetime, str]:
        position = self._positions.get(handle)
        if position is not None:
            return 0, position.started, handle
        return 1, self._due[handle], handle

    def position(self, handle: str) -> Optional[RefreshPosition]:
        with self._lock:
            return self._positions.get(handle)

    def pages_of(self, handle: str) -> Optional[int]:
        with self._lock:
            return self._pages.get(handle)

    def floor(self, start_date: Optional[datetime], max_age_days: Optional[int]) -> Optional[datetime]:
        """Nothing older than this is read again by a refresh."""
        by_age = minus_days(self._sync_start, max_age_days) if max_age_days else None
        candidates = [d for d in (start_date, by_age) if d is not None]
        return max(candidates) if candidates else None

    # -- what a read found ----------------------------------------------------------------------
    def note_deep_read(self, handle: str, pages: int) -> None:
        """A read from the first page down to the floor (or the end): the handle's page count."""
        if pages >= 1:
            with self._lock:
                self._pages[handle] = pages

    def complete(self, handle: str, pages: int) -> None:
        """The handle's refresh reached its floor: next due one period after the sync it began in."""
        with self._lock:
            position = self._positions.pop(handle, None)
            started = position.started if position else self._sync_start
            if self._every is not None:
                self._due[handle] = _to_the_second(started) + self._every
            total = pages + (position.pages if position else 0)
            if total >= 1:
                self._pages[handle] = total

    def suspend(self, handle: str, cursor: str, pages: int) -> None:
        """The refresh was cut short before `cursor`: the next sync goes on from there."""
        with self._lock:
            previous = self._positions.get(handle)
            started = previous.started if previous else self._sync_start
            done = pages + (previous.pages if previous else 0)
            self._positions[handle] = RefreshPosition(cursor, started, done)

    def forget_position(self, handle: str) -> None:
        """The saved position cannot be used (the API refused it): the refresh starts again."""
        with self._lock:
            self._positions.pop(handle, None)

    def place_new(self, handles: Iterable[str]) -> None:
        """Give every handle without a due instant one over the next D days, levelling the pages."""
        with self._lock:
            if self._every is None:
                return
            periods = max(int(self._every / DAY), 1)
            missing = [h for h in dict.fromkeys(handles) if h not in self._due and h not in self._positions]
            if not missing:
                return
            load = [0] * periods
            for handle, due in self._due.items():
                index = int((due - self._sync_start) / DAY)
                if 0 <= index < periods:
                    load[index] += self._pages.get(handle, 1)
            heap = [(pages, index) for index, pages in enumerate(load)]
            heapq.heapify(heap)
            missing.sort(key=lambda h: (-self._pages.get(h, 1), _fraction(h)))
            for handle in missing:
                pages, index = heapq.heappop(heap)
                weight = self._pages.get(handle, 1)
                self._due[handle] = self._sync_start + DAY * (index + _fraction(handle))
                heapq.heappush(heap, (pages + weight, index))

    # -- the plan and the state -----------------------------------------------------------------
    def plan(self, handles: Iterable[str], has_cursor: Mapping[str, bool]) -> List[HandlePlan]:
        """Expected pages per handle: one incremental page for a handle with a cursor (its history
        when it has none), plus, when due, the rest of its last deep read."""
        plans = []
        for handle in handles:
            known = self.pages_of(handle)
            incremental = 1 if has_cursor.get(handle) else known
            due = self.is_due(handle)
            refresh: Optional[int] = None
            position = self.position(handle)
            if due and known is not None:
                refresh = max(known - (position.pages if position else 1), 0)
            plans.append(HandlePlan(handle, incremental, refresh if due else 0, due, position is not None))
        return plans

    def next_due(self) -> Optional[datetime]:
        with self._lock:
            upcoming = [d for d in self._due.values() if d > self._sync_start]
            return min(upcoming) if upcoming else None

    def snapshot(self, handles: Iterable[str]) -> Dict[str, Any]:
        """The keys this schedule keeps in the state, for the configured `handles` only."""
        keep = set(handles)
        with self._lock:
            blob: Dict[str, Any] = {}
            if self._every is not None:
                blob[DUE_KEY] = {h: format_instant(self._due[h]) for h in sorted(self._due) if h in keep}
                if self._positions:
                    blob[POSITIONS_KEY] = {
                        h: {"cursor": p.cursor, "started": format_instant(p.started), "pages": p.pages}
                        for h, p in sorted(self._positions.items())
                        if h in keep
                    }
            pages = {h: self._pages[h] for h in sorted(self._pages) if h in keep}
            if pages:
                blob[PAGES_KEY] = pages
            return blob


class _Warnings:
    """At most a few warnings about a malformed state, then a count: 10,000 bad entries must not
    flood the log."""

    def __init__(self, logger: logging.Logger):
        self._logger = logger
        self._count = 0

    def __call__(self, problem: str) -> None:
        self._count += 1
        if self._count <= _MAX_WARNINGS:
            self._logger.warning(f"Repairing the saved state: {problem}.")

    def flush(self) -> None:
        if self._count > _MAX_WARNINGS:
            self._logger.warning(f"Repairing the saved state: {self._count - _MAX_WARNINGS} more entries like these.")


def _entries(state: Mapping[str, Any], key: str, warn: _Warnings) -> Iterable[tuple[str, Any]]:
    value = state.get(key)
    if value is None:
        return []
    if not isinstance(value, Mapping):
        warn(f"`{key}` is not an object ({type(value).__name__}); it is rebuilt")
        return []
    return [(h, v) for h, v in value.items() if isinstance(h, str)]


def _position(value: Any) -> Optional[RefreshPosition]:
    if not isinstance(value, Mapping):
        return None
    cursor, started, pages = value.get("cursor"), parse_instant(value.get("started")), value.get("pages", 0)
    if not isinstance(cursor, str) or not cursor or started is None or type(pages) is not int or pages < 0:
        return None
    return RefreshPosition(cursor, started, pages)


def _fraction(handle: str) -> float:
    """A stable place in (0, 1) for a handle: the same handle lands at the same time of day."""
    digest = int.from_bytes(hashlib.blake2b(handle.encode(), digest_size=8).digest(), "big")
    return (digest % 999_983 + 1) / 1_000_000


def _to_the_second(instant: datetime) -> datetime:
    """A sync's start as the due instants count it, to the second: a sync that starts a few
    milliseconds earlier in its second than the one D days before still finds its refreshes due
    (counted to the microsecond, they would slip a whole sync and bunch up with the next day's)."""
    return instant.replace(microsecond=0)
