"""Freshness against credits: a simulation of daily syncs over many days.

    python -m bench.freshness [--days 60] [--full-refresh-days 15] [--no-write]

The emulator runs in this process, its clock one day further at each sync, and the connector's clock
starts each sync at the same instant. 50 handles of 1 to 40 pages (30 videos a page) publish a
trickle of new videos every day; served counts grow with age (`views(age) = final x age / (age + 3
days)`). For each strategy the destination is modelled as Airbyte keeps it: `videos` Append +
Deduped (the latest record per (handle, id)), `video_stats` Append (only the newest `capturedAt` of
each video matters here). After each sync: the credits it spent, the age of the oldest stats in the
destination (now - the newest `capturedAt` of each video; the oldest of them), and the share of the
true total views (the emulator's served counts at the clock) that the destination misses.

Prints the table and the freshness targets, writes bench/freshness.png (matplotlib, if installed) and
the freshness section of bench/results.md.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bench import inprocess
from bench.sections import ROOT, load_note, write_section
from socialfetch_emulator.dataset import ANCHOR, CreatorSpec, Dataset
from socialfetch_emulator.emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok

KEY = "sfk_demo"
PAGE = 30
N_HANDLES = 50
SEED = 11
CHART = ROOT / "bench" / "freshness.png"
DAY_S = 86_400.0
Key = Tuple[str, str]


@dataclass(frozen=True)
class Strategy:
    name: str
    mode: str  # videos sync mode: incremental | full_refresh
    extra: Dict[str, Any]
    refresh_days: Optional[int] = None
    max_age_days: Optional[int] = None  # staleness is judged over the videos this recent


STRATEGIES = [
    Strategy("incremental only (lookback 7)", "incremental", {"lookback_window_days": 7}),
    Strategy("full refresh every day", "full_refresh", {}),
    Strategy("stats_refresh_days 30, whole history", "incremental", {"lookback_window_days": 7, "stats_refresh_days": 30}, 30),
    Strategy("stats_refresh_days 7, max age 90", "incremental",
             {"lookback_window_days": 7, "stats_refresh_days": 7, "stats_refresh_max_age_days": 90}, 7, 90),
]


# ---------------------------------------------------------------------------------------------- the world
def handle_pages() -> Dict[str, int]:
    """50 handles from 1 to 40 pages, evenly spread (about 1,000 pages in all)."""
    return {f"fresh.h{i:02d}": 1 + i * 39 // (N_HANDLES - 1) for i in range(N_HANDLES)}


def start_instant(n_days: int) -> datetime:
    """Midnight UTC far enough back that the last simulated day is still in the past.

    The connector checks saved cursors against the machine's real clock, not the clock it is given
    (`state.parse_videos_state` calls `utc_now()`): a simulated day after today would see its cursors
    "in the future", clamp them to today and read deeper. The world is built relative to this instant,
    so every figure is the same whichever day the benchmark runs."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return min(ANCHOR, today - timedelta(days=n_days + 2))


def new_emulator(start: datetime) -> Emulator:
    """The same world for every strategy: each history ends half-way through its last page."""
    specs = [CreatorSpec(h, pages * PAGE - PAGE // 2) for h, pages in handle_pages().items()]
    return Emulator(Dataset.from_specs(specs, SEED, start), now=start, credits=100_000_000).start()


def trickle(emu: Emulator, handles: List[str], day: int) -> int:
    """Each handle publishes 0 to 3 videos a day (1.14 on average), the same on every run."""
    published = 0
    for handle in handles:
        count = random.Random(f"{SEED}:trickle:{handle}:{day}").choice((0, 0, 1, 1, 1, 2, 3))
        if count:
            emu.publish(handle, count)
            published += count
    return published


# ---------------------------------------------------------------------------------------------- the destination
@dataclass
class Destination:
    """`videos` Append + Deduped keeps the latest record of each (handle, id); of `video_stats`
    (Append) the benchmark needs only the newest `capturedAt` of each video."""

    views: Dict[Key, int] = field(default_factory=dict)
    captured: Dict[Key, str] = field(default_factory=dict)
    stats_rows: int = 0

    def take(self, record: Dict[str, Any]) -> None:
        data = record["data"]
        key = (data["handle"], data["id"])
        if record["stream"] == "videos":
            self.views[key] = (data.get("stats") or {}).get("views") or 0
        elif record["stream"] == "video_stats":
            self.stats_rows += 1
            if data["capturedAt"] > self.captured.get(key, ""):  # fixed-width RFC 3339 UTC: sorts as text
                self.captured[key] = data["capturedAt"]


@dataclass
class Day:
    day: int
    credits: int
    requests: int
    oldest_days: float  # over the videos in scope (all, or those within max_age_days)
    missed: float  # share of the true views the destination misses, in scope
    oldest_days_all: float
    missed_all: float
    never_captured: int
    wall_s: float


def observe(emu: Emulator, handles: List[str], dest: Destination, max_age_days: Optional[int]) -> Tuple[float, float, float, float, int]:
    """(oldest in scope, missed in scope, oldest of all, missed of all, videos never captured) at the clock."""
    now = emu.now
    now_ms = int(now.timestamp() * 1000)
    floor_ms = now_ms - max_age_days * 86_400_000 if max_age_days else None
    sums = {"in": [0, 0], "all": [0, 0]}
    oldest = {"in": 0.0, "all": 0.0}
    never = 0
    captured_cache: Dict[str, float] = {}
    for handle in handles:
        creator = emu.world.visible(handle)
        assert creator is not None
        for video_id, stats in emu.stats(handle).items():
            key = (handle, video_id)
            scopes = ["all"] + (["in"] if floor_ms is None or creator.videos[video_id].instant_ms >= floor_ms else [])
            stamp = dest.captured.get(key)
            if stamp is None:
                never += 1
                age = math.inf
            else:
                if stamp not in captured_cache:
                    captured_cache[stamp] = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
                age = (now.timestamp() - captured_cache[stamp]) / DAY_S
            for scope in scopes:
                sums[scope][0] += stats["views"]
                sums[scope][1] += dest.views.get(key, 0)
                oldest[scope] = max(oldest[scope], age)

    def missed(scope: str) -> float:
        truth, held = sums[scope]
        return 1 - held / truth if truth else 0.0

    return oldest["in"], missed("in"), oldest["all"], missed("all"), never


# ---------------------------------------------------------------------------------------------- a sync
@dataclass
class SyncResult:
    credits: int
    requests: List[Tuple[str, Tuple[Tuple[str, str], ...]]]
    state: List[Dict[str, Any]]
    errors: List[str]
    wall_s: float


def sync(emu: Emulator, handles: List[str], strategy: Strategy, state: Optional[List[Dict[str, Any]]],
         on_record: Optional[Callable[[Dict[str, Any]], None]], video_stats: bool = True, fixed_clock: bool = False) -> SyncResult:
    """One sync at the emulator's clock: the connector's clock starts at the same instant and runs on
    in real time (so its sync start lands a few milliseconds later, as a scheduler's jitter), or with
    `fixed_clock` stays at that instant for the whole sync."""
    now = emu.now
    started = time.monotonic()

    def clock() -> datetime:
        return now if fixed_clock else now + timedelta(seconds=time.monotonic() - started)

    config = {"api_key": KEY, "handles": handles, "base_url": emu.base_url, "concurrency": 4, **strategy.extra}
    catalog = inprocess.catalog(strategy.mode, video_stats=video_stats)
    balance = emu.balance()
    emu.clear_requests()
    out = inprocess.read(SourceSocialfetchTiktok(clock=clock), config, catalog,
                         state if strategy.mode == "incremental" else None, on_record)
    served = [(r.handle or "", tuple(sorted(r.query.items()))) for r in emu.requests if r.route == "videos"]
    return SyncResult(balance - emu.balance(), sorted(served), out.state_list, out.errors, time.monotonic() - started)


@dataclass
class StatsCost:
    """One sync run twice from the same state on the same world: with and without video_stats."""

    day: int
    credits_with: int
    credits_without: int
    requests_with: int
    requests_without: int
    same_requests: bool
    stats_rows: int


@dataclass
class Run:
    strategy: Strategy
    days: List[Day]
    history_pages: List[int]  # per day: pages a read down to the strategy's floor takes, all handles
    stats_cost: Optional[StatsCost] = None


def history_pages(emu: Emulator, handles: List[str], max_age_days: Optional[int]) -> int:
    """Pages of all handles down to the floor (a read stops on the page holding the first older video)."""
    now_ms = int(emu.now.timestamp() * 1000)
    total = 0
    for handle in handles:
        creator = emu.world.visible(handle)
        assert creator is not None
        listed = [v for v in creator.videos.values() if v.instant_ms <= now_ms]
        if max_age_days is None:
            total += max(1, math.ceil(len(listed) / PAGE))
        else:
            floor = now_ms - max_age_days * 86_400_000
            recent = sum(1 for v in listed if v.instant_ms >= floor)
            total += max(1, min(math.ceil(len(listed) / PAGE), recent // PAGE + 1))
    return total


def simulate(strategy: Strategy, n_days: int, start: datetime, probe_stats_day: Optional[int] = None,
             fixed_clock: bool = False) -> Run:
    emu = new_emulator(start)
    handles = list(handle_pages())
    dest = Destination()
    state: Optional[List[Dict[str, Any]]] = None
    run = Run(strategy, [], [])
    try:
        for day in range(n_days):
            if day:
                emu.advance(1)
                trickle(emu, handles, day)
            if day == probe_stats_day:
                without = sync(emu, handles, strategy, state, None, video_stats=False, fixed_clock=fixed_clock)
                rows_before = dest.stats_rows
            result = sync(emu, handles, strategy, state, dest.take, fixed_clock=fixed_clock)
            if result.errors:
                raise RuntimeError(f"{strategy.name}, day {day}: the sync failed: {result.errors[:3]}")
            if day == probe_stats_day:
                run.stats_cost = StatsCost(day, result.credits, without.credits, len(result.requests), len(without.requests),
                                           result.requests == without.requests, dest.stats_rows - rows_before)
            state = result.state
            oldest_in, missed_in, oldest_all, missed_all, never = observe(emu, handles, dest, strategy.max_age_days)
            run.days.append(Day(day, result.credits, len(result.requests), oldest_in, missed_in, oldest_all, missed_all, never,
                                result.wall_s))
            run.history_pages.append(history_pages(emu, handles, strategy.max_age_days))
            if day % 10 == 0 or day == n_days - 1:
                print(f"freshness: {strategy.name}: day {day}: {result.credits} credits, oldest {oldest_in:.2f} d, "
                      f"missed {missed_in:.2%}, {result.wall_s:.1f}s", file=sys.stderr)
    finally:
        emu.stop()
    return run


# ---------------------------------------------------------------------------------------------- figures
def steady(run: Run) -> List[int]:
    """Credits of the syncs after the first (the first reads every history, in every strategy)."""
    return [d.credits for d in run.days[1:]]


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


@dataclass
class Check:
    target: str
    measured: str
    met: bool


def checks(runs: Dict[str, Run]) -> List[Check]:
    inc, full = runs[STRATEGIES[0].name], runs[STRATEGIES[1].name]
    out: List[Check] = []
    incremental_pages = mean(steady(inc))
    for strategy in STRATEGIES[2:]:
        run = runs[strategy.name]
        d = strategy.refresh_days
        assert d is not None
        scope = f" (videos within {strategy.max_age_days} days)" if strategy.max_age_days else ""
        worst = max(x.oldest_days for x in run.days)
        out.append(Check(f"{strategy.name}: no video's stats older than D + 1 sync = {d + 1} days on any day{scope}",
                         f"oldest {worst:.2f} days", worst <= d + 1))
        expected = incremental_pages + mean([float(p) for p in run.history_pages[1:]]) / d
        measured = mean(steady(run))
        out.append(Check(f"{strategy.name}: mean credits per sync <= 1.1 x (incremental pages + history pages / {d})",
                         f"{measured:.1f} vs {incremental_pages:.1f} + {mean([float(p) for p in run.history_pages[1:]]):.0f} / {d} "
                         f"= {expected:.1f}: {measured / expected:.3f}x", measured <= 1.1 * expected))
        peak = max(steady(run))
        out.append(Check(f"{strategy.name}: no sync after the first above 1.5 x the mean",
                         f"max {peak} vs mean {measured:.1f}: {peak / measured:.2f}x", peak <= 1.5 * measured))
    inc_missed = inc.days[-1].missed
    out.append(Check("incremental only misses a measurable share of the views (last day)", f"{inc_missed:.2%}", inc_missed >= 0.001))
    d30 = runs[STRATEGIES[2].name]
    worst_missed = max(x.missed for x in d30.days)
    ratio = mean(steady(d30)) / mean(steady(full))
    out.append(Check("stats_refresh_days 30: under 5% of the views missed on every day", f"max {worst_missed:.2%}", worst_missed < 0.05))
    out.append(Check("stats_refresh_days 30: under 10% of the full-refresh-every-day credits per sync",
                     f"{mean(steady(d30)):.1f} / {mean(steady(full)):.1f} = {ratio:.1%}", ratio < 0.10))
    cost = d30.stats_cost
    if cost is not None:
        out.append(Check(f"video_stats costs 0 extra credits and 0 extra requests (day {cost.day} of the D = 30 plan, "
                         "the same sync with and without it)",
                         f"credits {cost.credits_with} vs {cost.credits_without}, requests {cost.requests_with} vs "
                         f"{cost.requests_without} ({'the same' if cost.same_requests else 'NOT the same'} requests), "
                         f"{cost.stats_rows} video_stats rows",
                         cost.credits_with == cost.credits_without and cost.same_requests))
    return out


def table(runs: Dict[str, Run]) -> List[str]:
    lines = [
        "| strategy | days | credits, first sync | credits per sync after the first: mean | max | oldest stats, worst day | "
        "views missed: mean over days | last day | worst day |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for strategy in STRATEGIES:
        run = runs.get(strategy.name)
        if run is None:
            continue
        days = run.days
        oldest = f"{max(d.oldest_days for d in days):.1f} d"
        missed = [d.missed for d in days]
        name = strategy.name
        if strategy.max_age_days:
            name += f" (videos within {strategy.max_age_days} d)"
        lines.append(f"| {name} | {len(days)} | {days[0].credits} | {mean(steady(run)):.1f} | {max(steady(run))} | {oldest} | "
                     f"{mean(missed):.2%} | {missed[-1]:.2%} | {max(missed):.2%} |")
        if strategy.max_age_days:
            beyond = [d.missed_all for d in days]
            lines.append(f"| same plan, all videos (older ones included) | {len(days)} | | | | "
                         f"{max(d.oldest_days_all for d in days):.1f} d | {mean(beyond):.2%} | {beyond[-1]:.2%} | {max(beyond):.2%} |")
    return lines


def chart(runs: Dict[str, Run], path: Path) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (`pip install -e .[tests]`): no chart"
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for strategy in STRATEGIES:
        run = runs.get(strategy.name)
        if run is None:
            continue
        x = [d.day for d in run.days]
        top.plot(x, [d.credits for d in run.days], label=strategy.name)
        bottom.plot(x, [100 * d.missed for d in run.days],
                    label=strategy.name + (f" (within {strategy.max_age_days} d)" if strategy.max_age_days else ""))
    top.set_yscale("log")
    top.set_ylabel("credits per sync (log)")
    top.set_title("Freshness against credits: 50 handles of 1 to 40 pages, one sync a day")
    top.legend(fontsize=8)
    bottom.set_ylabel("true views missed (%)")
    bottom.set_xlabel("day")
    bottom.legend(fontsize=8)
    for axis in (top, bottom):
        axis.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


CLOCK_NOTE = {
    False: "The connector's clock starts at the day's instant and runs on in real time, so each sync starts a few "
           "milliseconds after it, varying as a scheduler's start times do (`--fixed-clock` holds it at the instant).",
    True: "The connector's clock stays at the day's instant for the whole sync (`--fixed-clock`: no start-time jitter).",
}


def report(runs: Dict[str, Run], n_days: int, full_days: int, start: datetime, started_load: str, elapsed: float,
           chart_note: Optional[str], fixed_clock: bool = False) -> str:
    pages = handle_pages()
    lines = [
        "## Freshness against credits, `python -m bench.freshness`",
        "",
        f"A simulated {n_days} days from {start:%Y-%m-%d}, one sync a day: the in-process emulator's clock moves a day before each sync and the "
        "connector's clock starts each sync at the same instant. "
        f"{len(pages)} handles of {min(pages.values())} to {max(pages.values())} pages ({sum(pages.values())} pages, "
        f"{PAGE} videos a page, at the start), each publishing 0 to 3 new videos a day (1.14 on average); served counts "
        "grow as `final x age / (age + 3 days)`. Concurrency 4. " + CLOCK_NOTE[fixed_clock] + " The destination is modelled as Airbyte keeps it: "
        "`videos` Append + Deduped (latest record per (handle, id)), `video_stats` Append. \"Oldest stats\": the largest "
        "age, over the videos, of the newest `capturedAt` of each video, after each day's sync. \"Views missed\": 1 - "
        "(sum of `videos.stats.views` in the destination) / (sum of the views the API serves at the clock). Credits after "
        "the first sync: the first sync reads every history in every strategy.",
        "",
    ]
    if full_days < n_days:
        lines += [f"Full refresh every day was simulated for its first {full_days} days only (`--full-refresh-days`; it "
                  "reads every page every day: its staleness is one day by construction, and its credits per sync only "
                  "grow with the trickle, so the D = 30 ratio below is against a slightly smaller figure than a "
                  f"{n_days}-day mean).", ""]
    lines += table(runs)
    lines += ["", "Targets:", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {c.target} | {c.measured} | {'yes' if c.met else '**no**'} |" for c in checks(runs)]
    lines += ["", chart_note or f"![credits per sync and views missed, per day]({CHART.name})", "",
              f"Run in {elapsed:.0f} s; {started_load} at the start (the machine is shared; the credits and shares do not "
              "depend on it).", ""]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--full-refresh-days", type=int, default=15,
                        help="days to simulate the full-refresh-every-day strategy (at most --days): it reads ~1,000 pages a day")
    parser.add_argument("--fixed-clock", action="store_true",
                        help="the connector's clock stays at the day's instant for the whole sync (no start-time jitter)")
    parser.add_argument("--only", default="", help="comma-separated strategy numbers (0-3) to run; default all")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch bench/results.md or the chart")
    args = parser.parse_args(argv)
    full_days = min(args.full_refresh_days, args.days)
    started, load = time.monotonic(), load_note()
    runs: Dict[str, Run] = {}
    start = start_instant(args.days)
    chosen = [STRATEGIES[int(i)] for i in args.only.split(",")] if args.only else STRATEGIES
    for strategy in chosen:
        days = full_days if strategy.mode == "full_refresh" else args.days
        runs[strategy.name] = simulate(strategy, days, start, 1 if strategy is STRATEGIES[2] else None, args.fixed_clock)
    if chosen != STRATEGIES:  # the targets compare strategies: a partial run only prints its credits per day
        for run in runs.values():
            print(run.strategy.name, "credits per day:", [d.credits for d in run.days])
            print(run.strategy.name, "oldest stats per day:", [round(d.oldest_days, 2) for d in run.days])
        return
    chart_note = None if args.no_write else chart(runs, CHART)
    text = report(runs, args.days, full_days, start, load, time.monotonic() - started, chart_note, args.fixed_clock)
    print(text)
    failed = [c for c in checks(runs) if not c.met]
    print(f"freshness: {len(failed)} target(s) missed" if failed else "freshness: every target met", file=sys.stderr)
    if not args.no_write:
        write_section("bench.freshness", text)
        print(f"wrote the freshness section of {Path('bench/results.md')}", file=sys.stderr)


if __name__ == "__main__":
    main()
