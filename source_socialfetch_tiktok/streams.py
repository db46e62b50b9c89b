"""The Social Fetch streams: one partition per handle, the HTTP hooks shared in one base class.

API pages: GET /v1/tiktok/profiles/{handle}/videos and GET /v1/tiktok/profiles/{handle}
(see SOCIALFETCH_API.md and the vendor page "List TikTok profile videos").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional
from urllib.parse import quote

import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.message import InMemoryMessageRepository
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler, ErrorResolution
from airbyte_cdk.sources.streams.http.http_client import HttpClient

from .api.backoff_strategies import RetryAfterBackoffStrategy
from .api.errors_handlers import (
    NO_BUDGET_TO_ASK_AGAIN,
    RETRY,
    UNUSABLE_PAGE,
    Kind,
    Next,
    RequestContext,
    ResolutionTap,
    SocialFetchError,
    SocialFetchErrorHandler,
    after_error,
)
from .api.payloads import MAX_DEPTH, credits_charged, json_body, page_of
from .api.transport import USER_AGENT, ApiKeyAuth, pool_http_connections, read_environment_once, request_timeout
from .config import SocialFetchConfig
from .read.pagination import HandlePager
from .read.part import Ending, Outcome, Part, PartResult, PartWalk
from .read.partitions import REFRESH
from .read.sync_run import SyncRun
from .records.handle_reads import handle_read_record
from .records.video_stats import captured_at, snapshot
from .records.videos import video_record
from .state.store import HandleCursor, VideosStateStore
from .state.user_ids import UserIds, author_id, valid_user_id
from .timeutil import minus_days, parse_instant

_MAX_LOGGED_PROBLEMS = 3


class SocialFetchStream(HttpStream, ABC):
    """Base of the per-handle streams: auth, pooling, time-outs, error policy, and the isolation of
    handles (a handle that fails is recorded and named at the end; the others go on)."""

    required_data_key: str = ""

    def __init__(self, config: SocialFetchConfig, run: SyncRun):
        self._config = config
        self._run = run
        self._auth = ApiKeyAuth(config.api_key, config.base_url)
        self._policy = SocialFetchErrorHandler(self.logger, self.required_data_key)  # a pure function of the answer
        super().__init__(authenticator=self._auth)
        # Every part sends through a CDK `HttpClient` of its own (`_client`), all on this one session,
        # which HttpClient takes publicly: pooled for the concurrency, plain http (loopback) included,
        # and the proxy variables read once rather than on every request.
        self.session = requests.Session()
        pool_http_connections(self.session, config.concurrency)
        read_environment_once(self.session, config.base_url)
        self._messages = InMemoryMessageRepository()

    @property
    def url_base(self) -> str:
        return f"{self._config.base_url}/v1/"

    def get_error_handler(self) -> Optional[ErrorHandler]:
        return self._policy

    def _client(self, read: PartWalk) -> HttpClient:
        """The CDK's client for one part: retries, backoff and the error policy as data. Its tap
        notes each answer's resolution on this part, bound here (one client per part, one session)."""
        return HttpClient(
            name=self.name,
            logger=self.logger,
            error_handler=ResolutionTap(self._policy, lambda resolution: self._note_resolution(read, resolution)),
            session=self.session,
            authenticator=self._auth,
            backoff_strategy=RetryAfterBackoffStrategy(),
            message_repository=self._messages,
        )

    def _note_resolution(self, read: PartWalk, resolution: ErrorResolution) -> None:
        read.last_resolution = resolution
        read.retry_reserved = False  # an answer came: the request reserved for was sent
        if resolution.response_action is RETRY and getattr(resolution, "may_be_charged", False):
            # The library will ask again, and this answer may have cost credits: count it as spent,
            # and reserve for the request asked again, or keep the library from sending it.
            self._run.release(read, assume_charged=True)
            if not self._run.reserve(read):
                raise SocialFetchError(NO_BUDGET_TO_ASK_AGAIN)
            read.retry_reserved = True

    def get_backoff_strategy(self) -> Optional[BackoffStrategy]:
        return RetryAfterBackoffStrategy()

    def request_kwargs(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Mapping[str, Any]:
        # The API key must never follow a redirect elsewhere: no redirect is followed at all.
        return {"allow_redirects": False, "timeout": request_timeout(self._config.request_timeout_seconds)}

    def request_headers(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {"Accept": "application/json", "User-Agent": USER_AGENT}

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Optional[Mapping[str, Any]]]:
        for handle in self.read_order():
            yield {"handle": handle}

    def read_order(self) -> List[str]:
        return list(self._config.handles)

    @staticmethod
    def handle_path(handle: str) -> str:
        return quote(handle, safe="")

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[StreamData]:
        """One part of one handle's read, as one loop: reserve a page (the first before the loop, the
        next in `next_cursor`), send it, settle its credit and parse it (`read_page`), take the next
        cursor, until an ending: the list's, the budget's, or an error's (`_on_error` decides whether
        to ask again: the same page without the user id, or the first page for a stale position)."""
        read = self.begin_part(stream_slice or {})
        if read is None:
            return  # nothing to read in this sync (see begin_part)
        client = self._client(read)
        url = self.url_base + self.path(stream_slice=stream_slice)
        try:
            paged_to_an_end = False
            cursor = read.start_cursor
            if read.ending is None and self._run.reserve(read):  # a part may end before its first page
                while True:
                    read.page_cursor = cursor
                    try:
                        _, response = client.send_request(
                            "GET", url, request_kwargs=self.request_kwargs(None),
                            headers=self.request_headers(), params=self.page_params(read, cursor),
                        )
                        yield from self.read_page(read, response)
                    except Exception as error:  # isolation: one handle's error must not end the others
                        if not self._on_error(read, error):
                            break
                        cursor = read.start_cursor  # asked again: that page, or the first
                        continue
                    cursor = self.next_cursor(read, response)
                    if cursor is None:
                        paged_to_an_end = True
                        break
            if paged_to_an_end and read.ending is None:  # not already cut short by the budget or a stop
                read.end(*self.end_part(read))
        finally:
            self._run.release(read)
            self._run.log_finished(read)
            result = self._run.end(read)  # the walk ends here: only its frozen result goes on
            self.hand_on(result)
        yield from self.part_ended(result)

    # The CDK's paging hooks: this stream owns its loop (`read_records`), which calls the per-part
    # hooks below with the part instead.
    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        raise NotImplementedError("pages are read by read_records' loop (read_page)")

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        raise NotImplementedError("pages are read by read_records' loop (next_cursor)")

    def page_params(self, read: PartWalk, cursor: Optional[str]) -> Mapping[str, Any]:
        """The query of the part's next request (asking for the page at `cursor`)."""
        return {}

    @abstractmethod
    def read_page(self, read: PartWalk, response: requests.Response) -> Iterable[StreamData]:
        """The records of one page of the part, its credits settled."""

    def next_cursor(self, read: PartWalk, response: requests.Response) -> Optional[str]:
        """The next page's cursor, its request reserved; None at an ending."""
        return None

    def _on_error(self, read: PartWalk, error: Exception) -> bool:
        """Act on `after_error`'s decision; True when the part is to ask again (the same page, or
        its first page)."""
        if read.refused_user_id is not None:
            # Asking without the refused id did not help: the id was not the cause, keep it.
            read.refused_user_id, read.withhold_user_id = None, False
        context = RequestContext(
            resumed_first_page=read.pages == 0 and read.start_cursor is not None,
            carried_user_id=read.user_id is not None,
        )
        decision = after_error(error, read.last_resolution, context)
        read.last_resolution = None
        # A request that may have been charged (a 200 it could not use, no answer) counts as spent; a
        # reservation for a retry the library never sent (its retries ran out) does not.
        self._run.release(read, assume_charged=decision.may_be_charged and not read.retry_reserved)
        read.retry_reserved = False
        if decision.next is Next.ASK_AGAIN_WITHOUT_USER_ID:
            self.logger.warning(
                f"{self.name} {read.handle}: the API refused the handle's saved TikTok user id; the same page is "
                "asked again without it (the id is dropped if that helps)"
            )
            read.withhold_user_id, read.refused_user_id = True, read.user_id
            read.start_cursor = read.page_cursor  # the same page; the pager keeps what it saw
            return self._reserve_again(read)
        if decision.next is Next.RESTART_HANDLE:
            if not self.restart_from_top(read):
                return False
            return self._reserve_again(read)
        if decision.next is Next.WAIT_FOR_BUDGET:  # `reserve` has recorded the wait
            read.resume_cursor = read.page_cursor if self.resumable else None
            return False
        if decision.next is Next.STOP_SYNC:
            self._run.stop(decision.kind, decision.message)
            read.resume_cursor = read.page_cursor  # go on from the page that was refused
            read.end(Ending.BUDGET if decision.kind is Kind.OUT_OF_CREDITS else Ending.STOPPED,
                     f"stopped: {decision.kind.value}")
            return False
        self.part_failed(read)
        read.end(Ending.FAILED, decision.message, decision.failure_type)
        return False

    def _reserve_again(self, read: PartWalk) -> bool:
        """Reserve the request asked again; refused, the part goes on from that page next sync."""
        if self._run.reserve(read):
            return True
        read.resume_cursor = read.start_cursor if self.resumable else None
        return False

    @property
    def resumable(self) -> bool:
        """Whether a part cut short goes on in a later sync from where it stopped."""
        return False

    def settle_page(self, read: PartWalk, response: requests.Response) -> Mapping[str, Any]:
        """The page's JSON object (checked by the error handler), with its credits accounted."""
        page = page_of(response)
        body = page.body or {}
        self._run.settle(read, credits_charged(body))
        if page.unusable:
            raise SocialFetchError(UNUSABLE_PAGE)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def begin_part(self, stream_slice: Mapping[str, Any]) -> Optional[PartWalk]:
        """The read of the slice's part of its handle, set up to ask its first page; None when
        that part has nothing to read in this sync."""
        return self._run.begin(self.name, stream_slice["handle"])

    def restart_from_top(self, read: PartWalk) -> bool:
        """Hook: forget where this part was to start, and set it up from its first page; False
        when there is nothing left to read (the hook has then said why)."""
        read.start_cursor = read.page_cursor = None
        return True

    def part_failed(self, read: PartWalk) -> None:
        """Hook: the part failed; what it read so far is kept."""

    def hand_on(self, result: PartResult) -> None:
        """Hook: the part ended; hand its result to whatever in this sync goes on from it."""

    def part_ended(self, result: PartResult) -> Iterable[StreamData]:
        """Hook: the part ended: what to emit about it."""
        return ()

    @abstractmethod
    def end_part(self, read: PartWalk) -> tuple[Ending, str]:
        """How a part whose pages were all fetched without error ended, and why."""


class Videos(SocialFetchStream):
    """Videos of each handle, newest first; per-handle incremental on `createdAt`.

    Each slice is one part of a handle's read (`PartWalk`): its incremental (or full-refresh)
    part, or its stats refresh. The part records what happened as it happens; the hooks below
    set it up, walk its pages with its pager, and end it.
    """

    name = "videos"
    primary_key = [["handle"], ["id"]]
    cursor_field = "createdAt"
    required_data_key = "videos"

    def __init__(
        self,
        config: SocialFetchConfig,
        run: SyncRun,
        store: VideosStateStore,
        incremental: bool,
        with_stats: bool = False,
        with_reads: bool = False,
    ):
        self._store = store
        self._incremental = incremental
        self._with_stats = with_stats
        self._with_reads = with_reads
        super().__init__(config, run)

    @property
    def store(self) -> VideosStateStore:
        return self._store

    @property
    def user_ids(self) -> UserIds:
        return self._store.user_ids

    @property
    def sort_by(self) -> str:
        return "latest" if self._incremental else self._config.sort_by

    @property
    def resumable(self) -> bool:
        return self._incremental

    def read_order(self) -> List[str]:
        return self._store.read_order()

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Optional[Mapping[str, Any]]]:
        """Every handle's read first, then the stats refreshes of the handles due in this sync: new
        videos are served before any refresh page (the partitions wait for that phase)."""
        order = self.read_order()
        for handle in order:
            yield {"handle": handle}
        schedule = self._store.refresh
        if self._incremental and schedule.enabled:
            for handle in schedule.refresh_order(order):
                yield {"handle": handle, REFRESH: True}

    def path(self, *, stream_slice: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        return f"tiktok/profiles/{self.handle_path((stream_slice or {})['handle'])}/videos"

    def page_params(self, read: PartWalk, cursor: Optional[str]) -> Mapping[str, Any]:
        params: MutableMapping[str, Any] = {"sortBy": self.sort_by}
        read.request_sent(self._run.clock())  # the request is sent right after its parameters are made
        if cursor:
            params["cursor"] = cursor
        read.user_id = None if read.withhold_user_id else self._store.user_ids.get(read.handle)
        if read.user_id:
            params["userId"] = read.user_id
        if self._config.region:
            params["region"] = self._config.region
        if self._config.trim:
            params["trim"] = "true"
        return params

    # -- where a part begins and what bounds it ---------------------------------------------------
    def boundary(self, handle: str) -> Optional[datetime]:
        """max(start_date, saved cursor - lookback): nothing older is emitted."""
        start = self._config.start_date
        cursor = self._store.cursor(handle) if self._incremental else None
        if cursor is None:
            return start
        since_cursor = minus_days(cursor.instant, self._config.lookback_window_days)
        return max(start, since_cursor) if start is not None else since_cursor

    def refresh_floor(self) -> Optional[datetime]:
        """A refresh reads nothing older: `stats_refresh_max_age_days` before the sync, or start_date."""
        return self._store.refresh.floor(self._config.start_date, self._config.stats_refresh_max_age_days)

    def limits(self, handle: str) -> tuple[Optional[datetime], Optional[datetime]]:
        """(emit nothing older, stop paging past): a handle due for a refresh emits down to its
        refresh floor from the pages its read needs anyway, but pages on only to its boundary."""
        boundary = self.boundary(handle)
        if not (self._incremental and boundary is not None and self._store.refresh.is_due(handle)):
            return boundary, None
        floor = self.refresh_floor()
        if floor is not None and floor >= boundary:
            return boundary, None
        return floor, boundary

    def refresh_start(self, own: Optional[PartResult]) -> Optional[tuple[str, int]]:
        """Where a due handle's refresh begins (cursor, pages already read), after `own`, the handle's
        read in this sync: where a refresh cut short in an earlier sync stopped, or the page after
        `own` stopped at the lookback boundary. None when `own` did not complete (the handle stays
        due) or already reached the refresh floor."""
        if own is None or own.outcome is not Outcome.COMPLETED or own.refresh_done:
            return None
        position = self._store.refresh.position(own.handle)
        if position is not None:
            return position.cursor, 0
        return (own.continuation, own.pages) if own.continuation else None

    def hand_on(self, result: PartResult) -> None:
        """A due handle's own read completed short of its refresh floor: its refresh goes on from it."""
        if (result.kind is Part.INCREMENTAL and result.outcome is Outcome.COMPLETED and not result.refresh_done
                and self._store.refresh.is_due(result.handle)):
            self._run.hand_over(result)

    def begin_part(self, stream_slice: Mapping[str, Any]) -> Optional[PartWalk]:
        handle = stream_slice["handle"]
        if not stream_slice.get(REFRESH):
            kind = Part.INCREMENTAL if self._incremental else Part.FULL_REFRESH
            read = self._run.begin(self.name, handle, kind=kind)
            self._begin_read(read)
            return read
        own = self._run.take_handed_over(handle)
        start = self.refresh_start(own)
        if start is None:
            return None
        read = self._run.begin(self.name, handle, REFRESH, kind=Part.REFRESH)
        read.led_by = own
        self._begin_refresh(read, *start)
        return read

    def _begin_read(self, read: PartWalk) -> None:
        """A handle's own read: from the top, or from where the budget or the cap stopped it."""
        position = self._store.resume_position(read.handle) if self._incremental else None
        read.began_at = read.start_cursor = read.page_cursor = position.cursor if position else None
        floor, stop_at = self.limits(read.handle)
        read.date_ordered = self.sort_by == "latest"
        read.pager = HandlePager(
            handle=read.handle,
            boundary=floor,
            stop_at=stop_at,
            newest_first=read.date_ordered,
            max_videos=self._config.max_videos_per_handle,
            resumable=self._incremental,
        )
        if position:
            read.pager.start_from(position.cursor)
            self.logger.info(f"videos {read.handle}: going on from where the last sync's budget stopped it")

    def _begin_refresh(self, read: PartWalk, cursor: str, pages_before: int) -> None:
        """A stats refresh, at `cursor`: within max_videos_per_handle, what the handle's read left of it."""
        read.began_at = read.start_cursor = read.page_cursor = cursor
        read.pages_before = pages_before
        cap = self._config.max_videos_per_handle
        own = read.led_by
        # Together contiguous from the top, unless the handle's own read left a video out by a date bound.
        read.joins_top = (own is not None and own.began_at_top and pages_before > 0 and own.continuation == cursor
                          and not own.left_out_by_date)
        read.top_read_in_sync = own is not None and own.began_at_top and own.date_ordered and own.pages > 0
        left = None if cap is None else max(cap - (own.records if own else 0), 0)
        read.pager = HandlePager(handle=read.handle, boundary=self.refresh_floor(), newest_first=True,
                                 max_videos=left, resumable=True)
        read.pager.start_from(cursor)
        if left == 0:  # the cap is spent: the refresh goes on from here next sync
            read.resume_cursor = cursor
            read.end(Ending.CAPPED_GOES_ON, "max_videos_per_handle reached: the refresh goes on next sync")

    def restart_from_top(self, read: PartWalk) -> bool:
        """A saved position the API no longer accepts (400 or 414 on its first page): start again
        from the top, or for a refresh, from this sync's boundary (nothing to do if there is none)."""
        if read.kind is Part.REFRESH:
            saved = self._store.refresh.position(read.handle)
            self._store.refresh.forget_position(read.handle)
            start = self.refresh_start(read.led_by) if saved is not None else None
            if start is None:
                read.end(Ending.STOPPED, "the API refused the refresh's position; it starts again next sync")
                return False
            self.logger.warning(f"videos {read.handle}: the API refused the saved refresh position; going on from this sync's boundary")
            self._begin_refresh(read, *start)
            return read.ending is None
        self.logger.warning(f"videos {read.handle}: the API refused the saved position; reading from the first page")
        self._store.forget_resume(read.handle)
        self._begin_read(read)
        return True

    # -- its pages ----------------------------------------------------------------------------------
    def read_page(self, read: PartWalk, response: requests.Response) -> Iterable[StreamData]:
        data = self.settle_page(read, response)
        videos = data.get("videos")
        if not isinstance(videos, list):
            raise ValueError(f"a page of handle {read.handle!r} has `data.videos` that is not a list")
        pager: HandlePager = read.pager  # type: ignore[assignment]
        now = self._run.clock()
        # Only a part begun mid-list needs its first page's newest date: the others skip parsing every date twice.
        mid_list_first_page = read.last_page_at is None and not read.began_at_top
        read.page_read(now, _newest_regular(videos) if mid_list_first_page else None)
        read.videos_seen += len(videos)
        if read.refused_user_id is not None:  # asked without the refused id, and it helped: drop it
            self._store.user_ids.refuse(read.handle, read.refused_user_id)
            read.refused_user_id = None
        if read.user_id is None:
            self._learn_user_id(read.handle, videos)
        captured = captured_at(now) if self._with_stats else None
        cut: Dict[int, List[str]] = {}
        for index, name in page_of(response).nulled:
            cut.setdefault(index, []).append(f"{name} nested deeper than {MAX_DEPTH} levels")
        # The page's bounds are kept in locals and noted once: this loop is the per-record path.
        newest: Optional[datetime] = None
        oldest: Optional[datetime] = None
        newest_text = ""
        emitted = 0
        for index, video in enumerate(videos):
            if not isinstance(video, dict) or not pager.accept(video):
                continue
            record, problems = video_record(video, read.handle)
            if cut and index in cut:
                problems += cut[index]
            if problems:
                self._log_problems(read, record, problems)
            if record is None:
                continue
            emitted += 1
            created = pager.accepted_created
            if created is not None and not video.get("pinned"):
                if newest is None or created > newest:
                    newest, newest_text = created, record["createdAt"]
                if oldest is None or created < oldest:
                    oldest = created
            yield record
            if captured is not None:
                yield snapshot(record, captured, read.id)
        read.records += emitted
        if newest is not None:
            read.note_bounds(newest, oldest)  # type: ignore[arg-type]
            if read.kind is not Part.REFRESH:  # a refresh never moves the handle's cursor
                self._store.note_newest(read.handle, HandleCursor(newest, newest_text))
        self._run.log_progress(read)

    def _learn_user_id(self, handle: str, videos: List[Any]) -> None:
        """The handle's TikTok id, from the first of its own videos whose `details.author` says it."""
        for video in videos:
            if isinstance(video, dict):
                found = author_id(video, handle)
                if found is not None:
                    self._store.user_ids.learn(handle, found)
                    return

    def next_cursor(self, read: PartWalk, response: requests.Response) -> Optional[str]:
        data = (json_body(response) or {}).get("data") or {}
        pager: HandlePager = read.pager  # type: ignore[assignment]
        cursor = pager.next_cursor(data)
        if cursor is None:  # the walk's facts, as the pager recorded them when they happened
            read.reached_end = pager.reached_end
            read.left_out_by_date = pager.left_out_by_date
            read.cut_by_date = pager.left_out_by_date or pager.stopped_by_date
            return None
        if not self._run.reserve(read):
            read.resume_cursor = cursor if self._incremental else None
            return None
        return cursor

    # -- how it ends ------------------------------------------------------------------------------
    def end_part(self, read: PartWalk) -> tuple[Ending, str]:
        pager: HandlePager = read.pager  # type: ignore[assignment]
        if pager.duplicates:
            self.logger.warning(f"videos {read.handle}: {pager.duplicates} duplicate videos were emitted once")
        if pager.complete:
            if read.kind is Part.INCREMENTAL:
                if self._store.refresh.is_due(read.handle):
                    read.refresh_done = read.began_at_top and pager.reached_floor
                    read.continuation = pager.continuation if read.began_at_top else None
                # A handle's first read goes down to start_date: its page count is the handle's history.
                read.deep = read.began_at_top and self._store.cursor(read.handle) is None
            if pager.end == "max_videos":
                return Ending.CAPPED, "max_videos_per_handle reached"
            return Ending.EMPTY if read.videos_seen == 0 else Ending.COMPLETED, pager.end or ""
        if pager.capped_at is not None:  # like a budget cut: the next sync goes on from the next page
            read.resume_cursor = pager.capped_at
            return Ending.CAPPED_GOES_ON, "max_videos_per_handle reached: the next sync goes on from the next page"
        self.logger.warning(
            f"videos {read.handle}: {pager.end}; the videos read so far were emitted, and "
            + ("the refresh is counted as done so that it does not loop every sync"
               if read.kind is Part.REFRESH else "the handle's cursor is not moved so the next sync reads it again")
        )
        return Ending.GUARD, pager.end or ""

    def part_failed(self, read: PartWalk) -> None:
        if read.kind is Part.REFRESH:
            read.resume_cursor = read.page_cursor  # a failed refresh goes on from the failed page next sync

    def part_ended(self, result: PartResult) -> Iterable[StreamData]:
        if self._with_reads and result.ending is not None:
            yield handle_read_record(result, self._run.sync_id)

    def _log_problems(self, read: PartWalk, record: Optional[Mapping[str, Any]], problems: List[str]) -> None:
        read.problems += 1
        if read.problems <= _MAX_LOGGED_PROBLEMS:
            video = record.get("id") if record else "?"
            self.logger.warning(f"videos {read.handle}: video {video}: {'; '.join(problems)} (set to null)")


def _newest_regular(videos: List[Any]) -> Optional[datetime]:
    """The newest `createdAt` of a page's regular (not pinned) videos: where a part that began
    mid-list starts to cover."""
    newest: Optional[datetime] = None
    for video in videos:
        if isinstance(video, dict) and not video.get("pinned"):
            created = parse_instant(video.get("createdAt"))
            if created is not None and (newest is None or created > newest):
                newest = created
    return newest


class Profiles(SocialFetchStream):
    """One profile lookup per handle (1 credit each): found, private or not_found, with metrics."""

    name = "profiles"
    primary_key = [["handle"]]
    required_data_key = "lookupStatus"

    def __init__(self, config: SocialFetchConfig, run: SyncRun, user_ids: Optional[UserIds] = None):
        self._user_ids = user_ids or UserIds()
        super().__init__(config, run)

    def path(self, *, stream_slice: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        return f"tiktok/profiles/{self.handle_path((stream_slice or {})['handle'])}"

    def read_page(self, read: PartWalk, response: requests.Response) -> Iterable[StreamData]:
        data = self.settle_page(read, response)
        status = data.get("lookupStatus")
        if isinstance(status, str):
            self._run.note_profile_status(read.handle, status)
        profile = data.get("profile")
        if isinstance(profile, dict) and valid_user_id(profile.get("platformUserId")):
            self._user_ids.learn(read.handle, profile["platformUserId"])
        read.records += 1
        yield {
            "handle": read.handle,
            "lookupStatus": status,
            "profile": data.get("profile"),
            "metrics": data.get("metrics"),
        }

    def end_part(self, read: PartWalk) -> tuple[Ending, str]:
        return Ending.COMPLETED, ""
