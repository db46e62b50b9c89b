"""`video_stats`: a snapshot of each video's counts every time a sync reads its page, for history.

Its records come from the pages the `videos` stream reads (selecting it costs no credit and no
request): `partitions.HandlePartition` routes each `StatsSnapshot` to this stream.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.core import StreamData

from .videos import STAT_FIELDS

VIDEO_STATS = "video_stats"


class StatsSnapshot(dict):  # type: ignore[type-arg]
    """A `video_stats` record; its own type, so the partition that yields it can tell it apart."""


def captured_at(instant: datetime) -> str:
    """RFC 3339 UTC with microseconds, always: two snapshots of one page-read never collide."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def snapshot(record: Mapping[str, Any], captured_at: str, read_id: str) -> StatsSnapshot:
    """The flat counts of a `videos` record, as captured at `captured_at` by the read part `read_id`."""
    stats = record.get("stats")
    counts: Mapping[str, Any] = stats if isinstance(stats, dict) else {}
    row = StatsSnapshot(
        handle=record["handle"], id=record["id"], createdAt=record.get("createdAt"), capturedAt=captured_at, readId=read_id
    )
    for name in STAT_FIELDS:
        row[name] = counts.get(name)
    return row


class FromVideosRead(Stream):
    """A stream declared for `discover` whose records come only from the videos read (routed by
    `partitions.HandlePartition`): read on its own, it has none."""

    def read_records(self, *args: Any, **kwargs: Any) -> Iterable[StreamData]:
        return iter(())


class VideoStats(FromVideosRead):
    name = VIDEO_STATS
    primary_key = [["handle"], ["id"], ["capturedAt"]]
