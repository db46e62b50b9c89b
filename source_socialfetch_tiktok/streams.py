"""The Social Fetch streams: one partition per handle, the HTTP hooks shared in one base class.

API pages: GET /v1/tiktok/profiles/{handle}/videos and GET /v1/tiktok/profiles/{handle}
(see SOCIALFETCH_API.md and the vendor page "List TikTok profile videos").
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional
from urllib.parse import quote

import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.sources.message.repository import InMemoryMessageRepository
from airbyte_cdk.sources.streams import CheckpointMixin
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.utils import AirbyteTracedException

from .backoff_strategies import RetryAfterBackoffStrategy
from .config import SocialFetchConfig
from .errors_handlers import BAD_REQUEST, SYNC_STOPPING_MESSAGES, TOO_DEEP, SocialFetchErrorHandler
from .pagination import HandlePager
from .payloads import credits_charged, json_body
from .records import video_record
from .state import VideosStateStore
from .sync_run import HandleRead, Outcome, SyncRun
from .timeutil import minus_days
from .transport import ApiKeyAuth, build_session, request_timeout

_EXHAUSTED_PREFIX = "Exhausted available request attempts. Please see logs for more details. Exception: "
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
        super().__init__()
        # Replaces the client HttpStream built, for what it cannot be told: the pool size for
        # plain http too, the time-outs, and an API key that never follows a redirect elsewhere.
        self._http_client = HttpClient(
            name=self.name,
            logger=self.logger,
            error_handler=self.get_error_handler(),
            session=build_session(config.concurrency),
            authenticator=ApiKeyAuth(config.api_key, config.base_url),
            backoff_strategy=self.get_backoff_strategy(),
            message_repository=InMemoryMessageRepository(),
            request_timeout=request_timeout(config.request_timeout_seconds),
        )

    @property
    def url_base(self) -> str:
        return f"{self._config.base_url}/v1/"

    def get_error_handler(self) -> Optional[ErrorHandler]:
        return SocialFetchErrorHandler(self.logger, required_data_key=self.required_data_key)

    def get_backoff_strategy(self) -> Optional[BackoffStrategy]:
        return RetryAfterBackoffStrategy()

    def request_kwargs(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Mapping[str, Any]:
        return {"allow_redirects": False}

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
        read = self._run.begin(self.name, handle)
        if not self._run.reserve(read):
            return
        self._local.read = read
        self.begin_handle(read)
        try:
            while True:
                try:
                    yield from super().read_records(sync_mode, cursor_field, stream_slice, stream_state)
                except AirbyteTracedException as error:
                    if self.restart_from_top(read, error):
                        self._run.release(read)
                        if self._run.reserve(read):
                            continue
                        break
                    self._on_error(read, error)
                except RecursionError:  # the CDK re-reads a failed page's body with requests' json()
                    self._run.finish(read, Outcome.FAILED, TOO_DEEP.error_message or "", FailureType.system_error)
                except Exception as error:  # noqa: BLE001 - isolation: one handle's surprise must not end the others
                    self._run.finish(read, Outcome.FAILED, f"{type(error).__name__}: {error}", FailureType.system_error)
                else:
                    if read.outcome is None:  # not already cut short by the budget or a stop
                        self._run.finish(read, *self.end_handle(read))
                break
        finally:
            # A page that failed after its retries may still have been charged (a 200 that could
            # not be decoded is): count it as spent, so the budget errs on the safe side.
            self._run.release(read, assume_charged=read.outcome is Outcome.FAILED)
            self._local.read = None
            self._run.log_finished(read)

    def _on_error(self, read: HandleRead, error: AirbyteTracedException) -> None:
        message = error.message or str(error)
        kind = SYNC_STOPPING_MESSAGES.get(message)
        if kind is not None:
            self._run.stop(kind, message)
            read.resume_cursor = read.page_cursor  # go on from the page that was refused
            self._run.finish(read, Outcome.WAITING, f"stopped: {kind}")
            return
        if message.startswith(_EXHAUSTED_PREFIX):
            message = "gave up after retries: " + message[len(_EXHAUSTED_PREFIX):]
        self._run.finish(read, Outcome.FAILED, message, error.failure_type or FailureType.system_error)

    def settle_page(self, response: requests.Response) -> Mapping[str, Any]:
        """The page's JSON object (checked by the error handler), with its credits accounted."""
        body = json_body(response) or {}
        self._run.settle(self.current, credits_charged(body))
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def begin_handle(self, read: HandleRead) -> None:
        """Hook: set up the per-handle read state."""

    def restart_from_top(self, read: HandleRead, error: AirbyteTracedException) -> bool:
        """Hook: whether this error means "read the handle again from its first page"."""
        return False

    @abstractmethod
    def end_handle(self, read: HandleRead) -> tuple[Outcome, str]:
        """The outcome of a handle whose pages were all fetched without error."""


class Videos(SocialFetchStream, CheckpointMixin):
    """Videos of each handle, newest first; per-handle incremental on `createdAt`."""

    name = "videos"
    primary_key = [["handle"], ["id"]]
    cursor_field = "createdAt"
    required_data_key = "videos"

    def __init__(self, config: SocialFetchConfig, run: SyncRun, store: VideosStateStore, incremental: bool):
        self._store = store
        self._incremental = incremental
        super().__init__(config, run)

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._store.snapshot_of(self._run, self.name)

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._store = VideosStateStore.from_state(value, self._config.handles, self.logger)

    @property
    def sort_by(self) -> str:
        return "latest" if self._incremental else self._config.sort_by

    def read_order(self) -> List[str]:
        return self._store.read_order()

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

    def begin_handle(self, read: HandleRead) -> None:
        position = self._store.resume_position(read.handle) if self._incremental else None
        self._local.start_cursor = position.cursor if position else None
        read.page_cursor = self._local.start_cursor
        self._local.pager = HandlePager(
            handle=read.handle,
            boundary=self.boundary(read.handle),
            newest_first=self.sort_by == "latest",
            max_videos=self._config.max_videos_per_handle,
            resumable=self._incremental,
        )
        if position:
            self._local.pager.start_from(position.cursor)
            self.logger.info(f"videos {read.handle}: going on from where the last sync's budget stopped it")

    def restart_from_top(self, read: HandleRead, error: AirbyteTracedException) -> bool:
        """A saved position the API no longer accepts (400 on its first page): start again from the top."""
        if self._local.start_cursor is None or read.pages or error.message != BAD_REQUEST.error_message:
            return False
        self.logger.warning(f"videos {read.handle}: the API refused the saved position; reading from the first page")
        self._store.forget_resume(read.handle)
        self.begin_handle(read)
        return True

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        data = self.settle_page(response)
        videos = data.get("videos")
        if not isinstance(videos, list):
            raise AirbyteTracedException(
                message=f"a page of handle {self.current.handle!r} has `data.videos` that is not a list",
                failure_type=FailureType.system_error,
            )
        read, pager = self.current, self._local.pager
        read.videos_seen += len(videos)
        for video in videos:
            if not isinstance(video, dict) or not pager.accept(video):
                continue
            record, problems = video_record(video, read.handle)
            if problems:
                self._log_problems(read, record, problems)
            if record is not None:
                read.records += 1
                yield record
        self._run.log_progress(read)

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
        read.records += 1
        yield {
            "handle": read.handle,
            "lookupStatus": status,
            "profile": data.get("profile"),
            "metrics": data.get("metrics"),
        }

    def end_handle(self, read: HandleRead) -> tuple[Outcome, str]:
        return Outcome.COMPLETED, ""
