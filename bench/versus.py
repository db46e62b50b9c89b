"""Two checkouts side by side: the benchmark rows for a baseline (0.2.0) and a candidate, run in
turn in one process run, in one table: row, baseline, candidate, ratio.

    python -m bench.versus --baseline ../wt-v020 --candidate . [--runs 3] [--quick]
                           [--only startup,cpu,handle_reads,scaling,scale,freshness] [--write]

Each checkout runs its own connector (`main.py`) with its own `.venv/bin/python` (`make install`
there first). Both read the same API: the candidate's emulator, in its own process. The variants of
each measurement run in turn and the order rotates every round (A, B, then B, A), so a change in the
machine's load or a cold emulator cache hits every variant alike; each figure is the median.

Rows:
- start-up: `spec` and `check` (against the emulator), wall, and `spec`'s CPU;
- CPU per record at concurrency 1 and 4, as a slope: the CPU of reading 1,000 videos a handle
  minus that of the newest 100 a handle, over the 45,000 records between (start-up and per-handle
  work cancel out; against the bare loop: `python -m bench.scale`);
- latency scaling: 64 handles x 3 pages at 200 ms a page, concurrency 1/4/16/32, wall;
- 10,000 handles x 1 page at 50 ms, concurrency 32, incremental: wall (and against the loop), peak
  RSS, STATE messages and bytes;
- `handle_reads` (candidate only, when its `discover` lists the stream): the same sync with and
  without `handle_reads` in the catalog: requests and credits (must be equal), CPU per video record;
- freshness: `bench.freshness` (the candidate's, with the candidate's emulator) run for each
  connector, alongside the timed rows (its figures are credits and shares, not times).

Whole-process figures come from bench.run's `measure()` (wait4 rusage).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from bench import inprocess
from bench.run import KEY, EmulatorProcess, Measured, Workdir, handles, measure, read_argv
from bench.scale import admin, baseline_argv, ok
from bench.sections import load_note, write_section

VIDEOS_50K = 50_000
SMALL_CAP = 100  # videos a handle in the small read of the CPU slope


@dataclass(frozen=True)
class Side:
    """One checkout: its connector runs with its own virtualenv."""

    label: str  # "baseline" or "candidate"
    root: Path

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")

    @property
    def connector(self) -> List[str]:
        return [self.python, str(self.root / "main.py")]

    def version(self) -> str:
        match = re.search(r'^VERSION = "([^"]+)"', (self.root / "setup.py").read_text(), re.M)
        return match.group(1) if match else "?"

    def commit(self) -> str:
        """The checkout's commit ("no git" for an exported tree)."""
        done = subprocess.run(["git", "-C", str(self.root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else "no git"

    def title(self) -> str:
        return f"{self.version()} ({self.commit()})"

    def run(self, argv: List[str]) -> Measured:
        return measure(argv, cwd=self.root)


@dataclass
class Row:
    """One figure for both sides: every run's value, so the table can show the median and the noise."""

    name: str
    baseline: List[float]
    candidate: List[float]
    unit: str = "s"
    exact: bool = False  # a count or a simulation's figure: any difference is a change, not noise

    @property
    def ratio(self) -> float:
        b, c = statistics.median(self.baseline), statistics.median(self.candidate)
        if b == 0:
            return 1.0 if c == 0 else float("inf")
        return c / b

    @property
    def noise(self) -> float:
        """Half the larger relative spread of the two sides' runs (0 with one run a side)."""
        def spread(values: List[float]) -> float:
            m = statistics.median(values)
            return (max(values) - min(values)) / (2 * m) if m else 0.0
        return max(spread(self.baseline), spread(self.candidate))

    def rounds_higher(self) -> str:
        """In how many rounds the candidate's figure was above the baseline's of the same round: the pair
        shares the round's load, so "5/5" says more than a ratio inside a wide spread."""
        if self.exact or len(self.baseline) < 2:
            return "-"
        higher = sum(c > b for b, c in zip(self.baseline, self.candidate, strict=True))
        return f"{higher}/{len(self.baseline)}"

    def verdict(self) -> str:
        """Lower is better for every row here."""
        if self.exact:
            return "same" if self.ratio == 1 else ("better" if self.ratio < 1 else "**worse**")
        if min(len(self.baseline), len(self.candidate)) < 2:  # no spread to judge noise by
            return "one run: " + ("higher" if self.ratio > 1.03 else "lower" if self.ratio < 0.97 else "same")
        margin = max(self.noise, 0.03)
        if self.ratio > 1 + margin:
            return "**slower**"
        if self.ratio < 1 - margin:
            return "faster"
        return "same (within noise)" if abs(self.ratio - 1) > 0.03 else "same"

    def cells(self) -> List[str]:
        return [self.name, fmt(statistics.median(self.baseline), self.unit),
                fmt(statistics.median(self.candidate), self.unit), f"{self.ratio:.3f}",
                "-" if self.exact or len(self.baseline) < 2 else f"±{self.noise:.0%}", self.rounds_higher(), self.verdict()]


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "d":
        return f"{value:.1f} d"
    if unit == "x":
        return f"{value:.3f}"
    if unit in ("µs", "MB"):
        return f"{value:.0f} {unit}"
    return f"{value:,.1f}" if value != int(value) else f"{value:,.0f}"


@dataclass
class Report:
    baseline: Side
    candidate: Side
    runs: int
    quick: bool
    rows: Dict[str, List[Row]] = field(default_factory=dict)  # per part, in the order they ran
    notes: List[str] = field(default_factory=list)
    took: Dict[str, float] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    load_start: str = field(default_factory=load_note)

    def text(self) -> str:
        b, c = self.baseline, self.candidate
        lines = [
            f"## {c.version()} vs {b.version()}, side by side (`python -m bench.versus`)", "",
            f"Measured {self.started_at:%Y-%m-%d %H:%M} UTC: baseline {b.title()}, candidate {c.title()}, "
            f"each with its own `.venv`; both against the candidate's emulator. "
            f"{'`--quick`: ' if self.quick else ''}medians of {self.runs} run(s) a side, the variants run in turn "
            "with the order rotating every round. Load: "
            f"{self.load_start} at the start, {load_note()} at the end (the machine is shared; wall times move with "
            "the load, ratios measured side by side much less).", "",
        ]
        side_by_side = [row for part, part_rows in self.rows.items() if part != "handle_reads" for row in part_rows]
        if side_by_side:
            lines += [f"| row | {b.version()} ({b.commit()}) | {c.version()} ({c.commit()}) | ratio | noise | rounds higher | verdict |",
                      "|---|---|---|---|---|---|---|"]
            lines += ["| " + " | ".join(row.cells()) + " |" for row in side_by_side]
        lines += ["", "Ratio: candidate / baseline (lower is better in every row). Noise: half the larger relative "
                  "spread of a side's runs; a ratio within max(noise, 3%) of 1 is \"same\". Rounds higher: in how many rounds the "
                  "candidate's figure was above the baseline's of the same round. Rows marked \"-\" are "
                  "counts or simulated figures: any difference is a change.", ""]
        if self.rows.get("handle_reads"):
            lines += [f"The cost of `handle_reads` ({c.title()}): the same sync without and with it in the catalog "
                      "(`videos`, `video_stats`), in turn. Targets: the same requests and credits, CPU per video record "
                      "< 1.05.", "",
                      "| row | without `handle_reads` | with | ratio | noise | rounds higher | verdict |", "|---|---|---|---|---|---|---|"]
            lines += ["| " + " | ".join(row.cells()) + " |" for row in self.rows["handle_reads"]]
            lines.append("")
        lines += [f"- {note}" for note in self.notes]
        if self.took:
            lines += ["", "Time per part: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.took.items())
                      + "."]
        return "\n".join(lines) + "\n"


def rotated(runs: int, fns: Sequence[Callable[[], Measured]]) -> List[List[Measured]]:
    """`runs` rounds of every variant, the first variant of each round rotating."""
    results: List[List[Measured]] = [[] for _ in fns]
    for round_ in range(runs):
        for k in range(len(fns)):
            i = (round_ + k) % len(fns)
            results[i].append(fns[i]())
    return results


# ---------------------------------------------------------------------------------------------- parts
class Bench:
    def __init__(self, baseline: Side, candidate: Side, runs: int, report: Report):
        self.a, self.b = baseline, candidate
        self.runs = runs
        self.report = report
        self.work = Workdir()
        self._spec_cpu: Dict[str, float] = {}

    def emulator(self, dataset: str, latency_ms: int = 0) -> EmulatorProcess:
        return EmulatorProcess(dataset, latency_ms, python=self.b.python, root=self.b.root)

    def spec_cpu(self, side: Side) -> float:
        """The CPU of start-up alone (`spec`): subtracted to get the CPU per record."""
        if side.label not in self._spec_cpu:
            self._spec_cpu[side.label] = statistics.median(side.run(side.connector + ["spec"]).cpu
                                                           for _ in range(max(self.runs, 3)))
        return self._spec_cpu[side.label]

    def startup(self) -> List[Row]:
        a, b = self.a, self.b
        runs = max(self.runs, 3)
        with self.emulator("gen:1x30") as emu:
            config = self.work.write("config", {"api_key": KEY, "handles": handles(1), "base_url": emu.base_url})
            spec_a, spec_b, check_a, check_b = rotated(runs, [
                lambda: a.run(a.connector + ["spec"]), lambda: b.run(b.connector + ["spec"]),
                lambda: a.run(a.connector + ["check", "--config", config]),
                lambda: b.run(b.connector + ["check", "--config", config]),
            ])
        everything = spec_a + spec_b + check_a + check_b
        if any(r.returncode != 0 for r in everything):
            raise RuntimeError(f"start-up: exit codes {[r.returncode for r in everything]}")
        self._spec_cpu = {a.label: statistics.median(r.cpu for r in spec_a), b.label: statistics.median(r.cpu for r in spec_b)}
        wall = lambda rs: [r.wall for r in rs]  # noqa: E731
        return [Row("start-up: `spec`, wall", wall(spec_a), wall(spec_b)),
                Row("start-up: `check` (emulator), wall", wall(check_a), wall(check_b)),
                Row("start-up: `spec`, CPU", [r.cpu for r in spec_a], [r.cpu for r in spec_b])]

    def cpu(self) -> List[Row]:
        """CPU per record as a slope: the read of 1,000 videos a handle minus the read of the newest
        SMALL_CAP a handle (`max_videos_per_handle`), over the difference in records, each pair from one
        round. Start-up and per-handle work cancel out; subtracting a `spec` measured apart did not:
        its own noise (±20%, the same code on both sides) landed on the per-record figure."""
        a, b = self.a, self.b
        names = handles(50)
        rows: List[Row] = []
        small = len(names) * SMALL_CAP
        with self.emulator("gen:50x1000") as emu:
            for concurrency in (1, 4):
                def reads(side: Side, c: int = concurrency, **extra: Any) -> Callable[[], Measured]:
                    return lambda: side.run(read_argv(self.work, emu.base_url, names, connector=side.connector,
                                                      concurrency=c, **extra))
                big_a, big_b, small_a, small_b = rotated(self.runs, [
                    reads(a), reads(b), reads(a, max_videos_per_handle=SMALL_CAP), reads(b, max_videos_per_handle=SMALL_CAP)])
                ok(big_a + big_b, VIDEOS_50K, f"CPU at concurrency {concurrency}")
                ok(small_a + small_b, small, f"CPU at concurrency {concurrency}, {SMALL_CAP} videos a handle")
                per = lambda big, little: [(r.cpu - s.cpu) / (VIDEOS_50K - small) * 1e6  # noqa: E731
                                           for r, s in zip(big, little, strict=True)]
                rows.append(Row(f"CPU per record, concurrency {concurrency} (slope: {VIDEOS_50K:,} videos minus {small:,})",
                                per(big_a, small_a), per(big_b, small_b), "µs"))
                med = lambda rs: statistics.median(r.cpu for r in rs)  # noqa: E731
                self.report.notes.append(
                    f"CPU at concurrency {concurrency}: {VIDEOS_50K:,} videos, baseline {med(big_a):.2f} s, candidate "
                    f"{med(big_b):.2f} s; {small:,} videos, baseline {med(small_a):.2f} s, candidate {med(small_b):.2f} s.")
        return rows

    def scaling(self) -> List[Row]:
        a, b = self.a, self.b
        names = handles(64)
        rows: List[Row] = []
        with self.emulator("gen:64x90", latency_ms=200) as emu:
            for concurrency in (1, 4, 16, 32):
                ra, rb = rotated(self.runs, [
                    lambda c=concurrency: a.run(read_argv(self.work, emu.base_url, names, connector=a.connector, concurrency=c)),  # type: ignore[misc]
                    lambda c=concurrency: b.run(read_argv(self.work, emu.base_url, names, connector=b.connector, concurrency=c)),  # type: ignore[misc]
                ])
                ok(ra + rb, 64 * 90, f"scaling at concurrency {concurrency}")
                rows.append(Row(f"latency scaling, 64 handles x 3 pages at 200 ms, concurrency {concurrency}: wall",
                                [r.wall for r in ra], [r.wall for r in rb]))
        return rows

    def scale(self) -> List[Row]:
        a, b = self.a, self.b
        n, concurrency = 10_000, 32
        names = handles(n)
        with self.emulator(f"gen:{n}x30", latency_ms=50) as emu:
            ra, rb, loop = rotated(self.runs, [
                lambda: a.run(read_argv(self.work, emu.base_url, names, "incremental", connector=a.connector, concurrency=concurrency)),
                lambda: b.run(read_argv(self.work, emu.base_url, names, "incremental", connector=b.connector, concurrency=concurrency)),
                lambda: b.run(baseline_argv(emu.base_url, names, concurrency)),
            ])
        ok(ra + rb + loop, n * 30, "10,000 handles")
        loop_wall = [r.wall for r in loop]
        # Each run's wall against the loop's run of the same round: the pairs share the round's load.
        against = lambda rs: [r.wall / w for r, w in zip(rs, loop_wall, strict=True)]  # noqa: E731
        last = lambda rs: [float(len(json.dumps(r.last_state))) if r.last_state else 0.0 for r in rs]  # noqa: E731
        self.report.notes.append(f"10,000 handles: the bare loop took {statistics.median(loop_wall):.2f} s "
                                 f"(peak RSS {statistics.median(r.rss_mb for r in loop):.0f} MB).")
        prefix = "10,000 handles x 1 page at 50 ms, concurrency 32"
        return [Row(f"{prefix}: wall", [r.wall for r in ra], [r.wall for r in rb]),
                Row(f"{prefix}: wall / the loop's", against(ra), against(rb), "x"),
                Row(f"{prefix}: peak RSS", [r.rss_mb for r in ra], [r.rss_mb for r in rb], "MB"),
                # Not an exact count: a checkpoint waits at least 5 s (cursor.py), so the count follows the wall time.
                Row(f"{prefix}: STATE messages", [float(r.states) for r in ra], [float(r.states) for r in rb], ""),
                Row(f"{prefix}: STATE bytes in all", [float(r.state_bytes) for r in ra], [float(r.state_bytes) for r in rb], ""),
                Row(f"{prefix}: the last state's bytes", last(ra), last(rb), "")]

    def handle_reads(self) -> List[Row]:
        """The same sync with and without `handle_reads`, candidate only: both columns are the candidate."""
        b = self.b
        names = handles(50)
        rows: List[Row] = []
        with self.emulator("gen:50x1000") as emu:
            if "handle_reads" not in discovered(b, self.work, emu.base_url):
                self.report.notes.append("`handle_reads`: not available (the candidate's `discover` does not list it).")
                return []
            spec = self.spec_cpu(b)
            for mode in ("full_refresh", "incremental"):
                counts: Dict[bool, List[Dict[str, float]]] = {False: [], True: []}

                def sync(with_reads: bool, mode: str = mode, counts: Dict[bool, List[Dict[str, float]]] = counts) -> Measured:
                    admin(emu, "DELETE", "requests")
                    balance = emu.balance()
                    config = self.work.write("config", {"api_key": KEY, "handles": names, "base_url": emu.base_url,
                                                        "concurrency": 4})
                    argv = b.connector + ["read", "--config", config,
                                          "--catalog", self.work.write("catalog", catalog_with(mode, with_reads))]
                    result = b.run(argv)
                    served = admin(emu, "GET", "requests")["requests"]
                    counts[with_reads].append({"credits": float(balance - emu.balance()), "requests": float(len(served))})
                    return result

                without, with_ = rotated(self.runs, [lambda: sync(False), lambda: sync(True)])
                ok(without, 2 * VIDEOS_50K, f"handle_reads ({mode}), without")
                bad = [(r.returncode, r.records, r.errors[:2]) for r in with_ if r.returncode != 0 or r.records <= 2 * VIDEOS_50K]
                if bad:
                    raise RuntimeError(f"handle_reads ({mode}), with: {bad}")
                label = f"{mode}, 50 handles x 1,000 videos, concurrency 4"
                per = lambda rs: [(r.cpu - spec) / VIDEOS_50K * 1e6 for r in rs]  # noqa: E731
                rows += [Row(f"{label}: requests", [float(c["requests"]) for c in counts[False]],
                             [float(c["requests"]) for c in counts[True]], "", exact=True),
                         Row(f"{label}: credits", [float(c["credits"]) for c in counts[False]],
                             [float(c["credits"]) for c in counts[True]], "", exact=True),
                         Row(f"{label}: CPU per video record, start-up excluded", per(without), per(with_), "µs")]
                self.report.notes.append(
                    f"`handle_reads` ({mode}): {with_[0].records - without[0].records} `handle_reads` records a sync.")
        return rows

    def freshness(self, days: int, full_days: int) -> Dict[str, Optional[str]]:
        """`bench.freshness` for each side's connector, with the candidate's benchmark and emulator; the two
        simulations run at once (each is one process, and the machine has more than one core)."""
        out: Dict[str, Optional[str]] = {}
        with tempfile.TemporaryDirectory(prefix="versus-fresh-") as tmp:
            procs = {}
            for side in (self.a, self.b):
                # One directory first on sys.path: the candidate's bench and emulator, this side's connector.
                here = Path(tmp) / side.label
                here.mkdir()
                for name, root in (("bench", self.b.root), ("socialfetch_emulator", self.b.root),
                                   ("source_socialfetch_tiktok", side.root)):
                    (here / name).symlink_to(root / name)
                procs[side.label] = subprocess.Popen(
                    [side.python, "-m", "bench.freshness", "--no-write", "--days", str(days), "--full-refresh-days",
                     str(full_days)], cwd=here, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for label, proc in procs.items():
                stdout, stderr = proc.communicate()
                out[label] = stdout if proc.returncode == 0 else None
                if proc.returncode != 0:
                    # An uncaught error is printed as the CDK's TRACE on stdout (its hook is installed by the import).
                    why = re.search(r'"internal_message":"([^"]*)"', stdout)
                    self.report.notes.append(f"freshness ({label}) failed: {why.group(1) if why else stderr.strip()[-300:]}")
        return out


def catalog_with(mode: str, with_reads: bool) -> Dict[str, Any]:
    configured = inprocess.catalog(mode, video_stats=True)
    if with_reads:
        stream = {"name": "handle_reads", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
        configured["streams"].append({"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append",
                                      "primary_key": [["readId"]]})
    return configured


def discovered(side: Side, work: Workdir, base_url: str) -> List[str]:
    config = work.write("config", {"api_key": KEY, "handles": handles(1), "base_url": base_url})
    done = subprocess.run(side.connector + ["discover", "--config", config], capture_output=True, text=True,
                          cwd=side.root, timeout=300)
    for line in done.stdout.splitlines():
        if line.startswith("{") and '"CATALOG"' in line[:40]:
            return [s["name"] for s in json.loads(line)["catalog"]["streams"]]
    raise RuntimeError(f"discover printed no catalog: {done.stderr.strip()[-300:]}")


# ---------------------------------------------------------------------------------------------- freshness table
FRESH_COLUMNS = {2: ("credits, first sync", ""), 3: ("credits per sync after the first, mean", ""),
                 4: ("credits per sync after the first, max", ""), 5: ("oldest stats, worst day", "d"),
                 6: ("views missed, mean over days", "%")}


def freshness_rows(baseline: str, candidate: str) -> List[Row]:
    """The strategies' figures of both tables, one row each (a figure missing on either side is left out)."""
    a, b = parse_freshness(baseline), parse_freshness(candidate)
    rows = []
    for strategy, cells in a.items():
        for index, (what, unit) in FRESH_COLUMNS.items():
            other = b.get(strategy)
            if other is None or index >= len(cells) or not cells[index] or not other[index]:
                continue
            rows.append(Row(f"freshness: {strategy}: {what}", [number(cells[index])], [number(other[index])], unit, exact=True))
    met_a, met_b = targets_met(baseline), targets_met(candidate)
    rows.append(Row("freshness: targets missed", [float(met_a[1] - met_a[0])], [float(met_b[1] - met_b[0])], "", exact=True))
    return rows


def parse_freshness(text: str) -> Dict[str, List[str]]:
    """The strategy table of `bench.freshness`'s report: strategy -> its cells."""
    rows: Dict[str, List[str]] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("| strategy |"):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not cells[0].startswith("---"):
                rows[cells[0]] = cells
    return rows


def targets_met(text: str) -> tuple[int, int]:
    """(met, all) of the freshness targets table."""
    lines = text.split("Targets:", 1)[-1].splitlines()
    verdicts = [line.rstrip(" |").rsplit("|", 1)[-1].strip() for line in lines if line.startswith("| ") and "|---" not in line]
    verdicts = [v for v in verdicts if v in ("yes", "**no**")]
    return sum(v == "yes" for v in verdicts), len(verdicts)


def number(cell: str) -> float:
    return float(cell.replace(",", "").removesuffix("%").removesuffix(" d"))


# ---------------------------------------------------------------------------------------------- main
# In this order: the cheap part that also measures `spec`'s CPU first, then the targets of 0.3.0.
PARTS = ["startup", "handle_reads", "cpu", "scaling", "scale", "freshness"]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="the checkout to compare against (e.g. 0.2.0)")
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run a side, a 10-day freshness simulation")
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--freshness-days", type=int, help="days to simulate (default 60, 10 with --quick)")
    parser.add_argument("--freshness-full-days", type=int,
                        help="days of the full-refresh-every-day strategy (default 15, 3 with --quick)")
    parser.add_argument("--write", action="store_true",
                        help="write the section into bench/results.md (after each part, so a cut run keeps what ran)")
    args = parser.parse_args(argv)
    baseline, candidate = Side("baseline", args.baseline.resolve()), Side("candidate", args.candidate.resolve())
    for side in (baseline, candidate):
        if not Path(side.python).exists():
            parser.error(f"{side.root} has no .venv: run `make install` there first")
    runs = 1 if args.quick else args.runs
    selected = [part for part in PARTS if part in args.only.split(",")]
    report = Report(baseline, candidate, runs, args.quick)
    bench = Bench(baseline, candidate, runs, report)

    def publish() -> None:
        text = report.text()
        if args.write:
            write_section("bench.versus", text)
        print(text, file=sys.stderr)
        for part_rows in report.rows.values():  # every run's figure, to judge a ratio's noise by eye
            for row in part_rows:
                print(f"versus: runs: {row.name}: {row.baseline} | {row.candidate}", file=sys.stderr)

    # The freshness simulation runs alongside the timed parts: its figures are credits and shares, and
    # the load it adds falls on both sides of every timed pair alike.
    fresh: Dict[str, Optional[str]] = {}
    fresh_days = args.freshness_days or (10 if args.quick else 60)
    # bench.freshness needs two days of each strategy (its figures are about the syncs after the first).
    fresh_days = max(fresh_days, 2)
    fresh_full_days = max(2, min(args.freshness_full_days or (3 if args.quick else 15), fresh_days))
    fresh_started = time.monotonic()
    fresh_thread = threading.Thread(
        target=lambda: fresh.update(bench.freshness(fresh_days, fresh_full_days)), daemon=True)
    if "freshness" in selected:
        fresh_thread.start()
    def take_freshness() -> None:
        """Into the report as soon as the simulation ended, so a run cut later still has it."""
        if "freshness" in report.took or "freshness" not in selected or fresh_thread.is_alive():
            return
        report.took["freshness"] = time.monotonic() - fresh_started
        if fresh.get("baseline") and fresh.get("candidate"):
            report.rows["freshness"] = freshness_rows(fresh["baseline"] or "", fresh["candidate"] or "")
            report.notes.append(f"freshness: a {fresh_days}-day simulation (full refresh every day for its first "
                                f"{fresh_full_days} days), both connectors at once, alongside the timed parts.")

    for part in selected:
        if part == "freshness":
            continue
        started = time.monotonic()
        try:
            report.rows[part] = getattr(bench, part)()
        except Exception as error:  # one part failing must not lose the others' figures
            report.notes.append(f"{part} failed: {type(error).__name__}: {str(error)[:300]}")
        report.took[part] = time.monotonic() - started
        print(f"versus: {part} done in {report.took[part]:.0f} s", file=sys.stderr)
        take_freshness()
        publish()
    if "freshness" in selected:
        fresh_thread.join()
        take_freshness()
    text = report.text()
    print(text)
    if args.write:
        write_section("bench.versus", text)


if __name__ == "__main__":
    main()
