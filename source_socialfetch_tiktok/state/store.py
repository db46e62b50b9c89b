"""The live state of one `videos` sync: per-handle cursors, resume positions, the refresh schedule
and the learned user ids, behind one lock, written by worker threads and read by checkpoints.

Parsing and repairing a saved state is `saved_state`'s job; this store starts from what it parsed.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from ..read.sync_run import Outcome, SyncRun
from ..timeutil import utc_now
from .paces import Paces
from .refresh import RefreshSchedule
from .saved import (
    MAX_RESUME_CURSOR_LENGTH,
    RESUME_KEY,
    WAITING_KEY,
    HandleCursor,
    ResumePosition,
    parse_resume_positions,
    parse_videos_state,
    repair_videos_state,
)
from .user_ids import UserIds

# The parsing names importers knew here before the split still resolve.
__all__ = [
    "MAX_RESUME_CURSOR_LENGTH",
    "HandleCursor",
    "ResumePosition",
    "VideosStateStore",
    "parse_resume_positions",
    "parse_videos_state",
    "repair_videos_state",
]


class VideosStateStore:
    """Thread-safe per-handle cursors: committed ones, and the maxima of reads still in progress.
    The end of a part (`complete_read`, `complete_refresh`, `suspend_refresh`) and `snapshot` take
    the same lock, so a checkpoint never carries half of one."""

    def __init__(
        self,
        cursors: Mapping[str, HandleCursor],
        waiting: List[str],
        handles: List[str],
        resume: Optional[Mapping[str, ResumePosition]] = None,
        refresh: Optional[RefreshSchedule] = None,
        user_ids: Optional[UserIds] = None,
        paces: Optional[Paces] = None,
    ):
        self.refresh = refresh or RefreshSchedule(None, utc_now())
        self.user_ids = user_ids or UserIds()
        self.paces = paces or Paces()  # each handle's pace, for the sync's ESTIMATE (estimates.py)
        # Each handle's cursor in its compact form (HandleCursor.kept): one per handle for the
        # whole sync, so no object around it; a HandleCursor is made when one is asked for.
        self._cursors: Dict[str, Union[int, str]] = {handle: cursor.kept for handle, cursor in cursors.items()}
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
        paces = Paces.from_state(raw, handles, logger)
        return cls(cursors, waiting, handles, parse_resume_positions(raw, logger), refresh, user_ids, paces)

    @property
    def handles(self) -> List[str]:
        return list(self._handles)

    def cursor(self, handle: str) -> Optional[HandleCursor]:
        with self._lock:
            kept = self._cursors.get(handle)
        return None if kept is None else HandleCursor.from_kept(kept)

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
            self._commit(handle)

    def _commit(self, handle: str) -> None:
        position = self._resume.pop(handle, None)
        newest = _newer(self._pending.pop(handle, None), position.newest if position else None)
        current = self._cursors.get(handle)
        if newest is not None and (current is None or newest.instant > HandleCursor.from_kept(current).instant):
            self._cursors[handle] = newest.kept

    def complete_read(self, handle: str, pages: int, refresh_done: bool, deep: bool) -> None:
        """A handle's own read completed, in one step a checkpoint sees whole: its cursor moves and,
        when the read itself went down to the refresh floor, its refresh is done (a STATE between
        the two would, after a crash, pay for that refresh again). A `deep` read, from the first
        page down to the floor, gives the schedule the handle's page count."""
        with self._lock:
            self._commit(handle)
            if refresh_done:
                self.refresh.complete(handle, pages)
            elif deep:
                self.refresh.note_deep_read(handle, pages)

    def complete_refresh(self, handle: str, pages: int) -> None:
        """A handle's stats refresh reached its floor: the next one is scheduled."""
        with self._lock:
            self.refresh.complete(handle, pages)

    def suspend_refresh(self, handle: str, next_cursor: str, pages: int) -> None:
        """A stats refresh was cut short before `next_cursor`: the next sync goes on from there."""
        with self._lock:
            self.refresh.suspend(handle, next_cursor, pages)

    def suspend(self, handle: str, next_cursor: str) -> None:
        """The handle was cut short before `next_cursor`: remember where to go on from, with the
        newest video read so far. Without one (its pages held no dated video) no position is kept:
        the next sync reads the handle from its first page rather than vouch for pages it cannot."""
        with self._lock:
            previous = self._resume.pop(handle, None)
            newest = _newer(self._pending.pop(handle, None), previous.newest if previous else None)
            if newest is not None:
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
        # One lock around every part: a handle's cursor and its refresh schedule are seen together.
        with self._lock:
            states = [
                {"partition": {"handle": handle}, "cursor": {"createdAt": HandleCursor.from_kept(self._cursors[handle]).text}}
                for handle in sorted(self._cursors)
            ]
            resume = {handle: {"cursor": p.cursor, "newest": p.newest.text} for handle, p in sorted(self._resume.items())}
            snapshot: Dict[str, Any] = {"states": states, WAITING_KEY: order}
            if resume:
                snapshot[RESUME_KEY] = resume
            snapshot.update(self.refresh.snapshot(self._handles))
            snapshot.update(self.user_ids.snapshot(self._handles))
            snapshot.update(self.paces.snapshot(self._handles))
        return snapshot


def _newer(a: Optional[HandleCursor], b: Optional[HandleCursor]) -> Optional[HandleCursor]:
    if a is None or b is None:
        return a or b
    return a if a.instant >= b.instant else b
