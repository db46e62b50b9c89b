"""Retry-After is honoured (seconds or an HTTP date), capped; otherwise exponential, capped."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Optional

import pytest
import requests

from source_socialfetch_tiktok.api import backoff_strategies
from source_socialfetch_tiktok.api.backoff_strategies import RetryAfterBackoffStrategy
from unit_tests.conftest import http_response

NOW = datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backoff_strategies, "utc_now", lambda: NOW)


def wait(retry_after: Optional[str], attempt: int = 1, status: int = 503) -> Optional[float]:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return RetryAfterBackoffStrategy().backoff_time(http_response(status, None, headers), attempt)


@pytest.mark.parametrize("header, seconds", [("5", 5), ("1.5", 1.5), (" 30 ", 30), ("300", 300)])
def test_given_retry_after_seconds_when_backing_off_then_they_are_waited(header: str, seconds: float) -> None:
    assert wait(header, attempt=4) == seconds


def test_given_retry_after_as_an_http_date_when_backing_off_then_the_time_until_it_is_waited() -> None:
    assert wait(format_datetime(NOW + timedelta(seconds=42), usegmt=True)) == pytest.approx(42)


def test_given_an_http_date_in_the_past_when_backing_off_then_a_small_positive_wait() -> None:
    waited = wait(format_datetime(NOW - timedelta(minutes=5), usegmt=True))

    assert waited is not None and 0 < waited <= 1


@pytest.mark.parametrize("header", ["3600", format_datetime(NOW + timedelta(hours=2), usegmt=True)])
def test_given_a_long_retry_after_when_backing_off_then_it_is_capped_at_300_seconds(header: str) -> None:
    assert wait(header) == 300


@pytest.mark.parametrize("header", ["0", "-5"])
def test_given_retry_after_zero_or_negative_when_backing_off_then_a_small_positive_wait(header: str) -> None:
    waited = wait(header)

    assert waited is not None and 0 < waited <= 1


@pytest.mark.parametrize("attempt, expected", [(1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (20, 60)])
def test_given_no_retry_after_when_backing_off_then_exponential_capped_at_60(attempt: int, expected: float) -> None:
    assert wait(None, attempt) == expected


@pytest.mark.parametrize("header", ["soon", "", "Tomorrow, maybe"])
def test_given_a_garbage_retry_after_when_backing_off_then_exponential(header: str) -> None:
    assert wait(header, attempt=3) == 4


def test_given_a_transport_exception_when_backing_off_then_exponential() -> None:
    strategy = RetryAfterBackoffStrategy()

    assert strategy.backoff_time(requests.exceptions.ReadTimeout(), 2) == 2


def test_given_retry_after_nan_when_backing_off_then_a_finite_exponential_wait() -> None:
    waited = wait("nan", attempt=3)

    assert waited is not None and math.isfinite(waited)
    assert waited == 4


def test_given_an_http_date_without_a_zone_when_backing_off_then_it_is_taken_as_utc() -> None:
    assert wait("Fri, 20 Nov 2026 08:15:42 -0000") == pytest.approx(42)
