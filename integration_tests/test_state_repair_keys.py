"""State repair, one bad key at a time: each malformed part of a saved `videos` state alone, read
through the real entrypoint, is dropped with a warning that names it, and the sync goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

import pytest

from integration_tests.harness import catalog, config, final_videos_state, keys, read, records, truth, videos_state
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.timeutil import parse_instant

HANDLES = ["one.video", "full.page"]
REFRESH_DAYS = 30


def warnings(output: Any) -> List[str]:
    return [m.log.message for m in output.logs if m.log.level.value == "WARN"]


def repair_warnings(output: Any) -> List[str]:
    return [w for w in warnings(output) if "saved" in w.lower() or "repair" in w.lower()]


def sync(emu: Emulator, handles: List[str] = HANDLES, **state: Any) -> Any:
    """An incremental read of `handles` (with a stats refresh every 30 days) from a state whose
    cursors are valid and which holds `state`'s keys as given."""
    newest = {h: max(v["createdAt"] for v in emu.videos(h)) for h in handles}
    return read(config(emu.base_url, handles, stats_refresh_days=REFRESH_DAYS), catalog("incremental"),
                state=videos_state(newest, **state))


def test_given_a_clean_state_then_nothing_is_repaired(emulator: Emulator) -> None:
    """The baseline the cases below differ from: no warning about the saved state."""
    due = {h: "2026-12-30T00:00:00Z" for h in HANDLES}
    output = sync(emulator, refresh_due=due, history_pages={"one.video": 1, "full.page": 1})
    assert repair_warnings(output) == []


def test_given_refresh_due_for_a_handle_no_longer_configured_alone_then_it_is_dropped_with_a_warning(
        emulator: Emulator) -> None:
    output = sync(emulator, refresh_due={"one.video": "2026-12-30T00:00:00Z", "gone.handle": "2026-12-30T00:00:00Z"})
    assert "gone.handle" not in final_videos_state(output)["refresh_due"]
    assert any("gone.handle" in w for w in repair_warnings(output)), warnings(output)


def test_given_refresh_due_for_a_handle_no_longer_configured_then_it_is_not_kept(emulator: Emulator) -> None:
    output = sync(emulator, refresh_due={"one.video": "2026-12-30T00:00:00Z", "gone.handle": "2026-12-30T00:00:00Z"})
    assert set(final_videos_state(output)["refresh_due"]) == set(HANDLES)


@pytest.mark.parametrize("value, says", [
    ("yesterday", "not a date-time"), (12, "not a date-time"), ("2999-01-01T00:00:00Z", "stats_refresh_days ahead"),
])
def test_given_one_bad_refresh_due_instant_alone_then_it_is_replaced_with_a_warning_naming_the_handle(
        emulator: Emulator, value: Any, says: str) -> None:
    output = sync(emulator, refresh_due={"one.video": value, "full.page": "2026-12-30T00:00:00Z"})
    found = repair_warnings(output)
    assert any("'one.video'" in w and says in w for w in found), warnings(output)
    assert not any("full.page" in w for w in found), "only the bad entry is named"
    assert final_videos_state(output)["refresh_due"]["one.video"] != value


@pytest.mark.parametrize("value", ["many", 0, -3, 2.5])
def test_given_one_malformed_history_pages_entry_alone_then_it_is_dropped_with_a_warning(
        emulator: Emulator, value: Any) -> None:
    output = sync(emulator, refresh_due={h: "2026-12-30T00:00:00Z" for h in HANDLES},
                  history_pages={"one.video": value, "full.page": 1})
    assert final_videos_state(output).get("history_pages", {}).get("one.video") != value
    assert any("history_pages" in w or "one.video" in w for w in repair_warnings(output)), warnings(output)


def test_given_history_pages_that_is_not_an_object_then_it_is_rebuilt_with_a_warning(emulator: Emulator) -> None:
    output = sync(emulator, refresh_due={h: "2026-12-30T00:00:00Z" for h in HANDLES}, history_pages=["one.video", 3])
    assert any("`history_pages` is not an object" in w for w in repair_warnings(output)), warnings(output)
    assert isinstance(final_videos_state(output).get("history_pages", {}), dict)


@pytest.mark.parametrize("position", [
    {"cursor": "c", "started": "2999-01-01T00:00:00Z", "pages": 2},  # started after this sync
    "not an object",
    {"cursor": "", "started": "2026-01-01T00:00:00Z", "pages": 2},
    {"cursor": "c", "started": "2026-01-01T00:00:00Z", "pages": -1},
])
def test_given_one_malformed_refresh_position_alone_then_its_refresh_starts_again_with_a_warning(
        emulator: Emulator, position: Any) -> None:
    due: Dict[str, str] = {"full.page": "2020-01-01T00:00:00Z", "one.video": "2026-12-30T00:00:00Z"}
    output = sync(emulator, refresh_due=due, refresh_positions={"full.page": position})
    assert any("refresh position of 'full.page' is malformed" in w for w in repair_warnings(output)), warnings(output)
    refresh_pages = [r for r in emulator.requests if r.route == "videos" and r.handle == "full.page"]
    assert all(r.query.get("cursor") != "c" for r in refresh_pages), "the bad position is never asked for"
    assert "full.page" not in final_videos_state(output).get("refresh_positions", {})


def test_given_refresh_positions_that_is_not_an_object_then_it_is_rebuilt_with_a_warning(emulator: Emulator) -> None:
    output = sync(emulator, refresh_due={h: "2026-12-30T00:00:00Z" for h in HANDLES}, refresh_positions="full.page")
    assert any("`refresh_positions` is not an object" in w for w in repair_warnings(output)), warnings(output)


@pytest.mark.parametrize("value", ["full.page", ["full.page"], 7])
def test_given_resume_positions_that_is_not_an_object_then_it_is_dropped_with_a_warning(
        emulator: Emulator, value: Any) -> None:
    output = sync(emulator, resume_positions=value)
    assert "resume_positions" not in final_videos_state(output)
    assert any("resume_positions" in w for w in warnings(output)), warnings(output)


def test_given_resume_positions_that_is_not_an_object_then_every_handle_is_read_from_its_cursor(
        emulator: Emulator) -> None:
    handles = ["one.video", "big.creator"]  # big.creator: a history longer than the lookback
    output = sync(emulator, handles, resume_positions=["big.creator"])
    assert not output.errors
    assert "resume_positions" not in final_videos_state(output)
    for handle in handles:  # from its first page, down to its cursor less the 7-day lookback
        first = [r for r in emulator.requests if r.route == "videos" and r.handle == handle][0]
        assert "cursor" not in first.query, f"{handle} did not start at its first page"
        floor = parse_instant(max(v["createdAt"] for v in emulator.videos(handle))) - timedelta(days=7)
        expected = truth(emulator, [handle], lambda v, floor=floor: parse_instant(v["createdAt"]) >= floor)
        assert keys(r for r in records(output) if r["handle"] == handle) == expected
