"""One handle's walk through its pages: which videos to emit, and whether to ask for another page.

The guards live here and only here: a repeated cursor or `hasMore` without a cursor ends the
handle with a warning instead of looping; a video id seen twice is emitted once.

`max_videos_per_handle` ("stop a handle after this many videos in one sync") is a cap per sync:
- full refresh (`resumable` False): the newest N videos, cut exactly at N; a full refresh has
  no later sync to go on.
- incremental (`resumable` True): the handle stops at the end of the page on which it reached N
  (so at most N + one page - 1 videos; the page was paid for anyway), and `capped_at` is the
  next page's cursor. The stream then treats the handle like a budget cut: the next sync goes
  on from that page and the handle's cursor moves only once its history is read, so nothing
  is skipped. Cutting mid-page instead could never progress when N is below the page size: the
  next sync would re-read the same page and stop at the same video.
- a stats refresh (`resumable` True) gets what its handle's read left of the cap in this sync,
  and stops like the incremental read: it goes on from `capped_at` next sync (from where it
  began, when the read spent the whole cap).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Optional, Set

from ..timeutil import parse_instant


@dataclass
class HandlePager:
    handle: str
    boundary: Optional[datetime]  # emit nothing created before it
    newest_first: bool  # `latest`: passing the boundary ends the walk
    max_videos: Optional[int] = None
    # A due handle's read emits down to its refresh floor (`boundary`) but stops paging at its
    # lookback boundary (`stop_at`); the refresh goes on from `continuation` after the new videos.
    stop_at: Optional[datetime] = None
    continuation: Optional[str] = None
    resumable: bool = False  # incremental: the cap stops at a page's end and the walk goes on next sync
    emitted: int = 0
    capped_at: Optional[str] = None  # the cursor to go on from when the cap stopped a resumable walk
    duplicates: int = 0
    left_out_by_date: bool = False  # a video (pinned ones too) was not emitted for being older than `boundary`
    end: Optional[str] = None  # why the walk ended: end, boundary, max_videos, or a guard's message
    # Facts, set when they happen: the part's coverage reads them, never `end`'s words.
    reached_end: bool = False  # a page said `hasMore: false`
    stopped_by_date: bool = False  # paging stopped at a date bound (`boundary` or `stop_at`)
    # The instant of the last video `accept` took (None if its createdAt is no date): the stream
    # keeps the newest of a page's records from it, so no date is parsed twice.
    accepted_created: Optional[datetime] = None
    _seen_ids: Set[str] = field(default_factory=set)
    _cursors: Set[str] = field(default_factory=set)
    _passed_boundary: bool = False
    _passed_stop: bool = False

    def accept(self, video: Mapping[str, Any]) -> bool:
        """Whether to emit this video; notes when a regular video lies past the boundary."""
        if self.end == "max_videos":
            return False
        video_id = video.get("id")
        if video_id in self._seen_ids:
            self.duplicates += 1
            return False
        self.accepted_created = created = parse_instant(video.get("createdAt"))
        if self.boundary is not None or self.stop_at is not None:
            stopping = created is not None and self.stop_at is not None and created < self.stop_at
            if stopping and self.newest_first and not video.get("pinned"):
                self._passed_stop = True
            if created is not None and self.boundary is not None and created < self.boundary:
                self.left_out_by_date = True
                # Pinned videos are old and come first: they never mean the boundary was passed.
                if self.newest_first and not video.get("pinned"):
                    self._passed_boundary = True
                return False
            # A null createdAt cannot be placed: it is emitted when its page is read anyway.
        self._seen_ids.add(video_id)  # type: ignore[arg-type]
        self.emitted += 1
        if not self.resumable and self.max_videos is not None and self.emitted >= self.max_videos:
            self.end = "max_videos"
        return True

    def next_cursor(self, page: Mapping[str, Any]) -> Optional[str]:
        """The cursor of the next page, or None when the walk ends (and `end` says why)."""
        if self.end is not None:
            return None
        if self._passed_boundary:
            self.end, self.stopped_by_date = "boundary", True
            return None
        raw_info = page.get("page")
        info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
        if not info.get("hasMore"):
            self.end, self.reached_end = "end", True
            return None
        cursor = info.get("nextCursor")
        if self._passed_stop:
            self.end, self.stopped_by_date = "boundary", True
            if isinstance(cursor, str) and cursor and cursor not in self._cursors:
                self.continuation = cursor
            return None
        if not isinstance(cursor, str) or not cursor:
            return self._trip("the API said hasMore but sent no nextCursor")
        if cursor in self._cursors:
            return self._trip("the API sent a cursor it had already sent")
        if self.resumable and self.max_videos is not None and self.emitted >= self.max_videos:
            self.end, self.capped_at = "max_videos", cursor
            return None
        self._cursors.add(cursor)
        return cursor

    def start_from(self, cursor: str) -> None:
        """The walk resumes at `cursor`: the API sending it back is a repeat too."""
        self._cursors.add(cursor)

    @property
    def reached_floor(self) -> bool:
        """Whether the walk went down to `boundary` (or the end), not only to `stop_at`."""
        return self.reached_end or self._passed_boundary

    @property
    def complete(self) -> bool:
        """Whether this sync read everything it needed of the handle (so its cursor may move)."""
        if self.capped_at is not None:
            return False  # history left: the next sync goes on from `capped_at`
        return self.end in ("end", "boundary", "max_videos")

    def _trip(self, why: str) -> Optional[str]:
        self.end = f"paging stopped: {why}"
        return None
