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
from .masking import shown
from .refresh import DUE_KEY, PAGES_KEY, POSITIONS_KEY, RefreshSchedule
from .sync_run import Outcome, SyncRun
from .timeutil import format_instant, parse_instant, utc_now
from .user_ids import USER_IDS_KEY, UserIds

WAITING_KEY = "waiting_for_budget"
RESUME_KEY = "resume_positions"
NO_CURSOR_STATE_KEY = "__ab_no_cursor_state_message"
# A cursor this far past the sync's start cannot come from the API: treat it as "now".
FUTURE_TOLERANCE = timedelta(days=1)
# The top-level keys of the videos state this connector writes (the contract's `states`, ours,
# and the 0.2.0 ones); any other is dropped on the way in by `repair_videos_state`.
KNOWN_STATE_KEYS = frozenset(
    {"states", WAITING_KEY, RESUME_KEY, NO_CURSOR_STATE_KEY, DUE_KEY, POSITIONS_KEY, PAGES_KEY, USER_IDS_KEY}
)
# No entry this connector writes is nested deeper than this (a `states` entry has 3 levels).
MAX_ENTRY_DEPTH = 8
# A resume cursor is sent in the query string; servers refuse URLs of a few KB (HTTP 414), and
# the API's cursors are well under 1 KB. A longer one can never work: it is dropped at parse.
MAX_RESUME_CURSOR_LENGTH = 4096


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
    """The saved resume positions; anything malformed is dropped with a warning (that handle then
    starts from its first page: nothing is skipped, some pages are paid for again)."""
    entries = raw.get(RESUME_KEY) if isinstance(raw, Mapping) else None
    positions: Dict[str, ResumePosition] = {}
    if not isinstance(entries, Mapping):
        return positions
    for handle, entry in entries.items():
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        key = _state_handle(handle)
        if key is None or not isinstance(cursor, str) or not cursor:
            logger.warning(f"Ignoring the saved resume position of {shown(handle)}: it is malformed.")
            continue
        if len(cursor) > MAX_RESUME_CURSOR_LENGTH:
            logger.warning(
                f"Ignoring the saved resume position of {key}: its cursor has {len(cursor)} characters, more than "
                f"the {MAX_RESUME_CURSOR_LENGTH} a request URL can carry; the handle is read from its first page."
            )
            continue
        newest_text = entry.get("newest")
        newest = HandleCursor.parse(newest_text) if isinstance(newest_text, str) else None
        if newest_text is not None and newest is None:
            # Without it the completed read would set the cursor too far back or not at all: start over.
            logger.warning(
                f"Ignoring the saved resume position of {key}: its newest {shown(newest_text)} is not a date-time "
                "between years 1 and 9999 UTC; the handle is read from its first page."
            )
            continue
        positions[key] = ResumePosition(cursor, newest)
    return positions


def repair_videos_state(raw: Any, logger: logging.Logger) -> Any:
    """The incoming `videos` state without what this connector never writes, before anything
    copies or walks it: keys it does not know (a legacy `{handle: {createdAt}}` shape among them)
    and entries nested deeper than any it writes are dropped with a warning. What is dropped is
    read again (a handle without a cursor is read from `start_date`), so nothing is skipped.
    Iterative: a state nested thousands of levels must not reach a recursive copy."""
    if not isinstance(raw, Mapping):
        return raw
    unknown = [k for k in raw if k not in KNOWN_STATE_KEYS]
    if unknown:
        names = ", ".join(shown(k, 40) for k in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        logger.warning(
            f"Ignoring {len(unknown)} key(s) of the saved videos state that this connector never writes ({names}); "
            'its per-handle cursors live in "states". Handles without a cursor there are read from start_date.'
        )
    repaired: Dict[str, Any] = {}
    for key in raw:
        if key not in KNOWN_STATE_KEYS:
            continue
        value = raw[key]
        if isinstance(value, list):
            kept_list = [item for item in value if not _deeper_than(item, MAX_ENTRY_DEPTH)]
            dropped = len(value) - len(kept_list)
            repaired[key] = kept_list
        elif isinstance(value, Mapping):
            kept_map = {k: v for k, v in value.items() if not _deeper_than(v, MAX_ENTRY_DEPTH)}
            dropped = len(value) - len(kept_map)
            repaired[key] = kept_map
        else:
            dropped = 0
            repaired[key] = value
        if dropped:
            logger.warning(
                f"Ignoring {dropped} entries of {key!r} in the saved videos state: they are nested deeper than "
                f"{MAX_ENTRY_DEPTH} levels, which this connector never writes."
            )
    return repaired


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def parse_videos_state(
    raw: Any, logger: logging.Logger, handles: Optional[Iterable[str]] = None, now: Optional[datetime] = None
) -> Tuple[Dict[str, HandleCursor], List[str]]:
    """Read an incoming `videos` state; tolerant of what can be repaired, clear about what cannot.

    Bad entries are skipped with a warning (that handle is then read from `start_date`: nothing
    is lost); keys other than the connector's are ignored (the connector never wrote another
    shape); a state that is not an object at all is a config error. With `handles`, the waiting
    list keeps only configured handles. `now` is the sync's clock (a cursor after it is repaired).
    Linear in the size of the state.
    """
    if raw in (None, {}, []):
        return {}, []
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"The saved state of stream videos is not a JSON object ({type(raw).__name__}); "
            'expected {"states": [{"partition": {"handle": ...}, "cursor": {"createdAt": ...}}]}. '
            "Reset the stream's state to start again."
        )
    now = now or utc_now()
    cursors: Dict[str, HandleCursor] = {}
    entries = raw.get("states", [])
    if not isinstance(entries, list):
        raise ConfigError("The saved state of stream videos has a `states` that is not a list; reset the state.")
    for handle, value in _canonical_entries(entries, logger):
        cursor = _cursor(handle, value, now, logger)
        if cursor is not None:
            previous = cursors.get(handle)
            if previous is None or cursor.instant > previous.instant:
                cursors[handle] = cursor
    configured = set(handles) if handles is not None else None
    waiting: Dict[str, None] = {}  # ordered and O(1) membership: the list may hold 100,000s of entries
    saved_waiting = raw.get(WAITING_KEY)
    for value in saved_waiting if isinstance(saved_waiting, list) else []:
        try:
            handle = normalise_handle(value)
        except InvalidHandle:
            continue
        if configured is None or handle in configured:
            waiting.setdefault(handle)
    return cursors, list(waiting)


def _canonical_entries(entries: List[Any], logger: logging.Logger) -> Iterable[Tuple[str, Any]]:
    for index, entry in enumerate(entries):
        partition = entry.get("partition") if isinstance(entry, Mapping) else None
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        handle = partition.get("handle") if isinstance(partition, Mapping) else None
        value = cursor.get("createdAt") if isinstance(cursor, Mapping) else None
        if handle is None:
            logger.warning(f"Ignoring saved state entry #{index}: it has no partition.handle.")
            continue
        key = _state_handle(handle)
        if key is None:
            logger.warning(
                f"Ignoring saved state entry #{index}: {shown(handle)} is not a TikTok handle, so no configured "
                "handle can use it."
            )
            continue
        yield key, value


def _state_handle(handle: Any) -> Optional[str]:
    """Normalise a state's handle like a configured one; None when it can never be one."""
    try:
        return normalise_handle(handle)
    except InvalidHandle:
        return None


def _cursor(handle: str, value: Any, now: datetime, logger: logging.Logger) -> Optional[HandleCursor]:
    cursor = HandleCursor.parse(value) if isinstance(value, str) else None
    if cursor is None:
        logger.warning(
            f"Ignoring the saved cursor of handle {handle!r}: {shown(value)} is not a date-time between years 1 "
            "and 9999 UTC; that handle is read from start_date."
        )
        return None
    if cursor.instant > now + FUTURE_TOLERANCE:
        logger.warning(
            f"The saved cursor of handle {handle!r} ({shown(cursor.text)}) is in the future; using the current time instead."
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
        start = sync_start or utc_now()
        cursors, waiting = parse_videos_state(raw, logger, handles, start)
        refresh = RefreshSchedule.from_state(raw, handles, refresh_days, start, logger)
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
        if cursor is not None:
            self.note_newest(handle, cursor)

    def note_newest(self, handle: str, cursor: HandleCursor) -> None:
        """A video of `handle` was read: its cursor moves to the newest one once the handle completes."""
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
