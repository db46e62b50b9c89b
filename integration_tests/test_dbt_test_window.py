"""Data tests on a window (macros/test_window.sql), on real DuckDB and Postgres: with
socialfetch_test_window_days N a generic test checks only its model's newest N days of loads, so a
bad row loaded long ago passes unseen and one loaded in the window fails; with 0 (the full-test
mode the integration tests run) every row is checked."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from integration_tests.dbtkit.warehouses import PYAIRBYTE_DUCKDB, PYAIRBYTE_POSTGRES, DbtRun, Warehouse
from integration_tests.dbtkit.world import Sync, Video, create_streams, write_sync

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
DAY = timedelta(days=1)
T = datetime(2026, 11, 12, 8, 0)
CLIP = Video("ann", "a1", T - 30 * DAY)
TESTED = "stg_socialfetch_tiktok__video_stats"
UNIQUE = "socialfetch_tiktok_socialfetch_unique_combination_stg_socialfetch_tiktok__video_stats_source_relation__handle__video_id__captured_at"


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "duckdb":
        made = Warehouse("duckdb", "main", "analytics", PYAIRBYTE_DUCKDB, path=tmp_path / "window.duckdb")
    else:
        suffix = uuid.uuid4().hex[:8]
        made = Warehouse("postgres", f"tw_src_{suffix}", f"tw_out_{suffix}", PYAIRBYTE_POSTGRES)
    yield made
    made.drop()


def duplicate_snapshot_loaded_at(warehouse: Warehouse, sync_at: datetime) -> None:
    """A second, different record of the snapshot loaded with the sync at `sync_at`: the staging
    uniqueness test's failure, loaded when that sync was."""
    stats = f"{warehouse.source_schema}.video_stats"
    warehouse.execute(
        f"CREATE TEMP TABLE twin AS SELECT * FROM {stats} WHERE capturedat = '{sync_at.isoformat(sep=' ')}'",
        "UPDATE twin SET views = views + 1, _airbyte_raw_id = _airbyte_raw_id || '-twin'",
        f"INSERT INTO {stats} SELECT * FROM twin")


def failed_tests(warehouse: Warehouse, workdir: Path, days: int) -> List[str]:
    result: Any = DbtRun(warehouse, workdir)("test", "--select", TESTED, expect_success=False,
                                             extra_vars={"socialfetch_test_window_days": days})
    return sorted(r.node.name for r in result.result.results if str(r.status) == "fail")


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
