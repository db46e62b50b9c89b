"""A warehouse whose models are built incrementally, load by load, and compared after every build
with a full rebuild of the same raw tables into a schema beside it.

The rebuild is `dbt run --full-refresh`, not `dbt build`: its tables are asserted equal to the
incremental ones, so the data tests the incremental `dbt build` runs hold on its rows too, and
running them twice per load proved nothing more (it was about half of a rebuild's time). A build
with nothing new loaded is compared with the last rebuild: a rebuild of unchanged raw tables gives
the same rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

from integration_tests.dbtkit.warehouses import DbtRun, Warehouse
from integration_tests.dbtkit.world import Sync, write_sync

Tables = Dict[str, List[Dict[str, Any]]]


class Compared:
    """`warehouse` built by `dbt build` in `workdir/dbt`, its reference in `<target>_full` by
    `workdir/rebuild`; each keeps its own target path, so dbt's partial parsing serves every build
    after the first."""

    def __init__(self, warehouse: Warehouse, workdir: Path, dbt_vars: Optional[Dict[str, Any]] = None) -> None:
        self.warehouse = warehouse
        self.dbt_vars = dbt_vars  # the incremental builds' extra vars (the rebuild runs without them)
        self.rebuilt = warehouse.beside(f"{warehouse.target_schema}_full")
        self.dbt = DbtRun(warehouse, workdir / "dbt")
        self.rebuild = DbtRun(self.rebuilt, workdir / "rebuild")
        self.builds = 0
        self.expected: Optional[Tables] = None  # the last rebuild's tables

    def load(self, sync: Sync, **kwargs: Any) -> None:
        write_sync(self.warehouse, sync, **kwargs)

    def build_and_compare(self) -> Tables:
        """`dbt build` (models and data tests), then a full rebuild; every table equal."""
        self.builds += 1
        self.dbt("build", extra_vars=self.dbt_vars)
        self.rebuild("run", "--full-refresh")
        self.expected = self.rebuilt.built_tables()
        return self._compared()

    def build_unchanged(self) -> Tables:
        """`dbt build` with nothing loaded since the last build_and_compare: every table equals
        that rebuild (nothing moves)."""
        assert self.expected is not None, "build_and_compare first"
        self.builds += 1
        self.dbt("build", extra_vars=self.dbt_vars)
        return self._compared()

    def _compared(self) -> Tables:
        assert self.expected is not None
        built = self.warehouse.built_tables()
        for table in self.expected:
            assert built[table] == self.expected[table], f"{table} after build {self.builds}"
        return built
