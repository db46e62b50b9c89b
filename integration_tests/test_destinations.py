"""End to end through PyAirbyte, as `socialfetch-local-sync` runs it: a full sync, changes in the
emulator, an incremental sync, then SQL on the destination against the emulator's ground truth.
Once into a DuckDB file, once into a fresh Postgres schema on 127.0.0.1:5432."""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Set, Tuple

import jsonschema
import pytest

from integration_tests.dbtkit.docs_sql import RUN, docs_sql, marked
from integration_tests.harness import format_checker
from socialfetch_emulator import Emulator
from socialfetch_local.destinations import Destination, parse_destination

HANDLES = ["nasa.fan", "one.video", "pinned.creator", "private.person"]
PUBLISHED = {"nasa.fan": 2, "one.video": 1}
CHANGED = {"nasa.fan": 3, "pinned.creator": 2}
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "test"}


@pytest.fixture(autouse=True)
def airbyte_files(pyairbyte: Any) -> None:
    """Every test here runs PyAirbyte: offline, its files in a temp folder (the root conftest)."""


class Before:
    """The emulator's truth at the first sync: views per video and each handle's newest video."""

    def __init__(self, emu: Emulator) -> None:
        self.views = {(h, i): s["views"] for h in HANDLES for i, s in emu.stats(h).items()}
        self.created = {(h, v["id"]): v["createdAt"] for h in HANDLES for v in emu.videos(h)}

    def reread(self) -> Set[Tuple[str, str]]:
        """The videos an incremental sync reads again: inside the 7-day lookback window."""
        newest = {h: max((_instant(c) for (hh, _), c in self.created.items() if hh == h and c), default=None)
                  for h in HANDLES}
        return {key for key, created in self.created.items()
                if created and newest[key[0]] and _instant(created) >= newest[key[0]] - timedelta(days=7)}  # type: ignore[operator]

    def expected_views(self, emu: Emulator) -> Dict[Tuple[str, str], int]:
        """What `videos` holds after the incremental sync: today's views for the videos it read
        (new ones, the lookback window), the first sync's for the others (frozen: no refresh)."""
        now = {(h, i): s["views"] for h in HANDLES for i, s in emu.stats(h).items()}
        reread = self.reread()
        return {key: views if key in reread or key not in self.views else self.views[key] for key, views in now.items()}


def sync_change_sync(emu: Emulator, destination: Destination) -> Tuple[Any, Before]:
    """Full sync, a day on the emulator's clock, publish and re-count, incremental sync; returns
    the cache and the truth at the first sync."""
    from socialfetch_local.sync import run_sync

    config = {"api_key": emu.api_key, "handles": HANDLES, "base_url": emu.base_url}
    first = run_sync(config, destination)
    assert {h.handle: h.videos for h in first.handles} == {h: len(emu.videos(h)) for h in HANDLES}
    before = Before(emu)
    emu.advance(1)
    for handle, count in PUBLISHED.items():
        emu.publish(handle, count)
    changed = {handle: emu.change_stats(handle, count) for handle, count in CHANGED.items()}
    second = run_sync(config, destination)
    assert second.incremental
    # Unchanged handles cost one page; both totals agree with the API's own charge.
    assert second.by_handle()["private.person"].credits == 1
    assert second.credits_used == sum(h.credits or 0 for h in second.handles) == second.connector_credits
    assert all(changed.values())
    return second.cache, before


def assert_growth_sql(run: Callable[[str], List[Dict[str, Any]]], sql: str, emu: Emulator, before: Before) -> None:
    """The docs' raw growth query, run as printed, gives each video re-read by the incremental sync
    (those inside the 7-day lookback window) its views gained since the first sync."""
    reread = before.reread()
    now = {(h, i): s["views"] for h in HANDLES for i, s in emu.stats(h).items()}
    expected = {key: now[key] - before.views[key] for key in reread}
    assert expected and all(gain > 0 for gain in expected.values())  # a day on the clock: all grew
    rows = run(sql)
    assert {(r["handle"], str(r["id"])): int(r["views_gained"]) for r in rows} == expected
    assert all(int(r["views"]) - int(r["previous_views"]) == int(r["views_gained"]) for r in rows)


def test_given_the_docs_then_every_marked_sql_block_is_one_a_test_runs() -> None:
    assert marked() == {(database, name) for database, names in RUN.items() for name in names}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_destination_matches_emulator(cache: Any, emu: Emulator, before: Before, json_types: Set[str],
                                        timestamp_types: Set[str]) -> None:
    schema = cache.schema_name
    table = cache.processor.get_sql_table_name("videos")
    qualified = f'"{schema}"."{table}"'

    rows = cache.run_sql_query(f"SELECT handle, id, CAST(stats->>'views' AS BIGINT) AS views, stats->>'views' AS views_text, "
                               f"stats->>'likes' AS likes_text FROM {qualified}")
    got: Dict[Tuple[str, str], int] = {}
    for row in rows:
        key = (row["handle"], str(row["id"]))
        assert key not in got, f"duplicate primary key {key}"
        got[key] = row["views"]
        assert re.fullmatch(r"\d+", row["views_text"]) and re.fullmatch(r"\d+", row["likes_text"]), row
    truth = before.expected_views(emu)
    assert set(got) == set(truth), f"missing {set(truth) - set(got)}, unexpected {set(got) - set(truth)}"
    assert got == truth  # fresh where the incremental sync read, including the counts changed after the first sync
    duplicates = cache.run_sql_query(f"SELECT handle, id FROM {qualified} GROUP BY handle, id HAVING COUNT(*) > 1")
    assert duplicates == []

    types = {r["column_name"]: r["data_type"].lower() for r in cache.run_sql_query(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = '{schema}' AND table_name = '{table}'")}
    assert types["createdat"] in timestamp_types
    assert types["details"] in json_types and types["stats"] in json_types and types["media"] in json_types
    assert types["durationms"] in {"bigint", "integer"}
    newest = cache.run_sql_query(f"SELECT MAX(createdat) AS newest FROM {qualified} WHERE handle = 'nasa.fan'")[0]["newest"]
    expected = max(datetime.fromisoformat(v["createdAt"].replace("Z", "+00:00")) for v in emu.videos("nasa.fan"))
    assert newest.replace(microsecond=0) == expected.replace(tzinfo=None, microsecond=0)  # UTC, as a naive TIMESTAMP


def test_given_duckdb_when_full_then_incremental_sync_then_table_equals_emulator(tmp_path: Path, emulator: Emulator) -> None:
    cache, before = sync_change_sync(emulator, parse_destination(str(tmp_path / "e2e.duckdb")))
    assert_destination_matches_emulator(cache, emulator, before, json_types={"json"}, timestamp_types={"timestamp"})
    # The docs' query as printed (its table `video_stats` is in DuckDB's default schema `main`), and
    # the same as the demo runs it and sums it per handle.
    from socialfetch_local.growth import GROWTH_PER_VIDEO, growth_per_handle

    printed = docs_sql("duckdb")["per-video"]
    assert set(docs_sql("duckdb")) == RUN["duckdb"]
    assert_growth_sql(lambda sql: [dict(r) for r in cache.run_sql_query(sql)], printed, emulator, before)
    assert printed.rstrip(";") == GROWTH_PER_VIDEO.format(table="video_stats")
    reread = before.reread()
    now = {(h, i): s["views"] for h in HANDLES for i, s in emulator.stats(h).items()}
    assert growth_per_handle(cache) == {
        handle: (sum(1 for k in reread if k[0] == handle), sum(now[k] - before.views[k] for k in reread if k[0] == handle))
        for handle in {h for h, _ in reread}}


def test_given_direct_read_then_every_record_matches_discovered_schema(emulator: Emulator) -> None:
    """Records read straight from the connector (no cache) satisfy the schema it discovers."""
    from socialfetch_local.environment import import_airbyte
    from socialfetch_local.sync import CONNECTOR, connector_executable

    airbyte = import_airbyte()
    source = airbyte.get_source(CONNECTOR, config={"api_key": emulator.api_key, "handles": ["pinned.creator", "nulls.creator"],
                                                   "base_url": emulator.base_url}, local_executable=connector_executable())
    catalog = {s.name: s.json_schema for s in source.discovered_catalog.streams}
    validator = jsonschema.Draft7Validator(catalog["videos"], format_checker=format_checker())
    dataset = source.get_records("videos")  # keep a reference: a dropped LazyDataset cancels its read
    records = [dict(r) for r in dataset]
    assert len(records) == len(emulator.videos("pinned.creator")) + len(emulator.videos("nulls.creator"))
    for record in records:
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, (record.get("id"), errors)


def postgres_or_skip() -> Any:
    import psycopg2

    try:
        return psycopg2.connect(connect_timeout=3, **PG)
    except psycopg2.OperationalError as error:
        reason = f"no PostgreSQL answers on {PG['host']}:{PG['port']} (database {PG['dbname']}): {str(error).strip()}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    connection = postgres_or_skip()
    connection.autocommit = True
    schema = f"sf_e2e_{uuid.uuid4().hex[:12]}"
    try:
        yield schema
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.close()


@pytest.mark.postgres
def test_given_postgres_when_full_then_incremental_sync_then_table_equals_emulator(emulator: Emulator, postgres_schema: str) -> None:
    url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{PG['dbname']}?schema={postgres_schema}"
    cache, before = sync_change_sync(emulator, parse_destination(url))
    assert_destination_matches_emulator(cache, emulator, before, json_types={"json", "jsonb"},
                                        timestamp_types={"timestamp without time zone"})
    import psycopg2.extras

    connection = psycopg2.connect(**PG)
    try:
        def run(sql: str) -> List[Dict[str, Any]]:
            with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                cursor.execute(sql)
                return [dict(r) for r in cursor.fetchall()]

        # The DuckDB query with the table named as in Postgres, as the docs say.
        printed = docs_sql("duckdb")["per-video"]
        assert_growth_sql(run, printed.replace("FROM video_stats", f"FROM {postgres_schema}.video_stats"), emulator, before)
    finally:
        connection.close()
    names: List[str] = [r["table_name"] for r in cache.run_sql_query(
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{postgres_schema}'")]
    assert "_airbyte_state" in names  # the incremental state lives in the destination itself
