"""`make demo`: the whole user journey against the local emulator, offline, in well under a minute.

1. start the emulator (a separate process, as a real API would be) on a free port;
2. sync a few demo handles into ./data/demo.duckdb with socialfetch-local-sync's code;
3. move the emulator's clock a day on (every video's counts grow with its age), publish new
   videos and raise some videos' stats (its admin routes), and print what the next sync will
   cost (`socialfetch-local-sync --plan`, which spends nothing);
4. sync again, incrementally, and show that the new videos arrived, the changed stats were
   refreshed, each unchanged handle cost about one credit, and the views gained per handle
   between the two syncs (SQL on `video_stats`, which keeps a snapshot per video per sync);
5. two days later, after a creator deleted a recent video and another profile went private (the
   emulator's admin routes), a third sync with profiles;
6. `dbt build` of the package dbt_socialfetch_tiktok/ on the demo DuckDB: a few rows of
   tiktok__creator_daily, the fastest-growing videos of tiktok__video_daily, the videos now
   unavailable (tiktok__videos) and since when, one row of tiktok__creators, the first-week
   comparison of the newest videos (views 1 and 7 days after publishing, tiktok__videos), and
   data/growth.png drawn from tiktok__video_daily;
7. stop the emulator, whatever happened.

The connector runs on the emulator's clock (integration_tests/dbtkit/simulated_clock.py), so the
snapshots, reads and profile records fall on its simulated days, as they would over real days.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from integration_tests.dbtkit import simulated_clock
from socialfetch_local.destinations import parse_destination
from socialfetch_local.environment import prepare_environment
from socialfetch_local.errors import LocalSyncError
from socialfetch_local.growth import growth_per_handle
from socialfetch_local.models import MODELS_SCHEMA

API_KEY = "sfk_demo"
HANDLES = ["nasa.fan", "daily.vlogger", "pinned.creator", "cook_with_kim", "private.person"]
PUBLISH = {"nasa.fan": 3, "cook_with_kim": 2}
CHANGE_STATS = {"daily.vlogger": 3}  # the 3 newest videos: inside the 7-day lookback window
DELETE_RECENT = {"nasa.fan": 1}  # before the third sync: inside the lookback window, so its read covers it
GOES_PRIVATE = "cook_with_kim"  # before the third sync: its profiles record says so
DATABASE = Path("data/demo.duckdb")
CHART = Path("data/growth.png")
CONNECTOR_DIR = Path("data/demo-connector")  # the console script on the emulator's clock
DBT_DIR = Path("data/demo-dbt")
STATS_REFRESH_DAYS = 7
STARTUP_SECONDS = 30.0


class EmulatorProcess:
    """`python -m socialfetch_emulator --port 0` as a child process; its first stdout line is the URL."""

    def __init__(self) -> None:
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  # closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "socialfetch_emulator", "--port", "0", "--dataset", "demo",
             "--api-key", API_KEY],
            stdout=subprocess.PIPE, stderr=self.errors, text=True,
        )
        self.base_url = self._read_url()

    def _read_url(self) -> str:
        found: List[str] = []
        assert self.process.stdout is not None
        reader = threading.Thread(target=lambda: found.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(STARTUP_SECONDS)
        url = found[0].strip() if found else ""
        if not url.startswith("http://"):
            self.stop()
            self.errors.seek(0)
            raise RuntimeError(f"the emulator did not start: {self.errors.read().strip() or 'no output'}")
        return url

    def admin(self, method: str, route: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/_emulator/{route}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.errors.close()


def views_by_id(cache: Any, handle: str, ids: List[str]) -> Dict[str, int]:
    table = f'"{cache.schema_name}"."{cache.processor.get_sql_table_name("videos")}"'
    listed = ", ".join(f"'{i}'" for i in ids)  # ids come from the emulator: digits only
    rows = cache.run_sql_query(
        f"SELECT id, CAST(stats->>'views' AS BIGINT) AS views FROM {table} WHERE handle = '{handle}' AND id IN ({listed})"
    )
    return {str(r["id"]): int(r["views"]) for r in rows}


def print_growth(cache: Any, title: str) -> Dict[str, Tuple[int, int]]:
    growth = growth_per_handle(cache)
    print(f"\n=== {title} (SQL on video_stats: each video's newest snapshot minus the one before) ===")
    width = max(len(h) for h in HANDLES)
    print(f"  {'handle'.ljust(width)}  videos read again  views gained")
    for handle in HANDLES:
        again, gained = growth.get(handle, (0, 0))
        print(f"  {handle.ljust(width)}  {again:>17,}  {gained:>12,}")
    return growth


def captions(cache: Any) -> Dict[str, str]:
    table = f'"{cache.schema_name}"."{cache.processor.get_sql_table_name("videos")}"'
    return {str(r["id"]): r["caption"] or "" for r in cache.run_sql_query(f"SELECT id, caption FROM {table}")}


def utc_naive() -> datetime:
    """Now, as the destination stores capturedAt: a naive UTC TIMESTAMP."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def change_availability(emulator: EmulatorProcess) -> Dict[str, List[str]]:
    """Between the second and third syncs: a creator deletes its newest video and a profile goes
    private (admin routes). Returns the ids that the API no longer lists, by handle."""
    vanished: Dict[str, List[str]] = {}
    print("\n=== The world changes again ===")
    print("  the clock moves 2 days on")
    for handle, count in DELETE_RECENT.items():
        vanished[handle] = emulator.admin("POST", "delete_videos", {"handle": handle, "count": count,
                                                                   "which": "recent"})["deleted"]
        print(f"  {handle}: deleted its newest video{'s' if count > 1 else ''} {', '.join(vanished[handle])}")
    vanished[GOES_PRIVATE] = [v["id"] for v in emulator.admin("GET", f"truth?handle={GOES_PRIVATE}")["videos"]]
    emulator.admin("POST", "private", {"handle": GOES_PRIVATE})
    print(f"  {GOES_PRIVATE}: the profile turned private ({len(vanished[GOES_PRIVATE])} videos no longer listed)")
    return vanished


def emulator_now(emulator: EmulatorProcess) -> datetime:
    return datetime.fromisoformat(emulator.admin("GET", "clock")["now"].replace("Z", "+00:00"))


def on_the_emulators_clock(run_sync: Callable[..., Any], emulator: EmulatorProcess) -> Callable[..., Any]:
    """run_sync with the connector on the emulator's clock: each sync starts at its current instant."""
    connector = simulated_clock.write_connector(CONNECTOR_DIR)

    def sync(*args: Any, **kwargs: Any) -> Any:
        os.environ[simulated_clock.ENV] = emulator_now(emulator).isoformat()  # this process is the demo's
        return run_sync(*args, executable=connector, **kwargs)

    return sync


def show_models(destination: Any, caches: List[Any], vanished: Dict[str, List[str]]) -> List[str]:
    """`dbt build` on the demo DuckDB, then what the models say; returns the problems found."""
    from socialfetch_local.models import build_models

    problems: List[str] = []
    texts = captions(caches[-1])
    for cache in caches:
        cache.close()  # one process at a time opens a DuckDB file: dbt's, while it builds
    run = build_models(destination, DBT_DIR)
    print(f"\n=== 4. dbt build (dbt_socialfetch_tiktok): {run.models} models, {run.tests} data tests passed ===")
    schema = MODELS_SCHEMA
    import duckdb

    with duckdb.connect(str(DATABASE), read_only=True) as db:
        def query(sql: str) -> List[Dict[str, Any]]:
            cursor = db.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        return problems + report_models(query, schema, vanished, texts) + report_analysts_models(query, schema)


def report_analysts_models(query: Callable[[str], List[Dict[str, Any]]], schema: str) -> List[str]:
    """One row of tiktok__creators and the first week of the newest videos (tiktok__videos)."""
    problems: List[str] = []
    creator = query(f"SELECT * FROM {schema}.tiktok__creators WHERE handle = 'nasa.fan'")
    print("\n  tiktok__creators (one row per handle; nasa.fan)")
    for name, value in (creator[0] if creator else {}).items():
        print(f"  {name:<24} {'-' if value is None else value}")
    if not creator:
        problems.append("tiktok__creators has no row for nasa.fan")
    newest = query(
        f"SELECT handle, video_id, created_at, days_since_published, views_day_1, views_day_7, views "
        f"FROM {schema}.tiktok__videos WHERE created_at IS NOT NULL ORDER BY created_at DESC, handle, video_id LIMIT 6")
    print("\n  the newest videos' first week (tiktok__videos; views interpolated between snapshots, - when not known yet)")
    print(f"  {'handle':<15} {'published (UTC)':<16} {'days':>4} {'views day 1':>11} {'views day 7':>11} {'views now':>10}")
    for row in newest:
        day_1, day_7 = (("-" if v is None else f"{v:,}") for v in (row["views_day_1"], row["views_day_7"]))
        print(f"  {row['handle']:<15} {row['created_at']:%Y-%m-%d %H:%M} {row['days_since_published']:>4} "
              f"{day_1:>11} {day_7:>11} {row['views'] or 0:>10,}")
    if not any(r["views_day_1"] is not None for r in newest):
        problems.append("no new video has views_day_1: its first day should fall between the demo's syncs")
    return problems


def report_models(query: Callable[[str], List[Dict[str, Any]]], schema: str, vanished: Dict[str, List[str]],
                  texts: Dict[str, str]) -> List[str]:
    from socialfetch_local.models import draw_daily_views

    problems: List[str] = []
    rows = query(
        f"SELECT handle, date_day, videos_published, videos_available, views, views_gained, followers, followers_gained "
        f"FROM {schema}.tiktok__creator_daily ORDER BY handle, date_day")
    print("\n  tiktok__creator_daily (one row per handle per day; a few handles)")
    print(f"  {'handle':<15} {'day':<10} {'published':>9} {'available':>9} {'views':>12} {'gained':>10} {'followers':>10}")
    for row in [r for r in rows if r["handle"] in ("nasa.fan", GOES_PRIVATE)]:
        followers = "" if row["followers"] is None else f"{row['followers']:,}"
        print(f"  {row['handle']:<15} {row['date_day']!s:<10} {row['videos_published']:>9} {row['videos_available']:>9} "
              f"{row['views']:>12,} {row['views_gained']:>10,} {followers:>10}")
    fastest = query(
        f"SELECT handle, video_id, SUM(views_gained) AS gained, MAX(views) AS views FROM {schema}.tiktok__video_daily "
        "GROUP BY handle, video_id ORDER BY gained DESC, handle, video_id LIMIT 6")
    print("\n  fastest-growing videos (tiktok__video_daily: views gained over their days)")
    for row in fastest:
        print(f"  {row['handle']:<15} {row['video_id']:<22} +{row['gained']:>10,} views (now {row['views']:,})")
    gone = query(
        f"SELECT handle, video_id, unavailable_since, unavailable_reason FROM {schema}.tiktok__videos "
        "WHERE is_available = false ORDER BY handle, video_id")
    print(f"\n  videos now unavailable (tiktok__videos: {len(gone)})")
    for handle in sorted({r["handle"] for r in gone}):
        mine = [r for r in gone if r["handle"] == handle]
        since = sorted({f"{r['unavailable_since']:%Y-%m-%d %H:%M} ({r['unavailable_reason']})" for r in mine})
        print(f"  {handle:<15} {len(mine):>3} video(s), since {', '.join(since)}")
    expected = {(h, i) for h, ids in vanished.items() for i in ids}
    found = {(r["handle"], str(r["video_id"])) for r in gone}
    if found != expected:
        problems.append(f"the models mark {len(found)} videos unavailable, the emulator removed {len(expected)}")
    ids = [r["video_id"] for r in fastest]
    daily = query(
        f"SELECT handle, video_id, date_day, views, is_observed FROM {schema}.tiktok__video_daily "
        f"WHERE video_id IN ({', '.join(repr(str(i)) for i in ids) or 'NULL'})")
    drawn = draw_daily_views(daily, texts, CHART)
    print(f"\nWrote {CHART}: views of the {len(drawn)} fastest-growing videos day by day, from tiktok__video_daily")
    if not drawn or not any(r["gained"] > 0 for r in fastest):
        problems.append("tiktok__video_daily shows no growth")
    return problems


def main() -> int:
    prepare_environment()
    from socialfetch_local.plan import make_plan, render_plan
    from socialfetch_local.report import render
    from socialfetch_local.sync import run_sync

    started = time.monotonic()
    for leftover in (DATABASE, DATABASE.with_name(DATABASE.name + ".wal")):
        leftover.unlink(missing_ok=True)  # the demo starts from nothing: a new emulator, a new database
    destination = parse_destination(str(DATABASE))
    print("Starting the Social Fetch emulator (demo dataset)...", flush=True)
    emulator = EmulatorProcess()
    run_sync = on_the_emulators_clock(run_sync, emulator)
    problems: List[str] = []
    try:
        print(f"Emulator at {emulator.base_url}; syncing {', '.join(HANDLES)} into {DATABASE}\n", flush=True)
        config = {"api_key": API_KEY, "handles": HANDLES, "base_url": emulator.base_url,
                  "stats_refresh_days": STATS_REFRESH_DAYS}
        sync_starts, days = [utc_naive()], [0.0]
        first = run_sync(config, destination, with_profiles=True)
        print("\n" + render(first, title="=== 1. First sync (videos and profiles) ==="), flush=True)

        changed: Dict[str, List[str]] = {}
        days.append(days[-1] + 1)
        emulator.admin("POST", "clock", {"days": 1})
        for handle, count in PUBLISH.items():
            emulator.admin("POST", "publish", {"handle": handle, "count": count})
        for handle, count in CHANGE_STATS.items():
            changed[handle] = emulator.admin("POST", "change_stats", {"handle": handle, "count": count})["ids"]
        print("\n=== The emulator changes the world ===")
        print("  its clock moves 1 day on: every video's views, likes... grow with its age")
        for handle, count in PUBLISH.items():
            print(f"  {handle}: {count} new videos published")
        for handle, ids in changed.items():
            print(f"  {handle}: views, likes... raised on its {len(ids)} newest videos")

        print("\n=== What the next sync will cost (socialfetch-local-sync --plan: nothing spent) ===")
        print(render_plan(make_plan(config, destination, every=timedelta(days=1), now=emulator_now(emulator))), flush=True)

        sync_starts.append(utc_naive())
        second = run_sync(config, destination)
        print("\n" + render(second, title="=== 2. Incremental sync (videos) ==="), flush=True)

        print("\n=== What the incremental sync did ===")
        before, after = first.by_handle(), second.by_handle()
        for handle in HANDLES:
            added = after[handle].videos - before[handle].videos
            expected = PUBLISH.get(handle, 0)
            credits = after[handle].credits
            print(f"  {handle}: +{added} videos (expected +{expected}), {credits} credit(s)")
            if added != expected:
                problems.append(f"{handle}: {added} new videos in the destination, expected {expected}")
            if handle not in PUBLISH and handle not in CHANGE_STATS and credits != 1:
                problems.append(f"{handle} was unchanged but cost {credits} credits, expected 1")
        for handle, ids in changed.items():
            truth = {v["id"]: v["stats"]["views"] for v in emulator.admin("GET", f"videos?handle={handle}")["videos"]}
            stored = views_by_id(second.cache, handle, ids)
            fresh = sum(1 for i in ids if stored.get(i) == truth.get(i))
            print(f"  {handle}: {fresh} of {len(ids)} changed videos show the new view counts")
            if fresh != len(ids):
                problems.append(f"{handle}: {len(ids) - fresh} changed videos still show old views")
        print(f"  credits: first sync {first.credits_used}, incremental sync {second.credits_used} "
              f"(1 credit per page read: about 1 per unchanged handle)")
        growth = print_growth(second.cache, "Views gained per handle between the two syncs")
        if not any(gained > 0 for _, gained in growth.values()):
            problems.append("video_stats shows no growth between the two syncs")

        days.append(days[-1] + 2)
        emulator.admin("POST", "clock", {"days": 2})
        vanished = change_availability(emulator)
        sync_starts.append(utc_naive())
        third = run_sync(config, destination, with_profiles=True)
        print("\n" + render(third, title="=== 3. Two days later, another incremental sync (and profiles) ==="), flush=True)
        print("  vanished since the second sync: " + "; ".join(
            f"{handle} {len(ids)} video{'s' if len(ids) != 1 else ''}" for handle, ids in vanished.items()))
        print_growth(third.cache, "Views gained per handle since the second sync")
        problems += show_models(destination, [first.cache, second.cache, third.cache], vanished)
    except LocalSyncError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return error.exit_code
    finally:
        emulator.stop()
        print(f"\nEmulator stopped. Demo took {time.monotonic() - started:.0f}s.")
    if problems:
        print("UNEXPECTED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"Explore the data: {sys.executable} -c \"import duckdb; db = duckdb.connect('{DATABASE}', read_only=True); "
          f"print(db.sql('select handle, count(*), max(createdat) from videos group by 1'))\"")
    print(f"The models are in schema {MODELS_SCHEMA} of {DATABASE}: tiktok__videos, tiktok__video_daily, "
          "tiktok__creator_daily, tiktok__creators, weekly and monthly rollups... (docs/dbt.md)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
