"""One part of one handle's read in one sync, as a record of what happened.

A handle's videos are read in parts: its `incremental` part (or `full_refresh`), then, when it is
due, its stats `refresh` beyond the lookback boundary. Each part gets one `HandleRead`, written by
the one thread reading it. Its facts are recorded when they happen (where the part began, each
page, each video emitted, the end of the list, a date bound that cut it, how it ended) and never
inferred later; the cursor, the summary and the `handle_reads` stream only read them.
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Optional

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
    """What the cursor acts on."""

    COMPLETED = "completed"  # every page this sync needed was read: the handle's cursor may advance
    INCOMPLETE = "incomplete"  # ended early by a paging guard before its boundary: cursor kept
    WAITING = "waiting"  # not reached or cut short by the budget or a stop: read first next time
    FAILED = "failed"  # an error the retries could not fix: named at the end of the sync


class Ending(enum.Enum):
    """How a part ended, as `handle_reads.outcome` says it."""

    COMPLETED = "completed"
    BUDGET = "budget"  # the credit budget, or a sync-wide stop for credits, cut it short
    CAPPED = "capped"  # max_videos_per_handle
    FAILED = "failed"  # an error, a paging guard, or a sync-wide stop (bad key)
    EMPTY = "empty"  # it completed, and listed no video at all


@dataclass(slots=True)  # a sync keeps one per part to its end: 10,000 handles, 10,000 of them
class HandleRead:
    """One stream's read of one part of one handle: where it began, what it read, how it ended."""

    stream: str
    handle: str
    part: str = ""  # the run's key: "" for a handle's own read, "refresh" for its stats refresh
    kind: Part = Part.INCREMENTAL
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # `readId`
    started: float = field(default_factory=time.monotonic)
    # -- where it began -------------------------------------------------------------------------
    began_at: Optional[str] = None  # the saved API cursor it began at; None: the top of the list
    pages_before: int = 0  # a refresh's pages read before it began (by the read that led into it)
    joins_top: bool = False  # began where this sync's read from the top stopped: together contiguous from the top
    # Begun below the top: a part of this sync read the handle's first page in the same order, where a
    # video pinned since the last read is listed (its only place); without it the part claims nothing.
    top_read_in_sync: bool = False
    date_ordered: bool = True  # newest first (`latest`): its pages are contiguous in `createdAt`
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
    outcome: Optional[Outcome] = None
    ending: Optional[Ending] = None
    reason: str = ""
    failure_type: Optional[FailureType] = None
    guard: Optional[str] = None  # the paging guard that stopped it
    resume_cursor: Optional[str] = None  # the next page's cursor when the budget or the cap cut it short
    continuation: Optional[str] = None  # a due handle's read stopped at its lookback boundary: the refresh goes on here
    refresh_done: bool = False  # a due handle's read reached its refresh floor itself: no refresh pages needed
    deep: bool = False  # read from the first page down to its floor: its page count is the handle's history

    def close(self) -> None:
        """The part is over: keep its facts, drop its walk. A pager holds every id and cursor it saw,
        and the sync keeps each part's read to its end (10,000 handles: about 60 MB)."""
        self.pager = None
        self.last_resolution = None

    @property
    def began_at_top(self) -> bool:
        return self.began_at is None

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

    def coverage(self) -> tuple[Optional[datetime], Optional[datetime]]:
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
