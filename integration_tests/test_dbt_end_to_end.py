"""End to end: the emulator synced by `socialfetch-local-sync`'s code into DuckDB and Postgres over
several syncs while its world changes (the clock moves and counts grow, videos are published and
deleted, a profile turns private and back), then `dbt build`, and the models compared with the
emulator's truth at each sync.

Two clocks: the connector stamps capturedAt and startedAt with the real clock, PyAirbyte
stamps _airbyte_extracted_at (the profiles' time) with it too, while the emulator's clock is
simulated. So:
- across days (tiktok__video_daily): the connector is run with the emulator's clock (a wrapper of
  its console script that hands SourceSocialfetchTiktok a clock, as the benchmarks do), without
  profiles, whose time only the loader gives;
- with profiles (privacy, followers): real time, every sync on the same day.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

from integration_tests.dbtkit.warehouses import PYAIRBYTE_DUCKDB, PYAIRBYTE_POSTGRES, DbtRun, Warehouse
from socialfetch_emulator import Emulator
from socialfetch_local.destinations import parse_destination
from socialfetch_local.environment import prepare_environment

HANDLES = ["daily.vlogger", "cook_with_kim"]
Key = Tuple[str, str]

CLOCK_WRAPPER = '''#!{python}
"""source-socialfetch-tiktok with the sync's clock read from SOCIALFETCH_TEST_CLOCK (ISO instant)."""
import os
import sys
import time
import time
from datetime import datetime, timedelta

from airbyte_cdk.utils import AirbyteTracedException

from source_socialfetch_tiktok.masking import launch
from source_socialfetch_tiktok.serialization import keep_nulls_in_records
from source_socialfetch_tiktok.source import SourceSocialfetchTiktok

base, started = datetime.fromisoformat(os.environ["SOCIALFETCH_TEST_CLOCK"]), time.monotonic()
keep_nulls_in_records()
try:
    launch(SourceSocialfetchTiktok(clock=lambda: base + timedelta(seconds=time.monotonic() - started)), sys.argv[1:])
except AirbyteTracedException as error:
    error.emit_message()
    sys.exit(1)
'''


def naive(instant: datetime) -> datetime:
    """As the destination stores it: UTC without a zone."""
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Recorded:
    """What the emulator served at each sync, and when each sync ran (destination time)."""

    windows: List[Tuple[datetime, datetime]] = field(default_factory=list)
    views: List[Dict[Key, int]] = field(default_factory=list)
    deleted: Dict[Key, int] = field(default_factory=dict)  # video -> index of the first sync after its deletion
    followers: Dict[str, int] = field(default_factory=dict)  # at the last sync


def truth_views(emu: Emulator) -> Dict[Key, int]:
    return {(h, vid): s["views"] for h in HANDLES for vid, s in emu.stats(h).items()}


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: Any, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "duckdb":
        made = Warehouse("duckdb", "main", "analytics", PYAIRBYTE_DUCKDB, path=tmp_path / "e2e.duckdb")
    else:
        suffix = tmp_path.name[-8:].replace("-", "_").lower()
        made = Warehouse("postgres", f"dbt_e2e_src_{suffix}", f"dbt_e2e_out_{suffix}", PYAIRBYTE_POSTGRES)
        made.drop()
    yield made
    made.drop()


def destination_of(warehouse: Warehouse) -> Any:
    if warehouse.kind == "duckdb":
        return parse_destination(str(warehouse.path))
    return parse_destination(f"postgres://postgres@127.0.0.1:5432/test?schema={warehouse.source_schema}")


def test_given_syncs_over_days_when_built_then_daily_views_availability_and_sums_match_the_emulator(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    prepare_environment()
    from socialfetch_local import sync as local_sync

    wrapper = tmp_path / "source-socialfetch-tiktok"
    wrapper.write_text(CLOCK_WRAPPER.format(python=sys.executable))
    wrapper.chmod(0o755)
    monkeypatch.setattr(local_sync, "connector_executable", lambda: wrapper)
    destination = destination_of(warehouse)
    recorded = Recorded()
    with Emulator(dataset="demo") as emu:
        config = {"api_key": emu.api_key, "handles": HANDLES, "base_url": emu.base_url}

        def sync() -> None:
            start, began = emu.now, time.monotonic()
            monkeypatch.setenv("SOCIALFETCH_TEST_CLOCK", start.isoformat())
            local_sync.run_sync(config, destination)
            recorded.windows.append((naive(start), naive(start) + timedelta(seconds=time.monotonic() - began)))
            recorded.views.append(truth_views(emu))

        emu.advance(0.5)  # noon: no sync near midnight
        sync()
        emu.advance(1)
        emu.publish("cook_with_kim", 2)
        for vid in emu.delete_videos("daily.vlogger", 1, "recent"):
            recorded.deleted[("daily.vlogger", vid)] = 1
        sync()
        emu.advance(0.1)  # a second sync the same day: the day ends on its snapshots
        sync()
        emu.advance(2)
        for vid in emu.delete_videos("cook_with_kim", 1, "recent"):
            recorded.deleted[("cook_with_kim", vid)] = 3
        sync()

    DbtRun(warehouse, tmp_path / "dbt")("build")
    snapshots = warehouse.rows(f"SELECT handle, id, capturedat FROM {warehouse.source_schema}.video_stats")
    read_by: Dict[int, Set[Key]] = {}
    for row in snapshots:
        index = next(i for i, (start, end) in enumerate(recorded.windows) if start <= row["capturedat"] <= end)
        read_by.setdefault(index, set()).add((row["handle"], str(row["id"])))

    daily = warehouse.model("tiktok__video_daily", "handle, video_id, date_day")
    observed = [r for r in daily if r["is_observed"]]
    assert observed and len(observed) < len(daily), "expected days without a snapshot between the syncs"
    for row in observed:
        key = (row["handle"], row["video_id"])
        that_day = [i for i, (start, _) in enumerate(recorded.windows) if start.date() == row["date_day"] and key in read_by.get(i, ())]
        assert row["views"] == recorded.views[max(that_day)][key], (key, row["date_day"])
    firsts: Dict[Key, int] = {}
    gains: Dict[Key, int] = {}
    lasts: Dict[Key, int] = {}
    for row in daily:
        key = (row["handle"], row["video_id"])
        firsts.setdefault(key, row["views"])
        gains[key] = gains.get(key, 0) + row["views_gained"]
        lasts[key] = row["views"]
    assert all(gains[k] == lasts[k] - firsts[k] for k in gains)
    assert sum(gains.values()) > 0, "counts grew with the emulator's clock"

    videos = {(r["handle"], r["video_id"]): r for r in warehouse.model("tiktok__videos")}
    unavailable = {k for k, r in videos.items() if r["is_available"] is False}
    assert unavailable == set(recorded.deleted)
    for key, index in recorded.deleted.items():
        start, end = recorded.windows[index]
        assert start <= videos[key]["unavailable_since"] <= end, key
    assert all(r["is_available"] is True for k, r in videos.items() if k not in recorded.deleted)

    last_day = recorded.windows[-1][0].date()
    creator = {r["handle"]: r for r in warehouse.model("tiktok__creator_daily") if r["date_day"] == last_day}
    for handle in HANDLES:
        known = [k for k in videos if k[0] == handle and k not in recorded.deleted]
        assert creator[handle]["videos_available"] == len(known)
        assert creator[handle]["views"] == sum(lasts[k] for k in known)
