"""The dbt package off the normal path of loads, on real DuckDB and Postgres: records loaded late
(older capturedAt than what was built), two connections on one schema, records delivered twice,
videos no read decided, and a full refresh over raw tables that no longer hold the history. After
every build the incremental models equal a full rebuild of the same raw tables (or, for a
duplicate, a build of the raw tables without it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set

import pytest

from integration_tests.dbtkit.compared import Compared
from integration_tests.dbtkit.warehouses import (
    PYAIRBYTE_DUCKDB,
    PYAIRBYTE_POSTGRES,
    DbtRun,
    Warehouse,
    worker_warehouses,
)
from integration_tests.dbtkit.world import Sync, Video, create_streams, write_sync

SHAPES = {"duckdb": PYAIRBYTE_DUCKDB, "postgres": PYAIRBYTE_POSTGRES}
# Several dbt builds and full rebuilds each: minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
KINDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
T = datetime(2026, 11, 12, 0, 30)  # just after UTC midnight: an hour earlier is the day before

A1 = Video("ann", "a1", T - 10 * DAY, ("dance",))
A2 = Video("ann", "a2", T - 3 * DAY)
B1 = Video("bob", "b1", T - 8 * DAY, ("dance",))
B2 = Video("bob", "b2", T - DAY - 3 * HOUR)  # a video first known from a late load
C1 = Video("cat", "c1", T - 6 * DAY)
A3 = Video("ann", "a3", T - 9 * DAY)  # read, missed, then unread for days


@pytest.fixture
def warehouse_of(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str], Warehouse]]:
    """Warehouses named per worker (dbtkit/warehouses.py, worker_warehouses): every test after the
    first on a worker reuses dbt's parse of the package; `name` only says what the test makes."""
    factory = worker_warehouses(tmp_path_factory)
    make = next(factory)
    yield lambda kind, name: make(kind, SHAPES[kind])
    next(factory, None)


def views_gained(tables: Dict[str, List[Dict[str, Any]]], handle: Optional[str] = None) -> int:
    return sum(r["views_gained"] for r in tables["tiktok__creator_daily"] if handle in (None, r["handle"]))


def _load_bob_late(compared: Compared) -> Dict[str, List[Dict[str, Any]]]:
    """ann and bob synced and built; ann synced at T+1h and built; bob synced at T-1h (loaded after
    that build) and built. Every build compared with a full rebuild; the last one's tables."""
    create_streams(compared.warehouse)
    compared.load(Sync("s1", T - 2 * DAY).read("ann", {A1: 100, A2: 10}, None).read("bob", {B1: 500}, None)
                  .profile("ann", "found", 10).profile("bob", "found", 20))
    compared.build_and_compare()
    compared.load(Sync("s2a", T + HOUR).read("ann", {A1: 150, A2: 30}, None).profile("ann", "found", 12))
    compared.build_and_compare()
    compared.load(Sync("s2b", T - HOUR).read("bob", {B1: 560, B2: 40}, None).profile("bob", "found", 25))
    return compared.build_and_compare()


@pytest.mark.parametrize("kind", KINDS)
def test_given_a_handle_loaded_after_a_newer_one_was_built_then_its_snapshots_enter_and_equal_a_full_rebuild(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """Sync handle ann with the clock at T+1h and build; then sync bob at T (its records stamped T,
    loaded after the build) and build: bob's snapshots, one of a video first known from it, enter
    the models, and every table equals a full rebuild after every build."""
    compared = Compared(warehouse_of(kind, "late"), tmp_path)
    tables = _load_bob_late(compared)

    videos = {r["video_id"]: r for r in tables["tiktok__videos"]}
    assert (videos["b1"]["views"], videos["b2"]["views"], videos["b2"]["is_available"]) == (560, 40, True)
    daily = {(r["video_id"], r["date_day"]): r for r in tables["tiktok__video_daily"]}
    assert daily[("b1", (T - HOUR).date())]["views_gained"] == 60
    assert views_gained(tables, "bob") == 60
    published = {(r["handle"], r["date_day"]): r["videos_published"] for r in tables["tiktok__creator_daily"]}
    assert published[("bob", B2.created_at.date())] == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", KINDS)
def test_given_two_connections_on_one_schema_when_their_syncs_overlap_then_every_build_equals_a_full_rebuild(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """Connection 1 reads ann and cat, connection 2 reads bob and ann: each loads its sync when it
    ends, so a sync that began earlier lands after one that began later, on the same handle too
    (ann's earlier snapshot lands after its later one, across a UTC midnight)."""
    compared = Compared(warehouse_of(kind, "two"), tmp_path)
    create_streams(compared.warehouse)
    one = [Sync("c1-1", T - DAY).read("ann", {A1: 100, A2: 10}, None).read("cat", {C1: 5}, None).profile("ann", "found", 10),
           Sync("c1-2", T + 2 * HOUR).read("ann", {A1: 170, A2: 31}, None).read("cat", {C1: 9}, None).profile("cat", "found", 3)]
    two = [Sync("c2-1", T - DAY + HOUR).read("bob", {B1: 500}, None).read("ann", {A1: 110, A2: 12}, None),
           Sync("c2-2", T - 2 * HOUR).read("bob", {B1: 520, B2: 7}, None).read("ann", {A1: 140, A2: 20}, None)
           .profile("bob", "found", 30)]
    for sync in (one[0], two[0], one[1], two[1]):  # two[1] began before one[1] and ends after it
        compared.load(sync)
        compared.build_and_compare()
    tables = compared.build_unchanged()  # nothing new: nothing moves
    daily = [(r["date_day"], r["views"], r["views_gained"]) for r in tables["tiktok__video_daily"] if r["video_id"] == "a1"]
    assert sorted(daily) == [((T - DAY).date(), 140, 0), (T.date(), 170, 30)]  # the 11th ends on c2-2's 140


@pytest.mark.parametrize("kind", KINDS)
def test_given_a_late_snapshot_between_built_ones_then_the_video_lifecycle_equals_a_full_rebuild(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """video_lifecycle is incremental: a snapshot loaded late, between two built ones, moves the day-1
    views of the video whose moment it now straddles (w1) and the peak day of the one whose built
    peak day it rebuilds (v1), and leaves v1's day-1 views, whose moment is before it, as built."""
    v1, w1 = Video("dan", "v1", T - 3 * DAY - 2 * HOUR), Video("dan", "w1", T - 2 * DAY - 2 * HOUR)
    compared = Compared(warehouse_of(kind, "lifecycle"), tmp_path)
    create_streams(compared.warehouse)
    s1, late = T - 2 * DAY + HOUR, T - 11 * HOUR  # late: within the lookback of the mark T
    for sync in (Sync("s0", T - 3 * DAY + HOUR).read("dan", {v1: 50}, None),
                 Sync("s1", s1).read("dan", {v1: 100, w1: 10}, None), Sync("s2", T).read("dan", {v1: 1000, w1: 100}, None),
                 Sync("late", late).read("dan", {v1: 500, w1: 60}, None)):
        compared.load(sync)
        tables = compared.build_and_compare()
    lifecycle = {r["video_id"]: r for r in tables["int_socialfetch_tiktok__video_lifecycle"]}
    assert (lifecycle["v1"]["views_day_1"], lifecycle["v1"]["peak_day"], lifecycle["v1"]["peak_day_views_gained"]) == (
        round(50 + 50 * 21 / 24), T.date(), 500)
    moment = w1.created_at + DAY  # type: ignore[operator]
    assert lifecycle["w1"]["views_day_1"] == round(10 + 50 * (moment - s1) / (late - s1))
    assert (lifecycle["w1"]["peak_day"], lifecycle["w1"]["peak_day_views_gained"]) == (late.date(), 50)


@pytest.mark.parametrize("kind", KINDS)
def test_given_records_delivered_twice_then_no_model_row_changes(kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """Append mode delivers at least once: every record of some syncs lands twice (exact
    duplicates). The build passes its tests, and every table equals the one built from the
    records delivered once; built after every sync, it equals a full rebuild."""
    syncs = [Sync("d1", T - 2 * DAY).read("ann", {A1: 100, A2: 10}, None).profile("ann", "found", 10),
             Sync("d2", T - DAY).read("ann", {A1: 120}, None).profile("ann", "found", 11),
             Sync("d3", T).read("ann", {A1: 130, A2: 15}, None).profile("ann", "found", 11)]
    once = warehouse_of(kind, "once")
    create_streams(once)
    for sync in syncs:
        write_sync(once, sync)
    DbtRun(once, tmp_path / "once")("build")

    compared = Compared(warehouse_of(kind, "twice"), tmp_path)
    create_streams(compared.warehouse)
    for sync in syncs:
        compared.load(sync, twice=sync.sync_id != "d1")
        tables = compared.build_and_compare()
    assert tables == once.built_tables()
    assert len(compared.warehouse.rows(f"SELECT * FROM {compared.warehouse.source_schema}.video_stats")) == 2 + 2 * 1 + 2 * 2


@pytest.mark.parametrize("kind", KINDS)
def test_given_videos_no_read_decided_then_is_available_is_null_not_true(kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """a2's only snapshot was loaded before 0.3.0 (no readId, no read): no read has listed it, and
    the 0.3.0 read after it does not cover its createdAt. a1 was listed by that read. After a reset
    of video_stats and handle_reads (a refresh that removes records), a video known only from its
    videos record is undecided too."""
    warehouse = warehouse_of(kind, "undecided")
    create_streams(warehouse)
    write_sync(warehouse, Sync("old", T - 2 * DAY).read("ann", {A1: 100, A2: 10}, None), with_handle_reads=False)
    warehouse.execute(f"UPDATE {warehouse.source_schema}.video_stats SET readid = NULL")
    write_sync(warehouse, Sync("new", T).read("ann", {A1: 120}, T - 2 * DAY))
    dbt = DbtRun(warehouse, tmp_path / "dbt")
    dbt("build")
    videos = {r["video_id"]: r for r in warehouse.model("tiktok__videos")}
    assert (videos["a1"]["is_available"], videos["a2"]["is_available"]) == (True, None)

    write_sync(warehouse, Sync("after-reset", T + DAY).read("bob", {B1: 5}, None), replace_facts=True)
    dbt("build", "--full-refresh", extra_vars={"socialfetch_allow_history_loss": True})
    videos = {r["video_id"]: r for r in warehouse.model("tiktok__videos")}
    assert (videos["a1"]["is_available"], videos["a2"]["is_available"], videos["b1"]["is_available"]) == (None, None, True)


def _history(merge_profiles: bool) -> List[Sync]:
    """Two syncs two days apart, each built: the day between them is carried forward, and every
    day before the last sync is history a merged or overwritten raw table no longer holds."""
    return [Sync("h1", T - 2 * DAY).read("ann", {A1: 100, A2: 10}, None).profile("ann", "found", 10),
            Sync("h3", T).read("ann", {A1: 130, A2: 15}, None).profile("ann", "found", 13)]


@pytest.mark.parametrize("kind", KINDS)
def test_given_append_only_raw_tables_when_fully_refreshed_then_it_runs_and_keeps_every_row(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    warehouse = warehouse_of(kind, "append")
    create_streams(warehouse)
    dbt = DbtRun(warehouse, tmp_path / "dbt")
    for sync in _history(False):
        write_sync(warehouse, sync)
        dbt("build")
    built = warehouse.built_tables()
    dbt("build", "--full-refresh")
    assert warehouse.built_tables() == built


@pytest.mark.parametrize("layout", ["profiles-merged", "facts-overwritten"])
@pytest.mark.parametrize("kind", KINDS)
def test_given_raw_tables_that_lost_history_when_fully_refreshed_then_it_refuses_naming_the_table(
        kind: str, layout: str, warehouse_of: Any, tmp_path: Path) -> None:
    """profiles merged on handle (PyAirbyte's default write, Overwrite + Deduped) keep only the
    latest record; video_stats and handle_reads overwritten (or reset by a refresh that removes
    records) keep only the last sync. A full refresh would drop the followers, days and misses
    built before: it refuses, naming the tables, and leaves them as they were; with
    socialfetch_allow_history_loss it rebuilds from what is left."""
    warehouse = warehouse_of(kind, layout)
    create_streams(warehouse)
    dbt = DbtRun(warehouse, tmp_path / "dbt")
    for sync in _history(True):
        write_sync(warehouse, sync, merge_profiles=layout == "profiles-merged", replace_facts=layout == "facts-overwritten")
        dbt("build")
    built = warehouse.built_tables()

    result = dbt("build", "--full-refresh", expect_success=False)
    assert not result.success
    message = str(result.exception)
    table = "tiktok__creator_daily" if layout == "profiles-merged" else "tiktok__video_daily"
    assert "Refusing --full-refresh" in message and table in message, message
    assert warehouse.built_tables() == built, "a refused full refresh touched a table"

    dbt("build", "--full-refresh", extra_vars={"socialfetch_allow_history_loss": True})
    assert warehouse.built_tables() != built


# BigQuery replaces whole days (insert_overwrite on date_day partitions); this var runs the same
# partition-complete SELECT here, with delete+insert on date_day: every row of a day it returns is
# replaced (macros/strategies.sql).
PARTITION_OVERWRITE = {"socialfetch_partition_overwrite_test": True}


@pytest.mark.parametrize("kind", KINDS)
def test_given_builds_that_replace_whole_days_when_loads_are_late_and_twice_then_every_build_equals_a_full_rebuild(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """The daily models as BigQuery builds them: each incremental run replaces every row of the days
    it rebuilds, so it must return the other handles' and videos' rows of those days as they were.
    Handle bob loaded late onto days ann's rows are on, then ann's records delivered twice: after
    every build the tables equal a full rebuild."""
    compared = Compared(warehouse_of(kind, "overwrite"), tmp_path, dbt_vars=PARTITION_OVERWRITE)
    _load_bob_late(compared)
    compared.load(Sync("s3", T + DAY).read("ann", {A1: 170}, None).profile("ann", "found", 13), twice=True)
    tables = compared.build_and_compare()

    # The check bites: the days bob's late load rebuilt hold ann's rows too, which a run that
    # returned only bob's rows would have deleted.
    handles_on: Dict[Any, Set[str]] = {}
    for row in tables["tiktok__creator_daily"]:
        handles_on.setdefault(row["date_day"], set()).add(row["handle"])
    assert handles_on[(T - HOUR).date()] == {"ann", "bob"}
    assert views_gained(tables, "bob") == 60


# A Monday: the hour before it is in the week before and in the month before (May 2026).
MONDAY = datetime(2026, 6, 1, 0, 30)


def _rollup(tables: Dict[str, List[Dict[str, Any]]], table: str, key: str, value: Any, start: str, day: Any) -> Dict[str, Any]:
    rows = [r for r in tables[table] if r[key] == value and r[start] == day]
    assert len(rows) == 1, (table, value, day, rows)
    return rows[0]


@pytest.mark.parametrize("kind", KINDS)
def test_given_built_rollups_when_a_late_snapshot_lands_in_a_past_week_and_a_video_changes_its_groups_then_they_equal_a_full_rebuild(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """The weekly, monthly and daily rollups are incremental: a snapshot loaded late onto a week and
    a month already built (Sunday 23:30, after Monday's build) rebuilds those periods, not only the
    newest; and a video whose hashtags and sound change moves from its old groups to its new ones
    in every period it has, though nothing new is loaded for those periods."""
    d1, d2 = Video("dan", "d1", MONDAY - 6 * DAY, ("dance",)), Video("dan", "d2", MONDAY - 6 * DAY, ("cook",), music="m2")
    compared = Compared(warehouse_of(kind, "rollups"), tmp_path)
    create_streams(compared.warehouse)
    compared.load(Sync("s0", MONDAY - 5 * DAY).read("dan", {d1: 100, d2: 50}, None).profile("dan", "found", 10))
    compared.build_and_compare()
    compared.load(Sync("s1", MONDAY).read("dan", {d1: 300, d2: 80}, None))
    compared.build_and_compare()
    compared.load(Sync("late", MONDAY - HOUR).read("dan", {d1: 250}, None))  # within the lookback of the mark
    tables = compared.build_and_compare()

    may, last_week = (MONDAY - DAY).date().replace(day=1), (MONDAY - 7 * DAY).date()
    assert _rollup(tables, "tiktok__hashtag_weekly", "hashtag", "dance", "week_start", last_week)["views_gained"] == 150
    assert _rollup(tables, "tiktok__hashtag_monthly", "hashtag", "dance", "month_start", may)["views_gained"] == 150
    assert _rollup(tables, "tiktok__creator_weekly", "handle", "dan", "week_start", last_week)["views_gained"] == 150
    assert _rollup(tables, "tiktok__music_daily", "music_id", "m1", "date_day", (MONDAY - HOUR).date())["views_gained"] == 150

    compared.load(Sync("s2", MONDAY + DAY).read("dan", {d1: 320, d2: 90}, None))  # the late load leaves the lookback
    compared.build_and_compare()
    moved = Video("dan", "d2", d2.created_at, ("dance",), music="m1")  # a caption edit: new tags, another sound
    compared.load(Sync("s3", MONDAY + 2 * DAY).read("dan", {d1: 330, moved: 95}, None))
    tables = compared.build_and_compare()
    assert {r["hashtag"] for r in tables["tiktok__hashtag_weekly"]} == {"dance"}
    assert _rollup(tables, "tiktok__hashtag_weekly", "hashtag", "dance", "week_start", last_week)["videos"] == 2
    assert {r["music_id"] for r in tables["tiktok__music_weekly"]} == {"m1"}


def _load_back_after_days(compared: Compared) -> Dict[str, List[Dict[str, Any]]]:
    """ann's a3 is read on day -6, missed on day -5, unread until day 0; bob's sync of day -3 is
    loaded on day 0, with ann's sync of that day. Every build compared with a full rebuild."""
    create_streams(compared.warehouse)
    for sync in (Sync("s0", T - 6 * DAY).read("ann", {A1: 100, A3: 10}, None).read("bob", {B1: 500}, None),
                 Sync("s1", T - 5 * DAY).read("ann", {A1: 120}, None).read("bob", {B1: 510}, None),
                 Sync("s3", T - DAY).read("ann", {A1: 150}, None)):
        compared.load(sync)
        compared.build_and_compare()
    compared.load(Sync("s4", T).read("ann", {A1: 170, A3: 40}, None))
    compared.load(Sync("s2", T - 3 * DAY).read("bob", {B1: 530}, None), extracted_at=T + HOUR)
    return compared.build_and_compare()


@pytest.mark.parametrize("kind", KINDS)
def test_given_a_video_back_after_days_unread_and_a_sync_loaded_days_late_then_every_build_equals_a_full_rebuild(
        kind: str, warehouse_of: Any, tmp_path: Path) -> None:
    """An incremental run reads only the days its loads touch, from bounds it reads first (issue 29):
    a video whose last built day is days before the first day loaded (a3, back after days unread)
    still continues from that day, and a sync loaded days after it ran, with a newer one, moves its
    own days and reads: every table equals a full rebuild."""
    tables = _load_back_after_days(Compared(warehouse_of(kind, "bounds"), tmp_path))

    a3 = sorted((r["date_day"], r["views"], r["views_gained"], r["is_last_day"])
                for r in tables["tiktok__video_daily"] if r["video_id"] == "a3")
    assert len(a3) == 7 and a3[0] == ((T - 6 * DAY).date(), 10, 0, False) and a3[-1] == (T.date(), 40, 30, True)
    b1 = {r["date_day"]: r["views"] for r in tables["tiktok__video_daily"] if r["video_id"] == "b1"}
    assert (b1[(T - 3 * DAY).date()], b1[(T - 4 * DAY).date()]) == (530, 510)
    misses = {(r["video_id"], r["sync_id"]) for r in tables["int_socialfetch_tiktok__read_misses"] if r["read_id"] is not None}
    assert misses == {("a3", "s1")}
