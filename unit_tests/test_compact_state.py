"""The per-handle facts a sync keeps to its end are held compactly, and give back exactly what
the STATE message needs: the same text, instant and id as the API or the saved state gave."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from source_socialfetch_tiktok.state.paces import Pace, Paces
from source_socialfetch_tiktok.state.saved import HandleCursor
from source_socialfetch_tiktok.state.user_ids import UserIds
from source_socialfetch_tiktok.timeutil import epoch_micros, from_epoch_micros, parse_instant


@pytest.mark.parametrize("text", [
    "2026-11-20T08:15:00Z",  # format_instant's own spelling: kept as an int
    "2026-11-20T08:15:00.123456Z",
    "2026-11-20T08:15:00.000Z",  # other spellings of instants: kept as the text
    "2026-11-20T09:15:00+01:00",
    "2026-11-20 08:15:00z",
    "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999999Z",
])
def test_a_cursor_gives_back_its_text_and_instant(text: str) -> None:
    cursor = HandleCursor.parse(text)
    assert cursor is not None
    assert cursor.text == text
    assert cursor.instant == parse_instant(text)
    assert cursor == HandleCursor.parse(text)


def test_a_cursor_in_the_usual_spelling_keeps_no_text_and_no_datetime() -> None:
    cursor = HandleCursor.parse("2026-11-20T08:15:00Z")
    assert isinstance(cursor._kept, int)  # type: ignore[union-attr]
    with pytest.raises(AttributeError):
        cursor._kept = 0  # type: ignore[union-attr,misc]


def test_epoch_micros_round_trips() -> None:
    instant = datetime(2026, 11, 20, 8, 15, 0, 123456, tzinfo=timezone.utc)
    assert from_epoch_micros(epoch_micros(instant)) == instant


@pytest.mark.parametrize("user_id", ["6800000000000000001", "0680", "00", "user_7", "12345678901234567890123456789"])
def test_a_user_id_comes_back_as_the_same_text(user_id: str) -> None:
    ids = UserIds()
    ids.learn("nasa", user_id)
    assert ids.get("nasa") == user_id
    assert ids.snapshot(["nasa"]) == {"user_ids": {"nasa": user_id}}
    ids.refuse("nasa", user_id)
    assert ids.get("nasa") is None


def test_a_pace_gives_back_its_instant() -> None:
    read_at = datetime(2026, 11, 20, 8, 15, 0, 654321, tzinfo=timezone.utc)
    paces = Paces({"nasa": Pace(1.25, read_at)})
    assert paces.pace("nasa") == Pace(1.25, read_at)
    assert paces.snapshot(["nasa"]) == {"paces": {"nasa": {"per_day": 1.25, "read_at": "2026-11-20T08:15:00.654321Z"}}}


@pytest.mark.parametrize("read_at", ["0001-01-01T00:00:00.000001Z", "9999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z"])
def test_a_pace_far_from_now_keeps_its_instant_to_the_microsecond(read_at: str) -> None:
    instant = parse_instant(read_at)
    assert instant is not None
    paces = Paces({"nasa": Pace(0.5, instant)})
    assert paces.pace("nasa") == Pace(0.5, instant)
    assert paces.snapshot(["nasa"])["paces"]["nasa"]["read_at"] == read_at
