"""The dbt package on a synthetic DuckDB destination, measured against issue 29's cost targets.

    python -m bench.dbt_models                         # scale: 1,000 handles x 200 videos x 30 syncs
    python -m bench.dbt_models --handles 5000 --write  # the target's size, and its section of bench/results.md
    python -m bench.dbt_models --history --write       # history: 300 x 200, incremental builds after 10 and 120 syncs
    python -m bench.dbt_models --history --handles 20 --videos 10 --at 5 9   # a quick look
    python -m bench.dbt_models --package OTHER/dbt_socialfetch_tiktok        # another checkout's package
    python -m bench.dbt_models --handles 5000 --save-destination W.duckdb    # write the synthetic destination only
    python -m bench.dbt_models --handles 5000 --destination-from W.duckdb    # ... and measure on a copy of it later

Scale mode: `dbt build` from nothing, then one more sync and `dbt build` again (incremental).
Target: the incremental build at most 0.15x the full one (issue 29, at 5,000 handles x 200 videos
x 30 syncs); the model nodes alone are compared too. After it, a build with nothing new shows dbt's
fixed cost (start, parse, every node, the data tests), one that selects no node dbt's start-up and
parsing alone, and a full rebuild into another schema is compared row by row with every table the
incremental builds wrote: they must be equal.

History mode: at constant new data, the incremental `dbt build` after one more sync at 10 and at
120 syncs of history (--at), in a world with no deletion and one where 2% of the videos are deleted
at sync 20. Targets: the build at 120 syncs at most 1.2x the one at 10 (models, tests and dbt's own
work reported apart), and read_misses rows that grow with deletions, not with syncs.

The destination is written as PyAirbyte writes it (lower-case columns, JSON, TIMESTAMP), in DuckDB
SQL (no Python loop over rows): every video read at every sync (the most snapshots a destination of
that size can hold), one handle_reads part per handle per sync covering its whole list, profiles
appended; 2% of the videos are deleted part-way, 1% of the handles turn private at sync 25, some
counts go down, 1% of the videos have no createdAt.

Each build is `dbt build` in a process of its own, as a user runs it, with one target/ directory
kept between the builds as a user's project keeps it (so dbt parses the package once and reuses
its manifest). Node times come from its run_results.json, peak RSS is the dbt process's own
(bench.own_usage). Sections name the package's checkout by commit.
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
TARGET_RATIO = 0.15  # issue 29: incremental / full, at 5,000 handles x 200 videos x 30 syncs
HISTORY_TARGET = 1.2  # issue 29: the incremental build after 120 syncs / the one after 10
DELETED_EVERY = 50  # one video in this many is deleted (v % DELETED_EVERY = 7), at --deleted-at
GENERATE_MEMORY = "4GB"  # the generating connection's DuckDB memory limit (the machine is shared)
SCHEMA, REBUILD_SCHEMA = "analytics", "rebuild"
INTERMEDIATE = "_int_socialfetch_tiktok"  # the intermediate models' schema suffix


def destination(database: Path) -> duckdb.DuckDBPyConnection:
    """The synthetic destination, opened to write: DuckDB would otherwise take up to 80% of the
    shared machine's memory for a 30-million-row sync history."""
    db = duckdb.connect(str(database))
    db.execute(f"SET memory_limit = '{GENERATE_MEMORY}'; SET preserve_insertion_order = false; "
               f"SET temp_directory = '{database.parent / 'duckdb_tmp'}'")
    return db


def deleted_videos(handles: int, videos: int, deleted_at_sync: int | None, syncs: int) -> int:
    """Videos add_syncs has deleted once `syncs` syncs (0 .. syncs - 1) are in the destination."""
    if deleted_at_sync is None or syncs <= deleted_at_sync:
        return 0
    return handles * sum(1 for v in range(videos) if v % DELETED_EVERY == 7)


def written_syncs(db: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    """The destination's snapshots, once it is checked to hold syncs 0 .. --syncs - 1 of --handles x
    --videos (a copied file must be the world the arguments describe)."""
    handles, syncs, through, snapshots = db.execute(
        "SELECT count(DISTINCT handle), count(DISTINCT syncid), max(CAST(substr(syncid, 2) AS INTEGER)) + 1, "
        "(SELECT count(*) FROM video_stats) FROM handle_reads").fetchone()  # type: ignore[misc]
    listed = db.execute("SELECT count(DISTINCT id) FROM videos").fetchone()[0]  # type: ignore[index]
    if (handles, syncs, through, listed) != (args.handles, args.syncs, args.syncs, args.handles * args.videos):
        raise SystemExit(f"the destination holds {handles} handles, {syncs} syncs (s0 to s{through - 1}) and "
                         f"{listed} videos, not {args.handles} x {args.videos} videos x {args.syncs} syncs")
    return int(snapshots)


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
               CASE WHEN v % {DELETED_EVERY} = 7 THEN {deleted_at} END AS deleted_at_sync,
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
    def models(self) -> float:
        return self.total("model")

    @property
    def tests(self) -> float:
        return self.total("test")

    @property
    def outside_nodes(self) -> float:
        """Start-up, parsing, connections and dbt's own work between the nodes."""
        return self.seconds - self.models - self.tests


@dataclass(frozen=True)
class Run:
    """Builds of one package on one destination file, in one work directory (target/ kept there)."""
    package: Path
    work: Path
    memory_limit: str | None = None  # the dbt process's DuckDB memory_limit; None: DuckDB's default

    @property
    def database(self) -> Path:
        return self.work / "destination.duckdb"

    def build(self, name: str, *args: str, target: str = "bench") -> Build:
        """`dbt build` in a child process: its wall time, peak RSS (its own, through bench.own_usage) and
        per-node timings. The target/ directory is kept from build to build (dbt's partial parsing),
        except for the rebuild."""
        work = self.work
        profiles = work / "profiles"
        profiles.mkdir(parents=True, exist_ok=True)
        settings = {"settings": {"memory_limit": self.memory_limit}} if self.memory_limit else {}
        outputs = {t: {"type": "duckdb", "path": str(self.database), "schema": schema, "threads": 1, **settings}
                   for t, schema in (("bench", SCHEMA), ("rebuild", REBUILD_SCHEMA))}
        (profiles / "profiles.yml").write_text(json.dumps({"socialfetch_tiktok": {"target": "bench", "outputs": outputs}}))
        target_path = work / ("target" if target == "bench" else f"target-{target}")
        command = [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(self.package),
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


def package_label(package: Path) -> str:
    """The package's checkout by commit (never by a machine path), and whether its files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(package), *args], capture_output=True, text=True).stdout.strip()
    commit, changed = git("log", "-1", "--format=%h"), git("log", "-1", "--format=%h", "--", ".")
    if not commit:
        return "the package outside git"
    dirty = ", with uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
    return (f"the package as of commit {changed} (its last change; checkout at {commit}, branch "
            f"{git('rev-parse', '--abbrev-ref', 'HEAD').replace('HEAD', 'none: detached')}{dirty})")


def section_name(name: str, package: Path) -> str:
    """This checkout's own package writes the module's section; another one a section of its own,
    named by its commit, so a branch's figures never pass for the checkout's."""
    if package.resolve() == PACKAGE.resolve():
        return name
    commit = subprocess.run(["git", "-C", str(package), "log", "-1", "--format=%h"], capture_output=True, text=True).stdout.strip()
    return f"{name}@{commit or 'outside-git'}"


def differences(database: Path) -> List[str]:
    """Every table the incremental builds wrote against the full rebuild's: rows in one and not the other."""
    found = []
    with duckdb.connect(str(database), read_only=True) as db:
        tables = db.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN (?, ?) ORDER BY 1, 2",
                            [SCHEMA, SCHEMA + INTERMEDIATE]).fetchall()
        for schema, table in tables:
            built, rebuilt = f"{schema}.{table}", f"{REBUILD_SCHEMA}{schema[len(SCHEMA):]}.{table}"
            for a, b in ((built, rebuilt), (rebuilt, built)):
                extra = db.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})").fetchone()
                if extra and extra[0]:
                    found.append(f"{table}: {extra[0]:,} rows in {a.split('.')[0]} and not in {b.split('.')[0]}")
    return found if tables else ["no table built"]


def slowest(build: Build, count: int = 8) -> str:
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(build.nodes.items(), key=lambda i: -i[1])[:count])


def row(name: str, build: Build, full: Build) -> str:
    return (f"| {name} | {build.seconds:.1f} s | {build.seconds / full.seconds:.3f}x | {build.models:.1f} s | "
            f"{build.models / full.models:.3f}x | {build.tests:.1f} s | {build.outside_nodes:.1f} s | {build.peak_rss_mb:,.0f} MB |")


def met(ratio: float, target: float) -> str:
    return "met" if ratio <= target else "not met"


def report(args: argparse.Namespace, snapshots: int, full: Build, incremental: Build, idle: Build, floor: Build,
           rebuild_diffs: List[str] | None, loads: List[str]) -> str:
    ratio, models_ratio = incremental.seconds / full.seconds, incremental.models / full.models
    lines = [
        "## The dbt package (`python -m bench.dbt_models`)",
        "",
        f"{package_label(args.package).capitalize()}. A synthetic DuckDB destination of {args.handles:,} handles x "
        f"{args.videos} videos x {args.syncs} syncs ({snapshots:,} snapshots, every video read at every sync), then one "
        "more sync. Each build is `dbt build` in a process of its own, with target/ kept between them as a user's project "
        "keeps it (partial parsing). Models: the build's model nodes; tests: its data tests (on the default window of "
        "`socialfetch_test_window_days`); outside the nodes: start-up, parsing and dbt's own work (wall minus both). "
        "Node times from run_results.json; peak RSS the dbt process's own"
        + (f" (DuckDB memory_limit {args.memory_limit})." if args.memory_limit else "."),
        "",
        "| build | wall | vs full | models | models vs full's | tests | outside the nodes | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
        row("full (from nothing)", full, full),
        row("incremental, after one more sync", incremental, full),
        row("nothing new (dbt's fixed cost)", idle, full),
        row("no node selected (dbt's start-up and parsing)", floor, full),
        "",
        f"Incremental / full: {ratio:.3f}x (issue 29's target at 5,000 handles: <= {TARGET_RATIO}x): {met(ratio, TARGET_RATIO)}. "
        f"The model nodes alone: {models_ratio:.3f}x ({met(models_ratio, TARGET_RATIO)}). A build with nothing new "
        f"(dbt's start-up and parsing, its {len(idle.nodes)} nodes, the data tests) takes {idle.seconds / full.seconds:.3f}x "
        f"the full build; the new sync itself adds {incremental.seconds - idle.seconds:.1f} s to it. dbt's start-up and "
        f"parsing alone, with no node to run, take {floor.seconds / full.seconds:.3f}x.",
        "Not compared with a full rebuild (--no-rebuild)." if rebuild_diffs is None else
        "A full rebuild into another schema after the incremental build: "
        f"{'identical rows in every table' if not rebuild_diffs else '; '.join(rebuild_diffs)}.",
        "",
        f"Slowest nodes of the incremental build: {slowest(incremental, 10)}.",
        "",
        f"Slowest nodes of the full build: {slowest(full)}.",
        "",
        f"Load: {loads[0]} at the start, {loads[-1]} at the end (the machine is shared: wall times move with the "
        "load; the builds ran one after the other in one run).",
    ]
    return "\n".join(lines)


def read_miss_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as db:
        found = db.execute(f"SELECT count(*) FROM {SCHEMA}{INTERMEDIATE}.int_socialfetch_tiktok__read_misses "
                           "WHERE read_id IS NOT NULL").fetchone()
    return int(found[0]) if found else 0


@dataclass
class Point:
    """The measured incremental builds after `syncs` syncs of history (the last `repeat` syncs, one build each)."""
    syncs: int
    builds: List[Build]
    read_misses: int
    deleted: int

    @property
    def best(self) -> Build:
        """The fastest of the repeated builds: the shared machine's load only ever adds time."""
        return min(self.builds, key=lambda build: build.seconds)


def history_world(args: argparse.Namespace, run: Run, deleted_at_sync: int | None) -> List[Point]:
    """One world: a full build after syncs 0 and 1; then for each of args.at an incremental build that
    catches up to just short of it (not measured), and args.repeat measured builds after one more
    sync each, the last after args.at syncs: each reads one sync's new data."""
    shutil.rmtree(run.work, ignore_errors=True)
    run.work.mkdir(parents=True)
    with destination(run.database) as db:
        create_tables(db)
        add_syncs(db, args.handles, args.videos, 0, 1, deleted_at_sync)  # sync 0 alone can hold negative views (a drop)
    run.build("full")
    points, loaded = [], 2  # loaded: the syncs in the destination (0 .. loaded - 1)
    for at in args.at:
        first = at - args.repeat + 1  # the syncs in the destination at the first measured build
        if first - 1 > loaded:
            began = time.monotonic()
            with destination(run.database) as db:
                add_syncs(db, args.handles, args.videos, loaded, first - 2, deleted_at_sync)
            print(f"  syncs {loaded}..{first - 2} written in {time.monotonic() - began:.0f} s", flush=True)
            run.build(f"catch_up_{at}")
            loaded = first - 1
        builds = []
        for syncs in range(first, at + 1):
            with destination(run.database) as db:
                add_syncs(db, args.handles, args.videos, loaded, syncs - 1, deleted_at_sync)
            loaded = syncs
            builds.append(run.build(f"incremental_{syncs}"))
            print(f"  after {syncs} syncs: {builds[-1].seconds:.1f} s (models {builds[-1].models:.1f} s, tests "
                  f"{builds[-1].tests:.1f} s)", flush=True)
        points.append(Point(at, builds, read_miss_rows(run.database),
                            deleted_videos(args.handles, args.videos, deleted_at_sync, at)))
    return points


def history_rows(label: str, points: List[Point]) -> List[str]:
    rows = []
    for point in points:
        best = point.best
        misses = best.nodes.get("model int_socialfetch_tiktok__read_misses", 0.0)
        rows.append(f"| {label} | {point.syncs} | {point.deleted:,} | {point.read_misses:,} | {misses:.2f} s | "
                    f"{best.models:.1f} s | {best.tests:.1f} s | {best.outside_nodes:.1f} s | {best.seconds:.1f} s | "
                    f"{best.peak_rss_mb:,.0f} MB |")
    return rows


def history_findings(label: str, points: List[Point]) -> List[str]:
    """The last point against the first: the target on the wall time, models and tests apart, and
    the nodes that grew."""
    first, last = points[0].best, points[-1].best
    ratio = last.seconds / first.seconds

    def grown(kind: str) -> str:
        return f"{getattr(last, kind) / getattr(first, kind):.2f}x" if getattr(first, kind) else "n/a"
    lines = [f"**{label}**: after {points[-1].syncs} syncs / after {points[0].syncs}: wall {ratio:.2f}x "
             f"(target <= {HISTORY_TARGET}x: {met(ratio, HISTORY_TARGET)}), models {grown('models')}, tests "
             f"{grown('tests')}, outside the nodes {grown('outside_nodes')}; read_misses rows "
             + " -> ".join(f"{p.read_misses:,}" for p in points) + f" with {points[-1].deleted:,} videos deleted."]
    if len(points[0].builds) > 1:
        lines.append("Walls of the repeated builds (the fastest is in the table): " + "; ".join(
            f"{p.syncs} syncs " + " / ".join(f"{b.seconds:.1f} s" for b in p.builds) for p in points) + ".")
    top = sorted(last.nodes.items(), key=lambda item: -item[1])[:8]
    lines.append(f"Slowest nodes after {points[-1].syncs} syncs (after {points[0].syncs} in brackets): " + ", ".join(
        f"{node} {seconds:.2f} s ({first.nodes.get(node, 0.0):.2f} s)" for node, seconds in top) + ".")
    growth = sorted(last.nodes, key=lambda node: first.nodes.get(node, 0.0) - last.nodes[node])[:5]
    lines.append("Grew the most: " + ", ".join(
        f"{node} +{last.nodes[node] - first.nodes.get(node, 0.0):.2f} s" for node in growth) + ".")
    return lines


def history(args: argparse.Namespace) -> int:
    """The incremental build against the history behind it, with no deletion and with a few (issue 29:
    history-flat, and read_misses rows that grow with deletions, not with syncs)."""
    if args.at[0] < args.repeat + 2:
        raise SystemExit(f"--at: the first point needs at least {args.repeat + 2} syncs (a full build after two)")
    loads = [load_note()]
    worlds = [(label, deleted) for label, deleted, name in (
        ("no deletion", None, "none"), (f"2% of the videos deleted at sync {args.deleted_at}", args.deleted_at, "deleted"))
        if name in args.worlds]
    measured = []
    for label, deleted_at_sync in worlds:
        print(f"{label}:", flush=True)
        run = Run(args.package, args.work / f"deleted_{deleted_at_sync}", args.memory_limit)
        measured.append((label, history_world(args, run, deleted_at_sync)))
    loads.append(load_note())
    per_sync = args.handles * args.videos
    lines = [
        "## Incremental builds against history (`python -m bench.dbt_models --history`)",
        "",
        f"{package_label(args.package).capitalize()}. {args.handles:,} handles x {args.videos} videos, one sync a day at "
        f"constant new data ({per_sync:,} snapshots a sync: every video read at every sync, one handle_reads part per handle "
        "per sync; 1% of the handles turn private at sync 25). A full build after the first two syncs, then incremental "
        "builds; measured: the incremental `dbt build` after one more sync, at "
        + " and at ".join(str(at) for at in args.at) + " syncs of history"
        + (f" ({args.repeat} builds each, after one more sync each, the fastest shown)" if args.repeat > 1 else "")
        + ". Node times from run_results.json (tests on the default window of `socialfetch_test_window_days`); "
        "outside the nodes: dbt's start-up, parsing and own work; read_misses rows without its checkpoint; peak RSS "
        "the dbt process's own.",
        "",
        "| deletions | syncs | videos deleted | read_misses rows | read_misses node | models | tests | outside the nodes | wall | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, points in measured:
        lines += history_rows(label, points)
    for label, points in measured:
        lines += [""] + history_findings(label.capitalize(), points)
    lines += ["", f"Load: {loads[0]} at the start, {loads[-1]} at the end (the machine is shared: compare rows within "
              "a world, which ran one after the other)."]
    text = "\n".join(lines)
    print("\n" + text)
    if args.write:
        write_section(section_name("bench.dbt_models.history", args.package), text)
    last = [points[-1].best.seconds / points[0].best.seconds for _, points in measured]
    return 0 if all(ratio <= HISTORY_TARGET for ratio in last) else 1


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handles", type=int, help="default: 1,000 (scale), 300 (history)")
    parser.add_argument("--videos", type=int, default=200)
    parser.add_argument("--syncs", type=int, default=30, help="scale: the syncs before the full build")
    parser.add_argument("--package", type=Path, default=PACKAGE, help="the dbt package's directory (default: this checkout's)")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit of the dbt builds, e.g. 8GB (default: DuckDB's, 80%% of RAM)")
    parser.add_argument("--work", type=Path, help="default: bench/out/dbt_models (history: bench/out/dbt_models_history)")
    parser.add_argument("--write", action="store_true", help="write the section into bench/results.md")
    parser.add_argument("--no-rebuild", action="store_true", help="scale: skip the full rebuild and its comparison")
    parser.add_argument("--save-destination", type=Path,
                        help="scale: write the destination of --syncs syncs to this file and stop (no build)")
    parser.add_argument("--destination-from", type=Path,
                        help="scale: start from a copy of a file --save-destination wrote (same --handles, --videos, --syncs)")
    parser.add_argument("--history", action="store_true",
                        help="incremental builds after --at syncs of history, with and without deletions")
    parser.add_argument("--at", type=int, nargs="+", default=[10, 120], help="history: the syncs measured at")
    parser.add_argument("--deleted-at", type=int, default=20, help="history: the sync at which 2%% of the videos go")
    parser.add_argument("--worlds", nargs="+", choices=["none", "deleted"], default=["none", "deleted"],
                        help="history: the worlds built, with no deletion and with some (default: both)")
    parser.add_argument("--repeat", type=int, default=1, help="history: measured builds per point (the fastest shown)")
    args = parser.parse_args(argv)
    args.handles = args.handles or (300 if args.history else 1000)
    args.package = args.package.resolve()
    args.at = sorted(set(args.at))
    # dbt reads a relative --target-path from the package's directory
    args.work = (args.work or ROOT / "bench" / "out" / ("dbt_models_history" if args.history else "dbt_models")).resolve()
    if args.history:
        return history(args)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    run = Run(args.package, args.work, args.memory_limit)
    loads = [load_note()]

    started = time.monotonic()
    if args.destination_from:
        shutil.copy(args.destination_from, run.database)
    with destination(run.database) as db:
        if not args.destination_from:
            create_tables(db)
            add_syncs(db, args.handles, args.videos, 0, args.syncs - 1)
        snapshots = written_syncs(db, args)
    print(f"synthetic destination: {args.handles} handles x {args.videos} videos x {args.syncs} syncs, "
          f"{snapshots:,} snapshots ({time.monotonic() - started:.0f} s to "
          f"{'copy' if args.destination_from else 'write'})", flush=True)
    if args.save_destination:
        shutil.move(run.database, args.save_destination)
        print(f"saved to {args.save_destination}")
        return 0

    full = run.build("full")
    print(f"dbt build, full:        {full.seconds:7.1f} s, peak RSS {full.peak_rss_mb:,.0f} MB", flush=True)
    with destination(run.database) as db:
        add_syncs(db, args.handles, args.videos, args.syncs, args.syncs)
    incremental = run.build("incremental")
    ratio = incremental.seconds / full.seconds
    print(f"dbt build, incremental: {incremental.seconds:7.1f} s, peak RSS {incremental.peak_rss_mb:,.0f} MB "
          f"(one more sync): {ratio:.3f}x the full build (target <= {TARGET_RATIO}x), model nodes "
          f"{incremental.models / full.models:.3f}x", flush=True)
    idle = run.build("nothing_new")
    print(f"dbt build, nothing new: {idle.seconds:7.1f} s", flush=True)
    floor = run.build("no_node", "--select", "tag:socialfetch_no_such_tag")
    print(f"dbt build, no node:     {floor.seconds:7.1f} s", flush=True)
    loads.append(load_note())
    diffs: List[str] | None = None  # None: not compared (--no-rebuild)
    if not args.no_rebuild:
        run.build("rebuild", "--full-refresh", target="rebuild")
        diffs = differences(run.database)
        print("full rebuild vs incremental: " + ("identical" if not diffs else "; ".join(diffs)), flush=True)

    text = report(args, snapshots, full, incremental, idle, floor, diffs, loads)
    print("\n" + text)
    if args.write:
        write_section(section_name("bench.dbt_models", args.package), text)
        print("wrote the bench.dbt_models section of bench/results.md", file=sys.stderr)
    return 0 if ratio <= TARGET_RATIO and not diffs else 1  # diffs None or []: no difference found


if __name__ == "__main__":
    sys.exit(main())
