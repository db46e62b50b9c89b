"""Per-handle state of `videos`, in the contract's shape:

    {"states": [{"partition": {"handle": "nasa"}, "cursor": {"createdAt": "2026-11-20T08:15:00Z"}}],
     "waiting_for_budget": ["handle", ...]}

`waiting_for_budget` (ours, beside `states`) lists the handles the budget cut short or never
reached, in the order the next sync reads them first. `resume_positions` (ours too) keeps, for a
handle cut short in the middle of its pages, the API cursor of the first page not read and the
newest video already read: the next sync continues from there instead of paying again for the
pages it has, so a small budget makes progress on every handle, however long its history.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .config import ConfigError
from .handles import InvalidHandle, normalise_handle
from .refresh import RefreshSchedule
from .sync_run import Outcome, SyncRun
from .timeutil import format_instant, parse_instant, utc_now
from .user_ids import UserIds

WAITING_KEY = "waiting_for_budget"
RESUME_KEY = "resume_positions"
NO_CURSOR_STATE_KEY = "__ab_no_cursor_state_message"
# A cursor this far past the sync's start cannot come from the API: treat it as "now".
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class HandleCursor:
    """The newest `createdAt` read for a handle, kept in the API's own spelling (no precision lost)."""

    instant: datetime
    text: str

    @classmethod
    def parse(cls, text: str) -> Optional[HandleCursor]:
        instant = parse_instant(text)
        return cls(instant, text) if instant is not None else None


@dataclass(frozen=True)
class ResumePosition:
    """Where an interrupted read of a handle goes on: `cursor`, the next page the API offered,
    and `newest`, the newest video already read (the handle's cursor once the read completes)."""

    cursor: str
    newest: Optional[HandleCursor]


def parse_resume_positions(raw: Any, logger: logging.Logger) -> Dict[str, ResumePosition]:
    """The saved resume positions; anything malformed is dropped (that handle starts from the top)."""
    entries = raw.get(RESUME_KEY) if isinstance(raw, Mapping) else None
    positions: Dict[str, ResumePosition] = {}
    if not isinstance(entries, Mapping):
        return positions
    for handle, entry in entries.items():
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        if not isinstance(handle, str) or not isinstance(cursor, str) or not cursor:
            logger.warning(f"Ignoring the saved resume position of {str(handle)[:70]!r}: it is malformed.")
            continue
        newest = entry.get("newest")
        positions[_state_handle(handle)] = ResumePosition(cursor, HandleCursor.parse(newest) if isinstance(newest, str) else None)
    return positions


def parse_videos_state(raw: Any, logger: logging.Logger) -> Tuple[Dict[str, HandleCursor], List[str]]:
    """Read an incoming `videos` state; tolerant of what can be repaired, clear about what cannot.

    Bad entries are skipped with a warning (that handle is then read from `start_date`: nothing
    is lost); a legacy `{handle: {"createdAt": ...}}` mapping is converted; a state that is not
    an object at all is a config error.
    """
    if raw in (None, {}, []):
        return {}, []
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"The saved state of stream videos is not a JSON object ({type(raw).__name__}); "
            'expected {"states": [{"partition": {"handle": ...}, "cursor": {"createdAt": ...}}]}. '
            "Reset the stream's state to start again."
        )
    if NO_CURSOR_STATE_KEY in raw and "states" not in raw:
        return {}, []
    now = utc_now()
    cursors: Dict[str, HandleCursor] = {}
    if "states" in raw:
        entries = raw["states"]
        if not isinstance(entries, list):
            raise ConfigError("The saved state of stream videos has a `states` that is not a list; reset the state.")
        pairs = list(_canonical_entries(entries, logger))
    else:
        pairs = list(_legacy_entries(raw, logger))
    for handle, value in pairs:
        cursor = _cursor(handle, value, now, logger)
        if cursor is not None:
            previous = cursors.get(handle)
            if previous is None or cursor.instant > previous.instant:
                cursors[handle] = cursor
    waiting: List[str] = []
    saved_waiting = raw.get(WAITING_KEY)
    for value in saved_waiting if isinstance(saved_waiting, list) else []:
        try:
            handle = normalise_handle(value)
        except InvalidHandle:
            continue
        if handle not in waiting:
            waiting.append(handle)
    return cursors, waiting


def _canonical_entries(entries: List[Any], logger: logging.Logger) -> Iterable[Tuple[str, Any]]:
    for index, entry in enumerate(entries):
        partition = entry.get("partition") if isinstance(entry, Mapping) else None
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        handle = partition.get("handle") if isinstance(partition, Mapping) else None
        value = cursor.get("createdAt") if isinstance(cursor, Mapping) else None
        if not isinstance(handle, str):
            logger.warning(f"Ignoring saved state entry #{index}: it has no partition.handle.")
            continue
        yield _state_handle(handle), value


def _legacy_entries(raw: Mapping[str, Any], logger: logging.Logger) -> Iterable[Tuple[str, Any]]:
    legacy = {k: v for k, v in raw.items() if k not in (WAITING_KEY, RESUME_KEY)}
    if legacy:
        logger.info("Converting a legacy {handle: {createdAt}} videos state to the per-partition shape.")
    for handle, value in legacy.items():
        yield _state_handle(handle), value.get("createdAt") if isinstance(value, Mapping) else value


def _state_handle(handle: str) -> str:
    """Normalise a state's handle like a configured one; keep it as-is if it is not valid."""
    try:
        return normalise_handle(handle)
    except InvalidHandle:
        return handle


def _cursor(handle: str, value: Any, now: datetime, logger: logging.Logger) -> Optional[HandleCursor]:
    cursor = HandleCursor.parse(value) if isinstance(value, str) else None
    if cursor is None:
        logger.warning(
            f"Ignoring the saved cursor of handle {handle!r}: {str(value)[:60]!r} is not a date-time; "
            "that handle is read from start_date."
        )
        return None
    if cursor.instant > now + FUTURE_TOLERANCE:
        logger.warning(
            f"The saved cursor of handle {handle!r} ({cursor.text}) is in the future; using the current time instead."
        )
        return HandleCursor(now, format_instant(now))
    return cursor


class VideosStateStore:
    """Thread-safe per-handle cursors: committed ones, and the maxima of reads still in progress."""

    def __init__(
        self,
        cursors: Mapping[str, HandleCursor],
        waiting: List[str],
        handles: List[str],
        resume: Optional[Mapping[str, ResumePosition]] = None,
        refresh: Optional[RefreshSchedule] = None,
        user_ids: Optional[UserIds] = None,
    ):
        self.refresh = refresh or RefreshSchedule(None, utc_now())
        self.user_ids = user_ids or UserIds()
        self._cursors: Dict[str, HandleCursor] = dict(cursors)
        self._resume: Dict[str, ResumePosition] = dict(resume or {})
        self._incoming_waiting = list(waiting)
        self._handles = list(handles)
        self._pending: Dict[str, HandleCursor] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_state(
        cls,
        raw: Any,
        handles: List[str],
        logger: logging.Logger,
        refresh_days: Optional[int] = None,
        sync_start: Optional[datetime] = None,
    ) -> VideosStateStore:
        """The store for an incoming `videos` state: cursors, waiting order, resume positions, the
        stats refresh schedule and the learned user ids."""
        cursors, waiting = parse_videos_state(raw, logger)
        refresh = RefreshSchedule.from_state(raw, handles, refresh_days, sync_start or utc_now(), logger)
        user_ids = UserIds.from_state(raw, handles, logger)
        return cls(cursors, waiting, handles, parse_resume_positions(raw, logger), refresh, user_ids)

    @property
    def handles(self) -> List[str]:
        return list(self._handles)

    def cursor(self, handle: str) -> Optional[HandleCursor]:
        with self._lock:
            return self._cursors.get(handle)

    def read_order(self) -> List[str]:
        """Configured handles, those waiting for budget since the last sync first."""
        configured = set(self._handles)
        first = [h for h in self._incoming_waiting if h in configured]
        chosen = set(first)
        return first + [h for h in self._handles if h not in chosen]

    def observe(self, handle: str, created_at: Any) -> None:
        if not isinstance(created_at, str):
            return
        cursor = HandleCursor.parse(created_at)
        if cursor is None:
            return
        with self._lock:
            current = self._pending.get(handle)
            if current is None or cursor.instant > current.instant:
                self._pending[handle] = cursor

    def resume_position(self, handle: str) -> Optional[ResumePosition]:
        with self._lock:
            return self._resume.get(handle)

    def commit(self, handle: str) -> None:
        """The handle completed: its cursor moves to the newest video read (by this read or by the
        interrupted one it resumed), never backwards."""
        with self._lock:
            position = self._resume.pop(handle, None)
            newest = _newer(self._pending.pop(handle, None), position.newest if position else None)
            current = self._cursors.get(handle)
            if newest is not None and (current is None or newest.instant > current.instant):
                self._cursors[handle] = newest

    def suspend(self, handle: str, next_cursor: str) -> None:
        """The handle was cut short before `next_cursor`: remember where to go on from."""
        with self._lock:
            previous = self._resume.get(handle)
            newest = _newer(self._pending.pop(handle, None), previous.newest if previous else None)
            self._resume[handle] = ResumePosition(next_cursor, newest)

    def forget_resume(self, handle: str) -> None:
        with self._lock:
            self._resume.pop(handle, None)

    def discard(self, handle: str) -> None:
        with self._lock:
            self._pending.pop(handle, None)

    def snapshot_of(self, run: SyncRun, stream: str) -> Dict[str, Any]:
        """The state to emit now, with the waiting and completed handles as `run` knows them."""
        return self.snapshot(run.handles_with(stream, Outcome.WAITING), run.handles_with(stream, Outcome.COMPLETED))

    def snapshot(self, waiting: List[str], done: Iterable[str] = ()) -> Dict[str, Any]:
        """The state to emit. `waiting` leads the next sync's order; the previous sync's waiting
        handles not `done` in this one follow, so a crash does not lose the rotation."""
        done_now = set(done)
        order = list(dict.fromkeys(list(waiting) + [h for h in self._incoming_waiting if h not in done_now]))
        with self._lock:
            states = [
                {"partition": {"handle": handle}, "cursor": {"createdAt": cursor.text}}
                for handle, cursor in sorted(self._cursors.items())
            ]
            resume = {
                handle: {"cursor": p.cursor, "newest": p.newest.text if p.newest else None}
                for handle, p in sorted(self._resume.items())
            }
        snapshot: Dict[str, Any] = {"states": states, WAITING_KEY: order}
        if resume:
            snapshot[RESUME_KEY] = resume
        snapshot.update(self.refresh.snapshot(self._handles))
        snapshot.update(self.user_ids.snapshot(self._handles))
        return snapshot


def _newer(a: Optional[HandleCursor], b: Optional[HandleCursor]) -> Optional[HandleCursor]:
    if a is None or b is None:
        return a or b
    return a if a.instant >= b.instant else b
