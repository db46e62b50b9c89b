"""Each body is decoded once; what a call cost comes from `meta.creditsCharged` (1 when unsaid)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from source_socialfetch_tiktok.api.payloads import MAX_DEPTH, credits_charged, decode, error_code, json_body
from unit_tests.conftest import api_error, http_response, videos_page


def test_given_a_json_object_when_read_twice_then_the_same_decoded_object_is_returned() -> None:
    response = http_response(200, videos_page([{"id": "1"}]))

    first = json_body(response)

    assert first is not None and first["data"]["videos"] == [{"id": "1"}]
    assert json_body(response) is first


def test_given_two_responses_with_equal_bodies_when_read_then_each_has_its_own_object() -> None:
    one, two = http_response(200, {"a": 1}), http_response(200, {"a": 1})

    assert json_body(one) == json_body(two)
    assert json_body(one) is not json_body(two)


@pytest.mark.parametrize("body", ["<html>502</html>", '{"data": ', b"", [1, 2], "null", '"text"', "3"])
def test_given_a_body_that_is_not_a_json_object_when_read_then_none(body: Any) -> None:
    response = http_response(200, body)

    assert json_body(response) is None
    assert json_body(response) is None


def nested(levels: int, leaf: str = "1") -> str:
    return '{"d":' * levels + leaf + "}" * levels


def page(details_levels: int, *, deep_elsewhere: int = 0) -> bytes:
    """A page of two videos: `a` with `details` nested `details_levels` deep, `b` shallow."""
    page_info = nested(deep_elsewhere) if deep_elsewhere else '{"hasMore":false}'
    return (
        '{"data":{"videos":[{"id":"a","caption":null,"details":' + nested(details_levels) + '},'
        '{"id":"b","details":{"x":[1,{"y":"}]{[\\\"}"}]}}],"page":' + page_info + "}}"
    ).encode()


# Levels above a video's `details` value in a page: the page, data, videos, the video.
ABOVE_DETAILS = 4


@pytest.mark.parametrize("levels", [MAX_DEPTH - ABOVE_DETAILS, 1, 10])
def test_given_a_page_within_the_depth_when_decoded_then_it_is_kept_whole(levels: int) -> None:
    decoded = decode(page(levels))

    assert decoded.body is not None and not decoded.nulled and not decoded.unusable
    assert decoded.body["data"]["videos"][0]["details"] is not None
    assert decoded.body["data"]["videos"][1]["details"] == {"x": [1, {"y": '}]{["}'}]}


@pytest.mark.parametrize("levels", [MAX_DEPTH - ABOVE_DETAILS + 1, 300, 1_100, 50_000])
def test_given_details_deeper_than_the_rule_when_decoded_then_that_videos_details_is_null_and_named(
    levels: int,
) -> None:
    decoded = decode(page(levels))

    assert decoded.body is not None and not decoded.unusable
    first, second = decoded.body["data"]["videos"]
    assert first == {"id": "a", "caption": None, "details": None}, "the documented fields survive"
    assert second["details"] == {"x": [1, {"y": '}]{["}'}]}
    assert decoded.nulled == [(0, "details")]


@pytest.mark.parametrize("levels", [MAX_DEPTH - ABOVE_DETAILS, MAX_DEPTH - ABOVE_DETAILS + 1, 2_000])
def test_whatever_the_depth_a_decoded_video_can_be_written_by_orjson(levels: int) -> None:
    decoded = decode(page(levels))
    assert decoded.body is not None
    video = decoded.body["data"]["videos"][0]
    # The RECORD line wraps a video's fields one level less deep than the page did.
    orjson.dumps({"type": "RECORD", "record": {"stream": "videos", "data": video}})


def test_given_a_deep_part_outside_the_videos_when_decoded_then_the_page_is_unusable() -> None:
    decoded = decode(page(3, deep_elsewhere=2_000))

    assert decoded.body is not None and decoded.unusable


def test_given_a_deep_body_that_is_not_json_when_decoded_then_none() -> None:
    assert decode(nested(2_000).encode()[:-5]).body is None
    assert decode(b"[" * 2_000 + b"]" * 2_000).body is None


def test_given_an_error_envelope_when_read_then_its_code_is_found() -> None:
    response = http_response(503, api_error("temporarily_unavailable", "Upstream busy"))

    assert error_code(response) == "temporarily_unavailable"


@pytest.mark.parametrize("body", ["<html/>", {"error": "flat string"}, {"error": {"code": 5}}, {"data": {}}])
def test_given_no_usable_error_code_when_read_then_none(body: Any) -> None:
    assert error_code(http_response(500, body)) is None


@pytest.mark.parametrize(
    "meta",
    [None, {}, {"creditsCharged": None}, {"creditsCharged": "2"}, {"creditsCharged": -1}, {"creditsCharged": 1.5},
     {"creditsCharged": True}, "creditsCharged=2"],
)
def test_given_no_valid_credits_charged_when_read_then_one_credit_the_documented_price(meta: Any) -> None:
    body: dict = {"data": {}}
    if meta is not None:
        body["meta"] = meta

    assert credits_charged(json.loads(json.dumps(body))) == 1


@pytest.mark.parametrize("charged", [0, 1, 2, 30])
def test_given_credits_charged_when_read_then_it_is_honoured_including_zero(charged: int) -> None:
    assert credits_charged({"data": {}, "meta": {"creditsCharged": charged}}) == charged


def test_given_a_profile_page_at_the_depth_limit_when_decoded_then_its_record_can_be_written_by_orjson() -> None:
    # A profile record line nests its `profile` one level deeper than its page: the tightest case.
    at_limit = decode(('{"data":{"lookupStatus":"found","profile":' + nested(MAX_DEPTH - 2) + "}}").encode())
    past_limit = decode(('{"data":{"lookupStatus":"found","profile":' + nested(MAX_DEPTH - 1) + "}}").encode())

    assert at_limit.body is not None and not at_limit.unusable
    record = {"handle": "h", "lookupStatus": "found", "profile": at_limit.body["data"]["profile"], "metrics": None}
    orjson.dumps({"type": "RECORD", "record": {"stream": "profiles", "data": record, "emitted_at": 1}})
    assert past_limit.unusable, "a profile is not a video field: the page cannot be used"
