"""Fresh stats within a budget: the refresh plan over simulated days, new videos first
under `max_credits_per_sync`, a refresh cut short going on without paying a page twice, and the
`video_stats` stream that comes with every page read, at no extra cost.

The emulator's clock and the connector's clock move together: one simulated day per sync.
"""

from __future__ import annotations

import collections
from datetime import timedelta
from typing import Any, Dict, List

import pytest
from airbyte_cdk.models import AirbyteStreamStatus
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.harness import catalog, final_videos_state, stream_events
from integration_tests.syncs import Syncs
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.timeutil import parse_instant

PAGE = 30


def stats_catalog(videos: str = "incremental", stats: bool = True, profiles: bool = False):
    return catalog(videos or None, profiles=profiles, stats=stats)


class Days(Syncs):
    """Syncs of one connection, one simulated day apart, carrying the state like the platform."""

    def sync(self, catalog=None, expect_failure: bool = False) -> EntrypointOutput:
        return super().sync(catalog or stats_catalog(), expect_failure=expect_failure, check=False)

    def next_day(self) -> None:
        self.emu.advance(1)


@pytest.fixture
def world(make_emulator) -> Emulator:
    """Three creators of 1, 3 and 6 full pages (no pinned videos), nothing published after them."""
    emu = make_emulator(dataset="empty")
    for handle, pages in (("one.page", 1), ("three.pages", 3), ("six.pages", 6)):
        emu.add_handle(handle, pages * PAGE - 5)
    return emu


def rows(output: EntrypointOutput, stream: str) -> List[Dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


def test_given_d_days_when_synced_daily_then_every_handle_is_refreshed_within_d_days_paying_its_history_once(world):
    days = Days(world, ["one.page", "three.pages", "six.pages"], stats_refresh_days=3)
    first = days.sync()
    history = dict(days.pages())
    assert history == {"one.page": 1, "three.pages": 3, "six.pages": 6}
    due = final_videos_state(first)["refresh_due"]
    start = world.now
    assert sorted(due) == sorted(history)
    assert all(start < parse_instant(value) <= start + timedelta(days=3) for value in due.values())

    refreshed: Dict[str, List[int]] = collections.defaultdict(list)
    for day in range(1, 7):
        days.next_day()
        days.sync()
        for handle, pages in days.pages().items():
            if pages > 1 or handle == "one.page":
                refreshed[handle].append(day)
            if pages > 1:
                assert pages == history[handle], f"{handle} on day {day}: a refresh pays its history once"
    for handle in ("three.pages", "six.pages"):
        gaps = [b - a for a, b in zip([0] + refreshed[handle], refreshed[handle], strict=False)]
        assert refreshed[handle] and all(gap <= 3 for gap in gaps), (handle, refreshed[handle])


def test_given_a_refresh_then_the_old_videos_stats_in_video_stats_are_fresh(world):
    days = Days(world, ["six.pages"], stats_refresh_days=2, lookback_window_days=0)
    first = days.sync()
    captured = {r["id"]: r["views"] for r in rows(first, "video_stats")}
    assert len(captured) == 6 * PAGE - 5 and len(rows(first, "videos")) == len(captured)

    for _ in range(3):
        days.next_day()
        output = days.sync()
        if days.pages()["six.pages"] > 1:
            break
    else:
        pytest.fail("six.pages was never refreshed in 3 days with stats_refresh_days 2")
    again = {r["id"]: r["views"] for r in rows(output, "video_stats")}
    assert set(again) == set(captured), "every video of the history was captured again"
    assert sum(again.values()) > sum(captured.values()), "the emulator's counts grew with the clock"
    truth = world.stats("six.pages")
    assert all(again[i] == truth[i]["views"] for i in again)


def test_given_a_small_budget_then_every_new_video_page_comes_before_any_refresh_page(world):
    handles = ["one.page", "three.pages", "six.pages"]
    days = Days(world, handles, stats_refresh_days=1, concurrency=4)
    days.sync()
    days.next_day()
    days.next_day()  # every handle is due now
    days.config["max_credits_per_sync"] = 5
    output = days.sync()

    videos = [r for r in world.requests if r.route == "videos" and r.status == 200]
    first_pages = [i for i, r in enumerate(videos) if "cursor" not in r.query]
    refresh_pages = [i for i, r in enumerate(videos) if "cursor" in r.query]
    assert len(first_pages) == 3 and len(refresh_pages) == 2, [r.query for r in videos]
    assert max(first_pages) < min(refresh_pages)
    assert not output.errors
    state = final_videos_state(output)
    assert {s["partition"]["handle"] for s in state["states"]} == set(handles), "cursors move with the new videos"


def test_given_a_refresh_cut_short_by_the_budget_then_it_goes_on_next_sync_without_paying_a_page_twice(world):
    days = Days(world, ["six.pages"], stats_refresh_days=1, max_credits_per_sync=3)
    for _ in range(2):  # a budget of 3 reads the 6 pages of history in two syncs
        days.sync()
        days.next_day()
    days.next_day()
    cursors_asked: List[str] = []
    total = 0
    for _ in range(4):
        output = days.sync()
        cursors_asked += [r.query.get("cursor", "") for r in world.requests if r.route == "videos" and r.status == 200]
        total += days.pages()["six.pages"]
        state = final_videos_state(output)
        assert "six.pages" in state["refresh_due"]
        if "six.pages" not in state.get("refresh_positions", {}):
            break
    refresh_cursors = [c for c in cursors_asked if c]
    assert len(refresh_cursors) == len(set(refresh_cursors)) == 5, "pages 2..6 once each"
    assert parse_instant(state["refresh_due"]["six.pages"]) > world.now


def test_given_video_stats_selected_then_one_snapshot_per_video_record_and_no_extra_request(world):
    handles = ["one.page", "three.pages"]
    with_stats = Days(world, handles).sync()
    requests_with = len(world.requests)
    without_stats = Days(world, handles).sync(stats_catalog(stats=False))
    requests_without = len(world.requests)

    videos, stats = rows(with_stats, "videos"), rows(with_stats, "video_stats")
    assert requests_with == requests_without
    assert len(rows(without_stats, "video_stats")) == 0
    assert collections.Counter((v["handle"], v["id"]) for v in videos) == collections.Counter(
        (s["handle"], s["id"]) for s in stats
    )
    by_id = {v["id"]: v for v in videos}
    assert all(s["views"] == by_id[s["id"]]["stats"]["views"] and s["createdAt"] == by_id[s["id"]]["createdAt"] for s in stats)
    assert all(s["capturedAt"].endswith("Z") and len(s["capturedAt"]) == len("2026-11-01T00:00:00.000000Z") for s in stats)


@pytest.mark.parametrize("concurrency", [1, 8])
def test_given_video_stats_then_its_records_come_between_its_started_and_complete_statuses(world, concurrency):
    output = Days(world, ["one.page", "three.pages", "six.pages"], concurrency=concurrency, stats_refresh_days=1).sync()

    events = stream_events(output, "video_stats")
    assert events[0] == AirbyteStreamStatus.STARTED.name
    assert events[-1] == AirbyteStreamStatus.COMPLETE.name
    assert events.count("record") == 6 * PAGE - 5 + 3 * PAGE - 5 + PAGE - 5
    assert events.index("RUNNING") < events.index("record")


def test_given_video_stats_without_videos_then_a_config_error_says_to_select_videos(world):
    output = Days(world, ["one.page"]).sync(stats_catalog(videos=""), expect_failure=True)

    assert output.errors and "select videos too" in output.errors[-1].trace.error.message
    assert not world.requests


def test_given_a_full_refresh_then_the_refresh_plan_is_ignored(world):
    days = Days(world, ["three.pages"], stats_refresh_days=1)
    days.sync()
    days.next_day()
    days.next_day()
    output = days.sync(stats_catalog(videos="full_refresh"))

    assert days.pages()["three.pages"] == 3
    assert len(rows(output, "video_stats")) == 3 * PAGE - 5
    assert not any("Stats refresh" in m.log.message for m in output.logs)


def test_given_a_malformed_refresh_due_then_repaired_with_a_warning_not_every_handle_due(world):
    handles = ["one.page", "three.pages", "six.pages"]
    days = Days(world, handles, stats_refresh_days=30)
    days.sync()
    blob = final_videos_state(days.sync())
    blob["refresh_due"] = {"one.page": "yesterday", "three.pages": 7, "ghost": "2026-01-01T00:00:00Z"}
    days.state = StateBuilder().with_stream_state("videos", blob).build()
    output = days.sync()

    warnings = " ".join(m.log.message for m in output.logs if m.log.level.value == "WARN")
    assert "Repairing the saved state" in warnings
    assert sum(days.pages().values()) == 3, "one page per handle: nobody was made due at once"
    assert "ghost" not in final_videos_state(output)["refresh_due"]
