"""The weekly and monthly hashtag and sound rollups against an oracle written here from
tiktok__video_daily and the videos' groups, on real DuckDB and Postgres, after incremental builds
across a week's and a month's end. The rollups no longer read every video's every day of a period
(they sum int_socialfetch_tiktok__hashtag_days or tiktok__music_daily, and count a period's
videos from each video's first and last snapshot): this is the definition they must still keep.
Their gains are the sum of the daily gains of the videos with a day in the period, videos and
creators those videos counted, source_loaded_at the newest snapshot_extracted_at among those days.
The world has a video first seen mid-week, one gone mid-week (a read misses it) and one read every
other day (days carried forward)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from integration_tests.dbtkit.warehouses import DbtRun, Warehouse, worker_warehouse
from integration_tests.dbtkit.world import Sync, Video, create_streams, write_sync

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
DAY = timedelta(days=1)
FIRST = datetime(2026, 10, 27, 8, 0)  # a Tuesday: the syncs cross a week's end (Nov 2) and a month's (Nov 1)
ANN_1 = Video("ann", "a1", FIRST - 20 * DAY, hashtags=("dance", "fun"), music="m1")
ANN_2 = Video("ann", "a2", FIRST + 1 * DAY, hashtags=("dance",), music="m2")  # first listed on day 2
ANN_3 = Video("ann", "a3", FIRST - 40 * DAY, hashtags=("fun",), music="m1")  # gone after day 4
BOB_1 = Video("bob", "b1", FIRST - 9 * DAY, hashtags=("dance",), music="m1")  # read every other day
COUNTS = ("views", "likes", "comments", "shares", "saves")


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """Named per worker (dbtkit/warehouses.py, worker_warehouses): dbt's parse of the package is
    shared with the other dbt test files' tests on the worker."""
    yield from worker_warehouse(request.param, tmp_path_factory)


def sync(day: int) -> Sync:
    at = FIRST + day * DAY
    ann = {ANN_1: 100 + 30 * day}
    if day >= 2:
        ann[ANN_2] = 10 + 7 * day
    if day <= 4:
        ann[ANN_3] = 500 + 11 * day
    made = Sync(f"s{day}", at).read("ann", ann, None)
    if day % 2 == 0:
        made.read("bob", {BOB_1: 40 + 5 * day}, None)
    return made


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def expected(warehouse: Warehouse, group: str, period: Any) -> Dict[Tuple[Any, ...], Dict[str, Any]]:
    """The rollup of `group` ('hashtag': per handle; 'music': across handles) by `period`, from
    every video_daily row of the videos carrying it."""
    groups = {(r["handle"], r["video_id"]): r for r in warehouse.rows(
        f"SELECT * FROM {warehouse.target_schema}_int_socialfetch_tiktok.int_socialfetch_tiktok__video_groups")}
    found: Dict[Tuple[Any, ...], Dict[str, Any]] = defaultdict(
        lambda: {"videos": set(), "creators": set(), "loaded": None, **{c: 0 for c in COUNTS}})
    for row in warehouse.model("tiktok__video_daily"):
        video = groups[(row["handle"], row["video_id"])]
        keys: List[Tuple[Any, ...]]
        if group == "hashtag":
            tags = video["hashtags"]
            keys = [(row["handle"], tag) for tag in (json.loads(tags) if isinstance(tags, str) else tags)]
        else:
            keys = [(video["music_id"],)]
        for key in keys:
            into = found[(*key, period(row["date_day"]))]
            into["videos"].add((row["handle"], row["video_id"]))
            into["creators"].add(row["handle"])
            into["loaded"] = max(filter(None, [into["loaded"], row["snapshot_extracted_at"]]))
            for count in COUNTS:
                into[count] += row[f"{count}_gained"]
    return {key: {"videos": len(v["videos"]), "creators": len(v["creators"]), "source_loaded_at": v["loaded"],
                  **{f"{c}_gained": v[c] for c in COUNTS}} for key, v in found.items()}


def built(warehouse: Warehouse, model: str, key: List[str]) -> Dict[Tuple[Any, ...], Dict[str, Any]]:
    return {tuple(row[k] for k in key): row for row in warehouse.model(model)}


@pytest.mark.parametrize("warehouse", KINDS, indirect=True)
def test_given_incremental_builds_across_a_week_and_a_month_then_the_rollups_sum_every_day_of_their_videos(
        warehouse: Warehouse, tmp_path: Path) -> None:
    create_streams(warehouse)
    run = DbtRun(warehouse, tmp_path / "build")
    for day in range(9):
        write_sync(warehouse, sync(day))
        if day in (1, 4, 6, 8):  # a full build, then incremental ones
            run("build")

    for model, group, period, key in (
            ("tiktok__hashtag_weekly", "hashtag", week_start, ["handle", "hashtag", "week_start"]),
            ("tiktok__hashtag_monthly", "hashtag", month_start, ["handle", "hashtag", "month_start"]),
            ("tiktok__music_weekly", "music", week_start, ["music_id", "week_start"])):
        want, got = expected(warehouse, group, period), built(warehouse, model, key)
        assert sorted(got) == sorted(want), model
        columns = ["videos", "source_loaded_at", *(f"{c}_gained" for c in COUNTS)] + (["creators"] if group == "music" else [])
        for k, row in want.items():
            assert {c: got[k][c] for c in columns} == {c: row[c] for c in columns}, (model, k)
    assert len(built(warehouse, "tiktok__hashtag_weekly", ["handle", "hashtag", "week_start"])) == 6
