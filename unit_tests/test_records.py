"""video_record: the API's video plus `handle`, unchanged when valid; what breaks the schema is nulled."""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

import pytest

from source_socialfetch_tiktok.records.videos import video_record


def api_video(**overrides: Any) -> Dict[str, Any]:
    """A video exactly as SOCIALFETCH_API.md documents it."""
    video: Dict[str, Any] = {
        "id": "7300000000000000001",
        "caption": "Launch day",
        "createdAt": "2026-11-20T08:15:00Z",
        "url": "https://www.tiktok.com/@nasa/video/7300000000000000001",
        "thumbnailUrl": None,
        "durationMs": 15000,
        "pinned": False,
        "isAd": False,
        "stats": {"views": 1000, "likes": 100, "comments": 10, "shares": 1, "saves": 0},
        "media": {"downloadUrl": "https://cdn.example/v.mp4", "downloadWithoutWatermarkUrl": None},
        "details": {"author": {"uniqueId": "nasa"}, "music": {"id": 5, "original": True}, "challenges": [],
                    "statistics": {"playCount": "1000"}, "ratio": 0.5},
    }
    video.update(overrides)
    return video


PARSED = {"hashtags": [], "mentions": [], "music": {"id": "5", "title": None, "authorName": None, "original": True}}


def test_given_a_valid_video_when_recorded_then_it_is_unchanged_but_for_the_handle_and_parsed_fields() -> None:
    video = api_video()
    original = copy.deepcopy(video)

    record, problems = video_record(video, "nasa")

    assert problems == []
    assert record == {**original, "handle": "nasa", **PARSED}
    # same JSON, types included (an int stays an int, a string that looks like a number stays a string)
    assert json.dumps(record, sort_keys=True) == json.dumps({**original, "handle": "nasa", **PARSED}, sort_keys=True)
    assert video == original


def test_given_a_video_with_only_some_fields_when_recorded_then_no_field_is_invented() -> None:
    record, problems = video_record({"id": "1", "caption": None}, "nasa")

    assert record == {"id": "1", "caption": None, "handle": "nasa", "hashtags": [], "mentions": None, "music": None}
    assert problems == []


@pytest.mark.parametrize("created", ["2026-11-20T08:15:00.123Z", "2026-11-20T10:15:00+02:00"])
def test_given_an_rfc3339_created_at_when_recorded_then_its_spelling_is_kept(created: str) -> None:
    record, _ = video_record(api_video(createdAt=created), "nasa")

    assert record is not None and record["createdAt"] == created


def test_given_numeric_strings_in_stats_when_recorded_then_they_become_integers_without_a_problem() -> None:
    video = api_video(stats={"views": "1000", "likes": " 7 ", "comments": 10.0, "shares": 1, "saves": 0})

    record, problems = video_record(video, "nasa")

    assert record is not None
    assert record["stats"] == {"views": 1000, "likes": 7, "comments": 10, "shares": 1, "saves": 0}
    assert problems == []
    assert video["stats"]["views"] == "1000"  # the API's object is not modified


@pytest.mark.parametrize("bad", [-1, "many", "1.5", 2.5, True, None, [], {}])
def test_given_a_stat_that_is_no_count_when_recorded_then_it_is_null_with_a_problem(bad: Any) -> None:
    record, problems = video_record(api_video(stats={"views": bad, "likes": 3}), "nasa")

    assert record is not None and record["stats"] == {"views": None, "likes": 3}
    if bad is None:
        return  # null is a valid "unknown" count
    assert any("stats.views" in p for p in problems)


@pytest.mark.parametrize(
    "created, normalised",
    [
        ("2026-11-20T08:15:00", "2026-11-20T08:15:00Z"),
        ("2026-11-20T10:15:00+0200", "2026-11-20T08:15:00Z"),
        ("2026-11-20", "2026-11-20T00:00:00Z"),
        ("2026-11-20 08:15:00.5", "2026-11-20T08:15:00.500000Z"),
    ],
)
def test_given_a_parseable_non_rfc3339_created_at_when_recorded_then_it_is_normalised_to_utc(
    created: str, normalised: str
) -> None:
    record, problems = video_record(api_video(createdAt=created), "nasa")

    assert record is not None and record["createdAt"] == normalised
    assert problems == []


@pytest.mark.parametrize("created", ["last tuesday", 1700000000, "", {"t": 1}])
def test_given_an_unparseable_created_at_when_recorded_then_it_is_null_with_a_problem(created: Any) -> None:
    record, problems = video_record(api_video(createdAt=created), "nasa")

    assert record is not None and record["createdAt"] is None
    assert any("createdAt" in p for p in problems)


def test_given_a_null_created_at_when_recorded_then_it_stays_null_without_a_problem() -> None:
    record, problems = video_record(api_video(createdAt=None), "nasa")

    assert record is not None and record["createdAt"] is None
    assert problems == []


@pytest.mark.parametrize("video_id", [None, "", True, 1.5, ["1"]])
def test_given_no_usable_id_when_recorded_then_there_is_no_record_and_a_problem(video_id: Any) -> None:
    record, problems = video_record(api_video(id=video_id), "nasa")

    assert record is None
    assert problems and "id" in problems[0]


def test_given_a_missing_id_when_recorded_then_there_is_no_record() -> None:
    video = api_video()
    del video["id"]

    assert video_record(video, "nasa")[0] is None


def test_given_an_integer_id_when_recorded_then_it_becomes_a_string() -> None:
    record, problems = video_record(api_video(id=7300000000000000001), "nasa")

    assert record is not None and record["id"] == "7300000000000000001"
    assert problems == []


@pytest.mark.parametrize(
    "field, bad",
    [("caption", 5), ("url", ["x"]), ("thumbnailUrl", {}), ("pinned", "yes"), ("isAd", 1), ("media", "x"),
     ("details", []), ("stats", [1, 2]), ("durationMs", -1), ("durationMs", "long")],
)
def test_given_a_field_of_the_wrong_type_when_recorded_then_it_is_null_with_a_problem_naming_it(
    field: str, bad: Any
) -> None:
    record, problems = video_record(api_video(**{field: bad}), "nasa")

    assert record is not None and record[field] is None
    assert any(field in p for p in problems)
    assert record["id"] == "7300000000000000001" and record["handle"] == "nasa"


def test_given_a_duration_as_a_numeric_string_when_recorded_then_it_becomes_an_integer() -> None:
    record, problems = video_record(api_video(durationMs="15000"), "nasa")

    assert record is not None and record["durationMs"] == 15000
    assert problems == []
