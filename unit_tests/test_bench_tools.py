"""The benchmarks' own bookkeeping: a wrong destination model or a section written twice would make
every figure in bench/results.md wrong without failing anything else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.freshness import Destination, history_pages, new_emulator, start_instant
from bench.own_usage import OwnUsage, read_usage
from bench.sections import write_section


def test_a_section_is_replaced_in_place_and_others_are_kept(tmp_path: Path) -> None:
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\nfrom bench.run\n")
    write_section("bench.freshness", "first", results)
    write_section("bench.scale", "scale", results)
    write_section("bench.freshness", "second", results)
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\nfrom bench.run\n")
    assert text.count("bench.freshness: start") == 1 and "second" in text and "first" not in text
    assert text.index("second") < text.index("scale")


def test_the_destination_keeps_the_latest_videos_record_and_the_newest_capture() -> None:
    dest = Destination()
    dest.take({"stream": "videos", "data": {"handle": "a", "id": "1", "stats": {"views": 10}}})
    dest.take({"stream": "video_stats", "data": {"handle": "a", "id": "1", "capturedAt": "2026-01-02T00:00:00.000000Z"}})
    dest.take({"stream": "video_stats", "data": {"handle": "a", "id": "1", "capturedAt": "2026-01-01T00:00:00.000000Z"}})
    dest.take({"stream": "videos", "data": {"handle": "a", "id": "1", "stats": {"views": 25}}})
    assert dest.views == {("a", "1"): 25}
    assert dest.captured == {("a", "1"): "2026-01-02T00:00:00.000000Z"}
    assert dest.stats_rows == 2


def test_the_simulated_world_has_about_1000_pages_and_a_90_day_floor_reads_fewer() -> None:
    emu = new_emulator(start_instant(60))
    try:
        handles = emu.handles()
        whole, recent = history_pages(emu, handles, None), history_pages(emu, handles, 90)
    finally:
        emu.stop()
    assert len(handles) == 50 and whole == 1001
    assert len(handles) <= recent < whole


# A parent holding this much, which a command forked straight from it would report as its own peak.
_PARENT_HOLDS_MIB = 300
_BIG_PARENT = """
import subprocess, sys
from pathlib import Path
from bench.own_usage import wrapped
held = bytearray({mib} * 1024 * 1024)  # touched: resident
command = [sys.executable, "-c", "import sys; print('out'); sys.exit(3)"]
argv = wrapped(command, Path(sys.argv[1])) if sys.argv[2] == "wrapped" else command
sys.exit(subprocess.call(argv))
"""


def _run_from_big_parent(tmp_path: Path, how: str) -> tuple[int, str, int]:
    """(exit code, stdout, the command's peak RSS in KiB) of a small command started by a large parent."""
    report = tmp_path / f"usage.{how}.json"
    parent = [sys.executable, "-c", _BIG_PARENT.format(mib=_PARENT_HOLDS_MIB), str(report), how]
    done = subprocess.Popen(parent, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    out, _ = done.communicate()
    peak = read_usage(report).peak_rss_kib if how == "wrapped" else 0
    return done.returncode, out, peak


def test_given_a_large_parent_when_wrapped_then_the_command_reports_its_own_peak(tmp_path: Path) -> None:
    code, out, peak = _run_from_big_parent(tmp_path, "wrapped")
    assert code == 3 and out == "out\n"  # exit code and stdout pass through the wrapper
    assert 0 < peak < _PARENT_HOLDS_MIB * 1024 / 3, f"{peak} KiB: the parent's peak leaked into the command's"


def test_a_command_forked_straight_from_a_large_parent_inherits_its_peak(tmp_path: Path) -> None:
    """Why the wrapper exists: wait4 on a command forked from the large parent reports the parent's peak."""
    probe = (f"import os, subprocess, sys; held = bytearray({_PARENT_HOLDS_MIB} * 1024 * 1024); "
             "p = subprocess.Popen([sys.executable, '-c', 'pass']); print(os.wait4(p.pid, 0)[2].ru_maxrss)")
    inherited = int(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
    assert inherited > _PARENT_HOLDS_MIB * 1024 * 0.9


def test_the_usage_report_reads_back(tmp_path: Path) -> None:
    report = tmp_path / "usage.json"
    report.write_text(json.dumps({"wall": 1.5, "cpu": 0.25, "peak_rss_kib": 2048}))
    assert read_usage(report) == OwnUsage(1.5, 0.25, 2048) and read_usage(report).peak_rss_mb == 2.0
