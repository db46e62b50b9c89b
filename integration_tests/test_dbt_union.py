"""The dbt package on several connections at once (issue 30): three shards of one handle list,
synced from the emulator over HTTP into a schema each, and one unsharded sync of the same handles
into a fourth, all at the same emulator clock. The models are built on the union of all four
schemas (`socialfetch_union_schemas`, with a fifth listed schema that has no tables yet), so every
handle is there twice, under two source_relations that must not mix: the shards' rows equal the
rows of the models built on the unsharded schema alone, and so do the unsharded schema's rows,
but for `source_relation` and the syncs' random ids. After a second day of syncs (a video
published, one deleted, a profile turned private) the incremental build on the union equals a full
rebuild of it. On real DuckDB and Postgres."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

from integration_tests.dbtkit.warehouses import (
    BUILT_TABLES,
    PYAIRBYTE_DUCKDB,
    PYAIRBYTE_POSTGRES,
    STREAM_COLUMNS,
    DbtRun,
    Warehouse,
)
from integration_tests.dbtkit.world import Sync, Video, create_streams, write_sync
from integration_tests.syncs import Syncs, reads_catalog, rows
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.shard import shard_of
from source_socialfetch_tiktok.timeutil import parse_instant

SHARDS = 3
# The staging views too: every model of the package but the day spine, which is one calendar.
MODELS = {**BUILT_TABLES, "_stg_socialfetch_tiktok": (
    "stg_socialfetch_tiktok__videos", "stg_socialfetch_tiktok__video_stats",
    "stg_socialfetch_tiktok__handle_reads", "stg_socialfetch_tiktok__profiles")}
# Random per sync: a shard's reads and the unsharded sync's reads of one handle differ only in them.
SYNC_IDS = {"read_id", "sync_id"}


def catalog_with_profiles() -> ConfiguredAirbyteCatalog:
    built = reads_catalog()
    built.streams += CatalogBuilder().with_stream("profiles", SyncMode.full_refresh).build().streams
    return built


def as_loaded(stream: str, record: Mapping[str, Any]) -> Dict[str, Any]:
    """A record as PyAirbyte stores it: timestamps as UTC without a zone."""
    kinds = dict(STREAM_COLUMNS[stream])
    loaded = dict(record)
    for name, kind in kinds.items():
        if kind == "timestamp" and isinstance(loaded.get(name), str):
            instant = parse_instant(loaded[name])
            loaded[name] = instant.astimezone(timezone.utc).replace(tzinfo=None) if instant else None
    return loaded


@dataclass
class Connection:
    """One Airbyte connection: its syncs (its own state) and the schema it loads."""

    syncs: Syncs
    schema: Warehouse

    def sync_and_load(self, loaded_at: datetime) -> EntrypointOutput:
        output = self.syncs.sync(catalog_with_profiles())
        for stream in STREAM_COLUMNS:
            self.schema.insert(stream, [as_loaded(stream, r) for r in rows(output, stream)], loaded_at)
        return output


@dataclass
class Story:
    """The models built three ways on one warehouse: on the union incrementally (after each day's
    syncs), on the union in one full build, and on the unsharded schema."""

    union_incremental: Warehouse
    union_full: Warehouse
    single: Warehouse
    shard_schemas: List[str]
    unsharded_schema: str
    handles: List[str]


def warehouse_named(kind: str, directory: Path, prefix: str, source: str, target: str) -> Warehouse:
    shape = PYAIRBYTE_DUCKDB if kind == "duckdb" else PYAIRBYTE_POSTGRES
    return Warehouse(kind, f"{prefix}_{source}", f"{prefix}_{target}", shape,
                     path=directory / "union.duckdb" if kind == "duckdb" else None)


def one_day_later(emu: Emulator, handles: List[str]) -> None:
    emu.advance(1)
    emu.publish(handles[0], 2)
    emu.delete_videos(handles[1], 1, "recent")
    emu.set_private(handles[2])


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def story(request: Any, tmp_path_factory: Any) -> Iterator[Story]:
    kind = request.param
    directory = tmp_path_factory.mktemp(f"union_{kind}")
    prefix = f"dbt_union_{uuid.uuid4().hex[:8]}"
    shard_schemas = [f"{prefix}_shard_{i}" for i in range(SHARDS)]
    # shard_new: listed before its connection's first sync (no tables yet).
    listed = [*shard_schemas, f"{prefix}_shard_new", f"{prefix}_all"]
    single = warehouse_named(kind, directory, prefix, "all", "single")
    union_incremental = warehouse_named(kind, directory, prefix, "shard_0", "union_inc")
    union_full = warehouse_named(kind, directory, prefix, "shard_0", "union_full")
    union_incremental.execute(f"CREATE SCHEMA IF NOT EXISTS {prefix}_shard_new")
    try:
        with Emulator(dataset="gen:6x8") as emu:
            handles = emu.handles()
            assert {shard_of(h, SHARDS) for h in handles} == set(range(SHARDS)), "every shard reads a handle"
            connections = [Connection(Syncs(emu, handles), single)] + [
                Connection(Syncs(emu, handles, shard={"count": SHARDS, "index": i}),
                           warehouse_named(kind, directory, prefix, f"shard_{i}", "unused"))
                for i in range(SHARDS)]
            for connection in connections:
                create_streams(connection.schema)
            # Lookback 0: the loads never overlap here, and a second build then takes only the
            # second day's loads (with the default 12 hours it would take the first day's again).
            union_vars = {"socialfetch_union_schemas": listed, "socialfetch_lookback_hours": 0}
            for day in range(2):
                if day:
                    one_day_later(emu, handles)
                loaded_at = emu.now.astimezone(timezone.utc).replace(tzinfo=None)
                for connection in connections:
                    connection.sync_and_load(loaded_at)
                DbtRun(union_incremental, directory / "inc")("build", extra_vars=union_vars)
        DbtRun(union_full, directory / "full")("run", extra_vars=union_vars)
        DbtRun(single, directory / "single")("run")
        yield Story(union_incremental, union_full, single, shard_schemas, single.source_schema, handles)
    finally:
        if kind == "postgres":
            Warehouse(kind, f"{prefix}_none", prefix, PYAIRBYTE_POSTGRES).drop()


def model_rows(warehouse: Warehouse, leave_out: Tuple[str, ...] = (),
               sources: Optional[List[str]] = None) -> Dict[str, List[Dict[str, Any]]]:
    """Every model's rows in a stable order, without the `leave_out` columns; only those of
    `sources` when given (and the rows of no source: read_misses' checkpoint, the day spine)."""
    tables: Dict[str, List[Dict[str, Any]]] = {}
    for suffix, names in MODELS.items():
        for name in names:
            found = warehouse.rows(f"SELECT * FROM {warehouse.target_schema}{suffix}.{name}")
            if sources is not None:
                found = [r for r in found if r.get("source_relation") in (*sources, None)]
            tables[name] = sorted(({k: v for k, v in r.items() if k not in leave_out} for r in found), key=repr)
    return tables


def source_relations(warehouse: Warehouse, model: str) -> Dict[str, Optional[str]]:
    return {r["handle"]: r["source_relation"] for r in warehouse.model(model)}


def test_given_3_shards_in_3_schemas_when_unioned_then_every_model_equals_the_unsharded_sync(story: Story) -> None:
    leave_out = ("source_relation", *sorted(SYNC_IDS))
    single = model_rows(story.single, leave_out)
    shards = model_rows(story.union_full, leave_out, story.shard_schemas)
    unsharded = model_rows(story.union_full, leave_out, [story.unsharded_schema])
    assert single["tiktok__videos"] and single["int_socialfetch_tiktok__read_misses"], "the story has videos and misses"
    assert any(r["followers"] is not None for r in single["tiktok__creator_daily"])
    for name in single:
        assert shards[name] == single[name], name
        assert unsharded[name] == single[name], name
    # Each row names the schema that loaded it: a handle's shard, or the unsharded one; one schema: ''.
    by_handle: Dict[str, set] = {}
    for row in story.union_full.model("tiktok__videos"):
        by_handle.setdefault(row["handle"], set()).add(row["source_relation"])
    assert by_handle == {h: {story.shard_schemas[shard_of(h, SHARDS)], story.unsharded_schema} for h in story.handles}
    assert set(source_relations(story.single, "tiktok__creator_daily").values()) == {""}


def test_given_a_second_day_of_shard_syncs_when_built_incrementally_then_it_equals_a_full_rebuild(story: Story) -> None:
    incremental, full = model_rows(story.union_incremental), model_rows(story.union_full)
    unavailable = [r for r in full["tiktok__videos"] if r["is_available"] is False]
    assert {r["unavailable_reason"] for r in unavailable} == {"not_listed", "private"}, "the second day changed the story"
    for name in full:
        assert incremental[name] == full[name], name


def test_given_a_shard_loaded_before_030_beside_a_current_one_when_unioned_then_its_missing_columns_are_null(
    tmp_path: Path,
) -> None:
    """Two places of different versions: one without handle_reads, readId or the parsed fields
    (loaded before 0.3.0), one current. The union has every column; the old place's are null."""
    old = Warehouse("duckdb", "tiktok_old", "models", PYAIRBYTE_DUCKDB, path=tmp_path / "mixed.duckdb")
    current = Warehouse("duckdb", "tiktok_current", "models", PYAIRBYTE_DUCKDB, path=old.path)
    create_streams(old, with_handle_reads=False, pre_030=True)
    create_streams(current)
    at = datetime(2026, 11, 10, 12)
    write_sync(old, Sync("s1", at).read("ana", {Video("ana", "1", at - timedelta(days=3), ("old",)): 10}, None),
               with_handle_reads=False)
    write_sync(current, Sync("s2", at).read("bo", {Video("bo", "2", at - timedelta(days=3), ("new",)): 20}, None))
    DbtRun(old, tmp_path / "dbt")("build", extra_vars={"socialfetch_union_schemas": ["tiktok_old", "tiktok_current"]})

    videos = {r["video_id"]: r for r in old.model("tiktok__videos")}
    assert (videos["1"]["source_relation"], videos["1"]["hashtags"], videos["1"]["is_available"]) == ("tiktok_old", None, None)
    assert (videos["2"]["source_relation"], videos["2"]["is_available"]) == ("tiktok_current", True)
    assert "new" in videos["2"]["hashtags"]
