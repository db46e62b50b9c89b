"""How long to wait before retrying: the server's `Retry-After` when it sends one, else exponential."""

from __future__ import annotations

import math
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Optional, Union

import requests
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy

from ..timeutil import utc_now


class RetryAfterBackoffStrategy(BackoffStrategy):
    """Honour `Retry-After` (seconds or an HTTP date), capped; otherwise `base * 2^(attempt-1)`, capped.

    The CDK's default strategy returns None and so ignores `Retry-After`. A pure function of the
    response headers and the attempt number, as the CDK's contract for strategies asks.
    """

    def __init__(self, base_seconds: float = 1.0, max_seconds: float = 60.0, max_retry_after_seconds: float = 300.0):
        self._base = base_seconds
        self._max = max_seconds
        self._max_retry_after = max_retry_after_seconds

    def backoff_time(
        self,
        response_or_exception: Optional[Union[requests.Response, requests.RequestException]],
        attempt_count: int,
    ) -> Optional[float]:
        if isinstance(response_or_exception, requests.Response):
            advertised = parse_retry_after(response_or_exception.headers.get("Retry-After"))
            if advertised is not None:
                return min(advertised, self._max_retry_after)
        return min(self._base * 2 ** max(attempt_count - 1, 0), self._max)


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds to wait from a `Retry-After` header value, or None when it says nothing usable."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # '-0000' or no zone: HTTP dates are GMT
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - utc_now()).total_seconds()
    if not math.isfinite(seconds):
        return None
    # A zero wait would read as "no advice" to the CDK, which then falls back to its own backoff.
    return max(seconds, 0.01)
