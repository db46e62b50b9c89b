"""Social Fetch's errors mapped to what the connector does, as data, in this one module.

Two steps. `SocialFetchErrorHandler` resolves each answer (retry, or fail with a `Kind`): the API's
`{"error": {"code": ...}}` decides when present, the HTTP status otherwise (a proxy's HTML 502 has
no code), and a 200 must carry a complete page. The CDK retries; when it gives up it raises an
`AirbyteTracedException` that keeps only a message, so the stream notes each resolution as it is
made (`ResolutionTap`) and `after_error` turns the last one, plus what the request was, into what
follows: fail the handle, stop the sync, or read the handle again from its first page.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Mapping, Optional, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    ErrorHandler,
    ErrorResolution,
    HttpStatusErrorHandler,
    ResponseAction,
)
from airbyte_cdk.utils import AirbyteTracedException

from .payloads import error_code, json_body

FAIL, RETRY = ResponseAction.FAIL, ResponseAction.RETRY


class Kind(enum.Enum):
    OK = "ok"
    BAD_KEY = "bad_key"
    OUT_OF_CREDITS = "out_of_credits"
    BAD_REQUEST = "bad_request"
    URI_TOO_LONG = "uri_too_long"
    NOT_FOUND = "not_found"
    TRANSIENT = "transient"  # retried by the CDK; reaching `after_error` means the retries ran out
    UNUSABLE_PAGE = "unusable_page"
    UNEXPECTED = "unexpected"
    CANCELLED = "cancelled"  # not from the API: the platform stopped the sync (cancellation.py)
    BUDGET = "budget"  # not from the API: max_credits_per_sync cannot pay for asking a page again


@dataclass
class Resolution(ErrorResolution):
    """The CDK's resolution, with the kind of ours that `after_error` decides on."""

    kind: Kind = Kind.UNEXPECTED
    # The API charges a lookup that completed: a 200 it could not use, or an answer that never
    # arrived, may have cost credits; an error status did not.
    may_be_charged: bool = False


def _fail(failure_type: FailureType, message: str, kind: Kind) -> Resolution:
    return Resolution(FAIL, failure_type, message, kind)


def _retry(message: str, may_be_charged: bool = False) -> Resolution:
    return Resolution(RETRY, FailureType.transient_error, message, Kind.TRANSIENT, may_be_charged)


BAD_KEY = _fail(
    FailureType.config_error,
    "Social Fetch rejected the API key (unauthorized): check api_key, it may be wrong or revoked.",
    Kind.BAD_KEY,
)
OUT_OF_CREDITS = _fail(
    FailureType.config_error,
    "Social Fetch answered 402 insufficient_credits: the account is out of credits. "
    "Top up your Social Fetch credits, then run the sync again.",
    Kind.OUT_OF_CREDITS,
)
BAD_REQUEST = _fail(
    FailureType.config_error,
    "Social Fetch rejected the request as invalid (400 bad_request); the handle may not exist in that form.",
    Kind.BAD_REQUEST,
)
URI_TOO_LONG = _fail(
    FailureType.system_error, "Social Fetch refused the request as too long (414 URI too long).", Kind.URI_TOO_LONG
)
NOT_FOUND = _fail(FailureType.system_error, "Social Fetch answered 404: check base_url.", Kind.NOT_FOUND)
LOOKUP_FAILED = _retry("The TikTok lookup failed upstream (502 lookup_failed).")
UNAVAILABLE = _retry("Social Fetch is temporarily unavailable (503).")
INTERNAL_ERROR = _retry("Social Fetch had an internal error (500).")
RATE_LIMITED = _retry("Social Fetch rate limit reached (429).")
TRANSPORT_ERROR = _retry("The connection to Social Fetch failed or timed out.", may_be_charged=True)
MALFORMED_PAGE = _retry(
    "Social Fetch answered 200 with a body that is not a complete response (not JSON, truncated, or no data).",
    may_be_charged=True,
)
UNUSABLE_PAGE = _fail(
    FailureType.system_error,
    "Social Fetch answered a page nested too deeply outside its videos' fields; the handle is skipped this time.",
    Kind.UNUSABLE_PAGE,
)
NO_BUDGET_TO_ASK_AGAIN = _fail(
    FailureType.transient_error,
    "max_credits_per_sync cannot pay for asking the page again; the next sync goes on from it.",
    Kind.BUDGET,
)
SUCCESS = Resolution(ResponseAction.SUCCESS, None, None, Kind.OK)

ERROR_CODES: Mapping[str, Resolution] = {
    "unauthorized": BAD_KEY,
    "insufficient_credits": OUT_OF_CREDITS,
    "bad_request": BAD_REQUEST,
    "lookup_failed": LOOKUP_FAILED,
    "temporarily_unavailable": UNAVAILABLE,
    "internal_error": INTERNAL_ERROR,
}
HTTP_STATUSES: Mapping[int | str | type[Exception], ErrorResolution] = {
    400: BAD_REQUEST,
    401: BAD_KEY,
    402: OUT_OF_CREDITS,
    403: BAD_KEY,
    404: NOT_FOUND,
    408: TRANSPORT_ERROR,
    414: URI_TOO_LONG,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    502: LOOKUP_FAILED,
    503: UNAVAILABLE,
    504: TRANSPORT_ERROR,
}


class SocialFetchErrorHandler(HttpStatusErrorHandler):
    """`HttpStatusErrorHandler` keyed on `error.code` first, and strict about what a 200 holds.
    A pure function of the answer: it never records anything."""

    def __init__(
        self,
        logger: logging.Logger,
        required_data_key: str,
        max_retries: int = 5,
        max_time: timedelta = timedelta(seconds=600),
    ):
        """`required_data_key`: what every 200 of this route holds in `data` (`videos`, `lookupStatus`)."""
        super().__init__(logger, error_mapping=HTTP_STATUSES, max_retries=max_retries, max_time=max_time)
        self._required_data_key = required_data_key

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> Resolution:
        if isinstance(response_or_exception, requests.RequestException):
            return TRANSPORT_ERROR
        if not isinstance(response_or_exception, requests.Response):
            return _fail(FailureType.system_error, f"Unexpected error: {response_or_exception!r}", Kind.UNEXPECTED)
        response = response_or_exception
        if response.status_code == 200:
            # A page nested too deeply outside its videos (payloads.py) is complete but unusable; it
            # is SUCCESS here because a FAIL makes the CDK decode it again with the recursive
            # `response.json()`: the stream fails the handle instead (`Videos.read_page`).
            body = json_body(response)
            data = body.get("data") if body is not None else None
            complete = isinstance(data, dict) and self._required_data_key in data
            return SUCCESS if complete else MALFORMED_PAGE
        # 401 and 403 are about the key whatever the body says; the rest prefer the API's code.
        if response.status_code in (401, 403):
            return BAD_KEY
        code = error_code(response)
        if code is not None and code in ERROR_CODES:
            return ERROR_CODES[code]
        mapped = HTTP_STATUSES.get(response.status_code)
        if isinstance(mapped, Resolution):
            return mapped
        if 500 <= response.status_code < 600:
            return INTERNAL_ERROR
        return _fail(
            FailureType.system_error, f"Social Fetch answered an unexpected HTTP {response.status_code}.", Kind.UNEXPECTED
        )


class ResolutionTap(ErrorHandler):
    """Hands each resolution to `note` before the CDK acts on it. The CDK's exception keeps only
    a FAIL resolution's message (and an exhausted retry's last answer), so the kind travels beside
    it: each part's client has a tap of its own (`SocialFetchStream._client`) that notes it on the
    part. `note` may raise to keep the CDK from asking again (a `SocialFetchError` reaches the
    stream as it is, with no error logged)."""

    def __init__(self, policy: ErrorHandler, note: Callable[[ErrorResolution], None]):
        self._policy = policy
        self._note = note

    @property
    def max_retries(self) -> Optional[int]:
        return self._policy.max_retries

    @property
    def max_time(self) -> Optional[int]:
        return self._policy.max_time

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> ErrorResolution:
        resolution = self._policy.interpret_response(response_or_exception)
        self._note(resolution)
        return resolution


class SocialFetchError(Exception):
    """Raised by the stream's own hooks (a page it cannot use), with the resolution it stands for."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution.error_message)
        self.resolution = resolution


# -- what follows an error ---------------------------------------------------------------------


class Next(enum.Enum):
    FAIL_HANDLE = "fail_handle"  # named at the end of the sync; the other handles go on
    STOP_SYNC = "stop_sync"  # no further request can succeed: every handle stops
    RESTART_HANDLE = "restart_handle"  # forget the saved position, read the handle from its first page
    ASK_AGAIN_WITHOUT_USER_ID = "ask_again_without_user_id"  # drop the refused `userId`, the same page once more
    WAIT_FOR_BUDGET = "wait_for_budget"  # the budget cannot pay for the page asked again: it waits for the next sync


@dataclass(frozen=True)
class RequestContext:
    """What the failed request was."""

    resumed_first_page: bool = False  # the handle's first request this sync, at a saved position
    carried_user_id: bool = False  # it sent the handle's `userId`, which the API may refuse with a 400


@dataclass(frozen=True)
class Decision:
    next: Next
    message: str
    failure_type: FailureType = FailureType.system_error
    kind: Kind = Kind.UNEXPECTED
    may_be_charged: bool = True  # count the failed request's reserved credits as spent


def after_error(error: BaseException, noted: Optional[ErrorResolution], context: RequestContext) -> Decision:
    """The one place that decides what follows an error raised while reading a handle.

    `noted`: the last resolution made for this handle's requests (by `ResolutionTap`). The CDK
    raises an `AirbyteTracedException` for it (FAIL, or retries exhausted, worded differently for
    a 429); any other error, or one after a SUCCESS, came from elsewhere and only fails the handle.
    """
    resolution: Optional[Resolution] = None
    if isinstance(error, SocialFetchError):
        resolution = error.resolution
    elif isinstance(error, AirbyteTracedException) and isinstance(noted, Resolution) and noted.kind is not Kind.OK:
        resolution = noted
    if resolution is None:
        message = str(error) or type(error).__name__
        failure_type = getattr(error, "failure_type", None) or FailureType.system_error
        return Decision(Next.FAIL_HANDLE, message, failure_type)
    kind, message = resolution.kind, resolution.error_message or ""
    failure_type = resolution.failure_type or FailureType.system_error
    if kind is Kind.BUDGET:
        return Decision(Next.WAIT_FOR_BUDGET, message, failure_type, kind, may_be_charged=False)
    if kind in (Kind.BAD_KEY, Kind.OUT_OF_CREDITS):
        return Decision(Next.STOP_SYNC, message, failure_type, kind, resolution.may_be_charged)
    if kind is Kind.BAD_REQUEST and context.carried_user_id:
        # The id is the likeliest cause (the API refuses an id that is not the handle's): once
        # dropped, the request cannot carry it again, so this never loops.
        return Decision(Next.ASK_AGAIN_WITHOUT_USER_ID, message, failure_type, kind, resolution.may_be_charged)
    if kind in (Kind.BAD_REQUEST, Kind.URI_TOO_LONG) and context.resumed_first_page:
        return Decision(Next.RESTART_HANDLE, message, failure_type, kind, resolution.may_be_charged)
    if resolution.response_action in (RETRY, ResponseAction.RATE_LIMITED):
        message = f"gave up after retries: {message}"
    return Decision(Next.FAIL_HANDLE, message, failure_type, kind, resolution.may_be_charged)
