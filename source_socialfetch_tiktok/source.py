"""The source: config validation, `check`, the stream list, and a concurrent `read` with per-handle state."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, List, Mapping, MutableMapping, Optional, TypeVar

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    Status,
    SyncMode,
    Type,
)
from airbyte_cdk.sources.concurrent_source.concurrent_source import ConcurrentSource
from airbyte_cdk.sources.concurrent_source.concurrent_source_adapter import ConcurrentSourceAdapter
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.message.concurrent_repository import ConcurrentMessageRepository
from airbyte_cdk.sources.message.repository import InMemoryMessageRepository
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets

from .api.errors_handlers import Kind
from .cancellation import Cancellation
from .check import check_api_key
from .config import ConfigError, SocialFetchConfig, connection_specification, parse_config
from .estimates import SyncEstimate, estimate_for
from .read.budget import CreditBudget
from .read.partitions import REFRESH, AfterVideos, HandlePartitionGenerator, ReadPhases, concurrent_stream
from .read.record_queue import RecordBatchingQueue
from .read.sync_run import SyncRun
from .records.handle_reads import HANDLE_READS, HandleReads
from .records.video_stats import VIDEO_STATS, VideoStats
from .shard import describe
from .state.cursor import PerHandleCursor
from .state.sharded import shard_state
from .state.store import VideosStateStore, repair_videos_state
from .state.user_ids import UserIds
from .streams import Profiles, Videos
from .summary import SyncSummary, log_refresh_plan
from .timeutil import utc_now

QUEUE_SIZE = 10_000


class SourceSocialfetchTiktok(ConcurrentSourceAdapter):
    """Videos and profiles of a list of TikTok handles, read `concurrency` handles at a time."""

    # The config is validated by parse_config, whose messages name the field or handle at fault.
    check_config_against_spec = False

    def __init__(self, clock: Callable[[], datetime] = utc_now, cancellation: Optional[Cancellation] = None) -> None:
        """`clock`: the sync's wall clock (a simulation of many days of syncs passes its own);
        `cancellation`: the console script's, which its signal watcher requests (run.py)."""
        self._clock = clock
        self.cancellation = cancellation or Cancellation()
        # `read` builds the concurrent source it reads with (sized to the config's concurrency) and
        # this repository again on its own thread; these are only what the adapter requires.
        self._message_repository: MessageRepository = InMemoryMessageRepository()
        super().__init__(None)  # type: ignore[arg-type]

    @property
    def message_repository(self) -> MessageRepository:
        return self._message_repository

    @staticmethod
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        config = _json_file("config", config_path)
        if not isinstance(config, MutableMapping):
            raise ConfigError(f"The config file {config_path} cannot be used: it holds a JSON {type(config).__name__}, not an object.")
        return config

    @classmethod
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        raw = _json_file("catalog", catalog_path)
        return _parsed("catalog", catalog_path, lambda: ConfiguredAirbyteCatalogSerializer.load(raw))

    @classmethod
    def read_state(cls, state_path: str) -> List[AirbyteStateMessage]:
        """The CDK's reading, then what it would choke on later, settled here: a GLOBAL state with a
        `shared_state` (this connector only writes per-stream state) is a config error naming the
        file; the `videos` state loses what this connector never writes (`repair_videos_state`)."""
        if not state_path:
            return []  # no state given: the first sync
        _json_file("state", state_path)  # a file that is no JSON is named here, not by the CDK's wording
        messages = _parsed("state", state_path, lambda: super(SourceSocialfetchTiktok, cls).read_state(state_path))
        for message in messages:
            if message.global_ is not None and message.global_.shared_state:
                raise ConfigError(
                    f"The state file {state_path} holds a GLOBAL state with a shared_state; this connector only "
                    "writes per-stream (STREAM) state, so it is not this connector's. Reset the connection's state."
                )
        logger = logging.getLogger("airbyte")
        for stream_state in _stream_states(messages):
            descriptor = stream_state.stream_descriptor
            if descriptor.name == "videos" and descriptor.namespace is None and stream_state.stream_state is not None:
                repaired = repair_videos_state(dict(stream_state.stream_state.__dict__), logger)
                stream_state.stream_state = AirbyteStateBlob(repaired) if isinstance(repaired, dict) else stream_state.stream_state
        return messages

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(**connection_specification())

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """Validate the config, then call the free `whoami`: `check` never spends credits."""
        try:
            parsed = parse_config(config)
        except ConfigError as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=error.message)
        problem = check_api_key(parsed, logger)
        if problem:
            return AirbyteConnectionStatus(status=Status.FAILED, message=problem)
        if parsed.shard is not None:
            return AirbyteConnectionStatus(
                status=Status.SUCCEEDED, message=describe(parsed.shard, parsed.handles, parsed.configured_handles)
            )
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Optional[Any]]:
        status = self.check(logger, config)
        return status.status == Status.SUCCEEDED, status.message

    def streams(self, config: Mapping[str, Any]) -> List[Stream]:
        parsed = parse_config(config)
        run = SyncRun(logging.getLogger("airbyte"), CreditBudget(parsed.max_credits_per_sync))
        store = VideosStateStore({}, [], parsed.handles)
        return [Videos(parsed, run, store, incremental=True), VideoStats(), HandleReads(), Profiles(parsed, run)]

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        parsed = parse_config(config)
        if not self._selected_streams(config, catalog):
            logger.info("The catalog selects no stream: nothing to read.")
            return
        # Created here, on the main thread: the repository must know which thread consumes it.
        queue = RecordBatchingQueue(maxsize=QUEUE_SIZE)
        self._message_repository = ConcurrentMessageRepository(queue, InMemoryMessageRepository())
        state_manager = ConnectorStateManager(state)
        run = SyncRun(logger, CreditBudget(parsed.max_credits_per_sync), self._clock, len(parsed.handles))
        selected = {configured.stream.name: configured for configured in catalog.streams}
        for follower in (VIDEO_STATS, HANDLE_READS):
            if follower in selected and "videos" not in selected:
                raise ConfigError(
                    f"The {follower} stream is read from the pages of the videos stream: select videos too "
                    f"({follower} then costs no extra credit)."
                )
        phases = ReadPhases(parsed.concurrency)
        repository = self._message_repository
        concurrent_streams: List[AbstractStream] = []
        cursor: Optional[PerHandleCursor] = None
        estimate: Optional[SyncEstimate] = None
        user_ids = UserIds()
        stamp = parsed.shard.record_fields() if parsed.shard else None
        if "videos" in selected:
            incremental = selected["videos"].sync_mode == SyncMode.incremental
            saved = shard_state(state_manager.get_stream_state("videos", None), parsed.shard, logger)
            videos, cursor = self._videos(
                parsed, run, saved, incremental, VIDEO_STATS in selected, HANDLE_READS in selected, logger
            )
            user_ids = videos.user_ids
            estimate = estimate_for(parsed, videos.store, saved, incremental, run.sync_start, selected)
            generator = HandlePartitionGenerator(videos, phases, repository, phased=True, queue=queue, stamp=stamp)
            concurrent_streams.append(concurrent_stream(videos, generator, cursor, repository, logger))
            followers: List[Stream] = [VideoStats(), HandleReads()]
            for stream in followers:
                if stream.name in selected:
                    concurrent_streams.append(concurrent_stream(stream, AfterVideos(phases), None, repository, logger))
            if cursor is not None:
                log_refresh_plan(logger, videos.store, parsed)
        if "profiles" in selected:
            profiles = Profiles(parsed, run, user_ids)
            generator = HandlePartitionGenerator(profiles, phases, repository, phased=False, queue=queue)
            concurrent_streams.append(concurrent_stream(profiles, generator, None, repository, logger))
        started = time.monotonic()
        logger.info(
            f"Reading {len(parsed.handles)} handles, {parsed.concurrency} at a time"
            + (f", within a budget of {parsed.max_credits_per_sync} credits" if parsed.max_credits_per_sync else "")
        )
        if not concurrent_streams:  # ConcurrentSource.read([]) never returns: see the canary in integration_tests/test_hostile.py
            return
        # One worker more per stream than handles read at once: a partition generator, or the
        # video_stats partition waiting for the last videos page, must not take a reader's place
        # (`phases.slots` bounds the readers to `concurrency`).
        source = ConcurrentSource.create(
            num_workers=parsed.concurrency + len(concurrent_streams),
            initial_number_of_partitions_to_generate=max(len(concurrent_streams), 1),
            logger=logger,
            slice_logger=self._slice_logger,
            message_repository=repository,
            queue=queue,
        )
        if estimate is not None:
            yield from estimate.first()  # before any record: the platform's progress bar starts from it
        try:
            with self.cancellation.watching(lambda reason: run.stop(Kind.CANCELLED, f"cancelled ({reason})")):
                yield from _with_estimates(source.read(concurrent_streams), run, estimate)
        finally:
            phases.cancel()  # never leave a worker waiting for a phase that will not end
        late_state = cursor.state_if_changed() if cursor is not None else None
        if late_state is not None:
            yield late_state
            del late_state  # a STATE is megabytes at 10,000 handles: not held while the sync ends
        summary = SyncSummary(run, time.monotonic() - started, cursor, parsed.shard)
        summary.log(logger)
        error = summary.error()
        if error is not None:
            raise error

    def _selected_streams(self, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog) -> List[str]:
        """The names the catalog selects, all of them streams of this connector.

        A name it does not have (`foo`, `VIDEOS`: a stream renamed or removed since the catalog
        was made) is a config error naming them, as the CDK's own sources do, rather than a
        warning: a sync that succeeds while reading nothing of what the user selected would hide
        that the connection must be refreshed. An empty catalog is no error: nothing to do.
        """
        names = [configured.stream.name for configured in catalog.streams]
        ours = {stream.name for stream in self.streams(config)}
        unknown = sorted({name for name in names if name not in ours})
        if unknown:
            listed = ", ".join(repr(name[:80]) for name in unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            raise ConfigError(
                f"The catalog selects stream(s) this connector does not have: {listed}. Its streams are "
                f"{', '.join(sorted(ours))} (names are case-sensitive); refresh the source schema of the connection."
            )
        return names

    def _videos(
        self,
        config: SocialFetchConfig,
        run: SyncRun,
        saved: Any,
        incremental: bool,
        with_stats: bool,
        with_reads: bool,
        logger: logging.Logger,
    ) -> tuple[Videos, Optional[PerHandleCursor]]:
        """A full-refresh read ignores any saved state (the CDK's adapter would not), and with it
        the stats refresh plan. `saved`: the incoming state as this shard sees it (state/sharded.py)."""
        raw = saved if incremental else {}
        refresh_days = config.stats_refresh_days if incremental else None
        store = VideosStateStore.from_state(raw, config.handles, logger, refresh_days, run.sync_start)
        videos = Videos(config, run, store, incremental, with_stats, with_reads)
        if not incremental:
            return videos, None
        return videos, PerHandleCursor("videos", store, run, self._message_repository)


def _with_estimates(messages: Iterable[AirbyteMessage], run: SyncRun, estimate: Optional[SyncEstimate]) -> Iterator[AirbyteMessage]:
    """The sync's messages, each checkpoint followed by an ESTIMATE. A generator of its own, whose
    frame ends with the read: a loop variable would hold the last message (a STATE is megabytes
    at 10,000 handles) while the sync ends."""
    for message in messages:
        yield message
        if estimate is not None and message.type == Type.STATE:  # a checkpoint: handles finished
            yield from estimate.update(run.tallies("videos") + run.walking("videos"),
                                       run.tallies("videos", REFRESH) + run.walking("videos", REFRESH))


T = TypeVar("T")


def _json_file(what: str, path: str) -> Any:
    """A file the platform (or a user) hands over, as JSON; what is wrong with it is a config error
    that names the file and the problem. Its content is never quoted: the config holds the key."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        raise ConfigError(f"The {what} file {path} cannot be read: {error.strerror or type(error).__name__}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"The {what} file {path} cannot be used: it is not UTF-8 text.") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ConfigError(f"The {what} file {path} cannot be used: it is nested too deeply to be a {what}.") from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"The {what} file {path} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    except ValueError:
        # Not a syntax error: an integer longer than Python converts (sys.get_int_max_str_digits()).
        raise ConfigError(
            f"The {what} file {path} cannot be used: it holds a number of over {sys.get_int_max_str_digits():,} "
            "digits, which no property takes."
        ) from None


def _parsed(what: str, path: str, parse: Callable[[], T]) -> T:
    """The CDK's model of a JSON file's content; one that does not fit is a config error."""
    try:
        return parse()
    except RecursionError:
        raise ConfigError(f"The {what} file {path} cannot be used: it is nested too deeply to be a {what}.") from None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        detail = filter_secrets(str(error))[:300]
        raise ConfigError(f"The {what} file {path} is not an Airbyte {what} ({type(error).__name__}: {detail}).") from None


def _stream_states(messages: List[AirbyteStateMessage]) -> Iterator[AirbyteStreamState]:
    for message in messages:
        if message.stream is not None:
            yield message.stream
        if message.global_ is not None:
            yield from message.global_.stream_states or []
