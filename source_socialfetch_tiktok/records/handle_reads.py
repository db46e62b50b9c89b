"""`handle_reads`: what each sync read of each handle, one record per part, so that a destination
can tell a video that vanished from one that was simply not read again.

Its records come from the `videos` read itself (no credit, no request): each part of a handle's
read ends with one (`streams.Videos.part_ended`), which `partitions.HandlePartition` routes here.
The coverage rule is in `read.part.PartWalk.coverage`; a record is made from the part's frozen result.
"""

from __future__ import annotations

from typing import Any, Optional

from ..read.part import PartResult
from ..timeutil import format_instant
from .video_stats import FromVideosRead

HANDLE_READS = "handle_reads"


class HandleReadRecord(dict):  # type: ignore[type-arg]
    """A `handle_reads` record; its own type, so the partition that yields it can tell it apart."""


def handle_read_record(read: PartResult, sync_id: str) -> HandleReadRecord:
    return HandleReadRecord(
        readId=read.id,
        syncId=sync_id,
        handle=read.handle,
        part=read.kind.value,
        startedAt=_instant(read.started_at),
        endedAt=_instant(read.ended_at),
        pages=read.pages,
        videos=read.records,
        outcome=read.ending.word if read.ending else None,
        coveredFrom=_instant(read.covered_from),
        coveredTo=_instant(read.covered_to),
    )


def _instant(value: Any) -> Optional[str]:
    return format_instant(value) if value is not None else None


class HandleReads(FromVideosRead):
    name = HANDLE_READS
    primary_key = [["readId"]]
