"""Snowflake and BigQuery, as far as they can be checked without them: the package compiles for
dbt-snowflake and dbt-bigquery (as for a first build and as for an incremental one; the adapter's
table lookups are answered in-process, see dbtkit/offline_compile.py), every compiled model parses
with sqlglot in that dialect, and the staging models' columns resolve against the tables the
Airbyte platform's destinations write there: Snowflake upper-cases names (CREATEDAT,
_AIRBYTE_EXTRACTED_AT; TIMESTAMP_TZ, OBJECT, ARRAY: destination-snowflake's SnowflakeSqlGenerator),
BigQuery keeps the API's (createdAt; TIMESTAMP, JSON). Nothing runs on either warehouse."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, NamedTuple

import pytest

sqlglot = pytest.importorskip("sqlglot", reason="the dbt-check extra (sqlglot, dbt-snowflake, dbt-bigquery)")
from sqlglot.errors import OptimizeError  # noqa: E402
from sqlglot.optimizer.qualify import qualify  # noqa: E402

from integration_tests.dbtkit.offline_compile import SOURCE_SCHEMA, compile_offline, compiled_configs  # noqa: E402
from integration_tests.dbtkit.warehouses import STREAM_COLUMNS  # noqa: E402

MODELS = {
    "stg_socialfetch_tiktok__videos", "stg_socialfetch_tiktok__video_stats", "stg_socialfetch_tiktok__handle_reads",
    "stg_socialfetch_tiktok__profiles", "int_socialfetch_tiktok__read_misses", "int_socialfetch_tiktok__profile_status",
    "int_socialfetch_tiktok__video_availability", "int_socialfetch_tiktok__day_spine",
    "int_socialfetch_tiktok__video_snapshots", "tiktok__videos",
    "tiktok__video_daily", "tiktok__creator_daily", "tiktok__hashtags",
    "int_socialfetch_tiktok__video_lifecycle", "tiktok__creators", "tiktok__social_media_post",
    "tiktok__creator_weekly", "tiktok__creator_monthly", "tiktok__hashtag_weekly", "tiktok__hashtag_monthly",
    "tiktok__music_daily", "tiktok__music_weekly", "int_socialfetch_tiktok__video_groups",
    "int_socialfetch_tiktok__hashtag_days",
}
TYPES = {
    "snowflake": {"string": "VARCHAR", "integer": "NUMBER", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP_TZ",
                  "json": "VARIANT"},
    "bigquery": {"string": "STRING", "integer": "INT64", "boolean": "BOOL", "timestamp": "TIMESTAMP", "json": "JSON"},
}


def destination_schema(warehouse: str, drop: str = "") -> Dict[str, Any]:
    """The four streams' final tables as the platform's destination writes them (minus `drop`)."""
    spell = str.upper if warehouse == "snowflake" else str
    tables = {}
    for stream, columns in STREAM_COLUMNS.items():
        spelled = {spell(name): TYPES[warehouse][kind] for name, kind in columns if name != drop}
        for name, kind in (("_airbyte_raw_id", "string"), ("_airbyte_extracted_at", "timestamp"), ("_airbyte_meta", "json")):
            spelled[spell(name)] = TYPES[warehouse][kind]
        tables[spell(stream)] = spelled
    if warehouse == "snowflake":
        return {"ANALYTICS": {SOURCE_SCHEMA.upper(): tables}}
    return {"my-project": {SOURCE_SCHEMA: tables}}


class Compiled(NamedTuple):
    warehouse: str
    incremental: bool  # as for a later build (the incremental models' tables exist)
    models: Dict[str, str]  # name -> compiled SQL
    configs: Dict[str, Dict[str, Any]]  # name -> the config dbt resolved


@pytest.fixture(scope="module", params=[("snowflake", False), ("snowflake", True), ("bigquery", False), ("bigquery", True)],
                ids=["snowflake-first-build", "snowflake-incremental", "bigquery-first-build", "bigquery-incremental"])
def compiled(request: Any, tmp_path_factory: Any) -> Compiled:
    warehouse, incremental = request.param
    workdir = tmp_path_factory.mktemp(warehouse)
    models = compile_offline(warehouse, workdir, incremental=incremental)
    return Compiled(warehouse, incremental, models, compiled_configs(workdir))


def test_given_no_warehouse_when_compiled_then_every_model_parses_in_its_dialect(compiled: Compiled) -> None:
    warehouse, _, models, _ = compiled
    assert set(models) == MODELS
    for name, sql in models.items():
        try:
            sqlglot.parse_one(sql, read=warehouse, error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as error:
            pytest.fail(f"{warehouse} {name} does not parse: {error}")


def test_given_platform_tables_when_staging_is_qualified_then_every_column_exists(compiled: Compiled) -> None:
    warehouse, _, models, _ = compiled
    for name in sorted(m for m in models if m.startswith("stg_")):
        expression = sqlglot.parse_one(models[name], read=warehouse)
        qualify(expression, schema=destination_schema(warehouse), dialect=warehouse, validate_qualify_columns=True)
    # The check can fail: without the createdAt column the videos model no longer resolves.
    expression = sqlglot.parse_one(models["stg_socialfetch_tiktok__videos"], read=warehouse)
    with pytest.raises(OptimizeError):
        qualify(expression, schema=destination_schema(warehouse, drop="createdAt"), dialect=warehouse,
                validate_qualify_columns=True)


def test_given_snowflake_then_timestamps_are_read_as_utc_and_names_upper_case(tmp_path: Path) -> None:
    models = compile_offline("snowflake", tmp_path, incremental=False)
    stats = models["stg_socialfetch_tiktok__video_stats"]
    # Without a connection the column's type is unknown: no convert_timezone('UTC', x), which would
    # read a TIMESTAMP_NTZ in the session's zone (test_dbt_snowflake.py checks both types on fakesnow).
    assert 'cast("CAPTUREDAT" as timestamp_ntz)' in stats and "convert_timezone" not in stats
    assert '"READID"' in stats


# The rollups (macros/rollups.sql): each replaces whole periods of a key prefix (source_relation and
# handle; music: source_relation), partitioned on BigQuery by the period's first day.
ROLLUPS = [
    ("tiktok__music_daily", "date_day", ["source_relation", "music_id"]),
    ("tiktok__music_weekly", "week_start", ["source_relation", "music_id"]),
    ("int_socialfetch_tiktok__hashtag_days", "date_day", ["source_relation", "handle", "hashtag"]),
    ("tiktok__hashtag_weekly", "week_start", ["source_relation", "handle", "hashtag"]),
    ("tiktok__hashtag_monthly", "month_start", ["source_relation", "handle", "hashtag"]),
    ("tiktok__creator_weekly", "week_start", ["source_relation", "handle"]),
    ("tiktok__creator_monthly", "month_start", ["source_relation", "handle"]),
]

# What each incremental model runs per warehouse (macros/strategies.sql): BigQuery replaces the
# daily models' date_day partitions and merges the per-video ones; Snowflake deletes and inserts on
# the unique key, clustered by day then handle.
STRATEGIES: Dict[str, Dict[str, Dict[str, Any]]] = {
    "bigquery": {
        "tiktok__video_daily": {"incremental_strategy": "insert_overwrite", "cluster_by": ["source_relation", "handle", "video_id"],
                                "partition_by": {"field": "date_day", "data_type": "date", "granularity": "day"}},
        "tiktok__creator_daily": {"incremental_strategy": "insert_overwrite", "cluster_by": ["source_relation", "handle"],
                                  "partition_by": {"field": "date_day", "data_type": "date", "granularity": "day"}},
        "int_socialfetch_tiktok__video_snapshots": {"incremental_strategy": "merge", "partition_by": None,
                                                    "unique_key": ["source_relation", "handle", "video_id"],
                                                    "cluster_by": ["source_relation", "handle", "video_id"]},
        "int_socialfetch_tiktok__video_lifecycle": {"incremental_strategy": "merge", "partition_by": None,
                                                    "unique_key": ["source_relation", "handle", "video_id"],
                                                    "cluster_by": ["source_relation", "handle", "video_id"]},
        **{name: {"incremental_strategy": "insert_overwrite", "cluster_by": cluster,
                  "partition_by": {"field": days, "data_type": "date", "granularity": "day"}}
           for name, days, cluster in ROLLUPS},
        "int_socialfetch_tiktok__video_groups": {"incremental_strategy": "merge", "partition_by": None,
                                                 "unique_key": ["source_relation", "handle", "video_id"],
                                                 "cluster_by": ["source_relation", "handle", "video_id"]},
    },
    "snowflake": {
        "tiktok__video_daily": {"incremental_strategy": "delete+insert", "cluster_by": ["date_day", "handle"],
                                "unique_key": ["source_relation", "handle", "video_id", "date_day"]},
        "tiktok__creator_daily": {"incremental_strategy": "delete+insert", "cluster_by": ["date_day", "handle"],
                                  "unique_key": ["source_relation", "creator_day_id"]},
        "int_socialfetch_tiktok__video_snapshots": {"incremental_strategy": "delete+insert", "cluster_by": ["handle"],
                                                    "unique_key": ["source_relation", "handle", "video_id"]},
        "int_socialfetch_tiktok__video_lifecycle": {"incremental_strategy": "delete+insert", "cluster_by": ["handle"],
                                                    "unique_key": ["source_relation", "handle", "video_id"]},
        **{name: {"incremental_strategy": "delete+insert", "cluster_by": [days, *handle], "unique_key": ["source_relation", *handle, days]}
           for name, days, cluster in ROLLUPS for handle in [["handle"] if "handle" in cluster else []]},
        "int_socialfetch_tiktok__video_groups": {"incremental_strategy": "delete+insert", "cluster_by": ["handle"],
                                                 "unique_key": ["source_relation", "handle", "video_id"]},
    },
}


def test_given_a_warehouse_then_each_incremental_model_has_its_strategy_partitions_and_clustering(compiled: Compiled) -> None:
    for name, expected in STRATEGIES[compiled.warehouse].items():
        config = compiled.configs[name]
        assert config["materialized"] == "incremental", name
        assert {key: config.get(key) for key in expected} == expected, name
    if compiled.warehouse == "bigquery":
        # dbt-bigquery's own reading of partition_by, the one its materialization runs.
        from dbt.adapters.bigquery.relation_configs import PartitionConfig

        partition = PartitionConfig.parse(compiled.configs["tiktok__video_daily"]["partition_by"])
        assert partition is not None
        assert (partition.field, partition.data_type, partition.granularity) == ("date_day", "date", "day")


def test_given_snowflake_clustering_turned_off_then_no_incremental_model_is_clustered(tmp_path: Path) -> None:
    """Automatic clustering bills credits: the var is a project's only way to turn it off (a package
    model's config block wins over the project's +cluster_by)."""
    compile_offline("snowflake", tmp_path, incremental=True, extra_vars={"socialfetch_snowflake_cluster_by": False})
    configs = compiled_configs(tmp_path)
    for name, expected in STRATEGIES["snowflake"].items():
        assert configs[name].get("cluster_by") is None, name
        assert configs[name]["incremental_strategy"] == expected["incremental_strategy"], name


def test_given_days_replaced_whole_then_an_incremental_select_returns_the_kept_rows_of_its_days(compiled: Compiled) -> None:
    """insert_overwrite replaces every row of each day the SELECT returns: on BigQuery the daily
    models' incremental SELECT adds the built rows of those days it does not rebuild. Nowhere
    else, and not in a first build."""
    for name in ("tiktok__video_daily", "tiktok__creator_daily", *(name for name, _, _ in ROLLUPS)):
        sql = compiled.models[name]
        wrapped = "socialfetch_rebuilt" in sql and "not exists" in sql
        assert wrapped == (compiled.warehouse == "bigquery" and compiled.incremental), name


# The data tests on their window (macros/test_window.sql): the newest value each one's query asks
# for is answered in-process (a date for the date columns), and the window's start, 2026-11-10 for
# 3 days ending on 2026-11-12, must reach the SQL as a constant that parses in the dialect.
NEWEST = datetime(2026, 11, 12, 8, 0)
DATE_COLUMNS = ("date_day", "week_start", "month_start")


def newest_value(sql: str) -> date:
    return NEWEST.date() if any(f"max({column})" in sql for column in DATE_COLUMNS) else NEWEST


@pytest.mark.parametrize("warehouse", ["snowflake", "bigquery"])
def test_given_a_window_then_every_data_test_compiles_to_a_constant_bound_that_parses(warehouse: str, tmp_path: Path) -> None:
    tests = compile_offline(warehouse, tmp_path, incremental=True, data_tests=True, newest=newest_value,
                            extra_vars={"socialfetch_test_window_days": 3})
    windowed = {name for name, sql in tests.items() if "2026-11-10" in sql}
    assert "assert_video_daily_gains_add_up" in windowed
    assert len(windowed) >= 40, sorted(windowed)  # every generic test of a model with a window column
    for name, sql in tests.items():
        assert "(select max(" not in sql.lower(), name
        try:
            sqlglot.parse_one(sql, read=warehouse, error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as error:
            pytest.fail(f"{warehouse} {name} does not parse: {error}")
