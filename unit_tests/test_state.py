"""The videos state in CONNECTOR_CONTRACT.md's shape: read tolerantly, committed only forwards."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, Sequence

import pytest

from source_socialfetch_tiktok.config import ConfigError
from source_socialfetch_tiktok.state import saved as state_module
from source_socialfetch_tiktok.state.store import HandleCursor, VideosStateStore, parse_videos_state

LOGGER = logging.getLogger("test_state")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_module, "utc_now", lambda: NOW)


def entry(handle: Any, created: Any) -> Dict[str, Any]:
    return {"partition": {"handle": handle}, "cursor": {"createdAt": created}}


def texts(cursors: Dict[str, HandleCursor]) -> Dict[str, str]:
    return {handle: cursor.text for handle, cursor in cursors.items()}


def store(cursors: Dict[str, str], waiting: Sequence[str] = (), handles: Sequence[str] = ("a", "b", "c")
          ) -> VideosStateStore:
    parsed = {h: HandleCursor.parse(t) for h, t in cursors.items()}
    return VideosStateStore({h: c for h, c in parsed.items() if c}, list(waiting), list(handles))


# -- reading ---------------------------------------------------------------------------------------

def test_given_the_contract_shape_when_parsed_then_every_handle_has_its_cursor() -> None:
    raw = {"states": [entry("nasa", "2026-11-20T08:15:00Z"), entry("khaby.lame", "2026-11-19T10:00:00.123+02:00")]}

    cursors, waiting = parse_videos_state(raw, LOGGER)

    assert texts(cursors) == {"nasa": "2026-11-20T08:15:00Z", "khaby.lame": "2026-11-19T10:00:00.123+02:00"}
    assert cursors["khaby.lame"].instant == datetime(2026, 11, 19, 8, 0, 0, 123000, tzinfo=timezone.utc)
    assert waiting == []


@pytest.mark.parametrize("raw", [None, {}, [], {"__ab_no_cursor_state_message": True}])
def test_given_no_state_when_parsed_then_nothing_is_known(raw: Any) -> None:
    assert parse_videos_state(raw, LOGGER) == ({}, [])


def test_given_waiting_handles_when_parsed_then_they_keep_their_order_normalised_and_deduplicated() -> None:
    raw = {"states": [], "waiting_for_budget": ["@Zed", "nasa", "zed", "https://www.tiktok.com/@Amy", "a/b", 7, "NASA"]}

    _, waiting = parse_videos_state(raw, LOGGER)

    assert waiting == ["zed", "nasa", "amy"]


@pytest.mark.parametrize("waiting", [5, "nasa", {"nasa": 1}])
def test_given_a_waiting_for_budget_that_is_not_a_list_when_parsed_then_it_is_ignored(waiting: Any) -> None:
    cursors, parsed_waiting = parse_videos_state(
        {"states": [entry("nasa", "2026-11-20T08:15:00Z")], "waiting_for_budget": waiting}, LOGGER
    )

    assert parsed_waiting == []
    assert texts(cursors) == {"nasa": "2026-11-20T08:15:00Z"}


def test_given_a_0_1_0_flat_handle_to_cursor_mapping_when_parsed_then_it_is_converted() -> None:
    """0.1.0 read `{handle: {createdAt}}` (or `{handle: createdAt}`): such a state keeps working."""
    raw = {"NASA": {"createdAt": "2026-11-20T08:15:00Z"}, "amy": "2026-11-18T00:00:00Z", "waiting_for_budget": ["amy"]}

    cursors, waiting = parse_videos_state(raw, LOGGER)

    assert texts(cursors) == {"nasa": "2026-11-20T08:15:00Z", "amy": "2026-11-18T00:00:00Z"}
    assert waiting == ["amy"]


def test_given_bad_entries_when_parsed_then_they_are_skipped_with_warnings_and_good_ones_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = {
        "states": [
            "junk",
            {"partition": {}},
            {"cursor": {"createdAt": "2026-11-20T08:15:00Z"}},
            entry("bad.date", "last week"),
            entry("no.date", None),
            entry("nasa", "2026-11-20T08:15:00Z"),
        ]
    }

    with caplog.at_level(logging.WARNING, logger=LOGGER.name):
        cursors, _ = parse_videos_state(raw, LOGGER)

    assert texts(cursors) == {"nasa": "2026-11-20T08:15:00Z"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 5
    assert any("bad.date" in w for w in warnings)


def test_given_one_handle_twice_when_parsed_then_the_newest_instant_wins() -> None:
    raw = {"states": [entry("nasa", "2026-11-20T10:00:00+02:00"), entry("@NASA", "2026-11-20T09:00:00Z"),
                      entry("nasa", "2026-11-01T00:00:00Z")]}

    cursors, _ = parse_videos_state(raw, LOGGER)

    assert texts(cursors) == {"nasa": "2026-11-20T09:00:00Z"}


def test_given_a_far_future_cursor_when_parsed_then_it_is_clamped_to_now_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER.name):
        cursors, _ = parse_videos_state({"states": [entry("nasa", "2099-01-01T00:00:00Z")]}, LOGGER)

    assert cursors["nasa"].instant == NOW
    assert HandleCursor.parse(cursors["nasa"].text) == cursors["nasa"]
    assert any("future" in r.getMessage() and "nasa" in r.getMessage() for r in caplog.records)


def test_given_a_cursor_a_few_hours_ahead_when_parsed_then_it_is_kept() -> None:
    cursors, _ = parse_videos_state({"states": [entry("nasa", "2026-11-25T18:00:00Z")]}, LOGGER)

    assert texts(cursors) == {"nasa": "2026-11-25T18:00:00Z"}


@pytest.mark.parametrize("raw", ["a string", 5, ["nasa"], {"states": {"nasa": "2026-11-20T08:15:00Z"}}])
def test_given_a_state_that_is_not_an_object_of_the_contract_when_parsed_then_config_error(raw: Any) -> None:
    with pytest.raises(ConfigError, match="state"):
        parse_videos_state(raw, LOGGER)


# -- the store --------------------------------------------------------------------------------------

def test_given_handles_in_state_but_not_configured_when_snapshotted_then_they_are_kept() -> None:
    cursors, waiting = parse_videos_state({"states": [entry("gone", "2026-11-20T08:15:00Z")]}, LOGGER)

    snapshot = VideosStateStore(cursors, waiting, ["nasa"]).snapshot([])

    assert snapshot["states"] == [entry("gone", "2026-11-20T08:15:00Z")]


def test_given_an_older_video_when_committed_then_the_cursor_does_not_move_backwards() -> None:
    s = store({"a": "2026-11-20T08:15:00Z"})
    s.observe("a", "2026-11-20T09:00:00+02:00")  # 07:00Z: older, though it sorts after as text

    s.commit("a")

    assert s.cursor("a") == HandleCursor.parse("2026-11-20T08:15:00Z")


def test_given_newer_videos_when_committed_then_the_newest_is_kept_in_the_apis_spelling() -> None:
    s = store({"a": "2026-11-20T08:15:00Z"})
    for created in ["2026-11-21T10:00:00.123+00:00", "2026-11-21T09:00:00Z", None, "garbage", 17]:
        s.observe("a", created)

    s.commit("a")

    cursor = s.cursor("a")
    assert cursor is not None and cursor.text == "2026-11-21T10:00:00.123+00:00"


def test_given_nothing_observed_when_committed_then_the_cursor_is_unchanged() -> None:
    s = store({"a": "2026-11-20T08:15:00Z"})

    s.commit("a")
    s.commit("b")

    assert s.snapshot([])["states"] == [entry("a", "2026-11-20T08:15:00Z")]


def test_given_a_discarded_read_when_committed_later_then_its_videos_do_not_move_the_cursor() -> None:
    s = store({"a": "2026-11-20T08:15:00Z"})
    s.observe("a", "2026-11-22T00:00:00Z")

    s.discard("a")
    s.commit("a")

    assert s.cursor("a") == HandleCursor.parse("2026-11-20T08:15:00Z")


def test_given_a_new_handle_when_committed_then_it_gets_a_cursor() -> None:
    s = store({})
    s.observe("b", "2026-11-22T00:00:00Z")

    s.commit("b")

    assert s.snapshot([])["states"] == [entry("b", "2026-11-22T00:00:00Z")]


def test_given_incoming_waiting_handles_when_ordering_then_configured_ones_come_first() -> None:
    s = store({}, waiting=["c", "gone", "a"], handles=["a", "b", "c", "d"])

    assert s.read_order() == ["c", "a", "b", "d"]


def test_given_no_waiting_handles_when_ordering_then_the_configured_order_is_kept() -> None:
    assert store({}, handles=["d", "a", "c"]).read_order() == ["d", "a", "c"]


def test_the_snapshot_has_exactly_the_contract_shape_sorted_by_handle() -> None:
    s = store({"c": "2026-11-20T08:15:00Z", "a": "2026-11-19T00:00:00.5Z"}, waiting=["b"])

    snapshot = s.snapshot(["c"], done=[])

    assert snapshot == {
        "states": [entry("a", "2026-11-19T00:00:00.5Z"), entry("c", "2026-11-20T08:15:00Z")],
        "waiting_for_budget": ["c", "b"],
    }
    assert texts(parse_videos_state(snapshot, LOGGER)[0]) == {"a": "2026-11-19T00:00:00.5Z", "c": "2026-11-20T08:15:00Z"}


def test_given_previously_waiting_handles_done_now_when_snapshotted_then_they_leave_the_waiting_list() -> None:
    s = store({}, waiting=["a", "b"])

    assert s.snapshot(["c"], done=["a"])["waiting_for_budget"] == ["c", "b"]
    assert s.snapshot([], done=["a", "b"])["waiting_for_budget"] == []
