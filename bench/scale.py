"""The scale targets (`userId`, 10,000 handles, CPU per record, start-up), each a ratio measured
side by side in one run.

    python -m bench.scale [--runs 3] [--only userid,scale,cpu,startup] [--no-write]

(a) `userId`: 48 unchanged handles of one page, 400 ms handle lookup: an incremental sync whose state
    carries the learned `user_ids` against the same sync from the same state without them.
(b) 10,000 handles x 1 page at 50 ms, concurrency 32, incremental: wall time against
    bench/baseline_loop.py doing the same reads at the same concurrency against the same emulator;
    peak RSS; STATE messages (count, largest); the start-of-sync work and the end-of-sync summary,
    timed from the connector's log lines in an in-process run of the same sync.
(c) CPU per record, start-up excluded, 50,000 videos at concurrency 1 and 4, against the loop.
(d) Start-up: `spec` and `check` (against a local emulator) against `python -c "import airbyte_cdk"`.

Whole-process figures come from bench.run's `measure()` (wait4 rusage); the emulator runs in its own
process, so its CPU is never the connector's.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
import urllib.request
from typing import Any, Callable, Dict, List, Optional

from bench import inprocess
from bench.run import CONNECTOR, KEY, PY, ROOT, EmulatorProcess, Measured, Workdir, handles, measure, read_argv
from bench.sections import load_note, write_section
from source_socialfetch_tiktok import SourceSocialfetchTiktok

BASELINE = [PY, str(ROOT / "bench" / "baseline_loop.py")]


def med(values: List[float]) -> float:
    return statistics.median(values)


def admin(emu: EmulatorProcess, method: str, name: str, body: Optional[Dict[str, Any]] = None) -> Any:
    request = urllib.request.Request(f"{emu.base_url}/_emulator/{name}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def baseline_argv(base_url: str, names: List[str], concurrency: int) -> List[str]:
    return BASELINE + ["--base-url", base_url, "--api-key", KEY, "--handles", ",".join(names), "--concurrency", str(concurrency)]


def alternate(runs: int, *fns: Callable[[], Measured]) -> List[List[Measured]]:
    """Run the variants in turn, `runs` rounds, so a change in the machine's load hits all alike."""
    results: List[List[Measured]] = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            results[i].append(fn())
    return results


def ok(results: List[Measured], records: int, what: str) -> None:
    bad = [(r.returncode, r.records, r.errors[:2]) for r in results if r.returncode != 0 or r.records != records]
    if bad:
        raise RuntimeError(f"{what}: expected {records} records and exit 0, got {bad}")


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


# ---------------------------------------------------------------------------------------------- (a) userId
def userid(work: Workdir, runs: int, out: List[str]) -> None:
    n, lookup_ms, latency_ms = 48, 400, 50
    names = handles(n)
    with EmulatorProcess(f"gen:{n}x30", latency_ms=latency_ms) as emu:
        admin(emu, "POST", "lookup_latency", {"ms": lookup_ms})
        first = measure(read_argv(work, emu.base_url, names, "incremental"))
        ok([first], n * 30, "userId: the first sync")
        assert first.last_state, "the first sync emitted no state"
        with_ids = first.last_state
        blob = with_ids[0]["stream"]["stream_state"]
        learned = len(blob.get("user_ids") or {})
        without_ids = copy.deepcopy(with_ids)
        without_ids[0]["stream"]["stream_state"].pop("user_ids", None)
        lookups: Dict[str, List[int]] = {"with": [], "without": []}
        credits: Dict[str, List[int]] = {"with": [], "without": []}

        def sync(state: List[Dict[str, Any]], label: str) -> Measured:
            admin(emu, "DELETE", "requests")
            balance = emu.balance()
            result = measure(read_argv(work, emu.base_url, names, "incremental", state))
            credits[label].append(balance - emu.balance())
            log = admin(emu, "GET", "requests")["requests"]
            lookups[label].append(sum(1 for r in log if r["lookup"]))
            return result

        with_runs, without_runs = alternate(runs, lambda: sync(with_ids, "with"), lambda: sync(without_ids, "without"))
    # Unchanged handles: each sync reads one page a handle and emits the lookback window's videos.
    ok(with_runs + without_runs, with_runs[0].records, "userId")
    w, wo = med([r.wall for r in with_runs]), med([r.wall for r in without_runs])
    ratio = w / wo
    out += [
        f"### (a) `userId`: {n} unchanged handles x 1 page, {latency_ms} ms a page + {lookup_ms} ms handle lookup, "
        "concurrency 4, incremental\n",
        "| sync | wall (median) | records | credits | lookups served |",
        "|---|---|---|---|---|",
        f"| state with the {learned} learned `user_ids` | {w:.2f} s | {with_runs[0].records} | {credits['with'][0]} | "
        f"{lookups['with'][0]} |",
        f"| the same state without `user_ids` | {wo:.2f} s | {without_runs[0].records} | {credits['without'][0]} | "
        f"{lookups['without'][0]} |",
        "",
        f"Ratio {ratio:.3f} (target <= 0.5): {verdict(ratio <= 0.5)}. Credits per unchanged handle: "
        f"{credits['with'][0] / n:g} with ids, {credits['without'][0] / n:g} without (target exactly 1).",
        "",
    ]
    RATIOS["userid"] = ratio


# ---------------------------------------------------------------------------------------------- (b) 10,000 handles
def scale(work: Workdir, runs: int, out: List[str]) -> None:
    n, latency_ms, concurrency = 10_000, 50, 32
    names = handles(n)
    with EmulatorProcess(f"gen:{n}x30", latency_ms=latency_ms) as emu:
        connector, baseline = alternate(
            runs,
            lambda: measure(read_argv(work, emu.base_url, names, "incremental", concurrency=concurrency)),
            lambda: measure(baseline_argv(emu.base_url, names, concurrency)),
        )
        ok(connector + baseline, n * 30, "10,000 handles")
        config = {"api_key": KEY, "handles": names, "base_url": emu.base_url, "concurrency": concurrency}
        probe = inprocess.read(SourceSocialfetchTiktok(), config, inprocess.catalog("incremental", video_stats=False))
    if probe.errors:
        raise RuntimeError(f"10,000 handles, in-process: {probe.errors[:3]}")
    c, b = med([r.wall for r in connector]), med([r.wall for r in baseline])
    rss = med([r.rss_mb for r in connector])
    states = max(r.states for r in connector)
    biggest = max(probe.state_sizes)
    reading = probe.log_time("Reading ")
    used = probe.log_time("Sync used ")
    assert reading is not None and used is not None, "the connector's start or summary line was not logged"
    start_work = reading - probe.started
    summary = used - probe.last_message
    log_lines = len(probe.logs)
    out += [
        f"### (b) {n:,} handles x 1 page, {latency_ms} ms a page, concurrency {concurrency}, incremental\n",
        "| run | wall (median) | CPU (user+sys) | peak RSS | STATE messages | STATE bytes in all |",
        "|---|---|---|---|---|---|",
        f"| baseline loop | {b:.2f} s | {med([r.cpu for r in baseline]):.2f} s | {med([r.rss_mb for r in baseline]):.0f} MB | - | - |",
        f"| connector | {c:.2f} s | {med([r.cpu for r in connector]):.2f} s | {rss:.0f} MB | {states} | "
        f"{med([r.state_bytes for r in connector]):,.0f} |",
        "",
        f"- wall time vs the loop: {c / b:.3f} (target <= 1.2): {verdict(c / b <= 1.2)}",
        f"- peak RSS: {rss:.0f} MB (target <= 300 MB): {verdict(rss <= 300)}",
        f"- STATE messages: {states}, the largest {biggest:,} bytes (in-process run of the same sync; targets <= 20 and "
        f"<= 2 MB): {verdict(states <= 20 and biggest <= 2_000_000)}",
        f"- start-of-sync work (config, state, ordering, plan: from the call of `read` to the line \"Reading ...\"): "
        f"{start_work:.2f} s; end-of-sync summary (from the last message to the line \"Sync used ...\"): {summary:.3f} s "
        f"(in-process run; wall {probe.ended - probe.started:.1f} s, {log_lines} log lines in all)",
        "",
    ]
    RATIOS["scale_wall"] = c / b
    RATIOS["scale_rss_mb"] = rss
    RATIOS["scale_states"] = states
    RATIOS["scale_state_max_bytes"] = biggest


# ---------------------------------------------------------------------------------------------- (c) CPU per record
def cpu(work: Workdir, runs: int, out: List[str]) -> None:
    names = handles(50)
    records = 50_000
    spec_cpu = med([measure(CONNECTOR + ["spec"]).cpu for _ in range(runs)])
    loop_start_cpu = med([measure(BASELINE + ["--help"]).cpu for _ in range(runs)])
    out += [
        "### (c) CPU per record, start-up excluded: 50,000 videos (50 handles x 1,000), no latency\n",
        f"Start-up CPU subtracted: the connector's `spec` ({spec_cpu:.2f} s), the loop's `--help` ({loop_start_cpu:.2f} s).\n",
        "| concurrency | loop CPU | connector CPU | loop per record | connector per record | ratio | target |",
        "|---|---|---|---|---|---|---|",
    ]
    with EmulatorProcess("gen:50x1000") as emu:
        for concurrency in (1, 4):
            base, conn = alternate(
                runs,
                lambda c=concurrency: measure(baseline_argv(emu.base_url, names, c)),  # type: ignore[misc]
                lambda c=concurrency: measure(read_argv(work, emu.base_url, names, concurrency=c)),  # type: ignore[misc]
            )
            ok(base + conn, records, f"CPU at concurrency {concurrency}")
            b, c_ = med([r.cpu for r in base]), med([r.cpu for r in conn])
            per_b, per_c = (b - loop_start_cpu) / records * 1e6, (c_ - spec_cpu) / records * 1e6
            ratio = per_c / per_b
            out.append(f"| {concurrency} | {b:.2f} s | {c_:.2f} s | {per_b:.0f} µs | {per_c:.0f} µs | {ratio:.3f} | "
                       f"<= 1.10: {verdict(ratio <= 1.10)} |")
            RATIOS[f"cpu_c{concurrency}"] = ratio
    out.append("")


# ---------------------------------------------------------------------------------------------- (d) start-up
def startup(work: Workdir, runs: int, out: List[str]) -> None:
    with EmulatorProcess("gen:1x30") as emu:
        config = work.write("config", {"api_key": KEY, "handles": handles(1), "base_url": emu.base_url})
        cdk, spec, check = alternate(
            max(runs, 5),
            lambda: measure([PY, "-c", "import airbyte_cdk"]),
            lambda: measure(CONNECTOR + ["spec"]),
            lambda: measure(CONNECTOR + ["check", "--config", config]),
        )
    assert all(r.returncode == 0 for r in cdk + spec + check), [r.returncode for r in cdk + spec + check]
    i, s, k = med([r.wall for r in cdk]), med([r.wall for r in spec]), med([r.wall for r in check])
    out += [
        f"### (d) Start-up, wall (median of {max(runs, 5)})\n",
        "| command | wall | CPU | over `import airbyte_cdk` | target |",
        "|---|---|---|---|---|",
        f"| `python -c \"import airbyte_cdk\"` | {i:.2f} s | {med([r.cpu for r in cdk]):.2f} s | - | - |",
        f"| `spec` | {s:.2f} s | {med([r.cpu for r in spec]):.2f} s | {s - i:+.2f} s | <= +0.3 s: {verdict(s - i <= 0.3)} |",
        f"| `check` (local emulator) | {k:.2f} s | {med([r.cpu for r in check]):.2f} s | {k - i:+.2f} s | "
        f"<= +0.3 s: {verdict(k - i <= 0.3)} |",
        "",
    ]
    RATIOS["startup_spec_over_s"] = s - i
    RATIOS["startup_check_over_s"] = k - i


RATIOS: Dict[str, float] = {}
SCENARIOS: Dict[str, Callable[[Workdir, int, List[str]], None]] = {"userid": userid, "scale": scale, "cpu": cpu, "startup": startup}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch bench/results.md")
    args = parser.parse_args(argv)
    selected = args.only.split(",")
    work = Workdir()
    out = ["## userId, 10,000 handles, CPU per record, start-up (`python -m bench.scale`)", "",
           f"Medians of {args.runs} runs, the variants of each scenario run in turn; {load_note()} at the start "
           "(the machine is shared: wall times move with the load, ratios measured side by side less so).", ""]
    for name in selected:
        started = time.monotonic()
        SCENARIOS[name](work, args.runs, out)
        print(f"scale: {name} done in {time.monotonic() - started:.0f}s", file=sys.stderr)
    out += [f"Load at the end: {load_note()}.", ""]
    text = "\n".join(out)
    print(text)
    if not args.no_write and selected == list(SCENARIOS):
        write_section("bench.scale", text)
        print("wrote the scale section of bench/results.md", file=sys.stderr)


if __name__ == "__main__":
    main()
