"""`handle_reads`: one record per handle per read part per sync, whose coverage claims hold against
the emulator's truth (`assert_claims_hold`, run on every sync of every test here)."""

from __future__ import annotations

import collections
import json
import threading
import time

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, ConfiguredAirbyteCatalogSerializer

from integration_tests.harness import config, stream_events
from integration_tests.launcher import run_connector
from integration_tests.syncs import (
    PAGE,
    Syncs,
    assert_claims_hold,
    covers,
    reads_catalog,
    reads_of,
    rows,
    three_creators,
)
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.timeutil import parse_instant


@pytest.fixture
def world(make_emulator) -> Emulator:
    return three_creators(make_emulator(dataset="empty"))


def test_given_a_first_sync_then_each_handle_has_one_read_that_covers_its_whole_list(world):
    world.add_handle("pinned.three", 70, pinned=3)
    world.add_handle("undated", 40, null_created=4)
    handles = ["one.page", "three.pages", "six.pages", "pinned.three", "undated"]
    syncs = Syncs(world, handles, concurrency=3)
    output = syncs.sync()

    reads = reads_of(output)
    assert sorted(r["handle"] for r in reads) == sorted(handles)
    assert len({r["readId"] for r in reads}) == len(reads) and len({r["syncId"] for r in reads}) == 1
    videos = collections.Counter(r["handle"] for r in rows(output, "videos"))
    pages = syncs.pages()
    for read in reads:
        assert read["part"] == "incremental" and read["outcome"] == "completed"
        assert read["pages"] == pages[read["handle"]] and read["videos"] == videos[read["handle"]]
        assert read["coveredFrom"] is None and read["coveredTo"] == read["startedAt"] == syncs.emu.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert parse_instant(read["startedAt"]) <= parse_instant(read["endedAt"])
    by_read = {r["readId"]: r["handle"] for r in reads}
    assert all(by_read[s["readId"]] == s["handle"] for s in rows(output, "video_stats"))
    # Undated videos are covered (coveredFrom null) and were all read.
    assert assert_claims_hold(world, output) == sum(len(world.videos(h)) for h in handles)


def test_given_a_lookback_then_the_read_covers_down_to_its_oldest_video_and_a_deleted_video_in_it_is_told(world):
    syncs = Syncs(world, ["six.pages"], lookback_window_days=30)
    syncs.sync()
    world.advance(1)
    second = syncs.sync()
    read = reads_of(second)[0]
    emitted = [parse_instant(v["createdAt"]) for v in rows(second, "videos")]
    assert read["coveredFrom"] is not None and parse_instant(read["coveredFrom"]) == min(emitted)
    listed = world.videos("six.pages")
    older = [v for v in listed if parse_instant(v["createdAt"]) < parse_instant(read["coveredFrom"])]
    assert older, "the lookback read must not cover the whole history, or this test proves nothing"

    inside = next(v for v in listed if covers(read, parse_instant(v["createdAt"])))
    world.delete_video("six.pages", inside["id"])
    world.delete_video("six.pages", older[0]["id"])
    world.advance(1)
    third = syncs.sync()
    read = reads_of(third)[0]
    stats = {s["id"] for s in rows(third, "video_stats")}
    # The rule finds the deleted video inside the coverage, and says nothing of the one outside it.
    assert covers(read, parse_instant(inside["createdAt"])) and inside["id"] not in stats
    assert not covers(read, parse_instant(older[0]["createdAt"]))


def test_given_a_budget_then_cut_reads_cover_the_pages_they_read_and_unreached_ones_cover_nothing(world):
    syncs = Syncs(world, ["six.pages", "three.pages", "one.page"], concurrency=1, max_credits_per_sync=4)
    output = syncs.sync()
    reads = {r["handle"]: r for r in reads_of(output)}
    assert reads["six.pages"]["outcome"] == "budget" and reads["six.pages"]["pages"] == 4
    assert reads["six.pages"]["coveredFrom"] is not None
    assert reads["one.page"]["outcome"] == "budget" and reads["one.page"]["pages"] == 0
    assert reads["one.page"]["coveredTo"] is None and reads["one.page"]["startedAt"] is None

    # The next sync goes on from the saved position, below the top: no part of it read the first page,
    # where a video pinned since is listed, so it claims nothing (0.4.0), though it read pages.
    second = syncs.sync()
    read = next(r for r in reads_of(second) if r["handle"] == "six.pages")
    assert read["pages"] > 0 and read["startedAt"] is not None
    assert (read["coveredFrom"], read["coveredTo"]) == (None, None)


def test_given_a_private_profile_then_its_read_is_empty_and_covers_nothing(world):
    world.add_handle("hidden", 20, private=True)
    output = Syncs(world, ["hidden", "one.page"]).sync()
    read = reads_of(output, "hidden")[0]
    assert (read["outcome"], read["pages"], read["videos"], read["coveredFrom"], read["coveredTo"]) == ("empty", 1, 0, None, None)


def test_given_a_due_refresh_then_it_has_a_part_of_its_own_covering_from_its_first_pages_newest_video(world):
    syncs = Syncs(world, ["six.pages"], stats_refresh_days=1, lookback_window_days=0)
    syncs.sync()
    for _ in range(3):
        world.advance(1)
        world.publish("six.pages", 2)
        output = syncs.sync()
        if len(reads_of(output)) == 2:
            break
    else:
        pytest.fail("six.pages was never refreshed")
    parts = {r["part"]: r for r in reads_of(output)}
    incremental, refresh = parts["incremental"], parts["refresh"]
    assert refresh["coveredFrom"] is None and refresh["outcome"] == "completed"
    refreshed = [parse_instant(s["createdAt"]) for s in rows(output, "video_stats") if s["readId"] == refresh["readId"]]
    assert parse_instant(refresh["coveredTo"]) == max(refreshed)
    assert incremental["coveredTo"] == incremental["startedAt"]
    assert {s["readId"] for s in rows(output, "video_stats")} == {incremental["readId"], refresh["readId"]}
    assert incremental["pages"] + refresh["pages"] == syncs.pages()["six.pages"]


def test_given_popular_order_then_only_a_list_read_whole_on_one_page_is_claimed(world):
    syncs = Syncs(world, ["one.page", "three.pages"], sort_by="popular")
    output = syncs.sync(reads_catalog("full_refresh"), sort="popular")
    reads = {r["handle"]: r for r in reads_of(output)}
    assert all(r["part"] == "full_refresh" for r in reads.values())
    assert reads["one.page"]["coveredFrom"] is None and reads["one.page"]["coveredTo"] == reads["one.page"]["startedAt"]
    assert reads["three.pages"]["coveredTo"] is None and reads["three.pages"]["pages"] == 3


def test_given_start_date_in_a_full_refresh_then_coverage_stops_at_the_oldest_video_read(world):
    listed = world.videos("three.pages")
    start = listed[40]["createdAt"]
    output = Syncs(world, ["three.pages"], start_date=start).sync(reads_catalog("full_refresh"))
    read = reads_of(output)[0]
    assert read["outcome"] == "completed" and parse_instant(read["coveredFrom"]) == parse_instant(start)


def test_given_max_videos_per_handle_then_a_capped_read_covers_what_it_emitted(world):
    syncs = Syncs(world, ["six.pages"], max_videos_per_handle=40)
    output = syncs.sync()
    read = reads_of(output)[0]
    assert read["outcome"] == "capped" and read["pages"] == 2 and read["videos"] == 2 * PAGE
    full = Syncs(world, ["six.pages"], max_videos_per_handle=40).sync(reads_catalog("full_refresh"))
    read = reads_of(full)[0]
    assert read["outcome"] == "capped" and read["videos"] == 40 and read["coveredFrom"] is not None


def test_given_a_video_deleted_while_the_read_pages_then_no_listed_video_in_its_coverage_is_missed(world):
    handle = "six.pages"
    listed = world.videos(handle)
    world.inject("latency", handle=handle, skip=1, times=1, delay_ms=1500)  # page 2 waits

    def delete_meanwhile() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(r.route == "videos" and r.status == 200 for r in world.requests):
            time.sleep(0.01)
        world.delete_video(handle, listed[3]["id"])  # already read on page 1
        world.delete_video(handle, listed[PAGE + 2]["id"])  # on page 2, not served yet

    deleter = threading.Thread(target=delete_meanwhile)
    deleter.start()
    output = Syncs(world, [handle]).sync()
    deleter.join()
    ids = {v["id"] for v in rows(output, "videos")}
    assert listed[3]["id"] in ids and listed[PAGE + 2]["id"] not in ids
    assert len(ids) == len(listed) - 1  # the list shifted, and no video was skipped


def test_given_handle_reads_without_videos_then_a_config_error_says_to_select_videos(world):
    output = Syncs(world, ["one.page"]).sync(reads_catalog(videos=None, stats=False), expect_failure=True, check=False)
    assert output.errors and "select videos too" in output.errors[-1].trace.error.message
    assert not world.requests


def test_given_handle_reads_then_it_costs_no_request_and_its_records_come_before_its_complete(world):
    handles = ["one.page", "three.pages", "six.pages"]
    without = Syncs(world, handles, concurrency=4)
    without.sync(reads_catalog(reads=False), check=False)
    requests_without = sorted((r.handle, r.query.get("cursor", "")) for r in world.requests)
    output = Syncs(world, handles, concurrency=4).sync()
    assert sorted((r.handle, r.query.get("cursor", "")) for r in world.requests) == requests_without

    events = stream_events(output, "handle_reads")
    assert events[0] == AirbyteStreamStatus.STARTED.name and events[-1] == AirbyteStreamStatus.COMPLETE.name
    assert events.count("record") == 3 and events.index("RUNNING") < events.index("record")


def test_given_pinned_videos_older_than_start_date_then_a_list_read_to_its_end_still_claims_no_more_than_it_read(world):
    world.add_handle("pinned.old", 20, pinned=2)
    regular = [v for v in world.videos("pinned.old") if not v["pinned"]]
    start = min(v["createdAt"] for v in regular)
    output = Syncs(world, ["pinned.old"], start_date=start).sync()
    read = reads_of(output)[0]
    assert read["pages"] == 1 and read["videos"] == len(regular)  # the pinned ones are older than start_date
    assert parse_instant(read["coveredFrom"]) == parse_instant(start)  # not null: the pinned videos were listed and left out


def test_given_a_read_killed_mid_part_then_only_parts_that_ended_have_a_record_and_their_claims_hold(world, tmp_path):
    handles = ["one.page", "three.pages", "six.pages"]
    (tmp_path / "config.json").write_text(json.dumps(config(world.base_url, handles, concurrency=1)))
    (tmp_path / "catalog.json").write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(reads_catalog())))
    args = ["read", "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    # one.page and three.pages end (4 pages: 220 videos and stats lines, 2 reads); six.pages is killed on its third page
    killed = run_connector(args, kill_after_records=2 * (25 + 85) + 2 + 2 * 2 * PAGE + 10)
    assert killed.killed
    reads = killed.records("handle_reads")
    assert sorted(r["handle"] for r in reads) == ["one.page", "three.pages"]
    seen = {(s["handle"], s["id"]) for s in killed.records("video_stats")}
    for read in reads:
        assert read["coveredFrom"] is None
        assert all((read["handle"], v["id"]) in seen for v in world.videos(read["handle"]))
