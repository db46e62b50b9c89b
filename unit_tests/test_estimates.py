"""The records a sync expects per handle (estimates.plan_records) and the paces kept in the state."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from source_socialfetch_tiktok.config import parse_config
from source_socialfetch_tiktok.estimates import PAGE_SIZE, SyncEstimate, plan_records
from source_socialfetch_tiktok.state.paces import PACES_KEY, Pace, Paces
from source_socialfetch_tiktok.state.refresh import HandlePlan
from unit_tests.conftest import raw_config

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
LOGGER = logging.getLogger("test_estimates")


def plan(handle: str, incremental: Any = 1, refresh: Any = 0, due: bool = False) -> HandlePlan:
    return HandlePlan(handle, incremental, refresh, due, False)


def test_given_a_pace_then_the_lookback_window_and_what_was_posted_since_the_last_read_are_expected() -> None:
    config = parse_config(raw_config(handles=["nasa"], lookback_window_days=7))
    cursor = NOW - timedelta(days=2)
    paces = Paces({"nasa": Pace(3.0, NOW - timedelta(days=1))})

    [estimate] = plan_records(config, [plan("nasa")], {"nasa": cursor}, paces, NOW)

    # its newest video, 7 days before it at 3 a day, and 1 day since its last read at 3 a day
    assert estimate.incremental == 1 + 21 + 3


def test_given_no_pace_then_the_plans_pages_or_one_page() -> None:
    config = parse_config(raw_config(handles=["a", "b"]))
    estimates = plan_records(config, [plan("a", incremental=4), plan("b", incremental=None)], {}, Paces(), NOW)
    assert [e.incremental for e in estimates] == [4 * PAGE_SIZE, PAGE_SIZE]


def test_given_an_empty_profile_then_nothing_is_expected_of_it() -> None:
    config = parse_config(raw_config(handles=["empty"]))
    paces = Paces()
    paces.note("empty", 0, None, None, NOW - timedelta(days=1))
    assert plan_records(config, [plan("empty")], {}, paces, NOW)[0].incremental == 0


def test_given_caps_then_the_estimate_keeps_to_them() -> None:
    config = parse_config(raw_config(handles=["a", "b"], max_videos_per_handle=10, max_credits_per_sync=1))
    estimates = plan_records(config, [plan("a", 3, 5, due=True), plan("b", 3)], {}, Paces(), NOW)
    assert [(e.incremental, e.refresh) for e in estimates] == [(10, 0), (10, 0)]
    assert SyncEstimate(config, estimates, ["videos"]).planned == 20  # under the one credit's page
    budget = parse_config(raw_config(handles=["a", "b"], max_credits_per_sync=1))
    assert SyncEstimate(budget, plan_records(budget, [plan("a", 3), plan("b", 3)], {}, Paces(), NOW), ["videos"]).planned == PAGE_SIZE


def test_given_malformed_paces_then_they_are_dropped_and_good_ones_kept() -> None:
    raw = {PACES_KEY: {"a": {"per_day": 1.5, "read_at": "2026-12-06T08:00:00Z"}, "b": {"per_day": "x"},
                       "c": {"per_day": True, "read_at": "2026-12-06T08:00:00Z"}, "d": 3,
                       "e": {"per_day": float("nan"), "read_at": "2026-12-06T08:00:00Z"}, "gone": {"per_day": 1.0,
                       "read_at": "2026-12-06T08:00:00Z"}}}
    paces = Paces.from_state(raw, ["a", "b", "c", "d", "e"], LOGGER)
    assert paces.snapshot(["a", "b", "c", "d", "e"]) == {PACES_KEY: {"a": {"per_day": 1.5, "read_at": "2026-12-06T08:00:00Z"}}}


def test_given_a_read_of_n_videos_then_its_pace_is_n_minus_1_gaps_over_their_span() -> None:
    paces = Paces()
    paces.note("a", 11, NOW - timedelta(days=1), NOW - timedelta(days=6), NOW)
    assert paces.pace("a") == Pace(2.0, NOW)
