"""The benchmarks' own bookkeeping: a wrong destination model or a section written twice would make
every figure in bench/results.md wrong without failing anything else."""

from __future__ import annotations

from pathlib import Path

from bench.freshness import Destination, history_pages, new_emulator, start_instant
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
