"""The synthetic destination of bench.dbt_models (issue 29's cost targets rest on it): constant new
data at every sync, the deletions it claims, and the same tables whether its syncs are written
in one go or a few at a time, as the history mode writes them. DuckDB only, no dbt: a second."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from bench.dbt_models import add_syncs, create_tables, deleted_videos, destination, written_syncs

HANDLES, VIDEOS, DELETED_AT = 7, 60, 3
# Every column but the ids drawn by uuid() (which differ from run to run).
COLUMNS = {
    "video_stats": "handle, id, createdat, capturedat, views, likes, comments, shares, saves, readid, _airbyte_extracted_at",
    "handle_reads": "readid, syncid, handle, startedat, endedat, pages, outcome, coveredto, _airbyte_extracted_at",
    "profiles": "handle, lookupstatus, CAST(metrics AS VARCHAR), _airbyte_extracted_at",
    "videos": "handle, id, caption, createdat, CAST(stats AS VARCHAR), _airbyte_extracted_at",
}


def written(path: Path, pieces: List[Tuple[int, int]]) -> Dict[str, List[tuple]]:
    with destination(path) as db:
        create_tables(db)
        for first, last in pieces:
            add_syncs(db, HANDLES, VIDEOS, first, last, DELETED_AT)
        return {table: db.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()
                for table, columns in COLUMNS.items()}


def test_each_sync_reads_every_listed_video_and_deletions_are_counted(tmp_path: Path) -> None:
    with destination(tmp_path / "d.duckdb") as db:
        create_tables(db)
        add_syncs(db, HANDLES, VIDEOS, 0, 5, DELETED_AT)
        per_sync = dict(db.execute("SELECT readid[-1:], count(*) FROM video_stats GROUP BY 1").fetchall())
        gone = db.execute("SELECT count(*) FROM videos WHERE _airbyte_extracted_at < "
                          "(SELECT max(_airbyte_extracted_at) FROM video_stats) - INTERVAL 1 HOUR").fetchone()
    deleted = deleted_videos(HANDLES, VIDEOS, DELETED_AT, 6)
    assert deleted == HANDLES * 2  # v = 7 and v = 57 of 60
    assert deleted_videos(HANDLES, VIDEOS, DELETED_AT, DELETED_AT) == 0  # sync 3 not written yet
    assert per_sync == {str(s): HANDLES * VIDEOS - (deleted if s >= DELETED_AT else 0) for s in range(6)}
    assert gone == (deleted,)  # the deleted videos, last seen before the deletion


def test_syncs_written_a_few_at_a_time_equal_syncs_written_at_once(tmp_path: Path) -> None:
    assert written(tmp_path / "pieces.duckdb", [(0, 1), (2, 4), (5, 5)]) == written(tmp_path / "once.duckdb", [(0, 5)])


def test_a_saved_destination_is_taken_only_for_the_world_the_arguments_describe(tmp_path: Path) -> None:
    """--destination-from measures on a copy of a saved world: a file of other sizes must be refused,
    or the section would report a world it did not build on."""
    with destination(tmp_path / "d.duckdb") as db:
        create_tables(db)
        add_syncs(db, HANDLES, VIDEOS, 0, 4, DELETED_AT)
        stats = db.execute("SELECT count(*) FROM video_stats").fetchone()[0]  # type: ignore[index]
        world = argparse.Namespace(handles=HANDLES, videos=VIDEOS, syncs=5)
        assert written_syncs(db, world) == stats
        for other in ({"handles": HANDLES + 1}, {"videos": VIDEOS - 1}, {"syncs": 6}):
            with pytest.raises(SystemExit, match="the destination holds"):
                written_syncs(db, argparse.Namespace(**{**vars(world), **other}))
