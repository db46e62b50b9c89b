"""`python -m bench.handle_reads`: what selecting `handle_reads` costs. The same incremental sync of
`videos` + `video_stats`, with and without `handle_reads`, run alternately against one emulator
process: requests and credits (from the emulator) and the connector's CPU per video record
(user+sys from wait4, the median of RUNS runs each). Writes its section of bench/results.md."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List

from bench.run import CONNECTOR, KEY, EmulatorProcess, Measured, Workdir, handles, measure, med
from bench.sections import load_note, write_section

HANDLES, VIDEOS = 20, 1000


def catalog(with_reads: bool) -> Dict[str, Any]:
    def configured(name: str, mode: str) -> Dict[str, Any]:
        entry: Dict[str, Any] = {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                                 "sync_mode": mode, "destination_sync_mode": "append"}
        if mode == "incremental":
            entry["cursor_field"] = ["createdAt"]
        return entry

    streams = [configured("videos", "incremental"), configured("video_stats", "full_refresh")]
    if with_reads:
        streams.append(configured("handle_reads", "full_refresh"))
    return {"streams": streams}


def run(runs: int) -> str:
    work = Workdir()
    names = handles(HANDLES)
    results: Dict[bool, List[Measured]] = {False: [], True: []}
    spent: Dict[bool, List[int]] = {False: [], True: []}
    with EmulatorProcess(f"gen:{HANDLES}x{VIDEOS}") as emu:
        config = work.write("config", {"api_key": KEY, "handles": names, "base_url": emu.base_url, "concurrency": 4})
        for _ in range(runs):
            for with_reads in (False, True):
                before = emu.balance()
                argv = CONNECTOR + ["read", "--config", config, "--catalog", work.write("catalog", catalog(with_reads))]
                measured = measure(argv)
                assert measured.returncode == 0 and not measured.errors, measured.errors
                results[with_reads].append(measured)
                spent[with_reads].append(before - emu.balance())
    videos = HANDLES * VIDEOS
    lines = [
        f"### handle_reads: the same sync with and without it ({HANDLES} handles x {VIDEOS:,} videos, incremental "
        "first sync, videos + video_stats, concurrency 4)",
        "",
        "| catalog | credits (= requests) | RECORD lines | CPU s (user+sys, median) | CPU per 1,000 videos | vs without |",
        "|---|---|---|---|---|---|",
    ]
    base = med([m.cpu for m in results[False]])
    for with_reads in (False, True):
        cpu = med([m.cpu for m in results[with_reads]])
        records = results[with_reads][0].records
        label = "with handle_reads" if with_reads else "without"
        lines.append(f"| {label} | {sorted(set(spent[with_reads]))} | {records:,} | {cpu:.2f} | "
                     f"{cpu / videos * 1000 * 1000:.0f} ms | {cpu / base:.3f} (target < 1.05) |")
    lines += ["", f"Medians of {runs} runs each, alternated; {load_note()}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = run(args.runs)
    print(text)
    write_section("handle_reads", text)
    print("wrote the handle_reads section of bench/results.md", file=sys.stderr)


if __name__ == "__main__":
    main()
