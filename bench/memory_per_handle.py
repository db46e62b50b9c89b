"""`python -m bench.memory_per_handle [--baseline ../wt-v030] [--handles N]`: what the connector's own
code still holds per handle once every part has ended, side by side for two checkouts.

Each checkout runs one incremental sync of N handles x 1 page (videos + video_stats + handle_reads)
in a child process with its own `.venv/bin/python`, against an in-process emulator, under
tracemalloc; the snapshot is taken when the end-of-sync summary is logged ("Sync used ..."), while
the sync's objects are all alive. Counted: the live allocations made in the checkout's
`source_socialfetch_tiktok/` files (the parts' records of what they read, the state, the run),
divided by N. tracemalloc counts allocations exactly, so the figure does not depend on load."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Dict

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, logging, sys, tracemalloc
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.models import SyncMode
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok

handles = int(sys.argv[1])
snapshots = []

class AtSummary(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("Sync used "):
            snapshots.append(tracemalloc.take_snapshot())

logger = logging.getLogger("airbyte")
logger.addHandler(AtSummary(logging.INFO))
with Emulator(dataset=f"gen:{handles}x1") as emu:
    names = sorted(emu.handles())
    catalog = (CatalogBuilder().with_stream("videos", SyncMode.incremental)
               .with_stream("video_stats", SyncMode.full_refresh).with_stream("handle_reads", SyncMode.full_refresh).build())
    for configured in catalog.streams:
        if configured.sync_mode == SyncMode.incremental:
            configured.cursor_field = ["createdAt"]
    config = {"api_key": "sfk_demo", "handles": names, "base_url": emu.base_url, "concurrency": 8}
    tracemalloc.start(1)
    output = entrypoint_wrapper.read(SourceSocialfetchTiktok(), config, catalog)
    tracemalloc.stop()
assert len(snapshots) == 1, "the end-of-sync summary was not logged once"
held = snapshots[0].filter_traces([tracemalloc.Filter(True, "*/source_socialfetch_tiktok/*")])
by_file = {}
for stat in held.statistics("filename"):
    name = stat.traceback[0].filename.split("source_socialfetch_tiktok/", 1)[1]
    by_file[name] = by_file.get(name, 0) + stat.size
records = sum(1 for m in output.records if m.record.stream == "videos")
print(json.dumps({"handles": handles, "records": records, "per_handle": sum(by_file.values()) / handles,
                  "by_file": {k: v / handles for k, v in sorted(by_file.items(), key=lambda kv: -kv[1])[:6]}}))
"""


def measure(root: Path, handles: int) -> Dict[str, object]:
    done = subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", CHILD, str(handles)], cwd=root,
                          capture_output=True, text=True, check=True,
                          env={"AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1", "PATH": "/usr/bin:/bin"})
    result: Dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def commit(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout (with its .venv) to measure beside this one")
    parser.add_argument("--handles", type=int, default=2000)
    args = parser.parse_args()
    roots = ([args.baseline.resolve()] if args.baseline else []) + [ROOT]
    print("| checkout | handles | videos records | bytes held per handle after its part | largest (file: bytes a handle) |")
    print("|---|---|---|---|---|")
    for root in roots:
        result = measure(root, args.handles)
        largest = ", ".join(f"{name}: {size:.0f}" for name, size in result["by_file"].items())  # type: ignore[attr-defined]
        print(f"| {commit(root)} | {result['handles']:,} | {result['records']:,} | {result['per_handle']:.0f} | {largest} |")


if __name__ == "__main__":
    main()
