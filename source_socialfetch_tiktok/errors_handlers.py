"""Social Fetch's errors mapped to what the connector does: retry, fail the handle, or stop the sync.

The API documents machine-readable codes in an `{"error": {"code": ...}}` envelope; the code
decides when present, the HTTP status otherwise (a proxy's HTML 502 has no code). A 200 must
carry a complete page: a body that is not JSON, or that lacks `data`, is retried like a 5xx.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Mapping, Optional, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    ErrorResolution,
    HttpStatusErrorHandler,
    ResponseAction,
)

from .payloads import MAX_DEPTH, error_code, json_body, too_deep

FAIL, RETRY = ResponseAction.FAIL, ResponseAction.RETRY

BAD_KEY = ErrorResolution(
    FAIL,
    FailureType.config_error,
    "Social Fetch rejected the API key (unauthorized): check api_key, it may be wrong or revoked.",
)
OUT_OF_CREDITS = ErrorResolution(
    FAIL,
    FailureType.config_error,
    "Social Fetch answered 402 insufficient_credits: the account is out of credits. "
    "Top up your Social Fetch credits, then run the sync again.",
)
BAD_REQUEST = ErrorResolution(
    FAIL,
    FailureType.config_error,
    "Social Fetch rejected the request as invalid (400 bad_request); the handle may not exist in that form.",
)
LOOKUP_FAILED = ErrorResolution(
    RETRY, FailureType.transient_error, "The TikTok lookup failed upstream (502 lookup_failed)."
)
UNAVAILABLE = ErrorResolution(
    RETRY, FailureType.transient_error, "Social Fetch is temporarily unavailable (503)."
)
INTERNAL_ERROR = ErrorResolution(
    RETRY, FailureType.transient_error, "Social Fetch had an internal error (500)."
)
RATE_LIMITED = ErrorResolution(RETRY, FailureType.transient_error, "Social Fetch rate limit reached (429).")
TRANSPORT_ERROR = ErrorResolution(
    RETRY, FailureType.transient_error, "The connection to Social Fetch failed or timed out."
)
MALFORMED_PAGE = ErrorResolution(
    RETRY,
    FailureType.transient_error,
    "Social Fetch answered 200 with a body that is not a complete response (not JSON, truncated, or no data).",
)
TOO_DEEP = ErrorResolution(
    FAIL,
    FailureType.system_error,
    f"Social Fetch answered a page nested deeper than {MAX_DEPTH:,} levels, which cannot be decoded; "
    "the handle is skipped this time.",
)
SUCCESS = ErrorResolution(ResponseAction.SUCCESS, None, None)

ERROR_CODES: Mapping[str, ErrorResolution] = {
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
    404: ErrorResolution(FAIL, FailureType.system_error, "Social Fetch answered 404: check base_url."),
    408: TRANSPORT_ERROR,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    502: LOOKUP_FAILED,
    503: UNAVAILABLE,
    504: TRANSPORT_ERROR,
}
# Outcomes after which no further request can succeed: every handle stops, not only this one.
SYNC_STOPPING_MESSAGES = {BAD_KEY.error_message: "bad_key", OUT_OF_CREDITS.error_message: "out_of_credits"}


class SocialFetchErrorHandler(HttpStatusErrorHandler):
    """`HttpStatusErrorHandler` keyed on `error.code` first, and strict about what a 200 holds."""

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
    ) -> ErrorResolution:
        if isinstance(response_or_exception, requests.RequestException):
            return TRANSPORT_ERROR
        if not isinstance(response_or_exception, requests.Response):
            return super().interpret_response(response_or_exception)
        response = response_or_exception
        if response.status_code == 200:
            body = json_body(response)
            data = body.get("data") if body is not None else None
            complete = isinstance(data, dict) and self._required_data_key in data
            if complete:
                return SUCCESS
            return TOO_DEEP if too_deep(response) else MALFORMED_PAGE
        # 401 and 403 are about the key whatever the body says; the rest prefer the API's code.
        if response.status_code in (401, 403):
            return BAD_KEY
        code = error_code(response)
        if code is not None and code in ERROR_CODES:
            return ERROR_CODES[code]
        mapped = HTTP_STATUSES.get(response.status_code)
        if mapped is not None:
            return mapped
        if 500 <= response.status_code < 600:
            return INTERNAL_ERROR
        return ErrorResolution(
            FAIL, FailureType.system_error, f"Social Fetch answered an unexpected HTTP {response.status_code}."
        )
