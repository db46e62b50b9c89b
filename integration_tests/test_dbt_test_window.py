"""Data tests on a window (macros/test_window.sql), on real DuckDB and Postgres: with
socialfetch_test_window_days N a test checks only its model's newest N days, so a bad row long
before them passes unseen and one inside them fails; with 0 (the full-test mode the integration
tests run) every row is checked. The staging view's generic tests and the singular test of
tiktok__video_daily are checked both ways, and the window reaches the SQL as a constant, which lets
the warehouse skip the older rows (on the view: down in the raw table)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from integration_tests.dbtkit.warehouses import DbtRun, Warehouse, worker_warehouse
from integration_tests.dbtkit.world import Sync, Video, create_streams, write_sync

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
DAY = timedelta(days=1)
T = datetime(2026, 11, 12, 8, 0)
CLIP = Video("ann", "a1", T - 30 * DAY)
TESTED = "stg_socialfetch_tiktok__video_stats"
UNIQUE = "socialfetch_tiktok_socialfetch_unique_combination_stg_socialfetch_tiktok__video_stats_source_relation__handle__video_id__captured_at"
GAINS = "assert_video_daily_gains_add_up"


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """Named per worker (dbtkit/warehouses.py, worker_warehouses): the tests after the first on a
    worker reuse dbt's parse of the package, for each window."""
    yield from worker_warehouse(request.param, tmp_path_factory)


def duplicate_snapshot_loaded_at(warehouse: Warehouse, sync_at: datetime) -> None:
    """A second, different record of the snapshot loaded with the sync at `sync_at`: the staging
    uniqueness test's failure, loaded when that sync was."""
    stats = f"{warehouse.source_schema}.video_stats"
    warehouse.execute(
        f"CREATE TEMP TABLE twin AS SELECT * FROM {stats} WHERE capturedat = '{sync_at.isoformat(sep=' ')}'",
        "UPDATE twin SET views = views + 1, _airbyte_raw_id = _airbyte_raw_id || '-twin'",
        f"INSERT INTO {stats} SELECT * FROM twin")


def run_data_tests(warehouse: Warehouse, workdir: Path, days: int, select: str) -> List[Any]:
    result: Any = DbtRun(warehouse, workdir)("test", "--select", select, expect_success=False,
                                             extra_vars={"socialfetch_test_window_days": days})
    return [r for r in result.result.results if r.node.resource_type == "test"]


def failed_tests(warehouse: Warehouse, workdir: Path, days: int, select: str = TESTED) -> List[str]:
    return sorted(r.node.name for r in run_data_tests(warehouse, workdir, days, select) if str(r.status) == "fail")


@pytest.mark.parametrize("warehouse", KINDS, indirect=True)
def test_given_a_window_then_the_tests_check_the_newest_loads_and_the_full_mode_every_row(
        warehouse: Warehouse, tmp_path: Path) -> None:
    create_streams(warehouse)
    old, new = T - 10 * DAY, T
    write_sync(warehouse, Sync("s1", old).read("ann", {CLIP: 10}, None), extracted_at=old)
    write_sync(warehouse, Sync("s2", new).read("ann", {CLIP: 20}, None), extracted_at=new)
    DbtRun(warehouse, tmp_path / "build")("build")  # the full mode: every test passes

    duplicate_snapshot_loaded_at(warehouse, old)
    assert failed_tests(warehouse, tmp_path / "window", 3) == [], "loaded 10 days before the newest: outside"
    assert failed_tests(warehouse, tmp_path / "full", 0) == [UNIQUE], "the full-test mode checks every row"

    duplicate_snapshot_loaded_at(warehouse, new)
    assert failed_tests(warehouse, tmp_path / "window", 3) == [UNIQUE], "loaded in the window: checked"


@pytest.mark.parametrize("warehouse", KINDS, indirect=True)
def test_given_a_window_then_the_view_is_tested_on_a_constant_bound_read_from_its_raw_table(
        warehouse: Warehouse, tmp_path: Path) -> None:
    """The window's start is written into the test's SQL (the newest load, T, read from the raw
    table): no subquery of the view's newest value, which would de-duplicate every snapshot."""
    create_streams(warehouse)
    write_sync(warehouse, Sync("s1", T - 10 * DAY).read("ann", {CLIP: 10}, None))
    write_sync(warehouse, Sync("s2", T).read("ann", {CLIP: 20}, None))
    DbtRun(warehouse, tmp_path / "build")("build")

    runs = run_data_tests(warehouse, tmp_path / "window", 3, TESTED)
    assert runs and all(str(r.status) == "pass" for r in runs)
    for run in runs:
        sql = " ".join(run.node.compiled_code.split())
        assert "extracted_at >= cast('2026-11-10 00:00:00' as timestamp)" in sql, run.node.name
        assert "max(" not in sql.lower(), run.node.name
    assert all("extracted_at >=" not in r.node.compiled_code for r in run_data_tests(warehouse, tmp_path / "full", 0, TESTED))


def corrupt_gain(warehouse: Warehouse, day: datetime) -> None:
    """tiktok__video_daily's views_gained on `day` one more than the views say."""
    warehouse.execute(f"UPDATE {warehouse.target_schema}.tiktok__video_daily SET views_gained = views_gained + 1 "
                      f"WHERE date_day = '{day.date().isoformat()}'")


@pytest.mark.parametrize("warehouse", KINDS, indirect=True)
def test_given_a_window_then_the_daily_gains_test_checks_its_days_and_the_full_mode_every_day(
        warehouse: Warehouse, tmp_path: Path) -> None:
    """The window of 3 days ends on T's day: it begins at T - 2 days, and the gains from there add
    up against the day before (T - 3 days, itself a day with a gain, outside)."""
    create_streams(warehouse)
    for sync_id, at, views in (("s1", T - 10 * DAY, 10), ("s2", T - 3 * DAY, 15), ("s3", T, 20)):
        write_sync(warehouse, Sync(sync_id, at).read("ann", {CLIP: views}, None))
    DbtRun(warehouse, tmp_path / "build")("build")
    assert failed_tests(warehouse, tmp_path / "window", 3, GAINS) == [], "the day before the window is not counted"

    corrupt_gain(warehouse, T - 8 * DAY)
    corrupt_gain(warehouse, T - 3 * DAY)
    assert failed_tests(warehouse, tmp_path / "window", 3, GAINS) == [], "days before the window: outside"
    assert failed_tests(warehouse, tmp_path / "full", 0, GAINS) == [GAINS], "the full-test mode checks every day"

    corrupt_gain(warehouse, T - 2 * DAY)
    assert failed_tests(warehouse, tmp_path / "window", 3, GAINS) == [GAINS], "the window's first day: checked"


@pytest.mark.parametrize("warehouse", KINDS, indirect=True)
def test_given_a_window_then_a_video_gone_since_is_tested_though_last_seen_before_it(
        warehouse: Warehouse, tmp_path: Path) -> None:
    """A video last listed long ago that a read of the window missed: its availability changed in
    the latest build, so the tests of the availability and of tiktok__videos check its row (their
    window runs on when the row's state last changed: unavailable_since, else last_seen_at)."""
    gone = Video("ann", "a2", T - 30 * DAY)
    create_streams(warehouse)
    write_sync(warehouse, Sync("s1", T - 10 * DAY).read("ann", {CLIP: 10, gone: 5}, None))
    write_sync(warehouse, Sync("s2", T).read("ann", {CLIP: 20}, None))
    DbtRun(warehouse, tmp_path / "build")("build")
    schema = warehouse.target_schema
    warehouse.execute(f"UPDATE {schema}_int_socialfetch_tiktok.int_socialfetch_tiktok__video_availability "
                      "SET unavailable_reason = 'bogus' WHERE video_id = 'a2' AND unavailable_reason = 'not_listed'",
                      f"UPDATE {schema}.tiktok__videos SET views = -1 WHERE video_id = 'a2' AND is_available = false")
    selected = "int_socialfetch_tiktok__video_availability tiktok__videos"
    failed = [r.node.name for r in run_data_tests(warehouse, tmp_path / "window", 3, selected) if str(r.status) == "fail"]
    assert any(name.startswith("accepted_values_int_socialfetch_tiktok__video_availability") for name in failed), failed
    assert any("not_negative_tiktok__videos_views" in name for name in failed), failed
