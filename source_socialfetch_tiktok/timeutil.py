"""Instants: the API's ISO-8601 spellings vary, so every comparison is made on parsed UTC datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

# The instants every datetime in the connector lies between: arithmetic saturates at them.
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
LATEST = datetime.max.replace(tzinfo=timezone.utc)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)

# RFC 3339, what JSON Schema's `date-time` format (and so every destination) accepts.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_instant(value: object) -> Optional[datetime]:
    """Parse an ISO-8601 date-time (or a bare date, as midnight UTC) into an aware UTC datetime.

    Returns None for anything that is not a parseable date-time, so callers decide what a bad
    value means for them. A date-time without an offset is taken as UTC. An instant that has no
    UTC equivalent between years 1 and 9999 (`9999-12-31T23:59:59-23:59`,
    `0001-01-01T00:00:00+01:00`) is not a date either: every later comparison and format would
    overflow on it.
    """
    if not isinstance(value, str) or not value:
        return None
    try:  # the per-record case: the API's own spelling, which Python 3.11 reads as it is ("...Z" too)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _parse_spelling(value)
    return _in_utc(parsed)


def _parse_spelling(value: str) -> Optional[datetime]:
    """`parse_instant` of a value `datetime.fromisoformat` does not read as it is: spaces around
    it, a lower-case `z`."""
    text = value.strip()
    try:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return _in_utc(parsed)


def _in_utc(parsed: datetime) -> Optional[datetime]:
    """`parsed` as an aware UTC datetime (naive: taken as UTC); None when it has no UTC equivalent."""
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    if parsed.tzinfo is timezone.utc:
        return parsed
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        return None


def minus_days(instant: datetime, days: float) -> datetime:
    """`instant - days`, saturating at the earliest instant instead of overflowing: a cursor of
    `0001-01-01T00:00:00Z` minus a lookback window means "from the beginning"."""
    try:
        return instant - timedelta(days=days)
    except OverflowError:
        return EARLIEST if days >= 0 else LATEST


def format_instant(instant: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, keeping microseconds only when there are any."""
    utc = instant.astimezone(timezone.utc).replace(tzinfo=None)
    # isoformat, not strftime: strftime writes year 1 as "1", which no parser reads back.
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"


def epoch_micros(instant: datetime) -> int:
    """`instant` as whole microseconds since 1970 (an int of 32 bytes, where a datetime takes 48):
    the compact form of the instants kept per handle for a whole sync."""
    return (instant - _EPOCH) // _MICROSECOND


def from_epoch_micros(micros: int) -> datetime:
    """The aware UTC datetime `epoch_micros` made `micros` from."""
    return _EPOCH + timedelta(microseconds=micros)


def is_rfc3339(value: str) -> bool:
    return bool(_RFC3339.match(value))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
