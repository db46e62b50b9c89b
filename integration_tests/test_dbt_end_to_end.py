"""End to end: the emulator synced by `socialfetch-local-sync`'s code into DuckDB and Postgres over
several simulated days while its world changes (the clock moves and counts grow, videos are
published and deleted, a profile turns private), with `dbt build` after each sync. The tables
built sync by sync equal a full rebuild; the models are compared with the emulator's truth at each
sync: views on observed days, the sums, availability and since when, followers, and each
creator's last day; and the docs' queries on the models run as printed.

The connector runs on the emulator's clock (dbtkit/simulated_clock.py), so that capturedAt, the
reads' times and the profiles' load time fall on its simulated days. After every build the tables
equal a full rebuild of the same streams, late loads (a sync stamped before one already built) and
duplicate loads (records delivered twice) included.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

from integration_tests.dbtkit import simulated_clock
from integration_tests.dbtkit.docs_sql import RUN, docs_sql
from integration_tests.dbtkit.warehouses import PYAIRBYTE_DUCKDB, PYAIRBYTE_POSTGRES, DbtRun, Warehouse
from integration_tests.forkserver import forked_executable
from socialfetch_emulator import Emulator
from socialfetch_local.destinations import parse_destination
from socialfetch_local.environment import prepare_environment

HANDLES = ["daily.vlogger", "cook_with_kim"]
Key = Tuple[str, str]


def naive(instant: datetime) -> datetime:
    """As the destination stores it: UTC without a zone."""
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Recorded:
    """What the emulator served at each sync, and when each sync ran (destination time)."""

    windows: List[Tuple[datetime, datetime]] = field(default_factory=list)
    views: List[Dict[Key, int]] = field(default_factory=list)
    deleted: Dict[Key, int] = field(default_factory=dict)  # video -> index of the first sync after its deletion
    followers: List[Dict[str, int]] = field(default_factory=list)  # handle -> followers, per sync


def truth_views(emu: Emulator) -> Dict[Key, int]:
    return {(h, vid): s["views"] for h in HANDLES for vid, s in emu.stats(h).items()}


@pytest.fixture(scope="module", params=[
    # One worker per warehouse (an xdist_group each), so that the two stories run side by side.
    pytest.param("duckdb", marks=pytest.mark.xdist_group("dbt_end_to_end_duckdb")),
    pytest.param("postgres", marks=pytest.mark.xdist_group("dbt_end_to_end_postgres")),
])
def warehouse(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    directory = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "duckdb":
        made = Warehouse("duckdb", "main", "analytics", PYAIRBYTE_DUCKDB, path=directory / "e2e.duckdb")
    else:
        suffix = directory.name[-8:].replace("-", "_").lower()
        made = Warehouse("postgres", f"dbt_e2e_src_{suffix}", f"dbt_e2e_out_{suffix}", PYAIRBYTE_POSTGRES)
        made.drop()
    yield made
    made.drop()


def assert_equals_a_full_rebuild(warehouse: Warehouse, workdir: Path, step: int) -> None:
    """A full rebuild of the same streams into a schema of its own (`dbt run --full-refresh`) has
    the rows of every table the builds made incrementally. One workdir serves every rebuild, so
    dbt parses the package once; the data tests are left to the incremental builds (`dbt build`),
    whose rows these equal. On DuckDB in a process of its own, as the builds are: dbt-duckdb keeps
    the file locked in the process that ran it; on Postgres in this one (no dbt start-up to pay)."""
    rebuilt = warehouse.beside(f"{warehouse.target_schema}_full")
    rebuild = DbtRun(rebuilt, workdir / "rebuild")
    if warehouse.kind == "duckdb":
        rebuild.in_own_process("run", "--full-refresh")
    else:
        rebuild("run", "--full-refresh")
    built, full = warehouse.built_tables(), rebuilt.built_tables()
    for table in full:
        assert built[table] == full[table], f"{table} after build {step}"


def destination_of(warehouse: Warehouse) -> Any:
    if warehouse.kind == "duckdb":
        return parse_destination(str(warehouse.path))
    return parse_destination(f"postgres://postgres@127.0.0.1:5432/test?schema={warehouse.source_schema}")


@dataclass
class Story:
    """One warehouse's syncs on one emulator, built and compared with a full rebuild after each:
    the four syncs of the first test, which the second test continues with a late sync and a
    duplicate load (the two tests began with the same two syncs; sharing them saves a warehouse
    two syncs and two builds)."""

    warehouse: Warehouse
    workdir: Path
    emu: Emulator
    monkeypatch: pytest.MonkeyPatch
    connector: Path
    recorded: Recorded = field(default_factory=Recorded)
    starts: List[datetime] = field(default_factory=list)  # each sync's clock, on the emulator's
    builds: int = 0
    continued: bool = False  # the second test has loaded past the four syncs

    def load(self, clock: datetime) -> None:
        from socialfetch_local.sync import run_sync

        config = {"api_key": self.emu.api_key, "handles": HANDLES, "base_url": self.emu.base_url}
        self.monkeypatch.setenv(simulated_clock.ENV, clock.isoformat())
        run_sync(config, destination_of(self.warehouse), with_profiles=True, executable=self.connector).cache.close()

    def build(self) -> None:
        """After every load, as a scheduler runs it: the incremental models grow. In a process of
        its own, as the demo does (one process at a time opens a DuckDB file, and dbt-duckdb keeps
        its connection open in this one)."""
        from socialfetch_local.models import build_models

        self.builds += 1
        build_models(destination_of(self.warehouse), self.workdir / "dbt", schema=self.warehouse.target_schema)
        assert_equals_a_full_rebuild(self.warehouse, self.workdir, self.builds)

    def sync(self) -> None:
        """A sync at the emulator's now, what it served recorded, then a build."""
        start, began = self.emu.now, time.monotonic()
        self.load(start)
        self.starts.append(start)
        self.recorded.windows.append((naive(start), naive(start) + timedelta(seconds=time.monotonic() - began)))
        self.recorded.views.append(truth_views(self.emu))
        self.recorded.followers.append({h: self.emu.world.creator(h).followers for h in HANDLES})  # type: ignore[union-attr]
        self.build()


@pytest.fixture(scope="module")
def story(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """Four syncs over simulated days while the world changes: the clock moves and counts grow,
    videos are published and deleted, a profile turns private."""
    prepare_environment()
    workdir = tmp_path_factory.mktemp(f"e2e-story-{warehouse.kind}")
    with Emulator(dataset="demo") as emu, pytest.MonkeyPatch.context() as monkeypatch:
        made = Story(warehouse, workdir, emu, monkeypatch, forked_executable(simulated_clock.write_connector(workdir / "connector")))
        emu.advance(0.5)  # noon: no sync near midnight
        made.sync()
        emu.advance(1)
        emu.publish("cook_with_kim", 2)
        for vid in emu.delete_videos("daily.vlogger", 1, "recent"):
            made.recorded.deleted[("daily.vlogger", vid)] = 1
        made.sync()
        emu.advance(0.1)  # a second sync the same day: the day ends on its snapshots
        made.sync()
        emu.advance(2)
        for vid in emu.delete_videos("cook_with_kim", 1, "recent"):
            made.recorded.deleted[("cook_with_kim", vid)] = 3
        emu.set_private("daily.vlogger")
        made.sync()
        yield made


@pytest.mark.timeout(900)  # the story: eight connector launches and five dbt builds, about 2 min on an idle 2-core machine
def test_given_syncs_over_days_when_built_then_daily_views_availability_and_sums_match_the_emulator(story: Story) -> None:
    assert not story.continued, "this test reads the story as its four syncs left it: it runs before the late-sync test"
    warehouse, recorded = story.warehouse, story.recorded
    snapshots = warehouse.rows(f"SELECT handle, id, capturedat FROM {warehouse.source_schema}.video_stats")
    read_by: Dict[int, Set[Key]] = {}
    for row in snapshots:
        index = next(i for i, (start, end) in enumerate(recorded.windows) if start <= row["capturedat"] <= end)
        read_by.setdefault(index, set()).add((row["handle"], str(row["id"])))

    daily = warehouse.model("tiktok__video_daily", "handle, video_id, date_day")
    observed = [r for r in daily if r["is_observed"]]
    assert observed and len(observed) < len(daily), "expected days without a snapshot between the syncs"
    for row in observed:
        key = (row["handle"], row["video_id"])
        that_day = [i for i, (start, _) in enumerate(recorded.windows) if start.date() == row["date_day"] and key in read_by.get(i, ())]
        assert row["views"] == recorded.views[max(that_day)][key], (key, row["date_day"])
    firsts: Dict[Key, int] = {}
    gains: Dict[Key, int] = {}
    lasts: Dict[Key, int] = {}
    for row in daily:
        key = (row["handle"], row["video_id"])
        firsts.setdefault(key, row["views"])
        gains[key] = gains.get(key, 0) + row["views_gained"]
        lasts[key] = row["views"]
    assert all(gains[k] == lasts[k] - firsts[k] for k in gains)
    assert sum(gains.values()) > 0, "counts grew with the emulator's clock"

    profiles = warehouse.rows(f"SELECT _airbyte_extracted_at AS at FROM {warehouse.source_schema}.profiles")
    assert len(profiles) == 4 * len(HANDLES), "profiles are appended, one row per handle per sync"
    assert all(any(s <= p["at"] <= e for s, e in recorded.windows) for p in profiles), "loaded on the simulated clock"

    videos = {(r["handle"], r["video_id"]): r for r in warehouse.model("tiktok__videos")}
    private = {k for k in videos if k[0] == "daily.vlogger" and k not in recorded.deleted}
    expected = {**{k: (recorded.windows[i], "not_listed") for k, i in recorded.deleted.items()},
                **{k: (recorded.windows[3], "private") for k in private}}
    unavailable = {k for k, r in videos.items() if r["is_available"] is False}
    assert unavailable == set(expected)
    for key, ((start, end), reason) in expected.items():
        assert start <= videos[key]["unavailable_since"] <= end and videos[key]["unavailable_reason"] == reason, key
    assert all(r["is_available"] is True for k, r in videos.items() if k not in expected)

    creator = {(r["handle"], r["date_day"]): r for r in warehouse.model("tiktok__creator_daily")}
    day_ends = {start.date(): index for index, (start, _) in enumerate(recorded.windows)}  # a day's last sync
    for day, index in day_ends.items():
        for handle in HANDLES:
            assert creator[(handle, day)]["followers"] == recorded.followers[index][handle], (handle, day)
    last_day = recorded.windows[-1][0].date()
    for handle in HANDLES:
        known = [k for k in videos if k[0] == handle and k not in expected]
        assert creator[(handle, last_day)]["videos_available"] == len(known)
        assert creator[(handle, last_day)]["views"] == sum(lasts[k] for k in known)
    assert creator[("daily.vlogger", last_day)]["videos_available"] == 0

    # The docs' queries on the models, as printed (schema analytics: the target's here).
    printed = docs_sql("dbt")
    assert set(printed) == RUN["dbt"]

    def run(name: str) -> List[Dict[str, Any]]:
        return warehouse.rows(printed[name].replace("analytics.", f"{warehouse.target_schema}."))

    latest = max(r["date_day"] for r in daily)
    assert [(r["handle"], r["video_id"], r["views"], r["views_gained"]) for r in run("latest-day")] == sorted(
        [(r["handle"], r["video_id"], r["views"], r["views_gained"]) for r in daily if r["date_day"] == latest],
        key=lambda r: (-r[3], r[0], r[1]))
    fastest = sorted(gains, key=lambda k: (-gains[k], k))[:10]
    assert [((r["handle"], r["video_id"]), r["views_gained"], r["views_now"]) for r in run("fastest-videos")] == [
        (k, gains[k], videos[k]["views"]) for k in fastest]
    assert [(r["handle"], r["date_day"], r["views"], r["followers"]) for r in run("per-handle")] == [
        (h, d, creator[(h, d)]["views"], creator[(h, d)]["followers"]) for h, d in sorted(creator)]
    assert {(r["handle"], r["video_id"]): r["unavailable_reason"] for r in run("unavailable")} == {
        k: reason for k, (_, reason) in expected.items()}


@pytest.mark.timeout(900)
def test_given_a_late_sync_and_records_delivered_twice_when_built_after_each_load_then_every_table_equals_a_full_rebuild(
    story: Story,
) -> None:
    """After the story's syncs (each built and compared), a sync whose clock stands two hours
    before the last one (a connection that began earlier and finished later: its capturedAt, reads
    and load times are older than what was built), then every record of the last sync delivered
    again (exact duplicates, as append mode's at-least-once delivery may). dbt builds after each
    load; each time every table equals a full rebuild."""
    warehouse, last = story.warehouse, story.starts[-1]
    story.continued = True
    story.emu.advance(0.05)
    story.load(last - timedelta(hours=2))  # late: older than the build before
    story.build()
    source = warehouse.source_schema
    before = warehouse.rows(f"SELECT count(*) AS n FROM {source}.video_stats")[0]["n"]
    for stream in ("video_stats", "handle_reads", "profiles"):
        warehouse.execute(f"INSERT INTO {source}.{stream} SELECT * FROM {source}.{stream} "
                          f"WHERE _airbyte_extracted_at >= (SELECT max(_airbyte_extracted_at) FROM {source}.{stream}) - INTERVAL '1 hour'")
    assert warehouse.rows(f"SELECT count(*) AS n FROM {source}.video_stats")[0]["n"] > before
    tables = warehouse.built_tables()
    story.build()
    assert warehouse.built_tables() == tables, "records delivered twice changed a model row"
    late = naive(last - timedelta(hours=2))
    captured = warehouse.rows(f"SELECT min(capturedat) AS at FROM {source}.video_stats WHERE capturedat >= TIMESTAMP '{late}'")
    assert captured[0]["at"] < naive(last), "the late sync's snapshots are older than the last sync's"
