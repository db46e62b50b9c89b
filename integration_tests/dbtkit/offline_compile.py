"""Compile the package for Snowflake and BigQuery without a warehouse.

dbt compiles a model without a connection except where it asks the warehouse something: whether
an incremental model's table exists (`is_incremental()`), its load mark (a one-value query the
incremental models run while compiling), and, in this package, which columns a stream's table has
(answered by vars here). Those questions are answered in-process by patching the adapter's
`get_relation`, once as before a first build (no table: the full SQL) and once as before a later
one (the incremental models' tables exist: the incremental SQL), and its `execute` (no rows: no
mark yet; for the data tests, the newest value of their window when the caller gives one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator
from unittest import mock

import yaml

from integration_tests.dbtkit.warehouses import PACKAGE_DIR

MODEL_PREFIXES = ("stg_socialfetch_tiktok__", "int_socialfetch_tiktok__", "tiktok__")
INCREMENTAL_MODELS = ("tiktok__video_daily", "tiktok__creator_daily", "int_socialfetch_tiktok__video_snapshots",
                      "int_socialfetch_tiktok__read_misses", "int_socialfetch_tiktok__video_lifecycle",
                      "int_socialfetch_tiktok__video_groups", "tiktok__music_daily", "tiktok__music_weekly",
                      "tiktok__hashtag_weekly", "tiktok__hashtag_monthly", "tiktok__creator_weekly", "tiktok__creator_monthly",
                      "int_socialfetch_tiktok__hashtag_days")
SOURCE_SCHEMA = "tiktok"
OFFLINE_VARS = {"socialfetch_schema": SOURCE_SCHEMA, "socialfetch_has_handle_reads": True,
                "socialfetch_has_profiles": True, "socialfetch_has_parsed_fields": True}
PROFILES = {
    "snowflake": {"type": "snowflake", "account": "xy12345.eu-west-1", "user": "TRANSFORMER", "password": "unused",
                  "role": "TRANSFORMER", "database": "ANALYTICS", "warehouse": "COMPUTE_WH",
                  "schema": "tiktok_models", "threads": 1},
    "bigquery": {"type": "bigquery", "method": "oauth", "project": "my-project", "dataset": "tiktok_models",
                 "threads": 1},
}
ADAPTERS = {"snowflake": "dbt.adapters.snowflake.SnowflakeAdapter", "bigquery": "dbt.adapters.bigquery.BigQueryAdapter"}
# BigQuery opens its client (and asks for credentials) when dbt starts; nothing here sends a query.
CONNECTIONS = {"snowflake": "dbt.adapters.snowflake.connections.SnowflakeConnectionManager",
               "bigquery": "dbt.adapters.bigquery.connections.BigQueryConnectionManager"}


def compile_offline(warehouse: str, workdir: Path, *, incremental: bool, extra_vars: Dict[str, Any] | None = None,
                    data_tests: bool = False, newest: Callable[[str], Any] | None = None) -> Dict[str, str]:
    """Model name -> compiled SQL for `warehouse`, as for a first build or a later incremental one.
    data_tests: the data tests' compiled SQL instead (test name -> SQL); `newest` answers the
    one-value queries of their window's newest value (macros/test_window.sql) from their SQL
    (None, or no function: no rows, the whole tables)."""
    from dbt.cli.main import dbtRunner

    workdir = workdir.resolve()  # dbt reads relative paths from the project directory
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "profiles.yml").write_text(yaml.safe_dump(
        {"socialfetch_tiktok": {"target": warehouse, "outputs": {warehouse: PROFILES[warehouse]}}}))
    adapter_class = _import(ADAPTERS[warehouse])

    def get_relation(self: Any, database: str, schema: str, identifier: str) -> Any:
        if not incremental or identifier.lower() not in INCREMENTAL_MODELS:
            return None
        return self.Relation.create(database=database, schema=schema, identifier=identifier, type="table")

    def execute_nothing(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
        import agate
        from dbt.adapters.contracts.connection import AdapterResponse
        from dbt_common.clients.agate_helper import empty_table

        value = newest(sql) if newest is not None and " as newest" in sql and "max(" in sql else None
        if value is None:
            return AdapterResponse(_message="offline"), empty_table()
        return AdapterResponse(_message="offline"), agate.Table([[value]], ["newest"])

    target = workdir / "target"
    def open_nothing(cls: Any, connection: Any) -> Any:
        from dbt.adapters.contracts.connection import ConnectionState

        connection.state = ConnectionState.OPEN
        connection.handle = mock.Mock(name=f"no {warehouse} client")  # closing it is all dbt does here
        return connection

    manager_class = _import(CONNECTIONS[warehouse])
    with mock.patch.object(adapter_class, "get_relation", get_relation), \
            mock.patch.object(adapter_class, "execute", execute_nothing), \
            mock.patch.object(manager_class, "open", classmethod(open_nothing)):
        result = dbtRunner().invoke([
            "compile", "--project-dir", str(PACKAGE_DIR), "--profiles-dir", str(workdir),
            "--target-path", str(target), "--log-path", str(workdir / "logs"), "--vars", json.dumps({**OFFLINE_VARS, **(extra_vars or {})}),
            "--no-populate-cache", "--no-partial-parse", "--quiet", "--select", "resource_type:" + ("test" if data_tests else "model"),
        ])
    if not result.success:
        raise AssertionError(f"dbt compile for {warehouse} failed: {result.exception or result.result}")
    compiled = target / "compiled" / "socialfetch_tiktok"
    if data_tests:
        return {path.stem: path.read_text() for path in _sql_files(compiled)}
    return {path.stem: path.read_text() for path in _sql_files(compiled / "models") if path.stem.startswith(MODEL_PREFIXES)}


def compiled_configs(workdir: Path) -> Dict[str, Dict[str, Any]]:
    """Model name -> the config dbt resolved for it, from the manifest compile_offline wrote there."""
    manifest = json.loads((workdir.resolve() / "target" / "manifest.json").read_text())
    return {node["name"]: node["config"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["name"].startswith(MODEL_PREFIXES)}


def _sql_files(directory: Path) -> Iterator[Path]:
    yield from sorted(directory.rglob("*.sql"))


def _import(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)
