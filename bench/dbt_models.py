"""The dbt package on a synthetic DuckDB destination: `dbt build` from nothing, then one more sync
and `dbt build` again (incremental), side by side, with the dbt process's peak memory.

    python -m bench.dbt_models                       # 1,000 handles x 200 videos x 30 syncs
    python -m bench.dbt_models --handles 50 --syncs 10

The destination is written as PyAirbyte writes it (lower-case columns, JSON, TIMESTAMP), every
video read at every sync (the most snapshots a destination of that size can hold), one
handle_reads part per handle per sync covering its whole list, profiles appended; 2% of the videos
are deleted part-way, 1% of the handles turn private, some counts go down, 1% of the videos have
no createdAt. Target: the incremental build takes at most 0.1x the full one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List

import duckdb

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dbt_socialfetch_tiktok"
ANCHOR = "TIMESTAMP '2026-10-01 08:00:00'"
TARGET_RATIO = 0.1


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


def add_syncs(db: duckdb.DuckDBPyConnection, handles: int, videos: int, first: int, last: int) -> None:
    """Syncs first..last (one a day): snapshots, reads, profiles appended, videos replaced."""
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE syncs AS
        SELECT s, {ANCHOR} + to_days(s) AS at FROM range({first}, {last} + 1) t(s);
        CREATE OR REPLACE TEMP TABLE catalog AS
        SELECT 'creator' || h AS handle, h, v, CAST(h * 1000 + v AS VARCHAR) AS id,
               CASE WHEN v % 97 = 0 THEN NULL ELSE {ANCHOR} - to_minutes(CAST(v * 700 + h % 60 AS BIGINT)) END AS createdat,
               (h * 7919 + v * 104729) % 50000 AS base,
               CASE WHEN v % 50 = 7 THEN 20 END AS deleted_at_sync,
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


def dbt_build(work: Path, database: Path, *args: str) -> Build:
    """`dbt build` in a child process: its wall time and peak RSS (wait4)."""
    profiles = work / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.yml").write_text(json.dumps({"socialfetch_tiktok": {"target": "bench", "outputs": {"bench": {
        "type": "duckdb", "path": str(database), "schema": "analytics", "threads": 1}}}}))
    command = [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(PACKAGE),
               "--profiles-dir", str(profiles), "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
               "--vars", json.dumps({"socialfetch_schema": "main"}), "--quiet", *args]
    started = time.monotonic()
    process = subprocess.Popen(command, env={**os.environ, "DO_NOT_TRACK": "1"})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"dbt build failed (logs in {work / 'logs'})")
    return Build(seconds, usage.ru_maxrss / 1024)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handles", type=int, default=1000)
    parser.add_argument("--videos", type=int, default=200)
    parser.add_argument("--syncs", type=int, default=30)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "dbt_models")
    args = parser.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    database = args.work / "destination.duckdb"

    started = time.monotonic()
    with duckdb.connect(str(database)) as db:
        create_tables(db)
        add_syncs(db, args.handles, args.videos, 0, args.syncs - 1)
        snapshots = db.execute("SELECT count(*) FROM video_stats").fetchone()[0]  # type: ignore[index]
    print(f"synthetic destination: {args.handles} handles x {args.videos} videos x {args.syncs} syncs, "
          f"{snapshots:,} snapshots ({time.monotonic() - started:.0f} s to write)", flush=True)

    full = dbt_build(args.work, database)
    print(f"dbt build, full:        {full.seconds:7.1f} s, peak RSS {full.peak_rss_mb:,.0f} MB", flush=True)
    with duckdb.connect(str(database)) as db:
        add_syncs(db, args.handles, args.videos, args.syncs, args.syncs)
    incremental = dbt_build(args.work, database)
    ratio = incremental.seconds / full.seconds
    print(f"dbt build, incremental: {incremental.seconds:7.1f} s, peak RSS {incremental.peak_rss_mb:,.0f} MB "
          f"(one more sync): {ratio:.3f}x the full build (target <= {TARGET_RATIO}x)", flush=True)
    print(f"children's peak RSS overall: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
