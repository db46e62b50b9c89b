"""Instants are compared parsed, never as strings: ISO-8601 has several spellings of one instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from source_socialfetch_tiktok.timeutil import format_instant, is_rfc3339, parse_instant

UTC = timezone.utc


@pytest.mark.parametrize(
    "spellings",
    [
        ["2026-11-20T08:15:00Z", "2026-11-20T08:15:00.000Z", "2026-11-20T08:15:00+00:00", "2026-11-20T10:15:00+02:00",
         "2026-11-20t08:15:00z", "2026-11-20T03:15:00-05:00", "2026-11-20T08:15:00"],
        ["2026-11-20T08:15:00.123Z", "2026-11-20T08:15:00.123000+00:00", "2026-11-20T10:15:00.123+02:00"],
    ],
)
def test_given_spellings_of_one_instant_when_parsed_then_they_are_equal_aware_utc_datetimes(
    spellings: list[str],
) -> None:
    parsed = [parse_instant(s) for s in spellings]

    assert all(p is not None and p.utcoffset() == timedelta(0) for p in parsed)
    assert len(set(parsed)) == 1


def test_given_milliseconds_when_parsed_then_they_are_not_dropped() -> None:
    assert parse_instant("2026-11-20T08:15:00.123Z") == datetime(2026, 11, 20, 8, 15, 0, 123000, tzinfo=UTC)
    assert parse_instant("2026-11-20T08:15:00.123Z") != parse_instant("2026-11-20T08:15:00Z")


def test_given_a_bare_date_when_parsed_then_it_is_midnight_utc() -> None:
    assert parse_instant("2026-01-01") == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", " ", "yesterday", "2026-02-30", "2026-11-20T25:00:00Z", "2026-11-20T08:15:00+25:00", None, 1700000000,
                                   1.5, ["2026-01-01"], {"createdAt": "2026-01-01"}])
def test_given_garbage_or_a_non_string_when_parsed_then_it_is_none(value: object) -> None:
    assert parse_instant(value) is None


# Fixed offsets, as an ISO-8601 string carries them (a zone's DST gaps hold times that are no instant).
_offsets = st.builds(timezone, st.timedeltas(min_value=timedelta(hours=-23, minutes=-59),
                                             max_value=timedelta(hours=23, minutes=59)).map(
    lambda d: timedelta(minutes=round(d.total_seconds() / 60))))


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=_offsets))
def test_any_aware_datetime_round_trips_through_format_instant(instant: datetime) -> None:
    text = format_instant(instant)

    assert is_rfc3339(text) and text.endswith("Z")
    assert parse_instant(text) == instant


def test_given_whole_seconds_when_formatted_then_no_fraction_is_written() -> None:
    assert format_instant(datetime(2026, 11, 20, 10, 15, tzinfo=timezone(timedelta(hours=2)))) == "2026-11-20T08:15:00Z"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-20T08:15:00Z", True),
        ("2026-11-20T08:15:00.123456Z", True),
        ("2026-11-20T08:15:00+02:00", True),
        ("2026-11-20 08:15:00-05:00", True),
        ("2026-11-20T08:15:00", False),
        ("2026-11-20", False),
        ("2026-11-20T08:15:00+0200", False),
        ("2026-11-20T08:15Z", False),
        ("nope", False),
    ],
)
def test_is_rfc3339_accepts_only_a_full_date_time_with_an_offset(value: str, expected: bool) -> None:
    assert is_rfc3339(value) is expected
