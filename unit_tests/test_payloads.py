"""Each body is decoded once; what a call cost comes from `meta.creditsCharged` (1 when unsaid)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from source_socialfetch_tiktok.payloads import (
    MAX_DEPTH,
    credits_charged,
    error_code,
    error_message,
    json_body,
    too_deep,
)
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


def test_given_nesting_orjson_accepts_when_read_then_it_is_decoded() -> None:
    depth = 1000
    body = '{"a":' * depth + "1" + "}" * depth

    decoded = json_body(http_response(200, body))

    assert decoded is not None and "a" in decoded


def test_given_nesting_past_orjsons_limit_when_read_then_the_standard_library_decodes_it() -> None:
    depth = 1100
    body = '{"a":' * depth + "1" + "}" * depth

    decoded = json_body(http_response(200, body))

    assert decoded is not None and "a" in decoded


def test_given_nesting_past_the_decodable_depth_when_read_then_it_is_too_deep_not_json() -> None:
    depth = MAX_DEPTH + 500
    response = http_response(200, '{"a":' * depth + "1" + "}" * depth)

    assert json_body(response) is None
    assert too_deep(response)
    assert not too_deep(http_response(200, "<html/>"))


def test_given_an_error_envelope_when_read_then_its_code_and_message_are_found() -> None:
    response = http_response(503, api_error("temporarily_unavailable", "Upstream busy"))

    assert error_code(response) == "temporarily_unavailable"
    assert error_message(response) == "Upstream busy"


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
