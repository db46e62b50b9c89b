"""Video records as the API sends them, plus `handle` and the fields parsed for analysis
(video_topics.py); values that break the schema are nulled.

The fast path is a handful of type checks per record (a full JSON-schema validation per record
would cost more than the rest of the sync; the tests validate instead). Only when a check fails is the record repaired: numeric
strings become integers, anything else that cannot be what the schema says becomes null, and
the caller logs the problem. Nothing else is transformed: values keep the API's JSON types.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..timeutil import format_instant, is_rfc3339, parse_instant
from .topics import add_topics

STAT_FIELDS = ("views", "likes", "comments", "shares", "saves")
_NULLABLE_STRINGS = ("caption", "url", "thumbnailUrl")


def video_record(video: Mapping[str, Any], handle: str) -> Tuple[Optional[Dict[str, Any]], List[str]]:
    """(record, problems); record is None when the video has no usable id."""
    record = dict(video)
    record["handle"] = handle
    problems: List[str] = []
    video_id = record.get("id")
    if type(video_id) is not str or not video_id:
        if type(video_id) is int:
            record["id"] = str(video_id)
        else:
            return None, [f"a video without a usable id was skipped ({str(video_id)[:40]!r})"]
    created = record.get("createdAt")
    if created is not None and (type(created) is not str or not is_rfc3339(created)):
        instant = parse_instant(created)
        record["createdAt"] = format_instant(instant) if instant is not None else None
        if instant is None:
            problems.append(f"createdAt {str(created)[:40]!r} is not a date-time")
    for name in _NULLABLE_STRINGS:
        value = record.get(name)
        if value is not None and type(value) is not str:
            record[name] = None
            problems.append(f"{name} is not a string")
    duration = record.get("durationMs")
    if duration is not None and (type(duration) is not int or duration < 0):
        record["durationMs"] = _count(duration)
        if record["durationMs"] is None:
            problems.append(f"durationMs {str(duration)[:20]!r} is not a duration")
    for name in ("pinned", "isAd"):
        if name in record and type(record[name]) is not bool:
            record[name] = None
            problems.append(f"{name} is not a boolean")
    stats = record.get("stats")
    if stats is not None:
        if type(stats) is not dict:
            record["stats"] = None
            problems.append("stats is not an object")
        elif not _counts(stats):
            record["stats"] = repaired = dict(stats)
            for key in STAT_FIELDS:
                if key in repaired and not (type(repaired[key]) is int and repaired[key] >= 0):
                    fixed = _count(repaired[key])
                    if fixed is None:
                        problems.append(f"stats.{key} {str(repaired[key])[:20]!r} is not a count")
                    repaired[key] = fixed
    for name in ("media", "details"):
        value = record.get(name)
        if value is not None and type(value) is not dict:
            record[name] = None
            problems.append(f"{name} is not an object")
    add_topics(record, record.get("caption"), record.get("details"))
    return record, problems


def _counts(stats: Mapping[str, Any]) -> bool:
    """Whether every stat present is a non-negative integer (a loop: a generator costs twice as much here)."""
    for key in STAT_FIELDS:
        value = stats.get(key, 0)
        if type(value) is not int or value < 0:
            return False
    return True


def _count(value: Any) -> Optional[int]:
    """A non-negative integer from an int-like value ("123", 123.0), else None."""
    if type(value) is bool:
        return None
    if type(value) is float and value.is_integer():
        value = int(value)
    elif type(value) is str and value.strip().isdigit():
        value = int(value.strip())
    return value if type(value) is int and value >= 0 else None
