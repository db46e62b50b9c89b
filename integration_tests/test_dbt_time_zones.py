"""No model depends on the session's time zone: the package built on DuckDB and Postgres with the
session in America/Los_Angeles or Asia/Kolkata (a full build, then an incremental one after
another sync) gives the same rows, in every table it builds, as a build of the same records with
the session in UTC. The world's syncs and videos sit near UTC midnight (dbtkit/near_midnight.py),
so a timestamp read in the session's zone lands on another day.

The session's zone is set as a user would: DuckDB's TimeZone in the dbt profile's settings,
Postgres's by libpq's PGTZ. Snowflake: test_dbt_snowflake.py (fakesnow ignores the session's
zone, so there the compiled SQL is checked against the columns' types)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional
from unittest import mock

import pytest
import yaml

from integration_tests.dbtkit.near_midnight import two_syncs
from integration_tests.dbtkit.warehouses import (
    PLATFORM_POSTGRES,
    PYAIRBYTE_DUCKDB,
    DbtRun,
    Shape,
    Warehouse,
)
from integration_tests.dbtkit.world import create_streams, write_sync

pytestmark = pytest.mark.slow

LOS_ANGELES, KOLKATA = "America/Los_Angeles", "Asia/Kolkata"


class ZonedDbtRun(DbtRun):
    """DbtRun with every session of dbt's in `zone`."""

    def __init__(self, warehouse: Warehouse, workdir: Path, zone: str) -> None:
        super().__init__(warehouse, workdir)
        self.zone = zone
        profile = warehouse.profile()
        if warehouse.kind == "duckdb":
            profile["socialfetch_tiktok"]["outputs"]["test"]["settings"] = {"TimeZone": zone}
        (workdir / "profiles.yml").write_text(yaml.safe_dump(profile))

    def __call__(self, *args: str, extra_vars: Optional[dict] = None, expect_success: bool = True) -> Any:
        # libpq reads PGTZ when dbt-postgres connects; DuckDB ignores it (its zone is in the profile).
        with mock.patch.dict(os.environ, {"PGTZ": self.zone}):
            return super().__call__(*args, extra_vars=extra_vars, expect_success=expect_success)

    def session_zone(self) -> str:
        """The TimeZone a session of dbt's has, asked through dbt itself."""
        result = self("show", "--inline", "select current_setting('TimeZone') as zone")
        return str(result.result.results[0].agate_table.rows[0][0])


@pytest.fixture
def warehouse_for(tmp_path: Path) -> Iterator[Callable[[str, Shape], Warehouse]]:
    made: List[Warehouse] = []

    def make(kind: str, shape: Shape) -> Warehouse:
        suffix = uuid.uuid4().hex[:8]
        warehouse = (Warehouse("duckdb", "main", "zones", shape, path=tmp_path / f"{suffix}.duckdb") if kind == "duckdb"
                     else Warehouse("postgres", f"dbt_tz_src_{suffix}", f"dbt_tz_out_{suffix}", shape))
        made.append(warehouse)
        return warehouse

    yield make
    for warehouse in made:
        warehouse.drop()


# One zone each is enough to show a dependency: the world has instants in the first half hour of a
# UTC day (Los Angeles puts them on the day before) and in its last hours (Kolkata, the day after).
@pytest.mark.parametrize("kind, shape, zone", [
    pytest.param("duckdb", PYAIRBYTE_DUCKDB, LOS_ANGELES, id="duckdb-pyairbyte-los-angeles"),  # TIMESTAMP without zone
    # timestamptz (the platform's Postgres destination): the session's zone meets every value
    pytest.param("postgres", PLATFORM_POSTGRES, KOLKATA, id="postgres-platform-kolkata", marks=pytest.mark.postgres),
])
def test_given_a_session_zone_other_than_utc_when_built_full_then_incremental_then_every_table_equals_the_utc_build(
        kind: str, shape: Shape, zone: str, warehouse_for: Callable[[str, Shape], Warehouse], tmp_path: Path) -> None:
    warehouse = warehouse_for(kind, shape)
    create_streams(warehouse)
    zoned = ZonedDbtRun(warehouse.beside(f"{warehouse.target_schema}_zoned"), tmp_path / "zoned", zone)
    assert zoned.session_zone() == zone, "the session's zone was not set: this test would prove nothing"
    for sync in two_syncs():  # a full build, then an incremental one
        write_sync(warehouse, sync)
        zoned("build")
    ZonedDbtRun(warehouse, tmp_path / "utc", "UTC")("build")  # the reference: the same records, in UTC
    expected, built = warehouse.built_tables(), zoned.warehouse.built_tables()
    assert expected["tiktok__creator_daily"] and expected["tiktok__video_daily"] and expected["tiktok__videos"]
    for table in expected:
        assert built[table] == expected[table], f"{table} built with the session in {zone} ({kind}, {shape.name} layout)"
