"""A command's own wall time, CPU and peak RSS, measured by a small wrapper process.

Linux carries a process's peak RSS into a forked child across exec (the old address space's
high-water mark becomes the child's `ru_maxrss`): a connector or `dbt build` forked from a large
benchmark process would report the benchmark's peak as its own. Forked from this small wrapper, it
reports its own. The wrapper also times the command and takes its CPU, so neither includes the
wrapper's own start-up.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence

# argv[1]: where to write the report; argv[2:]: the command, whose stdin, stdout, stderr and exit
# code pass through unchanged.
WRAPPER = """
import json, resource, subprocess, sys, time
started = time.monotonic()
code = subprocess.call(sys.argv[2:])
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as report:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_kib": usage.ru_maxrss}, report)
sys.exit(code)
"""


@dataclass(frozen=True)
class OwnUsage:
    wall: float  # seconds, from just before the command started to its exit
    cpu: float  # user + system seconds of the command and its own children
    peak_rss_kib: int

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_kib / 1024


def wrapped(argv: Sequence[str], report: Path) -> List[str]:
    """`argv` run through the wrapper, which writes the command's own usage to `report`."""
    return [sys.executable, "-c", WRAPPER, str(report), *argv]


def read_usage(report: Path) -> OwnUsage:
    data = json.loads(report.read_text())
    return OwnUsage(float(data["wall"]), float(data["cpu"]), int(data["peak_rss_kib"]))
