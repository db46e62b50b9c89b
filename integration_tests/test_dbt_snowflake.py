"""The dbt package on a Snowflake emulator: fakesnow's server (Snowflake's wire protocol, the SQL run
on DuckDB), dbt-snowflake from `.venv-snowflake` (`make snowflake-emulator`; `make test` makes it),
tables in the shapes Snowflake's loaders write (the Airbyte platform's: upper-case quoted names,
VARIANT, TIMESTAMP_TZ, _AIRBYTE_EXTRACTED_AT TIMESTAMP_TZ; PyAirbyte's cache: the same with
TIMESTAMP_NTZ). Two syncs, a full build after the first and an incremental one after the second:
after each, the final models hold the same rows as the package's run on DuckDB over the same
records.

What an emulator cannot prove: that Snowflake itself accepts the SQL (fakesnow translates it with
sqlglot), and anything about the session's time zone, which fakesnow ignores (pinned to UTC: see
the canary below). The Snowflake time-zone guarantee is checked on the SQL dbt compiled here
against the tables' real column types."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

from integration_tests.dbtkit.near_midnight import two_syncs
from integration_tests.dbtkit.snowflake import (
    PLATFORM_SNOWFLAKE,
    PYAIRBYTE_SNOWFLAKE,
    REQUIRE,
    FakesnowServer,
    SnowflakeDbt,
    SnowflakeShape,
    SnowflakeWarehouse,
    install_test_project,
    missing_reason,
)
from integration_tests.dbtkit.warehouses import BUILT_TABLES, PYAIRBYTE_DUCKDB, STREAM_COLUMNS, DbtRun, Warehouse
from integration_tests.dbtkit.world import create_streams, write_sync

pytestmark = pytest.mark.slow

MODELS = BUILT_TABLES[""]  # the package's final models (the contract's), whatever the intermediate ones
Rows = Dict[str, List[Dict[str, Any]]]


@pytest.fixture(scope="module")
def fakesnow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakesnowServer]:
    reason = missing_reason()
    if reason is not None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{REQUIRE}=1 but {reason}")
        pytest.skip(reason)
    with FakesnowServer(tmp_path_factory.mktemp("fakesnow") / "fakesnow.log") as server:
        yield server


def canonical(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rows as plain values in a stable order: lower-case names, Snowflake's NUMBER as int (or float
    when it has a fraction), floats to 9 places, JSON text parsed (Snowflake prints VARIANT its way)."""
    def value(cell: Any) -> Any:
        if isinstance(cell, Decimal):
            return int(cell) if cell == cell.to_integral_value() else round(float(cell), 9)
        if isinstance(cell, float):
            return round(cell, 9)
        if isinstance(cell, str) and cell[:1] in "[{":
            try:
                return json.loads(cell)
            except ValueError:
                return cell
        return cell

    plain = [{name.lower(): value(cell) for name, cell in row.items()} for row in rows]
    return sorted(plain, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def build_after_syncs(warehouse: Warehouse, dbt: Callable[..., Any], *, every_sync: bool = True) -> List[Rows]:
    """The world's syncs landed one by one, `dbt build` after each (a full build, then an
    incremental one) or only after the last: the final models' rows after each build."""
    create_streams(warehouse)
    after: List[Rows] = []
    syncs = two_syncs()
    for number, sync in enumerate(syncs, start=1):
        write_sync(warehouse, sync)
        if every_sync or number == len(syncs):
            dbt("build")
            after.append({model: canonical(warehouse.model(model)) for model in MODELS})
    return after


@pytest.fixture(scope="module")
def duckdb_models(tmp_path_factory: pytest.TempPathFactory) -> List[Rows]:
    directory = tmp_path_factory.mktemp("duckdb-reference")
    warehouse = Warehouse("duckdb", "main", "analytics", PYAIRBYTE_DUCKDB, path=directory / "reference.duckdb")
    return build_after_syncs(warehouse, DbtRun(warehouse, directory / "dbt"))


@pytest.fixture(scope="module")
def test_project(fakesnow: FakesnowServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_test_project(tmp_path_factory.mktemp("dbt-snowflake-project"))


# The platform's layout (the Snowflake destination's) is built after each sync, a full build then an
# incremental one; PyAirbyte's cache layout (TIMESTAMP_NTZ) once after both, for its column types.
@pytest.fixture(scope="module", params=[(PLATFORM_SNOWFLAKE, True), (PYAIRBYTE_SNOWFLAKE, False)],
                ids=["platform-full-then-incremental", "pyairbyte-ntz-full"])
def on_fakesnow(request: Any, fakesnow: FakesnowServer, test_project: Path, tmp_path_factory: pytest.TempPathFactory,
                ) -> Tuple[SnowflakeShape, SnowflakeDbt, List[Rows]]:
    shape, every_sync = request.param
    database = f"SOCIALFETCH_{shape.name.upper()}_{uuid.uuid4().hex[:6].upper()}"
    warehouse = SnowflakeWarehouse(fakesnow, database, "tiktok_raw", "analytics", shape)
    dbt = SnowflakeDbt(warehouse, test_project, tmp_path_factory.mktemp(f"fakesnow-{shape.name}"))
    return shape, dbt, build_after_syncs(warehouse, dbt, every_sync=every_sync)


def test_given_snowflake_tables_when_built_full_then_incremental_then_models_equal_the_duckdb_run(
        on_fakesnow: Tuple[SnowflakeShape, SnowflakeDbt, List[Rows]], duckdb_models: List[Rows]) -> None:
    shape, _, snowflake_models = on_fakesnow
    compared = duckdb_models[-len(snowflake_models):]  # a single build is compared with the last
    for build, (snowflake, duckdb) in enumerate(zip(snowflake_models, compared, strict=True), start=1):
        for model in MODELS:
            assert snowflake[model] == duckdb[model], f"{model} after build {build} ({shape.name} layout on fakesnow)"
    final = duckdb_models[-1]
    assert len(final["tiktok__videos"]) == 7 and final["tiktok__creator_daily"] and final["tiktok__hashtags"]
    availability = {row["video_id"]: row["is_available"] for row in final["tiktok__videos"]}
    assert (availability["k4"], availability["g1"], availability["k3"]) == (False, False, True)


# -- the session's time zone on Snowflake --------------------------------------------------------
# Snowflake reads a TIMESTAMP_NTZ in the session's TIMEZONE wherever it meets a zone: the
# two-argument convert_timezone, a cast to TIMESTAMP_TZ or TIMESTAMP_LTZ; and CURRENT_DATE and
# CURRENT_TIMESTAMP are the session's. None of these may touch a timestamp without a zone.
SESSION_ZONE_TYPES = {"TIMESTAMPTZ", "TIMESTAMPLTZ"}
SESSION_ZONE_FUNCTIONS = {"TO_TIMESTAMP_TZ", "TO_TIMESTAMP_LTZ"}


def session_zone_reads(sql: str) -> Dict[str, List[str]]:
    """What in the SQL reads the session's time zone, by kind."""
    import sqlglot
    from sqlglot import exp

    expression = sqlglot.parse_one(sql, read="snowflake")
    converted = [node.args["timestamp"].sql("snowflake") for node in expression.find_all(exp.ConvertTimezone)
                 if node.args.get("source_tz") is None]
    casts = [node.sql("snowflake") for node in expression.find_all(exp.Cast) if node.to.this.name in SESSION_ZONE_TYPES]
    casts += [node.sql("snowflake") for node in expression.find_all(exp.Anonymous) if node.name.upper() in SESSION_ZONE_FUNCTIONS]
    clocks = [node.sql("snowflake") for node in expression.find_all(exp.CurrentDate, exp.CurrentTimestamp, exp.Localtimestamp)]
    return {"convert_timezone('UTC', x)": converted, "casts": casts, "clocks": clocks}


def test_given_each_snowflake_timestamp_type_then_only_zoned_columns_are_converted_and_nothing_reads_the_session_zone(
        on_fakesnow: Tuple[SnowflakeShape, SnowflakeDbt, List[Rows]]) -> None:
    """Checked on the SQL dbt compiled for these tables (their column types looked up on fakesnow):
    fakesnow itself runs every session in UTC, where the mistake would not show. On 0.3.0 every
    timestamp went through convert_timezone('UTC', x): an NTZ column (PyAirbyte's cache) was read
    in the session's zone, America/Los_Angeles by default, and every day boundary moved."""
    pytest.importorskip("sqlglot", reason="the dbt-check extra (sqlglot)")
    shape, dbt, _ = on_fakesnow
    zoned = {f'"{name.upper()}"' for columns in STREAM_COLUMNS.values() for name, kind in columns
             if kind == "timestamp" and shape.types[kind] != "TIMESTAMP_NTZ"}
    if shape.extracted_at_type != "TIMESTAMP_NTZ":
        zoned.add('"_AIRBYTE_EXTRACTED_AT"')
    models = dbt.compiled_models()
    assert set(MODELS) | {"stg_socialfetch_tiktok__video_stats", "stg_socialfetch_tiktok__videos"} <= set(models)
    for model, sql in models.items():
        reads = session_zone_reads(sql)
        assert set(reads["convert_timezone('UTC', x)"]) <= zoned, f"{model} reads a column without a zone in the session's zone"
        assert not reads["casts"] and not reads["clocks"], f"{model} depends on the session's time zone: {reads}"
    converted = set(session_zone_reads(models["stg_socialfetch_tiktok__video_stats"])["convert_timezone('UTC', x)"])
    if shape.types["timestamp"] == "TIMESTAMP_NTZ":
        assert converted == set()
    else:  # the column-type lookup must see Snowflake's TIMESTAMP_TZ, or a non-UTC offset would be dropped
        assert {'"CAPTUREDAT"', '"CREATEDAT"'} <= converted


@pytest.fixture
def canary_session(fakesnow: FakesnowServer) -> Callable[..., Any]:
    """Sessions on a database of their own with a current schema S (fakesnow's MERGE needs one)."""
    database = SnowflakeWarehouse(fakesnow, f"CANARY_{uuid.uuid4().hex[:6].upper()}", "s", "t", PLATFORM_SNOWFLAKE).database
    setup = fakesnow.connect(database)
    try:
        setup.cursor().execute("create schema s")
    finally:
        setup.close()
    return lambda **options: fakesnow.connect(database, schema="S", **options)


def test_canary_fakesnow_runs_every_session_in_utc(canary_session: Callable[..., Any]) -> None:
    """fakesnow 0.12.1 pins DuckDB's TimeZone to UTC (fakesnow/instance.py), ignores a session's
    TIMEZONE parameter and refuses ALTER SESSION SET TIMEZONE, so no Snowflake run here can show a
    dependency on the session's zone (the test above checks the compiled SQL instead). On
    Snowflake, with the session in Los Angeles, this NTZ value would be read as 23:30 there, 07:30
    UTC the next day. When this fails, fakesnow honours TIMEZONE: run the fakesnow builds under a
    non-UTC session zone too (as test_dbt_time_zones.py does for DuckDB and Postgres)."""
    probe = "select cast(convert_timezone('UTC', '2026-11-10 23:30:00'::timestamp_ntz) as timestamp_ntz)"
    connection = canary_session(session_parameters={"TIMEZONE": "America/Los_Angeles"})
    try:
        cursor = connection.cursor()
        assert cursor.execute(probe).fetchall() == [(datetime(2026, 11, 10, 23, 30),)], "fakesnow honours TIMEZONE now"
        with pytest.raises(Exception, match="not implemented"):
            cursor.execute("alter session set timezone = 'America/Los_Angeles'")
    finally:
        connection.close()


def test_canary_fakesnow_still_needs_the_test_project_workarounds(fakesnow: FakesnowServer,
                                                                  canary_session: Callable[..., Any]) -> None:
    """Each workaround in integration_tests/dbt_snowflake_project/ for the statement dbt-snowflake
    writes and fakesnow 0.12.1 refuses (their shapes taken from dbt-snowflake 1.12.4's log). When
    one of these passes, fakesnow runs that statement: remove the workaround it names."""
    merge = ("merge into built as DBT_INTERNAL_DEST using new as DBT_INTERNAL_SOURCE on (DBT_INTERNAL_SOURCE.k = DBT_INTERNAL_DEST.k)"
             ' when matched then update set "V" = DBT_INTERNAL_SOURCE."V"'
             ' when not matched then insert ("K", "V") values ({values})')
    connection = canary_session()
    try:
        cursor = connection.cursor()
        for statement in ("create table built (k number, v number)", "insert into built values (1, 1)",
                          "create table new (k number, v number)", "insert into new values (1, 2), (2, 3)"):
            cursor.execute(statement)
        # dbt_project.yml's +tmp_relation_type: transient (a merge's temporary view; delete+insert's table)
        database = connection.database
        for kind in ("view", "table"):
            with pytest.raises(Exception, match='TEMPORARY table names can \\*only\\* use the "temp" catalog'):
                cursor.execute(f"create or replace temporary {kind} {database}.s.built__dbt_tmp as (select 1 as k)")
        # macros/fakesnow_merge.sql: the source's columns unqualified in `values (...)`
        with pytest.raises(Exception, match="Ambiguous reference to column name"):
            cursor.execute(merge.format(values='"K", "V"'))
        # macros/fakesnow_json.sql: a VARIANT member's string read as its JSON text
        member = "cast(get(parse_json('{\"id\": \"m1\"}'), 'id') as varchar)"
        assert cursor.execute(f"select {member}").fetchall() == [('"m1"',)]
    finally:
        connection.close()
    # macros/fakesnow_merge.sql: a MERGE inside dbt-snowflake's `begin; ...; commit;`. fakesnow answers
    # HTTP 500 and logs DuckDB's refusal; a short network_timeout ends the client's retries.
    in_transaction = canary_session(network_timeout=1)
    log_from = fakesnow.log.stat().st_size
    try:
        cursor = in_transaction.cursor()
        cursor.execute("begin")
        with pytest.raises(Exception, match="Internal Server Error"):
            cursor.execute(merge.format(values='DBT_INTERNAL_SOURCE."K", DBT_INTERNAL_SOURCE."V"'))
        cursor.execute("rollback")
        assert cursor.execute(merge.format(values='DBT_INTERNAL_SOURCE."K", DBT_INTERNAL_SOURCE."V"')).fetchall()
    finally:
        in_transaction.close()
    with fakesnow.log.open("rb") as log:
        log.seek(log_from)
        assert b"a single transaction can only write to a single attached database" in log.read()


def test_canary_fakesnow_sends_a_null_timestamp_as_the_epoch(canary_session: Callable[..., Any]) -> None:
    """SnowflakeWarehouse.model reads each timestamp column with an IS NULL flag because of this."""
    connection = canary_session()
    try:
        row = connection.cursor().execute("select cast(null as timestamp_ntz), cast(null as timestamp_tz)").fetchall()
    finally:
        connection.close()
    assert [value.replace(tzinfo=None) for value in row[0]] == [datetime(1970, 1, 1)] * 2, "fakesnow sends NULL now"


def test_given_the_loaders_snowflake_client_then_it_talks_to_the_loopback_only(
        fakesnow: FakesnowServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Snowflake connector probes cloud metadata addresses at login unless told not to (see
    dbtkit/snowflake.py NO_PLATFORM_DETECTION); nothing here may leave the machine."""
    import ipaddress
    import socket

    addresses: List[Any] = []
    connect = socket.socket.connect

    def recorded(self: socket.socket, address: Any) -> Any:
        addresses.append(address)
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recorded)
    warehouse = SnowflakeWarehouse(fakesnow, f"NETWORK_{uuid.uuid4().hex[:6].upper()}", "s", "t", PLATFORM_SNOWFLAKE)
    assert warehouse.rows("select 1 as one") == [{"one": 1}]
    assert addresses and all(ipaddress.ip_address(a[0]).is_loopback for a in addresses if isinstance(a, tuple)), addresses


def test_given_no_emulator_venv_then_the_reason_names_the_make_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from integration_tests.dbtkit import snowflake

    monkeypatch.setattr(snowflake, "VENV", tmp_path / ".venv-snowflake")
    assert "make snowflake-emulator" in (missing_reason() or "")
