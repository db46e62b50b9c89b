"""What a sync keeps of a handle once its read is over: the part's facts, not its walk.

The sync keeps each part's `HandleRead` to its end (the cursor, the summary and `handle_reads` read
them). Its pager (every video id and cursor it saw) is needed only while the part reads: kept, it
costs a 10,000-handle sync about 60 MB. tracemalloc counts allocations exactly, so the test does
not depend on timing; it takes its snapshot when the end-of-sync summary is logged, while the
sync's objects are all still alive.
"""

from __future__ import annotations

import logging
import tracemalloc
from typing import List

from integration_tests.harness import catalog, config, read, records

HANDLES = 20
VIDEOS = 30


class _SnapshotAtSummary(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.snapshots: List[tracemalloc.Snapshot] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Sync used "):
            self.snapshots.append(tracemalloc.take_snapshot())


def test_a_finished_part_keeps_none_of_its_pages(make_emulator) -> None:
    emu = make_emulator(dataset=f"gen:{HANDLES}x{VIDEOS}")
    names = sorted(emu.handles())
    handler = _SnapshotAtSummary()
    logger = logging.getLogger("airbyte")
    logger.addHandler(handler)
    tracemalloc.start(1)
    try:
        output = read(config(emu.base_url, names, concurrency=4), catalog("incremental"))
    finally:
        tracemalloc.stop()
        logger.removeHandler(handler)
    assert len(records(output)) == HANDLES * VIDEOS
    assert len(handler.snapshots) == 1, "the end-of-sync summary was not logged once"
    # What the pagers allocated (their sets of ids and cursors) and is still held at the end.
    held = handler.snapshots[0].filter_traces([tracemalloc.Filter(True, "*source_socialfetch_tiktok/read/pagination.py")])
    per_handle = sum(stat.size for stat in held.statistics("filename")) / HANDLES
    assert per_handle < 100, f"{per_handle:.0f} bytes a handle still held by finished parts' pagers"
