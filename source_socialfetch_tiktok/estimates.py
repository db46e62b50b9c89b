"""ESTIMATE trace messages: how many records a sync expects per stream, which the Airbyte platform
draws as the sync's progress bar (`AirbyteEstimateTraceMessage`, type STREAM, `row_estimate`).

The platform keeps the last estimate of a stream (each replaces the previous one: airbytehq/
airbyte-platform, `StreamStatsTracker.trackEstimates`, which `set`s both counters), so the first one
goes out before any record and a new one at each checkpoint as handles finish, at most
`MAX_ESTIMATES` a stream. It also `set`s `byte_estimate`, so that is never left out.

Per handle, from the same plan `--plan` prints (`RefreshSchedule.plan`: pages per part) and the
saved state:
- a handle with a cursor and a known pace (videos a day, kept in the state as `paces` from its
  last read): its pace times the days its incremental read covers: from the lookback boundary
  (cursor - lookback_window_days, not before start_date) to its cursor, and from its last read to
  this sync's start (nothing was published between its cursor and its last read);
- without a pace: the plan's pages times `PAGE_SIZE` (a handle's history from its last deep read,
  else one page);
- a due stats refresh: the plan's refresh pages times `PAGE_SIZE`;
capped by `max_videos_per_handle`, and the sum by `max_credits_per_sync` pages. `video_stats`
gets one record per `videos` record, so the same number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional

from airbyte_cdk.models import (
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteTraceMessage,
    EstimateType,
    TraceType,
    Type,
)

from .config import SocialFetchConfig
from .state.paces import Paces
from .state.store import VideosStateStore
from .timeutil import minus_days

PAGE_SIZE = 30  # the API's "about 30 videos per page"
MAX_ESTIMATES = 25  # per stream and sync: the first, then at most one per checkpoint
# Bytes a record takes on the wire, measured on the emulator's demo data (bench, docs/scaling.md):
# the platform multiplies nothing by them, it only shows them.
BYTES_PER_RECORD = {"videos": 2_400, "video_stats": 260}
BYTES_PER_TRIMMED_VIDEO = 700
ESTIMATED_STREAMS = ("videos", "video_stats")
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)  # one per handle, while the sync's estimate is made
class HandleEstimate:
    handle: str
    incremental: int  # records of its own read (incremental or full refresh)
    refresh: int  # records of its stats refresh, when due


def plan_records(
    config: SocialFetchConfig,
    plans: Iterable[Any],
    cursors: Mapping[str, Optional[datetime]],
    paces: Paces,
    sync_start: datetime,
) -> List[HandleEstimate]:
    """Records expected per handle, from the plan (`HandlePlan`s: pages per part) and the state."""
    estimates = []
    for plan in plans:
        cursor = cursors.get(plan.handle)
        pace = paces.pace(plan.handle)
        pages = plan.incremental_pages
        if cursor is not None and pace is not None:
            # The videos it read before, from the lookback boundary up to its cursor (the newest of
            # them, and the others at its pace), and those published since its last read began
            # (none between its cursor and then).
            boundary = minus_days(cursor, config.lookback_window_days)
            if config.start_date is not None and config.start_date > boundary:
                boundary = config.start_date
            days = max((cursor - boundary) / _DAY, 0.0) + max((sync_start - max(pace.read_at, cursor)) / _DAY, 0.0)
            incremental = 1 + pace.per_day * days
        elif pace is not None:  # its last read found no dated video: what has been published since
            incremental = pace.per_day * max((sync_start - pace.read_at) / _DAY, 0.0)
        else:
            incremental = (pages if pages is not None else 1) * PAGE_SIZE
        refresh = (plan.refresh_pages or 0) * PAGE_SIZE if plan.due else 0
        cap = config.max_videos_per_handle
        if cap is not None:
            incremental = min(incremental, cap)
            refresh = min(refresh, max(cap - incremental, 0))
        estimates.append(HandleEstimate(plan.handle, round(incremental), round(refresh)))
    return estimates


class SyncEstimate:
    """The ESTIMATE messages of one sync: the first from the plan, then, at each checkpoint, the
    records read so far plus the plan's records of what has not finished."""

    def __init__(self, config: SocialFetchConfig, estimates: List[HandleEstimate], streams: Iterable[str]):
        # Kept for the whole sync: one int per handle (most are shared small ints), not an object;
        # refreshes only for the few handles that have one due.
        self._planned: Dict[str, Dict[str, int]] = {
            "incremental": {e.handle: e.incremental for e in estimates},
            "refresh": {e.handle: e.refresh for e in estimates if e.refresh},
        }
        self._streams = [s for s in ESTIMATED_STREAMS if s in set(streams)]
        self._budget_records = config.max_credits_per_sync * PAGE_SIZE if config.max_credits_per_sync else None
        videos_bytes = BYTES_PER_TRIMMED_VIDEO if config.trim else BYTES_PER_RECORD["videos"]
        self._bytes = {"videos": videos_bytes, "video_stats": BYTES_PER_RECORD["video_stats"]}
        self._sent = 0
        self._last: Optional[int] = None

    @property
    def planned(self) -> int:
        return self._capped(sum(sum(planned.values()) for planned in self._planned.values()))

    def first(self) -> List[AirbyteMessage]:
        return self._messages(self.planned)

    def update(self, reads: Iterable[Any], refreshes: Iterable[Any]) -> List[AirbyteMessage]:
        """After a checkpoint: each part read so far counts what it emitted, and at least its plan
        until it has finished. `reads`/`refreshes`: the sync's parts (`records`, `outcome`)."""
        total = 0
        # No tuple per part: this runs at every checkpoint, over every handle.
        for kind, parts in (("incremental", reads), ("refresh", refreshes)):
            planned = self._planned[kind]
            begun = set()
            for part in parts:
                total += part.records if part.outcome is not None else max(part.records, planned.get(part.handle, 0))
                begun.add(part.handle)
            total += sum(records for handle, records in planned.items() if handle not in begun)  # not begun yet
        return self._messages(self._capped(total))

    def _capped(self, records: int) -> int:
        return min(records, self._budget_records) if self._budget_records is not None else records

    def _messages(self, rows: int) -> List[AirbyteMessage]:
        if not self._streams or self._sent >= MAX_ESTIMATES or rows == self._last:
            return []
        self._sent += 1
        self._last = rows
        return [estimate_message(stream, rows, rows * self._bytes[stream]) for stream in self._streams]


def estimate_message(stream: str, rows: int, size: int) -> AirbyteMessage:
    estimate = AirbyteEstimateTraceMessage(name=stream, type=EstimateType.STREAM, row_estimate=rows, byte_estimate=size)
    now_ms = float(datetime.now().timestamp() * 1000)
    return AirbyteMessage(type=Type.TRACE, trace=AirbyteTraceMessage(type=TraceType.ESTIMATE, emitted_at=now_ms, estimate=estimate))


def estimate_for(
    config: SocialFetchConfig, store: VideosStateStore, saved: Any, incremental: bool, sync_start: datetime, streams: Iterable[str]
) -> SyncEstimate:
    """The estimate of a `videos` read of `store`. A full refresh ignores the
    saved state, but its history (pages per handle) still says how much there is to read."""
    handles = store.handles
    if incremental:
        plans = store.refresh.plan(handles, {h: store.cursor(h) is not None for h in handles})
        cursors = {h: c.instant for h in handles if (c := store.cursor(h)) is not None}
        paces = store.paces
    else:
        quiet = logging.Logger("estimates")  # the read itself has warned about this state, or will not use it
        quiet.addHandler(logging.NullHandler())
        history = VideosStateStore.from_state(saved or {}, handles, quiet, None, sync_start)
        plans = history.refresh.plan(handles, {})
        cursors, paces = {}, Paces()
    return SyncEstimate(config, plan_records(config, plans, cursors, paces, sync_start), streams)
