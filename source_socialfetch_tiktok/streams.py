"""The Social Fetch streams: one partition per handle, the HTTP hooks shared in one base class.

API pages: GET /v1/tiktok/profiles/{handle}/videos and GET /v1/tiktok/profiles/{handle}
(see SOCIALFETCH_API.md and the vendor page "List TikTok profile videos").
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional
from urllib.parse import quote

import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler, ErrorResolution

from .backoff_strategies import RetryAfterBackoffStrategy
from .config import SocialFetchConfig
from .errors_handlers import (
    UNUSABLE_PAGE,
    Next,
    RequestContext,
    ResolutionTap,
    SocialFetchError,
    SocialFetchErrorHandler,
    after_error,
)
from .pagination import HandlePager
from .partitions import REFRESH
from .payloads import MAX_DEPTH, credits_charged, json_body, page_of
from .records import video_record
from .state import HandleCursor, VideosStateStore
from .sync_run import HandleRead, Outcome, SyncRun
from .timeutil import minus_days
from .transport import USER_AGENT, ApiKeyAuth, pool_http_connections, read_environment_once, request_timeout
from .user_ids import UserIds, author_id, valid_user_id
from .video_stats import captured_at, snapshot

_MAX_LOGGED_PROBLEMS = 3


class SocialFetchStream(HttpStream, ABC):
    """Base of the per-handle streams: auth, pooling, time-outs, error policy, and the isolation of
    handles (a handle that fails is recorded and named at the end; the others go on)."""

    required_data_key: str = ""

    def __init__(self, config: SocialFetchConfig, run: SyncRun):
        self._config = config
        self._run = run
        # Worker threads read different handles through this one stream object; each thread reads
        # one partition at a time, so the handle being read is a per-thread fact.
        self._local = threading.local()
        super().__init__(authenticator=ApiKeyAuth(config.api_key, config.base_url))
        # The CDK's session has no public route, so these two reach it: HttpStream pools 40
        # connections for https only, leaving plain http (loopback: the emulator, the benchmark) at
        # requests' 10; and requests would read the proxy variables again on every request.
        pool_http_connections(self._http_client._session, config.concurrency)
        read_environment_once(self._http_client._session, config.base_url)

    @property
    def url_base(self) -> str:
        return f"{self._config.base_url}/v1/"

    def get_error_handler(self) -> Optional[ErrorHandler]:
        return ResolutionTap(SocialFetchErrorHandler(self.logger, self.required_data_key), self._note_resolution)

    def _note_resolution(self, resolution: ErrorResolution) -> None:
        read: Optional[HandleRead] = getattr(self._local, "read", None)
        if read is not None:
            read.last_resolution = resolution

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

    @property
    def current(self) -> HandleRead:
        read: HandleRead = self._local.read
        return read

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[StreamData]:
        handle = (stream_slice or {})["handle"]
        part = REFRESH if (stream_slice or {}).get(REFRESH) else ""
        if part and self.refresh_start(handle) is None:
            return  # nothing to refresh in this sync (see refresh_start)
        read = self._run.begin(self.name, handle, part)
        if not self._run.reserve(read):
            return
        self._local.read = read
        self.begin_handle(read)
        try:
            while True:
                try:
                    yield from super().read_records(sync_mode, cursor_field, stream_slice, stream_state)
                except Exception as error:  # isolation: one handle's error must not end the others
                    if self._on_error(read, error):
                        continue
                else:
                    if read.outcome is None:  # not already cut short by the budget or a stop
                        self._run.finish(read, *self.end_handle(read))
                break
        finally:
            self._run.release(read)
            self._local.read = None
            self._run.log_finished(read)

    def _on_error(self, read: HandleRead, error: Exception) -> bool:
        """Act on `after_error`'s decision; True when the handle is to be read again from the top."""
        context = RequestContext(
            resumed_first_page=read.pages == 0 and read.page_cursor is not None,
            carried_user_id=read.user_id is not None,
        )
        decision = after_error(error, read.last_resolution, context)
        read.last_resolution = None
        # A request that may have been charged (a 200 it could not use, no answer) counts as spent.
        self._run.release(read, assume_charged=decision.may_be_charged)
        if decision.next is Next.ASK_AGAIN_WITHOUT_USER_ID:
            self.logger.warning(
                f"{self.name} {read.handle}: the API refused the handle's saved TikTok user id; it is dropped "
                "and the same page is asked again without it"
            )
            self.drop_user_id(read)
            self._local.start_cursor = read.page_cursor  # the same page; the pager keeps what it saw
            return self._run.reserve(read)
        if decision.next is Next.RESTART_HANDLE:
            if not self.restart_from_top(read):
                return False
            return self._run.reserve(read)
        if decision.next is Next.STOP_SYNC:
            self._run.stop(decision.kind, decision.message)
            read.resume_cursor = read.page_cursor  # go on from the page that was refused
            self._run.finish(read, Outcome.WAITING, f"stopped: {decision.kind.value}")
            return False
        self._run.finish(read, Outcome.FAILED, decision.message, decision.failure_type)
        return False

    def settle_page(self, response: requests.Response) -> Mapping[str, Any]:
        """The page's JSON object (checked by the error handler), with its credits accounted."""
        page = page_of(response)
        body = page.body or {}
        self._run.settle(self.current, credits_charged(body))
        if page.unusable:
            raise SocialFetchError(UNUSABLE_PAGE)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def begin_handle(self, read: HandleRead) -> None:
        """Hook: set up the per-handle read state."""

    def refresh_start(self, handle: str) -> Optional[tuple[str, int]]:
        """Hook: where a stats refresh of `handle` starts (cursor, pages already read), or None."""
        return None

    def restart_from_top(self, read: HandleRead) -> bool:
        """Hook: forget where this handle's read was to start, and set it up from its first page;
        False when there is nothing left to read (the hook has then said why)."""
        self.begin_handle(read)
        return True

    def drop_user_id(self, read: HandleRead) -> None:
        """Hook: the API refused the `userId` the last request of `read` carried."""

    @abstractmethod
    def end_handle(self, read: HandleRead) -> tuple[Outcome, str]:
        """The outcome of a handle whose pages were all fetched without error."""


class Videos(SocialFetchStream):
    """Videos of each handle, newest first; per-handle incremental on `createdAt`."""

    name = "videos"
    primary_key = [["handle"], ["id"]]
    cursor_field = "createdAt"
    required_data_key = "videos"

    def __init__(
        self, config: SocialFetchConfig, run: SyncRun, store: VideosStateStore, incremental: bool, with_stats: bool = False
    ):
        self._store = store
        self._incremental = incremental
        self._with_stats = with_stats
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

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        params: MutableMapping[str, Any] = {"sortBy": self.sort_by}
        cursor = next_page_token["cursor"] if next_page_token else self._local.start_cursor
        if cursor:
            params["cursor"] = cursor
        read = self.current
        read.user_id = self._store.user_ids.get(read.handle)
        if read.user_id:
            params["userId"] = read.user_id
        if self._config.region:
            params["region"] = self._config.region
        if self._config.trim:
            params["trim"] = "true"
        return params

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

    def refresh_start(self, handle: str) -> Optional[tuple[str, int]]:
        """A due handle's refresh goes on from a refresh cut short in an earlier sync, or from the
        page after this sync's read stopped at the lookback boundary. Nothing to do when that read
        did not complete (the handle stays due) or already reached the refresh floor."""
        read = self._run.read_of(self.name, handle)
        if read is None or read.outcome is not Outcome.COMPLETED or read.refresh_done:
            return None
        position = self._store.refresh.position(handle)
        if position is not None:
            return position.cursor, 0
        return (read.continuation, read.pages) if read.continuation else None

    def begin_handle(self, read: HandleRead) -> None:
        if read.part == REFRESH:
            start = self.refresh_start(read.handle)
            self._local.start_cursor, read.pages_before = start if start else (None, 0)
            read.page_cursor = self._local.start_cursor
            self._local.pager = HandlePager(handle=read.handle, boundary=self.refresh_floor(), newest_first=True)
            if self._local.start_cursor:
                self._local.pager.start_from(self._local.start_cursor)
            return
        position = self._store.resume_position(read.handle) if self._incremental else None
        self._local.start_cursor = position.cursor if position else None
        read.page_cursor = self._local.start_cursor
        floor, stop_at = self.limits(read.handle)
        self._local.pager = HandlePager(
            handle=read.handle,
            boundary=floor,
            stop_at=stop_at,
            newest_first=self.sort_by == "latest",
            max_videos=self._config.max_videos_per_handle,
            resumable=self._incremental,
        )
        if position:
            self._local.pager.start_from(position.cursor)
            self.logger.info(f"videos {read.handle}: going on from where the last sync's budget stopped it")

    def restart_from_top(self, read: HandleRead) -> bool:
        """A saved position the API no longer accepts (400 or 414 on its first page): start again
        from the top, or for a refresh, from this sync's boundary (nothing to do if there is none)."""
        if read.part == REFRESH:
            saved = self._store.refresh.position(read.handle)
            self._store.refresh.forget_position(read.handle)
            if saved is None or self.refresh_start(read.handle) is None:
                self._run.finish(read, Outcome.WAITING, "the API refused the refresh's position; it starts again next sync")
                return False
            self.logger.warning(f"videos {read.handle}: the API refused the saved refresh position; going on from this sync's boundary")
        else:
            self.logger.warning(f"videos {read.handle}: the API refused the saved position; reading from the first page")
            self._store.forget_resume(read.handle)
        self.begin_handle(read)
        return True

    def drop_user_id(self, read: HandleRead) -> None:
        if read.user_id:
            self._store.user_ids.refuse(read.handle, read.user_id)

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        data = self.settle_page(response)
        videos = data.get("videos")
        if not isinstance(videos, list):
            raise ValueError(f"a page of handle {self.current.handle!r} has `data.videos` that is not a list")
        read, pager = self.current, self._local.pager
        read.videos_seen += len(videos)
        if read.user_id is None:
            self._learn_user_id(read.handle, videos)
        captured = captured_at(self._run.clock()) if self._with_stats else None
        cut: Dict[int, List[str]] = {}
        for index, name in page_of(response).nulled:
            cut.setdefault(index, []).append(f"{name} nested deeper than {MAX_DEPTH} levels")
        own = read.part != REFRESH  # a refresh never moves the handle's cursor
        newest: Optional[HandleCursor] = None
        for index, video in enumerate(videos):
            if not isinstance(video, dict) or not pager.accept(video):
                continue
            record, problems = video_record(video, read.handle)
            problems += cut.get(index, [])
            if problems:
                self._log_problems(read, record, problems)
            if record is not None:
                read.records += 1
                created = pager.accepted_created
                if own and created is not None and (newest is None or created > newest.instant):
                    newest = HandleCursor(created, record["createdAt"])
                yield record
                if captured is not None:
                    yield snapshot(record, captured)
        if newest is not None:
            self._store.note_newest(read.handle, newest)
        self._run.log_progress(read)

    def _learn_user_id(self, handle: str, videos: List[Any]) -> None:
        """The handle's TikTok id, from the first of its own videos whose `details.author` says it."""
        for video in videos:
            if isinstance(video, dict):
                found = author_id(video, handle)
                if found is not None:
                    self._store.user_ids.learn(handle, found)
                    return

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        data = (json_body(response) or {}).get("data") or {}
        cursor = self._local.pager.next_cursor(data)
        if cursor is None:
            return None
        read = self.current
        if not self._run.reserve(read):
            read.resume_cursor = cursor if self._incremental else None
            return None
        read.page_cursor = cursor
        return {"cursor": cursor}

    def end_handle(self, read: HandleRead) -> tuple[Outcome, str]:
        pager: HandlePager = self._local.pager
        if pager.complete and not read.part:
            from_top = self._local.start_cursor is None
            if self._incremental and self._store.refresh.is_due(read.handle):
                read.refresh_done = from_top and pager.reached_floor
                read.continuation = pager.continuation if from_top else None
            # A handle's first read goes down to start_date: its page count is the handle's history.
            read.deep = from_top and self._store.cursor(read.handle) is None
        if pager.duplicates:
            self.logger.warning(f"videos {read.handle}: {pager.duplicates} duplicate videos were emitted once")
        if pager.complete:
            return Outcome.COMPLETED, pager.end or ""
        if pager.capped_at is not None:  # like a budget cut: the next sync goes on from the next page
            read.resume_cursor = pager.capped_at
            return Outcome.WAITING, "max_videos_per_handle reached: the next sync goes on from the next page"
        self.logger.warning(
            f"videos {read.handle}: {pager.end}; the videos read so far were emitted, and the handle's "
            "cursor is not moved so the next sync reads it again"
        )
        return Outcome.INCOMPLETE, pager.end or ""

    def _log_problems(self, read: HandleRead, record: Optional[Mapping[str, Any]], problems: List[str]) -> None:
        read.problems += 1
        if read.problems <= _MAX_LOGGED_PROBLEMS:
            video = record.get("id") if record else "?"
            self.logger.warning(f"videos {read.handle}: video {video}: {'; '.join(problems)} (set to null)")


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

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        return None

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        data = self.settle_page(response)
        read = self.current
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

    def end_handle(self, read: HandleRead) -> tuple[Outcome, str]:
        return Outcome.COMPLETED, ""
