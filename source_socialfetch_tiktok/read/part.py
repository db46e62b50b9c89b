"""One part of one handle's read in one sync: its walk while pages are read, then its result.

A handle's videos are read in parts: its `incremental` part (or `full_refresh`), then, when it is
due, its stats `refresh` beyond the lookback boundary. Each part gets one `PartWalk`, written by the
one thread reading it: what the loop needs while it reads (cursors, reservations, the pager,
`userId` retries) and the facts, recorded when they happen (where the part began, each page, each
video emitted, how it ended). When the part ends, the walk is frozen into one small `PartResult`
(its ending, pages, videos, coverage and positions), handed to the cursor, to `handle_reads` and to
the refresh; the walk is then dropped. The coverage rule lives here and only here (`coverage`).
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Dict, Optional

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorResolution

if TYPE_CHECKING:
    from .pagination import HandlePager


class Part(enum.Enum):
    """Which part of a handle's read: the contract's names."""

    INCREMENTAL = "incremental"
    REFRESH = "refresh"
    FULL_REFRESH = "full_refresh"


class Outcome(enum.Enum):
    """What the cursor does with a part: a view of its `Ending`, never set on its own."""

    COMPLETED = "completed"  # every page this sync needed was read: the handle's cursor may advance
    INCOMPLETE = "incomplete"  # ended early by a paging guard before its boundary: cursor kept
    WAITING = "waiting"  # not reached or cut short: read first next time
    FAILED = "failed"  # an error the retries could not fix: named at the end of the sync


class Ending(enum.Enum):
    """How a part ended: one event. The cursor's `outcome` and `handle_reads.outcome` (`word`) follow from it."""

    COMPLETED = "completed"  # every page it needed was read
    EMPTY = "empty"  # completed, and listed no video at all
    CAPPED = "capped"  # max_videos_per_handle reached, nothing left for a later sync (a full refresh)
    CAPPED_GOES_ON = "capped_goes_on"  # max_videos_per_handle reached: the next sync goes on from the next page
    BUDGET = "budget"  # the credit budget, or a sync-wide stop for credits, cut it short or kept it from starting
    # Stopped by something else than credits (a bad key, a cancel, a refresh position the API refused):
    # read first next time.
    STOPPED = "stopped"
    GUARD = "guard"  # a paging guard stopped it before its boundary: the handle's cursor is kept
    FAILED = "failed"  # an error the retries could not fix

    @property
    def outcome(self) -> Outcome:
        return _OUTCOMES[self]

    @property
    def word(self) -> str:
        """As `handle_reads.outcome` says it (the contract's five words)."""
        return _WORDS.get(self, self.value)


_OUTCOMES: Dict[Ending, Outcome] = {
    Ending.COMPLETED: Outcome.COMPLETED,
    Ending.EMPTY: Outcome.COMPLETED,
    Ending.CAPPED: Outcome.COMPLETED,
    Ending.CAPPED_GOES_ON: Outcome.WAITING,
    Ending.BUDGET: Outcome.WAITING,
    Ending.STOPPED: Outcome.WAITING,
    Ending.GUARD: Outcome.INCOMPLETE,
    Ending.FAILED: Outcome.FAILED,
}
_WORDS: Dict[Ending, str] = {Ending.CAPPED_GOES_ON: "capped", Ending.STOPPED: "failed", Ending.GUARD: "failed"}

Coverage = tuple[Optional[datetime], Optional[datetime]]


@dataclass(frozen=True, slots=True)
class PartResult:
    """What one part read and how it ended, frozen when it ended: handed on, never looked up again."""

    stream: str
    handle: str
    part: str  # "" for a handle's own read, "refresh" for its stats refresh
    kind: Part
    id: str  # `readId`
    ending: Optional[Ending]  # None only for a part interrupted without a word (the sync itself ended)
    reason: str
    failure_type: Optional[FailureType]
    pages: int
    credits: int
    records: int
    started_at: Optional[datetime]  # `startedAt`: when its first request was sent
    ended_at: Optional[datetime]  # `endedAt`: when its last page was read
    covered_from: Optional[datetime]
    covered_to: Optional[datetime]
    # -- positions, for the cursor and the refresh ----------------------------------------------
    began_at_top: bool
    pages_before: int  # a refresh's pages read before it began, by the read that led into it
    resume_cursor: Optional[str]  # the page to go on from next sync, when cut short
    continuation: Optional[str]  # a due handle's read stopped at its lookback boundary: its refresh goes on here
    refresh_done: bool  # a due handle's read reached its refresh floor itself
    deep: bool  # read from the first page down to its floor: its page count is the handle's history
    date_ordered: bool
    left_out_by_date: bool
    newest_emitted: Optional[datetime]  # regular videos only
    oldest_emitted: Optional[datetime]

    @property
    def outcome(self) -> Optional[Outcome]:
        return self.ending.outcome if self.ending is not None else None


@dataclass(slots=True)
class PartWalk:
    """One part while its pages are read; `result()` freezes what it recorded."""

    stream: str
    handle: str
    part: str = ""  # the run's key: "" for a handle's own read, "refresh" for its stats refresh
    kind: Part = Part.INCREMENTAL
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # `readId`
    started: float = field(default_factory=time.monotonic)
    # -- where it began -------------------------------------------------------------------------
    began_at: Optional[str] = None  # the saved API cursor it began at; None: the top of the list
    pages_before: int = 0
    joins_top: bool = False  # began where this sync's read from the top stopped: together contiguous from the top
    # Begun below the top: a part of this sync read the handle's first page in the same order, where a
    # video pinned since the last read is listed (its only place); without it the part claims nothing.
    top_read_in_sync: bool = False
    date_ordered: bool = True  # newest first (`latest`): its pages are contiguous in `createdAt`
    led_by: Optional[PartResult] = None  # a refresh: the handle's own read of this sync, which led into it
    # -- where it is ----------------------------------------------------------------------------
    pager: Optional[HandlePager] = None
    start_cursor: Optional[str] = None  # the cursor its first request asks for (None: the first page)
    page_cursor: Optional[str] = None  # the cursor of the page being asked for (None: the first page)
    user_id: Optional[str] = None  # the `userId` the last request carried
    withhold_user_id: bool = False  # the API refused the id once: ask without it until that is settled
    refused_user_id: Optional[str] = None  # the id withheld, kept until asking without it helped
    reserved: int = 0
    retry_reserved: bool = False  # `reserved` pays for a retry the library has not sent yet
    last_resolution: Optional[ErrorResolution] = None  # of this part's latest request (errors_handlers.ResolutionTap)
    last_progress_log: float = field(default_factory=time.monotonic)
    # -- what it read ---------------------------------------------------------------------------
    pages: int = 0
    credits: int = 0
    videos_seen: int = 0  # videos the API listed on its pages
    records: int = 0  # records emitted (videos, or profiles)
    problems: int = 0
    first_request_at: Optional[datetime] = None  # `startedAt`: when its first request was sent, not answered
    last_page_at: Optional[datetime] = None  # `endedAt`; None: no page read yet
    # The newest regular (not pinned) video on its first page, for a part that began mid-list
    # (where its coverage starts); one begun at the top covers up to its first page's instant.
    first_page_newest: Optional[datetime] = None
    newest_emitted: Optional[datetime] = None  # regular videos only: pinned ones do not set bounds
    oldest_emitted: Optional[datetime] = None
    reached_end: bool = False  # a page said `hasMore: false`
    cut_by_date: bool = False  # a video was left out, or paging stopped, by a date bound
    left_out_by_date: bool = False  # a video (pinned ones too) was not emitted for being older than a date bound
    # -- how it ended ---------------------------------------------------------------------------
    ending: Optional[Ending] = None
    reason: str = ""
    failure_type: Optional[FailureType] = None
    resume_cursor: Optional[str] = None  # the next page's cursor when the budget or the cap cut it short
    continuation: Optional[str] = None  # a due handle's read stopped at its lookback boundary: the refresh goes on here
    refresh_done: bool = False  # a due handle's read reached its refresh floor itself: no refresh pages needed
    deep: bool = False  # read from the first page down to its floor: its page count is the handle's history

    @property
    def began_at_top(self) -> bool:
        return self.began_at is None

    @property
    def outcome(self) -> Optional[Outcome]:
        return self.ending.outcome if self.ending is not None else None

    def end(self, ending: Ending, reason: str = "", failure_type: Optional[FailureType] = None) -> None:
        """How the part ended; the first word on it is the one that counts."""
        if self.ending is None:
            self.ending, self.reason, self.failure_type = ending, reason, failure_type

    def request_sent(self, at: datetime) -> None:
        """A request of this part is about to be sent at `at`; the first one is its `startedAt`."""
        if self.first_request_at is None:
            self.first_request_at = at

    def page_read(self, at: datetime, first_newest: Optional[datetime]) -> None:
        """A page was fetched at `at`; `first_newest`: the newest regular video it listed."""
        if self.last_page_at is None:
            self.first_page_newest = first_newest
        self.last_page_at = at

    def note_bounds(self, newest: datetime, oldest: datetime) -> None:
        """A page emitted regular dated videos from `newest` down to `oldest` (pinned ones do not count)."""
        if self.newest_emitted is None or newest > self.newest_emitted:
            self.newest_emitted = newest
        if self.oldest_emitted is None or oldest < self.oldest_emitted:
            self.oldest_emitted = oldest

    def coverage(self) -> Coverage:
        """(coveredFrom, coveredTo): every video the API listed with `createdAt` in that range is
        among this sync's records of the handle. (None, None) claims nothing; (None, to) claims
        everything up to `to`, videos without a date included."""
        if self.pages == 0 or self.videos_seen == 0:
            return None, None  # nothing listed: a private profile or a passing fault, never "all deleted"
        if not (self.began_at_top or self.top_read_in_sync):
            return None, None  # a video pinned since the last read is on the first page only: unseen here
        whole = self.reached_end and not self.cut_by_date
        if not self.date_ordered:
            # Pages in popularity order are not contiguous in time, and an offset-paged list shifts
            # when a video goes: only a list read whole on one page is known to be complete.
            return (None, self.first_request_at) if whole and self.pages == 1 else (None, None)
        covered_to = self.first_request_at if self.began_at_top else self.first_page_newest
        if covered_to is None:
            return None, None
        if whole and (self.began_at_top or self.joins_top):
            return None, covered_to
        # Begun below the top, this part never saw the undated videos above it: the range stops at
        # what the part emitted.
        if self.oldest_emitted is None:
            return None, None  # no regular video emitted: no range it read is known to be whole
        return self.oldest_emitted, covered_to

    def result(self) -> PartResult:
        """The part is over: its facts, frozen. The walk (its pager holds every id and cursor it
        saw) is dropped by its owner."""
        covered_from, covered_to = self.coverage()
        return PartResult(
            stream=self.stream, handle=self.handle, part=self.part, kind=self.kind, id=self.id,
            ending=self.ending, reason=self.reason, failure_type=self.failure_type,
            pages=self.pages, credits=self.credits, records=self.records,
            started_at=self.first_request_at, ended_at=self.last_page_at,
            covered_from=covered_from, covered_to=covered_to,
            began_at_top=self.began_at_top, pages_before=self.pages_before, resume_cursor=self.resume_cursor,
            continuation=self.continuation, refresh_done=self.refresh_done, deep=self.deep,
            date_ordered=self.date_ordered, left_out_by_date=self.left_out_by_date,
            newest_emitted=self.newest_emitted, oldest_emitted=self.oldest_emitted,
        )
