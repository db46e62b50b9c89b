"""SocialFetchErrorHandler against SOCIALFETCH_API.md's error table: the code decides, the status otherwise."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorResolution, ResponseAction
from airbyte_cdk.utils import AirbyteTracedException

from source_socialfetch_tiktok.api.errors_handlers import (
    BAD_KEY,
    BAD_REQUEST,
    INTERNAL_ERROR,
    LOOKUP_FAILED,
    MALFORMED_PAGE,
    OUT_OF_CREDITS,
    RATE_LIMITED,
    SUCCESS,
    TRANSPORT_ERROR,
    UNAVAILABLE,
    UNUSABLE_PAGE,
    URI_TOO_LONG,
    Kind,
    Next,
    RequestContext,
    Resolution,
    SocialFetchError,
    SocialFetchErrorHandler,
    after_error,
)
from unit_tests.conftest import api_error, http_response, videos_page

HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def resolve(status_or_exception: Any, body: Any = None, required: str = "videos") -> ErrorResolution:
    handler = SocialFetchErrorHandler(logging.getLogger("test"), required_data_key=required)
    if isinstance(status_or_exception, Exception):
        return handler.interpret_response(status_or_exception)
    return handler.interpret_response(http_response(status_or_exception, body))


def is_transient_retry(resolution: ErrorResolution) -> bool:
    return (
        resolution.response_action == ResponseAction.RETRY
        and resolution.failure_type == FailureType.transient_error
    )


def test_given_a_complete_page_when_interpreted_then_success() -> None:
    assert resolve(200, videos_page([])).response_action == ResponseAction.SUCCESS


def test_given_a_profile_lookup_with_lookup_status_when_interpreted_then_success() -> None:
    body = {"data": {"lookupStatus": "not_found", "profile": None, "metrics": None}, "meta": {"creditsCharged": 1}}

    assert resolve(200, body, required="lookupStatus").response_action == ResponseAction.SUCCESS


@pytest.mark.parametrize(
    "status, code, expected",
    [
        (500, "lookup_failed", LOOKUP_FAILED),
        (502, "lookup_failed", LOOKUP_FAILED),
        (503, "temporarily_unavailable", UNAVAILABLE),
        (400, "temporarily_unavailable", UNAVAILABLE),
        (500, "internal_error", INTERNAL_ERROR),
        (500, "insufficient_credits", OUT_OF_CREDITS),
        (402, "insufficient_credits", OUT_OF_CREDITS),
        (400, "bad_request", BAD_REQUEST),
        (503, "bad_request", BAD_REQUEST),
    ],
)
def test_given_an_error_code_when_interpreted_then_the_code_wins_over_the_status(
    status: int, code: str, expected: ErrorResolution
) -> None:
    assert resolve(status, api_error(code)) == expected


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("body", [api_error("unauthorized"), api_error("internal_error"), api_error("lookup_failed"),
                                  HTML_502, None])
def test_given_401_or_403_when_interpreted_then_bad_key_whatever_the_body(status: int, body: Any) -> None:
    resolution = resolve(status, body)

    assert resolution == BAD_KEY
    assert resolution.response_action == ResponseAction.FAIL
    assert resolution.failure_type == FailureType.config_error


def test_given_a_proxy_html_502_when_interpreted_then_retried_as_a_failed_lookup() -> None:
    resolution = resolve(502, HTML_502)

    assert is_transient_retry(resolution)


@pytest.mark.parametrize("status", [429, 500, 503, 504])
@pytest.mark.parametrize("body", [None, HTML_502, {"error": {"message": "no code"}}, api_error("some_future_code")])
def test_given_a_retryable_status_without_a_known_code_when_interpreted_then_retried_as_transient(
    status: int, body: Any
) -> None:
    assert is_transient_retry(resolve(status, body))


def test_given_402_without_a_body_when_interpreted_then_out_of_credits_config_error() -> None:
    resolution = resolve(402, None)

    assert resolution == OUT_OF_CREDITS
    assert resolution.failure_type == FailureType.config_error
    assert "top up" in (resolution.error_message or "").lower()


def test_given_400_when_interpreted_then_fail_without_retry() -> None:
    assert resolve(400, None).response_action == ResponseAction.FAIL


def test_given_429_when_interpreted_then_it_is_the_rate_limit() -> None:
    assert resolve(429, None) == RATE_LIMITED


@pytest.mark.parametrize("status", [405, 409, 418, 422])
def test_given_an_unknown_4xx_when_interpreted_then_fail_naming_the_status(status: int) -> None:
    resolution = resolve(status, None)

    assert resolution.response_action == ResponseAction.FAIL
    assert str(status) in (resolution.error_message or "")


@pytest.mark.parametrize("status", [501, 520, 599])
def test_given_an_unknown_5xx_when_interpreted_then_retried(status: int) -> None:
    assert is_transient_retry(resolve(status, None))


@pytest.mark.parametrize(
    "body",
    [
        HTML_502,
        '{"data": {"videos": [',  # truncated
        b"",
        [1, 2],
        {"meta": {"creditsCharged": 1}},
        {"data": None},
        {"data": []},
        {"data": {"page": {"hasMore": False}}},
        {"data": {"lookupStatus": "found"}},
    ],
)
def test_given_a_200_that_is_not_a_complete_page_when_interpreted_then_retried_as_malformed(body: Any) -> None:
    assert resolve(200, body) == MALFORMED_PAGE


def test_a_malformed_page_is_retried_as_transient_and_says_what_came() -> None:
    assert is_transient_retry(MALFORMED_PAGE)
    assert "not a complete response" in (MALFORMED_PAGE.error_message or "")


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ConnectionError("connection reset"),
        requests.exceptions.ChunkedEncodingError("dropped mid-body"),
    ],
)
def test_given_a_transport_exception_when_interpreted_then_retried(error: Exception) -> None:
    assert is_transient_retry(resolve(error))


def test_given_414_when_interpreted_then_fail_as_uri_too_long() -> None:
    assert resolve(414, None) == URI_TOO_LONG


# -- after_error: what follows, from the resolution noted for the request and what the request was --

RESUMED = RequestContext(resumed_first_page=True)
FRESH = RequestContext()
# What the CDK raises once it gives up: only a message (a 429's worded differently) and a failure type.
CDK_FAIL = AirbyteTracedException(message="some message of the CDK's", failure_type=FailureType.config_error)
CDK_429_EXHAUSTED = AirbyteTracedException(message="API rate limit exceeded.", failure_type=FailureType.transient_error)


@pytest.mark.parametrize("noted, kind", [(BAD_KEY, Kind.BAD_KEY), (OUT_OF_CREDITS, Kind.OUT_OF_CREDITS)])
@pytest.mark.parametrize("context", [RESUMED, FRESH])
def test_given_a_bad_key_or_no_credits_then_the_sync_stops(noted: Resolution, kind: Kind, context: RequestContext) -> None:
    decision = after_error(CDK_FAIL, noted, context)

    assert (decision.next, decision.kind) == (Next.STOP_SYNC, kind)
    assert decision.message == noted.error_message


@pytest.mark.parametrize("noted", [BAD_REQUEST, URI_TOO_LONG])
def test_given_a_refused_request_at_a_saved_position_then_the_handle_restarts_else_it_fails(noted: Resolution) -> None:
    assert after_error(CDK_FAIL, noted, RESUMED).next is Next.RESTART_HANDLE
    failed = after_error(CDK_FAIL, noted, FRESH)
    assert failed.next is Next.FAIL_HANDLE and failed.message == noted.error_message


@pytest.mark.parametrize("noted", [RATE_LIMITED, UNAVAILABLE, LOOKUP_FAILED, TRANSPORT_ERROR, MALFORMED_PAGE])
@pytest.mark.parametrize("raised", [CDK_FAIL, CDK_429_EXHAUSTED])
def test_given_retries_exhausted_then_the_handle_fails_saying_so_whatever_the_cdks_wording(
    noted: Resolution, raised: Exception
) -> None:
    decision = after_error(raised, noted, RESUMED)

    assert decision.next is Next.FAIL_HANDLE
    assert decision.message == f"gave up after retries: {noted.error_message}"
    assert decision.failure_type == FailureType.transient_error


@pytest.mark.parametrize("noted", [None, SUCCESS])
def test_given_an_error_after_a_successful_answer_then_the_handle_fails_with_its_own_message(
    noted: Resolution | None,
) -> None:
    decision = after_error(ValueError("data.videos is not a list"), noted, RESUMED)

    assert (decision.next, decision.message, decision.kind) == (Next.FAIL_HANDLE, "data.videos is not a list", Kind.UNEXPECTED)
    assert decision.failure_type == FailureType.system_error


def test_given_an_error_the_cdk_did_not_raise_for_a_noted_answer_then_it_is_not_taken_for_that_answer() -> None:
    decision = after_error(TypeError("a bug in a hook"), RATE_LIMITED, RESUMED)

    assert (decision.next, decision.message, decision.kind) == (Next.FAIL_HANDLE, "a bug in a hook", Kind.UNEXPECTED)


def test_given_an_error_of_ours_then_its_resolution_decides_not_the_noted_one() -> None:
    decision = after_error(SocialFetchError(UNUSABLE_PAGE), SUCCESS, FRESH)

    assert (decision.next, decision.kind) == (Next.FAIL_HANDLE, Kind.UNUSABLE_PAGE)
