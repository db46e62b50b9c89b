"""Kill the connector process mid-sync and resume: nothing missing from the raw append, and every
video exactly once after dedup.

Two destinations:
- the Airbyte protocol itself (what the platform does): the connector is SIGKILLed after k pages
  (k*30 RECORD lines), its lines are appended to a DuckDB table, and the next sync starts from the
  last STATE it emitted before dying. The connector checkpoints at most every 5 s, so these runs
  set that interval to 0 (faultkit/killer.py) to resume from a state emitted mid-sync;
- PyAirbyte into a DuckDB file (append write strategy), with the real connector killed by a
  wrapper executable. PyAirbyte commits records and state only at the end of a successful read,
  so a killed read commits nothing and the next one resumes from the last committed state.
"""

from __future__ import annotations

import collections
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from integration_tests.faultkit.killer import wrapper_reads, write_wrapper
from integration_tests.faultkit.worlds import SMALL, newest_cursors, parsed, populate
from integration_tests.harness import API_KEY, catalog_json, truth
from integration_tests.launcher import Run, launch
from source_socialfetch_tiktok.timeutil import parse_instant

HANDLES = list(SMALL)  # 45 + 75 + 100 + 55 videos: 11 pages
PAGE = 30


def _config(base_url: str, lookback: int = 7, **extra: object) -> dict:
    return {"api_key": API_KEY, "handles": HANDLES, "base_url": base_url, "concurrency": 2,
            "lookback_window_days": lookback, **extra}


def _read(directory: Path, cfg: dict, state: object = None, **options: object) -> Run:
    return launch(directory, "read", cfg, catalog_json(), state, **options)


class RawAppend:
    """A DuckDB table that every RECORD line is appended to, as an append destination would."""

    def __init__(self, path: Path) -> None:
        self.db = duckdb.connect(str(path))
        self.db.execute("CREATE TABLE raw (run INTEGER, handle VARCHAR, id VARCHAR, created VARCHAR, views BIGINT)")

    def append(self, run: int, rows) -> None:
        values = [(run, r["handle"], r["id"], r["createdAt"], (r.get("stats") or {}).get("views")) for r in rows]
        if values:
            self.db.executemany("INSERT INTO raw VALUES (?, ?, ?, ?, ?)", values)

    def keys(self, sql: str = "SELECT handle, id FROM raw") -> collections.Counter:
        return collections.Counter((h, i) for h, i in self.db.execute(sql).fetchall())

    def deduped(self) -> collections.Counter:
        return self.keys("SELECT handle, id FROM raw GROUP BY handle, id")


@pytest.mark.parametrize("k", [1, 3, 5, 8])
def test_given_connector_killed_after_k_pages_when_resumed_from_its_last_state_then_nothing_missing_and_dedup_exact(
        make_emulator, tmp_path, k):
    emu = make_emulator(dataset="empty")
    populate(emu)
    cfg = _config(emu.base_url)
    dest = RawAppend(tmp_path / "dest.duckdb")

    killed = _read(tmp_path / "killed", cfg, kill_after_records=k * PAGE, checkpoint_every_handle=True)
    assert killed.killed and killed.returncode == -9
    assert len(killed.records()) == k * PAGE
    dest.append(1, killed.records())
    states = killed.states()
    if k >= 5:
        assert states, "with per-handle checkpoints some handle completed before the kill"
    saved = {s["partition"]["handle"]: s["cursor"]["createdAt"] for s in
             (states[-1]["stream"]["stream_state"]["states"] if states else [])}

    resumed = _read(tmp_path / "resumed", cfg, [states[-1]] if states else None)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    dest.append(2, resumed.records())

    expected = truth(emu, HANDLES)
    raw = dest.keys()
    assert set(expected) <= set(raw), f"missing from the raw append: {set(expected) - set(raw)}"
    assert dest.deduped() == expected, "after dedup: every video exactly once, nothing else"
    final = resumed.states()[-1]["stream"]["stream_state"]["states"]
    assert parsed({s["partition"]["handle"]: s["cursor"]["createdAt"] for s in final}) == newest_cursors(emu, HANDLES)
    # The resume really started from the saved state: a handle checkpointed before the kill is
    # re-read only within the lookback window, not from its first video.
    for handle, cursor in saved.items():
        bound = parse_instant(cursor) - timedelta(days=7)
        again = [r for r in resumed.records() if r["handle"] == handle]
        assert all(parse_instant(r["createdAt"]) >= bound for r in again if r["createdAt"])
        assert len(again) < SMALL[handle]


@pytest.mark.slow
def test_given_pyairbyte_syncs_killed_after_7_1_and_3_pages_then_duckdb_ends_with_every_video_once(
        pyairbyte, make_emulator, tmp_path):
    emu = make_emulator(dataset="empty")
    populate(emu)
    wrapper_dir = tmp_path / "wrapper"
    # reads 1, 3 and 5 are killed after 7, 1 and 3 pages; 2, 4 and 6 resume
    wrapper = write_wrapper(wrapper_dir, [7 * PAGE, None, 1 * PAGE, None, 3 * PAGE, None])
    cfg = {"api_key": API_KEY, "handles": HANDLES, "base_url": emu.base_url, "concurrency": 2}
    source = pyairbyte.get_source("source-socialfetch-tiktok", config=cfg, local_executable=str(wrapper))
    source.select_streams(["videos"])
    cache = pyairbyte.DuckDBCache(db_path=str(tmp_path / "dest.duckdb"), schema_name="main")

    def table() -> collections.Counter:
        if "videos" not in {r["table_name"] for r in cache.run_sql_query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")}:
            return collections.Counter()  # nothing was ever committed
        return collections.Counter((r["handle"], r["id"]) for r in cache.run_sql_query("SELECT handle, id FROM videos"))

    def committed_state():
        return [m.model_dump() if hasattr(m, "model_dump") else str(m) for m in
                cache.get_state_provider("source-socialfetch-tiktok").state_message_artifacts]

    def killed_read() -> None:
        before_rows, before_state = table(), committed_state()
        with pytest.raises(pyairbyte.exceptions.PyAirbyteError):
            source.read(cache=cache, write_strategy="append")
        assert table() == before_rows, "a killed read commits no record"
        assert committed_state() == before_state, "a killed read commits no state"

    def complete_read() -> None:
        source.read(cache=cache, write_strategy="append")
        raw = table()
        expected = truth(emu, HANDLES)
        assert set(expected) <= set(raw), f"missing from the raw append: {set(expected) - set(raw)}"
        deduped = collections.Counter(set(raw))
        assert deduped == expected, "after dedup: every video exactly once"
        newest = {h: parse_instant(c) for h, c in
                  ((s["partition"]["handle"], s["cursor"]["createdAt"]) for s in _states(committed_state()))}
        assert newest == newest_cursors(emu, HANDLES)

    killed_read()
    complete_read()
    emu.publish("alpha.one", 40)
    emu.publish("charlie.three", 40)
    emu.change_stats("bravo.two", count=10)
    killed_read()
    complete_read()
    emu.publish("bravo.two", 50)
    emu.publish("delta.four", 50)
    killed_read()
    complete_read()
    assert wrapper_reads(wrapper_dir) == 6
    for index, pages in ((0, 7), (2, 1), (4, 3)):
        lines = (wrapper_dir / f"read_{index}.jsonl").read_text().splitlines()
        assert sum('"type":"RECORD"' in line.replace(" ", "") for line in lines) == pages * PAGE


def _states(artifacts):
    for artifact in artifacts:
        blob = artifact["stream"]["stream_state"]
        yield from blob["states"]


@pytest.mark.parametrize("k", [5, 8])
def test_given_connector_killed_in_the_middle_of_a_stats_refresh_when_resumed_then_every_video_is_read_again(
        make_emulator, tmp_path, k):
    """Every handle due (its due instant set in the past, as D days would): the first 4 pages are
    the handles' new videos, the next ones their refreshes. Killed after k pages, resumed from the
    last STATE: every video of every history is read again across the two runs, and the resumed
    run completes every refresh (each due again D days on, no position left)."""
    emu = make_emulator(dataset="empty")
    populate(emu)
    cfg = _config(emu.base_url, lookback=0, stats_refresh_days=30)
    first = _read(tmp_path / "first", cfg)
    assert first.returncode == 0, first.stderr[-2000:]
    state = first.states()[-1]
    blob = state["stream"]["stream_state"]
    assert set(blob["refresh_due"]) == set(HANDLES)
    blob["refresh_due"] = {h: "2026-01-01T00:00:00Z" for h in HANDLES}
    dest = RawAppend(tmp_path / "dest.duckdb")

    killed = _read(tmp_path / "killed", cfg, [state], kill_after_records=k * PAGE, checkpoint_every_handle=True)
    assert killed.killed
    dest.append(1, killed.records())
    states = killed.states()
    resumed = _read(tmp_path / "resumed", cfg, [states[-1] if states else state])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    dest.append(2, resumed.records())

    assert dest.deduped() == truth(emu, HANDLES), "every video was read again, nothing else"
    final = resumed.states()[-1]["stream"]["stream_state"]
    assert "refresh_positions" not in final
    assert all(parse_instant(v) > parse_instant("2026-11-01T00:00:00Z") for v in final["refresh_due"].values())
