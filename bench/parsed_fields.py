"""The per-record cost of the parsed fields (hashtags, mentions, music): `video_record` on every
video of the emulator's demo world as served, with and without the parse, side by side, best of
several interleaved rounds (the machine is shared). `python -m bench.parsed_fields` writes its
section of bench/results.md."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List
from unittest import mock

from bench.sections import load_note, write_section
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.records import videos as records

ROUNDS = 15


def videos() -> List[Dict[str, Any]]:
    emu = Emulator(dataset="demo")
    return [v for h in emu.handles() for v in emu.videos(h)]


def per_record_us(items: List[Dict[str, Any]], record: Callable[..., Any]) -> float:
    started = time.perf_counter()
    for item in items:
        record(item, "h")
    return (time.perf_counter() - started) / len(items) * 1e6


def measure() -> Dict[str, float]:
    items = videos()
    with_parse: List[float] = []
    without: List[float] = []
    for _ in range(ROUNDS):
        with_parse.append(per_record_us(items, records.video_record))
        with mock.patch.object(records, "add_topics", lambda record, caption, details: None):
            without.append(per_record_us(items, records.video_record))
    return {"records": len(items), "with": min(with_parse), "without": min(without)}


def main() -> None:
    m = measure()
    ratio = m["with"] / m["without"]
    text = (f"### Parsed fields: `video_record` per record, {m['records']:,} demo videos, best of {ROUNDS}\n\n"
            "| without the parse | with hashtags, mentions, music | added | ratio |\n|---|---|---|---|\n"
            f"| {m['without']:.2f} us | {m['with']:.2f} us | {m['with'] - m['without']:.2f} us | {ratio:.2f}x |\n\n"
            f"Against the connector's whole CPU per record in the CPU table above (about 170 us), the parse adds "
            f"{(m['with'] - m['without']) / 170 * 100:.1f}%. {load_note()}\n")
    write_section("parsed_fields", text)
    print(text)


if __name__ == "__main__":
    main()
