"""The dbt package on real DuckDB and Postgres, on destinations written by hand in the shapes the
loaders write (PyAirbyte's, and the Airbyte platform's Postgres final tables): a story of four
syncs with a video deleted, one re-listed, a count corrected down, a video without createdAt and
a profile turning private; its model rows are checked value by value, and dbt's data tests run
with every build."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from integration_tests.dbtkit.compared import Compared
from integration_tests.dbtkit.warehouses import (
    PLATFORM_POSTGRES,
    PYAIRBYTE_DUCKDB,
    PYAIRBYTE_POSTGRES,
    DbtRun,
    Warehouse,
    worker_warehouses,
)
from integration_tests.dbtkit.world import Sync, Video, create_streams, write_sync

D0 = datetime(2026, 11, 10)
DAY = timedelta(days=1)
S1, S2, S3, S4 = D0 + DAY + timedelta(hours=10), D0 + DAY + timedelta(hours=18), D0 + 3 * DAY + timedelta(hours=9), D0 + 4 * DAY + timedelta(hours=9)
DAYS = [date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 13), date(2026, 11, 14)]

V1 = Video("kim", "101", D0 - 10 * DAY, ("cooking", "pasta"))
V2 = Video("kim", "102", D0 - 2 * DAY, ("cooking",))  # deleted before sync 3
V3 = Video("kim", "103", None)  # no createdAt: only full reads (coveredFrom null) cover it
V4 = Video("kim", "104", D0 - 30 * DAY)  # TikTok corrects its count down
V5 = Video("kim", "105", D0 - 1 * DAY)  # missed by sync 3, listed again by sync 4
V6 = Video("kim", "106", D0 + 3 * DAY + timedelta(hours=8))  # published on day 3
G1 = Video("gone", "201", D0 - 5 * DAY)  # its profile turns private at sync 3
LOOKBACK = D0 - 7 * DAY


def story() -> List[Sync]:
    return [
        Sync("s1", S1).read("kim", {V1: 100, V2: 50, V3: 10, V4: 1000, V5: 20}, None)
        .read("gone", {G1: 500}, None).profile("kim", "found", 1000).profile("gone", "found", 50),
        Sync("s2", S2).read("kim", {V2: 60, V5: 20}, LOOKBACK).profile("kim", "found", 1010).profile("gone", "found", 50),
        Sync("s3", S3).read("kim", {V1: 130, V3: 12, V4: 990, V6: 5}, None)
        .empty_read("gone").profile("kim", "found", 1100).profile("gone", "private", 50),
        Sync("s4", S4).read("kim", {V5: 25, V6: 8}, LOOKBACK)
        .empty_read("gone").profile("kim", "found", 1150).profile("gone", "private", 50),
    ]


@pytest.fixture
def make_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Warehouse]]:
    yield from worker_warehouses(tmp_path_factory)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def story_built(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The story's four syncs, built once per warehouse for the tests that only read the models."""
    directory = tmp_path_factory.mktemp("story")
    factory = worker_warehouses(tmp_path_factory, "story")
    make = next(factory)
    warehouse = make(request.param, SHAPES[request.param])
    create_streams(warehouse)
    load(warehouse, story())
    DbtRun(warehouse, directory / "dbt")("build")
    yield warehouse
    next(factory, None)


SHAPES = {"duckdb": PYAIRBYTE_DUCKDB, "postgres": PYAIRBYTE_POSTGRES}


def load(warehouse: Warehouse, syncs: List[Sync], **kwargs: Any) -> None:
    for sync in syncs:
        write_sync(warehouse, sync, **kwargs)


def by_key(rows: List[Dict[str, Any]], *keys: str) -> Dict[Any, Dict[str, Any]]:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_given_four_syncs_when_built_then_videos_apply_the_availability_rule(story_built: Warehouse) -> None:
    warehouse = story_built

    videos = by_key(warehouse.model("tiktok__videos"), "video_id")
    assert set(videos) == {"101", "102", "103", "104", "105", "106", "201"}
    assert (videos["102"]["is_available"], videos["102"]["unavailable_since"], videos["102"]["unavailable_reason"]) == (False, S3, "not_listed")
    assert videos["102"]["last_seen_at"] == S2 and videos["102"]["views"] == 60
    assert (videos["105"]["is_available"], videos["105"]["unavailable_since"], videos["105"]["last_seen_at"]) == (True, None, S4)
    assert (videos["201"]["is_available"], videos["201"]["unavailable_since"], videos["201"]["unavailable_reason"]) == (False, S3, "private")
    for available in ("101", "103", "104", "106"):
        assert videos[available]["is_available"] is True and videos[available]["unavailable_since"] is None, available
    assert videos["103"]["created_at"] is None and videos["103"]["views"] == 12
    assert videos["104"]["views"] == 990  # corrected down: the latest count wins
    assert (videos["101"]["first_captured_at"], videos["101"]["last_captured_at"]) == (S1, S3)
    assert videos["101"]["engagement_rate"] == pytest.approx((13 + 1) / 130)
    assert (videos["101"]["music_id"], videos["101"]["music_title"]) == ("m1", "a sound")

    hashtags = by_key(warehouse.model("tiktok__hashtags"), "hashtag")
    assert (hashtags["cooking"]["videos"], hashtags["cooking"]["views"]) == (1, 130)  # 102 is gone: not counted
    assert hashtags["pasta"]["videos"] == 1


def test_given_irregular_snapshots_when_built_then_video_daily_carries_forward_and_gains_add_up(story_built: Warehouse) -> None:
    warehouse = story_built

    daily = warehouse.model("tiktok__video_daily", "handle, video_id, date_day")
    series = {}
    for row in daily:
        series.setdefault(row["video_id"], []).append((row["date_day"], row["views"], row["views_gained"], row["is_observed"]))
    assert series["101"] == [(DAYS[0], 100, 0, True), (DAYS[1], 100, 0, False), (DAYS[2], 130, 30, True)]
    assert series["102"] == [(DAYS[0], 60, 0, True)]  # two snapshots on day 1: the day ends on the later one
    assert series["104"] == [(DAYS[0], 1000, 0, True), (DAYS[1], 1000, 0, False), (DAYS[2], 990, -10, True)]
    assert series["105"] == [(DAYS[0], 20, 0, True), (DAYS[1], 20, 0, False), (DAYS[2], 20, 0, False), (DAYS[3], 25, 5, True)]
    for video_id, days in series.items():
        assert sum(d[2] for d in days) == days[-1][1] - days[0][1], video_id


def test_given_four_syncs_when_built_then_creator_daily_counts_available_videos_and_followers(story_built: Warehouse) -> None:
    warehouse = story_built

    rows = by_key(warehouse.model("tiktok__creator_daily"), "handle", "date_day")
    columns = ("videos_published", "videos_available", "views", "views_gained", "followers", "followers_gained")
    kim = [tuple(rows[("kim", d)][c] for c in columns) for d in DAYS]
    assert kim == [
        (0, 5, 100 + 60 + 10 + 1000 + 20, 0, 1010, None),  # nothing known before the first record
        (0, 5, 1190, 0, 1010, 0),
        (1, 4, 130 + 12 + 990 + 5, 30 + 2 - 10 + 0, 1100, 90),  # 102 and 105 missed by sync 3
        (0, 5, 130 + 12 + 990 + 25 + 8, 5 + 3, 1150, 50),  # 105 listed again
    ]
    gone = [tuple(rows[("gone", d)][c] for c in columns) for d in DAYS]
    assert gone == [(0, 1, 500, 0, 50, None), (0, 1, 500, 0, 50, 0), (0, 0, 0, 0, 50, 0), (0, 0, 0, 0, 50, 0)]


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_given_destination_loaded_before_030_by_pyairbyte_then_builds_and_availability_is_unknown(
    kind: str, make_warehouse: Any, tmp_path: Path,
) -> None:
    """No handle_reads table, no readId, no parsed fields, and profiles merged on their key (as
    PyAirbyte writes them): the models still build and say what they cannot know (is_available
    null) except where the profile says the videos are gone, and followers start at the one
    profiles record kept."""
    warehouse = make_warehouse(kind, SHAPES[kind])
    create_streams(warehouse, with_handle_reads=False, pre_030=True)
    load(warehouse, story(), with_handle_reads=False, merge_profiles=True)
    DbtRun(warehouse, tmp_path / "dbt")("build")

    videos = by_key(warehouse.model("tiktok__videos"), "video_id")
    assert {v: videos[v]["is_available"] for v in videos} == {
        "101": None, "102": None, "103": None, "104": None, "105": None, "106": None, "201": False}
    assert videos["101"]["hashtags"] is None and videos["101"]["music_id"] is None
    rows = by_key(warehouse.model("tiktok__creator_daily"), "handle", "date_day")
    assert rows[("kim", DAYS[2])]["videos_available"] == 6  # no read can say 102 vanished
    assert [(rows[("kim", d)]["followers"], rows[("kim", d)]["followers_gained"]) for d in DAYS] == [
        (None, None), (None, None), (None, None), (1150, None)]  # merged: no gain is known


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_given_empty_tables_when_built_then_every_model_is_empty(kind: str, make_warehouse: Any, tmp_path: Path) -> None:
    warehouse = make_warehouse(kind, SHAPES[kind])
    create_streams(warehouse)
    DbtRun(warehouse, tmp_path / "dbt")("build")
    for model in ("tiktok__videos", "tiktok__video_daily", "tiktok__creator_daily", "tiktok__hashtags"):
        assert warehouse.model(model) == [], model


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_given_one_more_sync_when_built_incrementally_then_only_new_days_are_rebuilt_and_rows_equal_a_full_rebuild(
    kind: str, make_warehouse: Any, tmp_path: Path,
) -> None:
    warehouse = make_warehouse(kind, SHAPES[kind])
    create_streams(warehouse)
    syncs = story()
    load(warehouse, syncs[:3])
    dbt = DbtRun(warehouse, tmp_path / "dbt")
    dbt("build")
    # A mark on a day the next sync cannot change: an incremental build must leave it alone.
    schema = warehouse.target_schema
    warehouse.execute(f"UPDATE {schema}.tiktok__video_daily SET likes = -7 WHERE video_id = '104' AND date_day = DATE '2026-11-11'")
    warehouse.execute(f"UPDATE {schema}.tiktok__creator_daily SET videos_published = 99 WHERE handle = 'kim' AND date_day = DATE '2026-11-11'")

    load(warehouse, syncs[3:])
    dbt("build")
    daily_order, creator_order = "handle, video_id, date_day", "handle, date_day"
    incremental = (warehouse.model("tiktok__video_daily", daily_order), warehouse.model("tiktok__creator_daily", creator_order))
    marked_daily = [r for r in incremental[0] if r["video_id"] == "104" and r["date_day"] == DAYS[0]]
    assert marked_daily[0]["likes"] == -7, "the incremental build rewrote a day it had no new snapshot for"
    assert by_key(incremental[1], "handle", "date_day")[("kim", DAYS[0])]["videos_published"] == 99

    dbt("build", "--full-refresh")
    full = (warehouse.model("tiktok__video_daily", daily_order), warehouse.model("tiktok__creator_daily", creator_order))
    unmark = lambda rows, key, column, fixed: [{**r, column: fixed} if key(r) else r for r in rows]  # noqa: E731
    assert unmark(incremental[0], lambda r: r["video_id"] == "104" and r["date_day"] == DAYS[0], "likes", 100) == full[0]
    assert unmark(incremental[1], lambda r: r["handle"] == "kim" and r["date_day"] == DAYS[0], "videos_published", 0) == full[1]


@pytest.mark.parametrize("kind, before_030", [("duckdb", False), ("postgres", False), ("duckdb", True)],
                         ids=["duckdb", "postgres", "duckdb-loaded-before-030"])
def test_given_a_build_after_every_sync_then_every_table_equals_a_full_rebuild(
    kind: str, before_030: bool, make_warehouse: Any, tmp_path: Path,
) -> None:
    """dbt build after each sync of the story (the second lands on the day the first built: that day
    is rebuilt), then once with nothing new; after each, a full rebuild of the same streams into
    another schema has the same rows in every table, the incremental ones included (after the
    build with nothing new, the last rebuild: dbtkit/compared.py)."""
    compared = Compared(make_warehouse(kind, SHAPES[kind]), tmp_path)
    create_streams(compared.warehouse, with_handle_reads=not before_030, pre_030=before_030)
    for sync in story():
        compared.load(sync, with_handle_reads=not before_030)
        compared.build_and_compare()
    expected = compared.build_unchanged()
    assert len(expected["tiktok__video_daily"]) == 17 and expected["tiktok__creator_daily"]
    misses = [r for r in expected["int_socialfetch_tiktok__read_misses"] if r["read_id"] is not None]  # not the checkpoint
    assert bool(misses) is not before_030


def test_given_platform_postgres_final_tables_then_same_rows_as_pyairbyte(make_warehouse: Any, tmp_path: Path) -> None:
    """The platform's Postgres destination keeps the API's column names (quoted createdAt), jsonb and
    timestamptz: with socialfetch_column_case source the models give the same rows."""
    results = []
    for shape in (PYAIRBYTE_POSTGRES, PLATFORM_POSTGRES):
        warehouse = make_warehouse("postgres", shape)
        create_streams(warehouse)
        load(warehouse, story())
        DbtRun(warehouse, tmp_path / shape.name)("build")
        results.append([warehouse.model(m, o) for m, o in (("tiktok__videos", "handle, video_id"),
                                                          ("tiktok__creator_daily", "handle, date_day"))])
    pyairbyte, platform = results
    assert platform[1] == pyairbyte[1]
    strip_json = lambda rows: [{k: v for k, v in r.items() if k not in ("hashtags", "mentions")} for r in rows]  # noqa: E731
    assert strip_json(platform[0]) == strip_json(pyairbyte[0])
    assert [r["hashtags"] for r in platform[0] if r["video_id"] == "101"] == [["cooking", "pasta"]]  # jsonb, decoded


def test_given_a_destination_loaded_by_030_with_a_mid_list_claim_then_the_rule_as_written_judges_it_and_a_later_listing_wins(
        make_warehouse: Any, tmp_path: Path) -> None:
    """handle_reads rows as 0.3.0 wrote them: p2 went on mid-list (a budget-cut read resumed) and still
    claimed a range, though no part of p2 read the first page, where the pinned `pin` was listed
    (0.4.0 writes null bounds there). The models apply the contract's rule as written, with no
    condition of their own: p2's claim counts, and the first later read that lists a video it judged
    (p3, from the top) makes it available again, so the answers after p3 are right."""
    pinned = Video("pin", "301", D0 - 20 * DAY)  # old and pinned: first on page 1
    gone = Video("pin", "302", D0 - 15 * DAY)  # deleted before the mid-list sync
    kept = Video("pin", "303", D0 - 12 * DAY)
    t1, t2, t3 = D0 + DAY, D0 + 2 * DAY, D0 + 3 * DAY
    syncs = [
        Sync("p1", t1).read("pin", {pinned: 10, gone: 20, kept: 30}, None),
        # 0.3.0: only a part that began mid-list, claiming up to its first page's newest video `kept`.
        Sync("p2", t2).read("pin", {kept: 31}, None, covered_to=kept.created_at),
        Sync("p3", t3).read("pin", {pinned: 12, kept: 32}, None),
    ]
    warehouse = make_warehouse("duckdb", PYAIRBYTE_DUCKDB)
    create_streams(warehouse)
    load(warehouse, syncs)
    DbtRun(warehouse, tmp_path / "dbt")("build")

    misses = {(r["video_id"], r["sync_id"]) for r in warehouse.rows(
        f"SELECT * FROM {warehouse.target_schema}_int_socialfetch_tiktok.int_socialfetch_tiktok__read_misses WHERE read_id IS NOT NULL")}
    # 302's miss in p3 is not kept: p2's, with no snapshot of 302 between, is the first of that gap.
    assert misses == {("301", "p2"), ("302", "p2")}, "p2's claim is judged as written"
    videos = by_key(warehouse.model("tiktok__videos"), "video_id")
    assert videos["301"]["is_available"] is True and videos["301"]["unavailable_since"] is None
    assert (videos["302"]["is_available"], videos["302"]["unavailable_since"]) == (False, t2)
    assert videos["303"]["is_available"] is True


def test_given_the_four_streams_when_source_freshness_runs_then_each_is_checked_on_its_load_time(
        story_built: Warehouse, tmp_path: Path) -> None:
    """src_socialfetch_tiktok.yml declares the four streams where the vars say they are:
    `dbt source freshness` reads each one's newest _airbyte_extracted_at (the story's last sync,
    long past: a warning, not an error)."""
    result = DbtRun(story_built, tmp_path / "freshness")("source", "freshness", expect_success=False)
    checked = {r.node.name: (str(r.status), r.max_loaded_at.replace(tzinfo=None)) for r in result.result.results
               if r.node.resource_type == "source"}  # not the package's on-run-start hook
    assert checked == {stream: ("warn", S4) for stream in ("videos", "video_stats", "handle_reads", "profiles")}
