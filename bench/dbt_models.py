"""The dbt package on a synthetic DuckDB destination: `dbt build` from nothing, then one more sync
and `dbt build` again (incremental), side by side in one run, with the dbt process's peak memory.

    python -m bench.dbt_models                       # 1,000 handles x 200 videos x 30 syncs
    python -m bench.dbt_models --handles 50 --syncs 10
    python -m bench.dbt_models --write               # and its section of bench/results.md
    python -m bench.dbt_models --history --write     # read_misses and incremental node times after
                                                     # 10 and 40 syncs (50 handles x 20 videos)

The destination is written as PyAirbyte writes it (lower-case columns, JSON, TIMESTAMP), every
video read at every sync (the most snapshots a destination of that size can hold), one
handle_reads part per handle per sync covering its whole list, profiles appended; 2% of the videos
are deleted part-way, 1% of the handles turn private, some counts go down, 1% of the videos have
no createdAt. Target: the incremental build takes at most 0.1x the full one.

Each build is `dbt build` in a process of its own, as a user runs it, with one target/ directory
kept between the builds as a user's project keeps it (so dbt parses the package once and reuses
its manifest). After the incremental build, a third build with nothing new shows dbt's fixed cost
(start, parse, every node, the data tests over whole tables), a fourth that selects no node shows
dbt's start-up and parsing alone, and a full rebuild into another
schema is compared row by row with the incremental models: they must be equal.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import duckdb

from bench.own_usage import read_usage, wrapped
from bench.sections import load_note, write_section

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dbt_socialfetch_tiktok"
ANCHOR = "TIMESTAMP '2026-10-01 08:00:00'"
TARGET_RATIO = 0.1
SCHEMA, REBUILD_SCHEMA = "analytics", "rebuild"
INTERMEDIATE = "_int_socialfetch_tiktok"  # the intermediate models' schema suffix
# Every table the builds write, by the schema suffix it lives in: compared after the rebuild.
COMPARED = {"": ["tiktok__videos", "tiktok__video_daily", "tiktok__creator_daily", "tiktok__hashtags"],
            INTERMEDIATE: ["int_socialfetch_tiktok__video_snapshots", "int_socialfetch_tiktok__read_misses",
                           "int_socialfetch_tiktok__video_availability", "int_socialfetch_tiktok__profile_status",
                           "int_socialfetch_tiktok__day_spine"]}


def create_tables(db: duckdb.DuckDBPyConnection) -> None:
    meta = "_airbyte_raw_id VARCHAR, _airbyte_extracted_at TIMESTAMP, _airbyte_meta JSON"
    db.execute(f"""
        CREATE TABLE videos (handle VARCHAR, id VARCHAR, caption VARCHAR, createdat TIMESTAMP, url VARCHAR,
            thumbnailurl VARCHAR, durationms BIGINT, pinned BOOLEAN, isad BOOLEAN, stats JSON, media JSON,
            details JSON, hashtags JSON, mentions JSON, music JSON, {meta});
        CREATE TABLE video_stats (handle VARCHAR, id VARCHAR, createdat TIMESTAMP, capturedat TIMESTAMP,
            views BIGINT, likes BIGINT, comments BIGINT, shares BIGINT, saves BIGINT, readid VARCHAR, {meta});
        CREATE TABLE handle_reads (readid VARCHAR, syncid VARCHAR, handle VARCHAR, part VARCHAR,
            startedat TIMESTAMP, endedat TIMESTAMP, pages BIGINT, videos BIGINT, outcome VARCHAR,
            coveredfrom TIMESTAMP, coveredto TIMESTAMP, {meta});
        CREATE TABLE profiles (handle VARCHAR, lookupstatus VARCHAR, profile JSON, metrics JSON, {meta});
    """)


def add_syncs(db: duckdb.DuckDBPyConnection, handles: int, videos: int, first: int, last: int,
              deleted_at_sync: int | None = 20) -> None:
    """Syncs first..last (one a day): snapshots, reads, profiles appended, videos replaced; 2% of
    the videos are deleted at sync `deleted_at_sync` (None: none is)."""
    deleted_at = "NULL" if deleted_at_sync is None else str(int(deleted_at_sync))
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE syncs AS
        SELECT s, {ANCHOR} + to_days(s) AS at FROM range({first}, {last} + 1) t(s);
        CREATE OR REPLACE TEMP TABLE catalog AS
        SELECT 'creator' || h AS handle, h, v, CAST(h * 1000 + v AS VARCHAR) AS id,
               CASE WHEN v % 97 = 0 THEN NULL ELSE {ANCHOR} - to_minutes(CAST(v * 700 + h % 60 AS BIGINT)) END AS createdat,
               (h * 7919 + v * 104729) % 50000 AS base,
               CASE WHEN v % 50 = 7 THEN {deleted_at} END AS deleted_at_sync,
               h % 100 = 5 AS goes_private
        FROM range({handles}) a(h), range({videos}) b(v);
        CREATE OR REPLACE TEMP TABLE listed AS
        SELECT c.*, s.s, s.at + to_seconds(CAST(c.h % 600 AS BIGINT)) AS captured,
               c.base + 40 * s.s * (1 + c.v % 5) - CASE WHEN (c.v + s.s) % 31 = 0 THEN 25 ELSE 0 END AS views
        FROM catalog c, syncs s
        WHERE (c.deleted_at_sync IS NULL OR s.s < c.deleted_at_sync) AND NOT (c.goes_private AND s.s >= 25);
        INSERT INTO video_stats
        SELECT handle, id, createdat, captured, views, views // 10, views // 100, views // 1000, views // 500,
               handle || '-' || s, uuid(), captured, '{{}}' FROM listed;
        INSERT INTO handle_reads
        SELECT 'creator' || h || '-' || s.s, 's' || s.s, 'creator' || h, 'full_refresh',
               s.at + to_seconds(CAST(h % 600 AS BIGINT)), s.at + to_seconds(CAST(h % 600 + 2 AS BIGINT)),
               CASE WHEN h % 100 = 5 AND s.s >= 25 THEN 0 ELSE 7 END, 0,
               CASE WHEN h % 100 = 5 AND s.s >= 25 THEN 'empty' ELSE 'completed' END,
               NULL, CASE WHEN h % 100 = 5 AND s.s >= 25 THEN NULL ELSE s.at + to_seconds(CAST(h % 600 AS BIGINT)) END,
               uuid(), s.at, '{{}}'
        FROM range({handles}) a(h), syncs s;
        INSERT INTO profiles
        SELECT 'creator' || h, CASE WHEN h % 100 = 5 AND s.s >= 25 THEN 'private' ELSE 'found' END, NULL,
               json_object('followers', 1000 + h + 13 * s.s), uuid(), s.at + to_seconds(CAST(h % 600 AS BIGINT)), '{{}}'
        FROM range({handles}) a(h), syncs s;
        DELETE FROM videos WHERE (handle, id) IN (SELECT handle, id FROM listed);
        INSERT INTO videos
        SELECT handle, id, 'video ' || id || ' #tag' || (v % 10), createdat, 'https://www.tiktok.com/@' || handle,
               NULL, 15000, false, false, json_object('views', views), NULL, NULL,
               json_array('tag' || (v % 10)), json_array(), json_object('id', 'm' || (v % 20), 'title', 'sound'),
               uuid(), captured, '{{}}'
        FROM listed QUALIFY row_number() OVER (PARTITION BY handle, id ORDER BY s DESC) = 1;
    """)


@dataclass
class Build:
    seconds: float
    peak_rss_mb: float
    nodes: Dict[str, float] = field(default_factory=dict)  # "model <name>" -> execution time (run_results.json)

    def total(self, kind: str) -> float:
        return sum(s for node, s in self.nodes.items() if node.split(" ")[0] == kind)

    @property
    def outside_nodes(self) -> float:
        """Start-up, parsing, connections and dbt's own work between the nodes."""
        return self.seconds - self.total("model") - self.total("test")


def dbt_build(work: Path, database: Path, name: str, *args: str, target: str = "bench") -> Build:
    """`dbt build` in a child process: its wall time, peak RSS (its own, through bench.own_usage) and per-node timings. The
    target/ directory is kept from build to build (dbt's partial parsing), except for the rebuild."""
    profiles = work / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    outputs = {t: {"type": "duckdb", "path": str(database), "schema": schema, "threads": 1}
               for t, schema in (("bench", SCHEMA), ("rebuild", REBUILD_SCHEMA))}
    (profiles / "profiles.yml").write_text(json.dumps({"socialfetch_tiktok": {"target": "bench", "outputs": outputs}}))
    target_path = work / ("target" if target == "bench" else f"target-{target}")
    command = [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(PACKAGE),
               "--profiles-dir", str(profiles), "--target", target, "--target-path", str(target_path),
               "--log-path", str(work / "logs"), "--vars", json.dumps({"socialfetch_schema": "main"}), "--quiet", *args]
    peak_file = work / f"peak_rss.{name}"
    started = time.monotonic()
    code = subprocess.call(wrapped(command, peak_file), env={**os.environ, "DO_NOT_TRACK": "1"})
    seconds = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"dbt build ({name}) failed (logs in {work / 'logs'})")
    results = target_path / "run_results.json"
    shutil.copy(results, work / f"run_results.{name}.json")
    nodes = {}
    for result in json.loads(results.read_text())["results"]:
        kind, _, node = result["unique_id"].split(".")[:3]  # model|test, the package, the node's name
        nodes[f"{kind} {node}"] = float(result["execution_time"])
    return Build(seconds, read_usage(peak_file).peak_rss_mb, nodes)


def differences(database: Path) -> List[str]:
    """The tables built incrementally against the full rebuild's: rows in one and not the other."""
    found = []
    with duckdb.connect(str(database), read_only=True) as db:
        for suffix, tables in COMPARED.items():
            for table in tables:
                built, rebuilt = f"{SCHEMA}{suffix}.{table}", f"{REBUILD_SCHEMA}{suffix}.{table}"
                for a, b in ((built, rebuilt), (rebuilt, built)):
                    extra = db.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})").fetchone()
                    if extra and extra[0]:
                        found.append(f"{table}: {extra[0]:,} rows in {a.split('.')[0]} and not in {b.split('.')[0]}")
    return found


def row(name: str, build: Build, full: Build) -> str:
    return (f"| {name} | {build.seconds:.1f} s | {build.seconds / full.seconds:.3f}x | {build.total('model'):.1f} s | "
            f"{build.total('test'):.1f} s | {build.outside_nodes:.1f} s | {build.peak_rss_mb:,.0f} MB |")


def report(args: argparse.Namespace, snapshots: int, full: Build, incremental: Build, idle: Build, floor: Build,
           rebuild_diffs: List[str], loads: List[str]) -> str:
    ratio = incremental.seconds / full.seconds
    slowest = sorted(incremental.nodes.items(), key=lambda item: -item[1])[:8]
    lines = [
        "## The dbt package (`python -m bench.dbt_models`)",
        "",
        f"A synthetic DuckDB destination of {args.handles:,} handles x {args.videos} videos x {args.syncs} syncs "
        f"({snapshots:,} snapshots, every video read at every sync), then one more sync. Each build is `dbt build` "
        "in a process of its own, with target/ kept between them as a user's project keeps it (partial parsing). "
        "Models: the build's model nodes; tests: its data tests; outside the nodes: start-up, parsing and dbt's "
        "own work (wall minus both).",
        "",
        "| build | wall | vs full | models | tests | outside the nodes | peak RSS |",
        "|---|---|---|---|---|---|---|",
        row("full (from nothing)", full, full),
        row("incremental, after one more sync", incremental, full),
        row("nothing new (dbt's fixed cost)", idle, full),
        row("no node selected (dbt's start-up and parsing)", floor, full),
        "",
        f"Incremental / full: {ratio:.3f}x (target <= {TARGET_RATIO}x): {'met' if ratio <= TARGET_RATIO else 'not met'}. "
        f"A build with nothing new (dbt's start-up and parsing, its {len(idle.nodes)} nodes, the data tests over whole "
        f"tables) takes {idle.seconds / full.seconds:.3f}x the full build: no `dbt build` of the package gets under that "
        f"here; the new sync itself adds {incremental.seconds - idle.seconds:.1f} s to it. dbt's start-up and parsing "
        f"alone, with no node to run, take {floor.seconds / full.seconds:.3f}x.",
        f"A full rebuild into another schema after the incremental build: "
        f"{'identical rows in every model' if not rebuild_diffs else '; '.join(rebuild_diffs)}.",
        "",
        "Slowest nodes of the incremental build: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in slowest) + ".",
        "",
        f"Load: {loads[0]} at the start, {loads[-1]} at the end (the machine is shared: wall times move with the "
        "load; the builds ran one after the other in one run).",
    ]
    return "\n".join(lines)


HISTORY_AT = (10, 40)  # the incremental builds measured: after this many syncs


def read_miss_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as db:
        found = db.execute(f"SELECT count(*) FROM {SCHEMA}{INTERMEDIATE}.int_socialfetch_tiktok__read_misses "
                           "WHERE read_id IS NOT NULL").fetchone()
    return int(found[0]) if found else 0


def history_world(work: Path, handles: int, videos: int, deleted_at_sync: int | None) -> List[str]:
    """One world: a full build after syncs 0 and 1, then for each of HISTORY_AT an incremental build that
    catches up to one sync short of it (not measured) and the measured one after one more sync, at
    constant new data. One table row per measured build."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    database = work / "destination.duckdb"
    with duckdb.connect(str(database)) as db:
        create_tables(db)
        add_syncs(db, handles, videos, 0, 1, deleted_at_sync)  # sync 0 alone can hold negative views (a drop)
    dbt_build(work, database, "full")
    rows, loaded = [], 2
    for syncs in HISTORY_AT:
        with duckdb.connect(str(database)) as db:
            add_syncs(db, handles, videos, loaded, syncs - 2, deleted_at_sync)
        dbt_build(work, database, f"catch_up_{syncs}")
        with duckdb.connect(str(database)) as db:
            add_syncs(db, handles, videos, syncs - 1, syncs - 1, deleted_at_sync)
        loaded = syncs
        build = dbt_build(work, database, f"incremental_{syncs}")
        misses = build.nodes.get("model int_socialfetch_tiktok__read_misses", 0.0)
        label = "none" if deleted_at_sync is None else f"2% of the videos at sync {deleted_at_sync}"
        rows.append(f"| {label} | {syncs} | {read_miss_rows(database):,} | {misses:.2f} s | "
                    f"{build.total('model'):.1f} s | {build.total('test'):.1f} s | {build.seconds:.1f} s |")
        print(rows[-1], flush=True)
    return rows


def history(args: argparse.Namespace) -> int:
    """read_misses against history: its rows and the incremental build's node times after 10 and 40
    syncs, with no deletion and with a few (issue 29: rows grow with deletions, not with syncs)."""
    handles, videos = (50, 20) if args.handles == 1000 else (args.handles, args.videos)  # the default: a small world
    loads = [load_note()]
    lines = [
        "## read_misses against history (`python -m bench.dbt_models --history`)",
        "",
        f"{handles} handles x {videos} videos, one sync a day at constant new data (every video read at every sync, one "
        "handle_reads part per handle per sync; 1% of the handles turn private at sync 25). A full build after the "
        "first two syncs, then incremental builds; measured: the incremental `dbt build` after one more sync, at 10 and at "
        "40 syncs of history. Node times from run_results.json; read_misses rows without its checkpoint.",
        "",
        "| deletions | syncs | read_misses rows | read_misses node | models | tests | wall |",
        "|---|---|---|---|---|---|---|",
    ]
    for deleted_at_sync in (None, 20):
        lines += history_world(args.work / f"deleted_{deleted_at_sync}", handles, videos, deleted_at_sync)
    loads.append(load_note())
    lines += ["", f"Load: {loads[0]} at the start, {loads[-1]} at the end (the machine is shared)."]
    text = "\n".join(lines)
    print("\n" + text)
    if args.write:
        write_section("bench.dbt_models.history", text)
    return 0


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handles", type=int, default=1000)
    parser.add_argument("--videos", type=int, default=200)
    parser.add_argument("--syncs", type=int, default=30)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "dbt_models")
    parser.add_argument("--write", action="store_true", help="write the section into bench/results.md")
    parser.add_argument("--history", action="store_true",
                        help="read_misses rows and incremental node times after 10 and 40 syncs, with and without deletions")
    args = parser.parse_args(argv)
    if args.history:
        return history(args)
    args.work = args.work.resolve()  # dbt reads a relative --target-path from the package's directory
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    database = args.work / "destination.duckdb"
    loads = [load_note()]

    started = time.monotonic()
    with duckdb.connect(str(database)) as db:
        create_tables(db)
        add_syncs(db, args.handles, args.videos, 0, args.syncs - 1)
        snapshots = db.execute("SELECT count(*) FROM video_stats").fetchone()[0]  # type: ignore[index]
    print(f"synthetic destination: {args.handles} handles x {args.videos} videos x {args.syncs} syncs, "
          f"{snapshots:,} snapshots ({time.monotonic() - started:.0f} s to write)", flush=True)

    full = dbt_build(args.work, database, "full")
    print(f"dbt build, full:        {full.seconds:7.1f} s, peak RSS {full.peak_rss_mb:,.0f} MB", flush=True)
    with duckdb.connect(str(database)) as db:
        add_syncs(db, args.handles, args.videos, args.syncs, args.syncs)
    incremental = dbt_build(args.work, database, "incremental")
    ratio = incremental.seconds / full.seconds
    print(f"dbt build, incremental: {incremental.seconds:7.1f} s, peak RSS {incremental.peak_rss_mb:,.0f} MB "
          f"(one more sync): {ratio:.3f}x the full build (target <= {TARGET_RATIO}x)", flush=True)
    idle = dbt_build(args.work, database, "nothing_new")
    print(f"dbt build, nothing new: {idle.seconds:7.1f} s", flush=True)
    floor = dbt_build(args.work, database, "no_node", "--select", "tag:socialfetch_no_such_tag")
    print(f"dbt build, no node:     {floor.seconds:7.1f} s", flush=True)
    loads.append(load_note())
    dbt_build(args.work, database, "rebuild", "--full-refresh", target="rebuild")
    diffs = differences(database)
    print("full rebuild vs incremental: " + ("identical" if not diffs else "; ".join(diffs)), flush=True)

    text = report(args, snapshots, full, incremental, idle, floor, diffs, loads)
    print("\n" + text)
    if args.write:
        write_section("bench.dbt_models", text)
        print("wrote the bench.dbt_models section of bench/results.md", file=sys.stderr)
    return 0 if ratio <= TARGET_RATIO and not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
