"""Instants: the API's ISO-8601 spellings vary, so every comparison is made on parsed UTC datetimes."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Optional

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339, what JSON Schema's `date-time` format (and so every destination) accepts.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_instant(value: object) -> Optional[datetime]:
    """Parse an ISO-8601 date-time (or a bare date, as midnight UTC) into an aware UTC datetime.

    Returns None for anything that is not a parseable date-time, so callers decide what a bad
    value means for them. A date-time without an offset is taken as UTC.
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_instant(instant: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, keeping microseconds only when there are any."""
    utc = instant.astimezone(timezone.utc)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_rfc3339(value: str) -> bool:
    return bool(_RFC3339.match(value))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
