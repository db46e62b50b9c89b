"""`make bench`: throughput, scale, CPU, memory and credits of the connector against the emulator.

Every figure is a whole-process measurement of the connector (wall clock, user+sys CPU and peak
RSS, its own: taken by bench.own_usage's wrapper), the median of RUNS runs, and is reported as a ratio against an ideal or a
baseline measured in the same run. Prints a table and writes bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bench.own_usage import read_usage, wrapped

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CONNECTOR = [PY, str(ROOT / "main.py")]
KEY = "sfk_demo"
RESULTS = ROOT / "bench" / "results.md"


@dataclass
class Measured:
    wall: float
    cpu: float
    rss_mb: float
    records: int = 0
    states: int = 0
    state_bytes: int = 0
    last_state: Optional[List[Dict[str, Any]]] = None
    returncode: int = 0
    errors: List[str] = field(default_factory=list)


def measure(argv: List[str], cwd: Path = ROOT) -> Measured:
    """Run a process, read its Airbyte messages, and take its own wall time, CPU and peak RSS
    (through bench.own_usage's wrapper: forked from this process, it would inherit this one's peak)."""
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as work:
        report = Path(work) / "usage.json"
        proc = subprocess.Popen(wrapped(argv, report), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
        records = states = state_bytes = 0
        last_state: Dict[str, Any] = {}
        errors: List[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(b'{"type":"RECORD"'):
                records += 1
                continue
            if b'"type":"STATE"' in line[:40]:
                states += 1
                state_bytes += len(line)
                message = json.loads(line)["state"]
                last_state[message["stream"]["stream_descriptor"]["name"]] = message
            elif b'"type":"TRACE"' in line[:40] and b'"ERROR"' in line:
                errors.append(json.loads(line)["trace"]["error"]["message"][:200])
        returncode = proc.wait()
        usage = read_usage(report)
    return Measured(usage.wall, usage.cpu, usage.peak_rss_mb, records, states, state_bytes, list(last_state.values()) or None,
                    returncode, errors)


class EmulatorProcess:
    """The emulator in its own process, so its CPU is never counted as the connector's."""

    def __init__(self, dataset: str, latency_ms: int = 0, credits: int = 100_000_000, python: str = PY, root: Path = ROOT):
        self.proc = subprocess.Popen(
            [python, "-m", "socialfetch_emulator", "--port", "0", "--dataset", dataset, "--latency-ms", str(latency_ms),
             "--credits", str(credits)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root, text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"the emulator did not start for dataset {dataset}")

    def balance(self) -> int:
        request = urllib.request.Request(f"{self.base_url}/v1/balance", headers={"x-api-key": KEY})
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(json.load(response)["data"]["credits"])

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Workdir:
    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="bench-"))
        self._n = 0

    def write(self, name: str, value: Any) -> str:
        self._n += 1
        path = self.path / f"{self._n:03d}-{name}.json"
        path.write_text(json.dumps(value))
        return str(path)


def catalog(mode: str) -> Dict[str, Any]:
    stream = {"name": "videos", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
    configured: Dict[str, Any] = {"stream": stream, "sync_mode": mode, "destination_sync_mode": "append"}
    if mode == "incremental":
        configured["cursor_field"] = ["createdAt"]
    return {"streams": [configured]}


def handles(n: int) -> List[str]:
    return [f"gen.h{i:04d}" for i in range(n)]


def read_argv(work: Workdir, base_url: str, names: List[str], mode: str = "full_refresh",
              state: Optional[List[Dict[str, Any]]] = None, connector: Optional[List[str]] = None,
              **extra: Any) -> List[str]:
    """`read` of `names` from the emulator at `base_url`; `connector` is another checkout's (default: this one's)."""
    config = {"api_key": KEY, "handles": names, "base_url": base_url, **extra}
    argv = (connector or CONNECTOR) + ["read", "--config", work.write("config", config), "--catalog", work.write("catalog", catalog(mode))]
    if state is not None:
        argv += ["--state", work.write("state", state)]
    return argv


def repeat(runs: int, fn: Callable[..., Measured]) -> List[Measured]:
    """`runs` measurements of the same run (callers take the median of each figure with `med`)."""
    return [fn() for _ in range(runs)]


def med(values: List[float]) -> float:
    return statistics.median(values)


# ---------------------------------------------------------------------------------------------- scenarios
def startup(runs: int) -> float:
    return med([measure(CONNECTOR + ["spec"]).wall for _ in range(runs)])


def scaling(work: Workdir, runs: int, spec_s: float, out: List[str]) -> None:
    out.append("### Scaling: 64 handles x 3 pages, 200 ms a page\n")
    out.append("| concurrency | wall (median) | ideal + start-up | ratio | target |")
    out.append("|---|---|---|---|---|")
    with EmulatorProcess("gen:64x90", latency_ms=200) as emu:
        for concurrency in (1, 4, 16, 32):
            results = repeat(runs, lambda c=concurrency: measure(read_argv(work, emu.base_url, handles(64), concurrency=c)))
            assert all(r.records == 64 * 90 and r.returncode == 0 for r in results), [(r.records, r.errors) for r in results]
            ideal = 192 / min(concurrency, 64) * 0.2 + spec_s
            wall = med([r.wall for r in results])
            out.append(f"| {concurrency} | {wall:.2f} s | {ideal:.2f} s | {wall / ideal:.3f} | <= 1.15 |")
    out.append("")


def scale(work: Workdir, runs: int, spec_s: float, out: List[str]) -> None:
    out.append("### Scale: 1,000 handles x 1 page, 50 ms a page, concurrency 32, incremental\n")
    with EmulatorProcess("gen:1000x30", latency_ms=50) as emu:
        results = repeat(runs, lambda: measure(read_argv(work, emu.base_url, handles(1000), "incremental", concurrency=32)))
    assert all(r.records == 30_000 and r.returncode == 0 for r in results), [(r.records, r.errors) for r in results]
    ideal = 1000 / 32 * 0.05 + spec_s
    wall = med([r.wall for r in results])
    last = results[0].last_state[0]["stream"]["stream_state"] if results[0].last_state else {}
    out += [
        "| wall (median) | ideal + start-up | ratio | peak RSS | STATE messages | STATE bytes in all | handles in the last state |",
        "|---|---|---|---|---|---|---|",
        f"| {wall:.2f} s | {ideal:.2f} s | {wall / ideal:.3f} | {med([r.rss_mb for r in results]):.0f} MB | "
        f"{med([r.states for r in results]):.0f} | {med([r.state_bytes for r in results]):,.0f} | {len(last.get('states', []))} |",
        "",
        "One STATE per handle would have cost about N^2/2 x 80 bytes = 40 MB for 1,000 handles; the checkpoint "
        "policy (at most one STATE every 5 s, plus one at the end) keeps it to a few messages.",
        "",
    ]


def cpu(work: Workdir, runs: int, out: List[str]) -> None:
    out.append("### CPU: 50,000 videos (50 handles x 1,000), no latency\n")
    out.append("| run | CPU s (user+sys, median) | per 1,000 records | vs baseline |")
    out.append("|---|---|---|---|")
    names = handles(50)
    with EmulatorProcess("gen:50x1000") as emu:
        for concurrency in (1, 4):
            base = repeat(runs, lambda c=concurrency: measure(
                [PY, str(ROOT / "bench" / "baseline_loop.py"), "--base-url", emu.base_url, "--api-key", KEY,
                 "--handles", ",".join(names), "--concurrency", str(c)]))
            conn = repeat(runs, lambda c=concurrency: measure(read_argv(work, emu.base_url, names, concurrency=c)))
            assert all(r.records == 50_000 for r in base + conn), [(r.records, r.errors) for r in base + conn]
            b, c_ = med([r.cpu for r in base]), med([r.cpu for r in conn])
            out.append(f"| baseline loop, concurrency {concurrency} | {b:.2f} | {b / 50 * 1000:.0f} ms | 1.000 |")
            out.append(f"| connector, concurrency {concurrency} | {c_:.2f} | {c_ / 50 * 1000:.0f} ms | {c_ / b:.3f} (target <= 1.3) |")
    out.append("")


def profile(work: Workdir, out: List[str]) -> None:
    """Where the connector's CPU goes, every thread included: py-spy samples, inclusive shares."""
    out.append("### Where the connector's CPU goes (py-spy, 20,000 videos, concurrency 1)\n")
    spy = Path(PY).parent / "py-spy"
    if not spy.exists():
        out.append("py-spy is not installed (`pip install py-spy`); no profile.\n")
        return
    raw = work.path / "connector.spy"
    with EmulatorProcess("gen:20x1000") as emu:
        argv = read_argv(work, emu.base_url, handles(20), concurrency=1)
        measure([str(spy), "record", "--rate", "250", "--format", "raw", "--output", str(raw), "--"] + argv)
    inclusive: Dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in dict.fromkeys(_frame_name(f) for f in stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
    out.append(f"{total} samples. Inclusive share of the samples in which each function is on the stack "
               "(the main thread writes messages; the worker thread reads pages):\n")
    out.append("| share | function |")
    out.append("|---|---|")
    for name in PROFILE_FRAMES:
        if name in inclusive:
            out.append(f"| {inclusive[name] / total:.0%} | `{name}` |")
    out.append("")


# The frames that say where the time goes, from the process down to the record.
PROFILE_FRAMES = [
    "<module> (source_socialfetch_tiktok/__init__.py)",
    "AirbyteEntrypoint.read (airbyte_cdk/entrypoint.py)",
    "ConcurrentSource._consume_from_queue (airbyte_cdk/sources/concurrent_source/concurrent_source.py)",
    "ConcurrentReadProcessor.on_record (airbyte_cdk/sources/concurrent_source/concurrent_read_processor.py)",
    "record_line (source_socialfetch_tiktok/serialization.py)",
    "PrintBuffer.write (airbyte_cdk/utils/print_buffer.py)",
    "PartitionReader.process_partition (airbyte_cdk/sources/streams/concurrent/partition_reader.py)",
    "HttpClient.send_request (airbyte_cdk/sources/streams/http/http_client.py)",
    "SocialFetchErrorHandler.interpret_response (source_socialfetch_tiktok/api/errors_handlers.py)",
    "Videos.read_page (source_socialfetch_tiktok/streams.py)",
    "video_record (source_socialfetch_tiktok/records/videos.py)",
    "HandlePager.accept (source_socialfetch_tiktok/read/pagination.py)",
    "StreamPartition.read (airbyte_cdk/sources/streams/concurrent/adapters.py)",
    "RecordBatchingQueue.put (source_socialfetch_tiktok/read/record_queue.py)",
    "Queue.put (queue.py)",
]


def _frame_name(frame: str) -> str:
    """'func (path/to/site-packages/pkg/mod.py:12)' -> 'func (pkg/mod.py)'."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", str(ROOT) + "/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def memory(work: Workdir, runs: int, out: List[str]) -> None:
    out.append("### Memory: peak RSS reading 20,000 and 200,000 videos (concurrency 4)\n")
    rows = {}
    for n_handles in (20, 200):
        with EmulatorProcess(f"gen:{n_handles}x1000") as emu:
            results = repeat(runs, lambda n=n_handles: measure(read_argv(work, emu.base_url, handles(n), concurrency=4)))
        assert all(r.records == n_handles * 1000 for r in results), [(r.records, r.errors) for r in results]
        rows[n_handles] = med([r.rss_mb for r in results])
    out += ["| videos | peak RSS (median) |", "|---|---|", f"| 20,000 | {rows[20]:.0f} MB |", f"| 200,000 | {rows[200]:.0f} MB |",
            f"\nRatio 200,000 / 20,000: {rows[200] / rows[20]:.3f} (target <= 1.2)\n"]


def credits(work: Workdir, out: List[str]) -> None:
    out.append("### Credits\n")
    out.append("| sync | handles | lookback | credits |")
    out.append("|---|---|---|---|")
    names = handles(20)
    for lookback in (0, 7):
        with EmulatorProcess("gen:20x90") as emu:
            before = emu.balance()
            first = measure(read_argv(work, emu.base_url, names, "incremental", lookback_window_days=lookback))
            after_first = emu.balance()
            second = measure(read_argv(work, emu.base_url, names, "incremental", first.last_state, lookback_window_days=lookback))
            spent_second = after_first - emu.balance()
        out.append(f"| first (full history, 3 pages each) | 20 | {lookback} d | {before - after_first} |")
        out.append(f"| incremental, nothing changed | 20 | {lookback} d | {spent_second} (target {20 if lookback == 0 else '>= 20'}) |")
        assert second.returncode == 0
    out.append("")
    budget, k = 8, 10
    out.append(f"Budget rotation: {k} handles x 3 pages (30 credits of history), max_credits_per_sync {budget}, concurrency 4:\n")
    out.append("| sync | credits | handles with a cursor |")
    out.append("|---|---|---|")
    names = handles(k)
    state = None
    with EmulatorProcess("gen:10x90") as emu:
        for sync in range(1, 11):
            before = emu.balance()
            result = measure(read_argv(work, emu.base_url, names, "incremental", state, max_credits_per_sync=budget))
            spent = before - emu.balance()
            state = result.last_state
            done = len(state[0]["stream"]["stream_state"]["states"]) if state else 0
            out.append(f"| {sync} | {spent} (<= {budget}) | {done} of {k} |")
            assert spent <= budget and result.returncode == 0
            if done == k:
                break
    out.append("")


def machine() -> str:
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return (f"{cpu_model}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="scaling,scale,cpu,profile,memory,credits")
    args = parser.parse_args()
    selected = set(args.only.split(","))
    work = Workdir()
    spec_s = startup(args.runs)
    out = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `make bench` on: {machine()}.",
        f"Medians of {args.runs} runs; whole-process figures (wall clock, user+sys CPU, peak RSS) from wait4; the emulator "
        "runs in its own process. Connector start-up (`spec`, median): " + f"{spec_s:.2f} s.",
        "",
    ]
    for name, fn in (("scaling", lambda: scaling(work, args.runs, spec_s, out)), ("scale", lambda: scale(work, args.runs, spec_s, out)),
                     ("cpu", lambda: cpu(work, args.runs, out)), ("profile", lambda: profile(work, out)),
                     ("memory", lambda: memory(work, args.runs, out)), ("credits", lambda: credits(work, out))):
        if name in selected:
            started = time.monotonic()
            fn()
            print(f"bench: {name} done in {time.monotonic() - started:.0f}s", file=sys.stderr)
    text = "\n".join(out) + "\n"
    print(text)
    if selected == set(parser.get_default("only").split(",")):
        RESULTS.write_text(text)
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
