"""The stats refresh schedule: due instants, levelled placement, cut-short refreshes, repair of a
malformed state, and the plan a sync logs before it spends anything."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from source_socialfetch_tiktok.state.refresh import DUE_KEY, PAGES_KEY, POSITIONS_KEY, RefreshSchedule

START = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
LOGGER = logging.getLogger("airbyte")


def schedule(raw: object, handles: list[str], days: int | None = 30) -> RefreshSchedule:
    return RefreshSchedule.from_state(raw, handles, days, START, LOGGER)


def test_given_a_due_instant_at_or_before_the_sync_start_then_due_and_never_before() -> None:
    raw = {DUE_KEY: {"a": "2026-11-30T08:00:00Z", "b": "2026-11-30T08:00:01Z", "c": "2026-11-01T00:00:00Z"}}
    plan = schedule(raw, ["a", "b", "c"])

    assert [h for h in "abc" if plan.is_due(h)] == ["a", "c"]


def test_given_the_option_off_then_nothing_is_due_and_no_due_key_is_kept() -> None:
    plan = schedule({DUE_KEY: {"a": "2026-11-01T00:00:00Z"}, PAGES_KEY: {"a": 3}}, ["a"], days=None)

    assert not plan.is_due("a")
    assert plan.snapshot(["a"]) == {PAGES_KEY: {"a": 3}}


def test_given_1000_new_handles_when_placed_then_spread_over_the_next_d_days_none_due_now() -> None:
    handles = [f"h{i}" for i in range(1000)]
    plan = schedule({}, handles, days=30)
    plan.place_new(handles)
    due = plan.snapshot(handles)[DUE_KEY]

    instants = [datetime.fromisoformat(v.replace("Z", "+00:00")) for v in due.values()]
    assert len(instants) == 1000
    assert all(START < d < START + timedelta(days=30) for d in instants)
    per_day = [sum(1 for d in instants if int((d - START) / timedelta(days=1)) == k) for k in range(30)]
    assert max(per_day) - min(per_day) <= 1, per_day


def test_given_uneven_page_counts_when_placed_then_pages_per_day_are_level() -> None:
    pages = {f"h{i}": 1 + (i * 7919) % 40 for i in range(50)}
    plan = schedule({PAGES_KEY: pages}, list(pages), days=30)
    plan.place_new(list(pages))
    due = plan.snapshot(list(pages))[DUE_KEY]

    load = [0] * 30
    for handle, value in due.items():
        load[int((datetime.fromisoformat(value.replace("Z", "+00:00")) - START) / timedelta(days=1))] += pages[handle]
    mean = sum(pages.values()) / 30
    assert max(load) <= mean + max(pages.values()) / 2, load


def test_given_a_completed_refresh_then_next_due_is_its_sync_start_plus_d_and_pages_are_kept() -> None:
    plan = schedule({DUE_KEY: {"a": "2026-11-29T00:00:00Z"}}, ["a"], days=7)

    plan.complete("a", pages=12)

    blob = plan.snapshot(["a"])
    assert blob[DUE_KEY] == {"a": "2026-12-07T08:00:00Z"}
    assert blob[PAGES_KEY] == {"a": 12}


def test_given_a_refresh_cut_short_twice_then_it_stays_due_and_completes_from_its_first_sync() -> None:
    first = schedule({DUE_KEY: {"a": "2026-11-29T00:00:00Z"}}, ["a"], days=7)
    first.suspend("a", "cursor-1", pages=3)
    saved = first.snapshot(["a"])
    assert saved[POSITIONS_KEY]["a"] == {"cursor": "cursor-1", "started": "2026-11-30T08:00:00Z", "pages": 3}

    later = RefreshSchedule.from_state(saved, ["a"], 7, START + timedelta(days=1), LOGGER)
    assert later.is_due("a") and later.position("a") is not None
    later.suspend("a", "cursor-2", pages=2)
    later.complete("a", pages=4)

    blob = later.snapshot(["a"])
    assert blob[DUE_KEY] == {"a": "2026-12-07T08:00:00Z"}, "counted from the sync the refresh began in"
    assert blob[PAGES_KEY] == {"a": 3 + 2 + 4}
    assert POSITIONS_KEY not in blob


@pytest.mark.parametrize(
    "raw",
    [
        {DUE_KEY: "soon"},
        {DUE_KEY: ["a"]},
        {DUE_KEY: {"a": "not a date", "b": 5, "c": None}},
        {DUE_KEY: {"a": "9999-12-31T23:59:59Z"}},
        {POSITIONS_KEY: {"a": {"cursor": 3}}, DUE_KEY: {"zz": "2026-11-01T00:00:00Z"}},
    ],
)
def test_given_a_malformed_schedule_then_repaired_with_a_warning_and_nothing_due_at_once(raw, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="airbyte")
    handles = ["a", "b", "c"]

    plan = schedule(raw, handles)
    plan.place_new(handles)

    assert not any(plan.is_due(h) for h in handles)
    assert "Repairing the saved state" in caplog.text
    assert "zz" not in str(plan.snapshot(handles)), "handles no longer configured drop out"


def test_given_state_with_pages_when_planned_then_due_handles_cost_the_rest_of_their_history() -> None:
    raw = {
        DUE_KEY: {"due": "2026-11-29T00:00:00Z", "later": "2026-12-20T00:00:00Z"},
        POSITIONS_KEY: {"going_on": {"cursor": "c", "started": "2026-11-28T00:00:00Z", "pages": 10}},
        PAGES_KEY: {"due": 40, "later": 5, "going_on": 25},
    }
    handles = ["due", "later", "going_on", "new"]
    plans = {p.handle: p for p in schedule(raw, handles).plan(handles, {"due": True, "later": True, "going_on": True})}

    assert (plans["due"].incremental_pages, plans["due"].refresh_pages) == (1, 39)
    assert (plans["later"].incremental_pages, plans["later"].refresh_pages) == (1, 0)
    assert (plans["going_on"].refresh_pages, plans["going_on"].resumes) == (15, True)
    assert plans["new"].incremental_pages is None and plans["new"].pages is None


def test_given_max_age_then_the_floor_is_the_later_of_start_date_and_that_age() -> None:
    plan = schedule({}, ["a"])

    assert plan.floor(None, 90) == START - timedelta(days=90)
    assert plan.floor(START - timedelta(days=10), 90) == START - timedelta(days=10)
    assert plan.floor(None, None) is None


def test_given_a_sync_starting_mid_second_then_the_next_due_counts_from_its_second() -> None:
    start = START.replace(microsecond=750_000)
    plan = RefreshSchedule.from_state({DUE_KEY: {"a": "2026-11-29T00:00:00Z"}}, ["a"], 7, start, LOGGER)

    plan.complete("a", pages=3)

    due = plan.snapshot(["a"])[DUE_KEY]["a"]
    assert due == "2026-12-07T08:00:00Z", "a sync 7 days on that starts at 08:00:00.2 still finds it due"
