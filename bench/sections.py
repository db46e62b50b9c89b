"""Sections of bench/results.md owned by one benchmark module each, replaced in place between
markers, so `python -m bench.freshness` or `python -m bench.scale` alone updates only its part and
`make bench` (bench.run rewrites the file, then these modules append theirs) keeps every part."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Mapping

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.md"


def write_section(name: str, text: str, path: Path = RESULTS) -> None:
    """Put `text` between this section's markers, replacing what was there, or at the end."""
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    current = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current, count=1)
    else:
        updated = current.rstrip("\n") + ("\n\n" if current else "") + block
    path.write_text(updated)


def load_note() -> str:
    """The machine's load when a figure was taken: the machine is shared, so wall times vary."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min) on {os.cpu_count()} cores"


def run_sections(name: str, scenarios: Mapping[str, Callable[..., None]], selected: List[str],
                 work: Any, runs: int, out: List[str], write: bool) -> str:
    """Run the `selected` scenarios of benchmark module `name` into `out`, close with the load, print
    the text, and write it as the module's section when every scenario ran."""
    for scenario in selected:
        began = time.monotonic()
        scenarios[scenario](work, runs, out)
        print(f"{name}: {scenario} done in {time.monotonic() - began:.0f}s", file=sys.stderr)
    out += [f"Load at the end: {load_note()}.", ""]
    text = "\n".join(out)
    print(text)
    if write and selected == list(scenarios):
        write_section(f"bench.{name}", text)
        print(f"wrote the {name} section of bench/results.md", file=sys.stderr)
    return text
