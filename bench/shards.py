"""The shard targets, measured side by side in one run against one emulator process.

    python -m bench.shards [--runs 1] [--no-write]

(a) 10,000 handles x 1 page (50 ms a page, concurrency 32, a first incremental sync): one unsharded
    sync against 4 shards of the same list (`shard` {count 4, index i}) run one after another, each a
    process of its own: credits and requests (from the emulator) of the 4 together over the one
    (target <= 1.05x), and the union of their (handle, id) records against the unsharded sync's
    (target: equal, and no record in two shards).
(b) The same 4 shards at the same time (4 processes) on this machine's cores, wall time beside one
    unsharded sync's.
(c) The docs' worked example (docs/scaling.md): one shard of 10,000 and one of 2,500 handles x 1
    page at 500 ms a page, concurrency 32, incremental from a saved state: the time of a daily sync
    of one shard of 50,000 handles split 5 or 20 ways. Measured at that latency, not scaled.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

import orjson

from bench.run import CONNECTOR, ROOT, EmulatorProcess, Workdir, catalog, handles
from bench.scale import admin, med, verdict
from bench.sections import load_note, run_sections

KEY = "sfk_demo"


@dataclass
class Sync:
    wall: float
    cpu: float
    records: Set[Tuple[str, str]]
    duplicates: int
    returncode: int
    last_state: Optional[List[Dict[str, Any]]]


def argv(work: Workdir, base_url: str, names: List[str], shard: Optional[Dict[str, int]] = None,
         state: Optional[List[Dict[str, Any]]] = None, concurrency: int = 32) -> List[str]:
    config: Dict[str, Any] = {"api_key": KEY, "handles": names, "base_url": base_url, "concurrency": concurrency}
    if shard:
        config["shard"] = shard
    args = CONNECTOR + ["read", "--config", work.write("config", config), "--catalog", work.write("catalog", catalog("incremental"))]
    if state is not None:
        args += ["--state", work.write("state", state)]
    return args


def start(args: List[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)


def finish(proc: subprocess.Popen[bytes], started: float) -> Sync:
    """Read a running sync's messages to its end: its (handle, id) records, its last state, its rusage."""
    records: Set[Tuple[str, str]] = set()
    duplicates = 0
    last_state: Dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b'{"type":"RECORD"'):
            data = orjson.loads(line)["record"]["data"]
            key = (data["handle"], data["id"])
            duplicates += key in records
            records.add(key)
        elif b'"type":"STATE"' in line[:40]:
            message = orjson.loads(line)["state"]
            last_state[message["stream"]["stream_descriptor"]["name"]] = message
    _, status, usage = os.wait4(proc.pid, 0)
    return Sync(time.monotonic() - started, usage.ru_utime + usage.ru_stime, records, duplicates,
                os.waitstatus_to_exitcode(status), list(last_state.values()) or None)


def run(args: List[str]) -> Sync:
    started = time.monotonic()
    return finish(start(args), started)


def spent(emu: EmulatorProcess, fn: Any) -> Tuple[Any, int, int]:
    """What `fn` cost at the emulator: (its result, credits, videos requests)."""
    admin(emu, "DELETE", "requests")
    balance = emu.balance()
    result = fn()
    requests = sum(1 for r in admin(emu, "GET", "requests")["requests"] if r["route"] == "videos")
    return result, balance - emu.balance(), requests


def side_by_side(work: Workdir, runs: int, out: List[str]) -> None:
    n, count, latency_ms = 10_000, 4, 50
    names = handles(n)
    shards = [{"count": count, "index": i} for i in range(count)]
    rows: Dict[str, List[Any]] = collections.defaultdict(list)
    with EmulatorProcess(f"gen:{n}x30", latency_ms=latency_ms) as emu:
        for _ in range(runs):
            one, one_credits, one_requests = spent(emu, lambda: run(argv(work, emu.base_url, names)))
            parts, parts_credits, parts_requests = spent(
                emu, lambda: [run(argv(work, emu.base_url, names, shard)) for shard in shards])
            rows["one"].append((one, one_credits, one_requests))
            rows["parts"].append((parts, parts_credits, parts_requests))
            # (b) the 4 at once, beside one unsharded sync (alternated with it)
            began = time.monotonic()
            procs = [start(argv(work, emu.base_url, names, shard)) for shard in shards]
            together = [finish(p, began) for p in procs]
            rows["together"].append((time.monotonic() - began, together))
            rows["alone"].append(run(argv(work, emu.base_url, names)))
    one, one_credits, one_requests = rows["one"][-1]
    parts, parts_credits, parts_requests = rows["parts"][-1]
    bad = [s.returncode for s in [one, *parts] if s.returncode != 0]
    if bad:
        raise RuntimeError(f"a sync failed: exit codes {bad}")
    union: Set[Tuple[str, str]] = set().union(*(p.records for p in parts))
    overlap = sum(len(p.records) for p in parts) - len(union)
    credit_ratio, request_ratio = parts_credits / one_credits, parts_requests / one_requests
    sequential = sum(p.wall for p in parts)
    together_wall = med([w for w, _ in rows["together"]])
    alone_wall = med([s.wall for s in rows["alone"]])
    together_ok = all(s.returncode == 0 and not s.duplicates for _, t in rows["together"] for s in t)
    together_union = set().union(*(s.records for s in rows["together"][-1][1]))
    out += [
        f"### (a) {n:,} handles x 1 page, {latency_ms} ms a page, concurrency 32, first incremental sync: "
        f"one connection vs {count} shards one after another\n",
        "| run | wall | CPU (user+sys) | records | credits | videos requests |",
        "|---|---|---|---|---|---|",
        f"| one unsharded sync | {one.wall:.1f} s | {one.cpu:.1f} s | {len(one.records):,} | {one_credits:,} | {one_requests:,} |",
    ]
    for shard, part in zip(shards, parts, strict=True):
        out.append(f"| shard {shard['index']} of {count} | {part.wall:.1f} s | {part.cpu:.1f} s | {len(part.records):,} | | |")
    out += [
        f"| {count} shards together | {sequential:.1f} s | {sum(p.cpu for p in parts):.1f} s | {len(union):,} | "
        f"{parts_credits:,} | {parts_requests:,} |",
        "",
        f"- credits: {credit_ratio:.3f}x, requests: {request_ratio:.3f}x the unsharded sync's (target <= 1.05x): "
        f"{verdict(credit_ratio <= 1.05 and request_ratio <= 1.05)}",
        f"- union of the shards' records equal to the unsharded sync's: {union == one.records} "
        f"({len(union):,} vs {len(one.records):,}; {overlap} records in two shards): {verdict(union == one.records and not overlap)}",
        "",
        f"### (b) the {count} shards at the same time ({count} processes) on {os.cpu_count()} cores\n",
        "| run | wall (median) |",
        "|---|---|",
        f"| one unsharded sync of {n:,} handles | {alone_wall:.1f} s |",
        f"| {count} shards of ~{n // count:,} at once | {together_wall:.1f} s |",
        "",
        f"- {together_wall / alone_wall:.2f}x the one sync's wall time; every shard exited 0 with no record twice: "
        f"{together_ok}; their union equal to the unsharded sync's: {together_union == one.records}. (No target: "
        "reported. Each shard pays its own start-up; on the platform each runs in a pod of its own.)",
        "",
    ]
    RATIOS.update(shards_credits=credit_ratio, shards_requests=request_ratio, shards_union_equal=float(union == one.records),
                  shards_together_over_one=together_wall / alone_wall)


def worked_example(work: Workdir, runs: int, out: List[str]) -> None:
    latency_ms, concurrency = 500, 32
    out += [
        f"### (c) the worked example: a daily incremental sync of one shard, {latency_ms} ms a page, "
        f"concurrency {concurrency}\n",
        "Each handle unchanged since the saved state: one page a handle (the lookback window), as a daily sync "
        "of creators who post a few videos a day reads. Measured at that latency, one run each after a first sync "
        "that made the state.\n",
        "| shard size | of 50,000 handles split | wall | pages | pages a second | ideal (pages x 0.5 s / 32) |",
        "|---|---|---|---|---|---|",
    ]
    for size in (2_500, 10_000):
        names = handles(size)
        with EmulatorProcess(f"gen:{size}x30", latency_ms=latency_ms) as emu:
            first = run(argv(work, emu.base_url, names, concurrency=concurrency))
            if first.returncode != 0 or first.last_state is None:
                raise RuntimeError(f"the first sync of {size} handles failed")
            walls = []
            for _ in range(runs):
                daily, _credits, pages = spent(emu, lambda names=names, state=first.last_state, base=emu.base_url: run(
                    argv(work, base, names, state=state, concurrency=concurrency)))
                walls.append(daily.wall)
        wall = med(walls)
        ideal = pages * latency_ms / 1000 / concurrency
        out.append(f"| {size:,} | {50_000 // size} ways | {wall:.0f} s ({wall / 60:.1f} min) | {pages:,} | "
                   f"{pages / wall:.0f} | {ideal:.0f} s |")
        RATIOS[f"example_{size}_seconds"] = wall
    out.append("")


RATIOS: Dict[str, float] = {}


def main(cli: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", default="side_by_side,worked_example")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch bench/results.md")
    args = parser.parse_args(cli)
    work = Workdir()
    out = ["## Shards (`python -m bench.shards`)", "",
           f"{args.runs} run(s) of each; {load_note()} at the start (the machine is shared: wall times move with "
           "the load, credits and requests do not).", ""]
    scenarios = {"side_by_side": side_by_side, "worked_example": worked_example}
    run_sections("shards", scenarios, args.only.split(","), work, args.runs, out, write=not args.no_write)

if __name__ == "__main__":
    main()
