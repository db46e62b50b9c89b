"""One local sync: the installed connector, run by PyAirbyte into a cache, then a per-handle summary
read back from the destination with SQL."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from socialfetch_local.credits import ConnectorLogTap, fetch_balance
from socialfetch_local.destinations import Destination
from socialfetch_local.environment import import_airbyte
from socialfetch_local.errors import LocalSyncError
from source_socialfetch_tiktok.config import ConfigError, parse_config

CONNECTOR = "source-socialfetch-tiktok"
VIDEO_STATS = "video_stats"
HANDLE_READS = "handle_reads"
PROFILES = "profiles"


@dataclass
class HandleSummary:
    handle: str
    videos: int = 0
    newest: Optional[str] = None
    views: Optional[int] = None
    credits: Optional[int] = None  # from the connector's result line, this sync
    status: str = ""


@dataclass
class SyncReport:
    destination: str
    handles: List[HandleSummary]
    streams: List[str]
    incremental: bool
    records_read: Dict[str, int]
    seconds: float
    balance_before: Optional[int]
    balance_after: Optional[int]
    connector_credits: Optional[int]  # the connector's result line: its total credits
    warnings: List[str] = field(default_factory=list)
    cache: Any = field(default=None, repr=False)  # the PyAirbyte cache written to, for further SQL

    @property
    def credits_used(self) -> Optional[int]:
        """The balance difference: everything this key spent during the sync."""
        if self.balance_before is None or self.balance_after is None:
            return None
        return self.balance_before - self.balance_after

    def by_handle(self) -> Dict[str, HandleSummary]:
        return {h.handle: h for h in self.handles}


def connector_executable() -> Path:
    """The connector's console script installed beside this interpreter (same virtual environment)."""
    path = Path(sys.executable).parent / CONNECTOR
    if not path.exists():
        raise LocalSyncError(
            f"The connector is not installed beside {sys.executable} ({path} is missing). "
            "Install it in this environment: pip install -e '.[local]'", exit_code=2,
        )
    return path


def selected_streams(with_profiles: bool) -> List[str]:
    """`video_stats` and `handle_reads` always ride along with `videos` (no credit, no request):
    PyAirbyte's default write strategy (AUTO) merges on the primary key, and their keys hold
    `capturedAt` and a per-read `readId`, so every sync adds its snapshots and reads while `videos`
    keeps one row per video. `profiles` is read apart and appended (see run_sync)."""
    return ["videos", VIDEO_STATS, HANDLE_READS, PROFILES] if with_profiles else ["videos", VIDEO_STATS, HANDLE_READS]


def run_sync(
    config: Mapping[str, Any], destination: Destination, *, with_profiles: bool = False,
    full_refresh: bool = False, executable: Optional[Path] = None,
) -> SyncReport:
    """Sync `config` into `destination` (incremental unless `full_refresh`) and summarise it.
    `executable`: the connector to run (default: the console script beside this interpreter)."""
    try:
        parsed = parse_config(config)
    except ConfigError as error:
        raise LocalSyncError(f"Bad config: {error.message}", exit_code=2) from None
    airbyte = import_airbyte()
    executable = executable or connector_executable()
    cache = _open_cache(destination)
    streams = selected_streams(with_profiles)
    try:
        source = airbyte.get_source(CONNECTOR, config=dict(config), local_executable=executable)
        source.select_streams([name for name in streams if name != PROFILES])
    except airbyte.exceptions.PyAirbyteError as error:
        raise LocalSyncError(f"The connector could not start: {_message(error)}", exit_code=2) from None

    tap = ConnectorLogTap()
    connector_logger = logging.getLogger(f"airbyte.{source.name}")
    connector_logger.addHandler(tap)
    balance_before = fetch_balance(parsed.base_url, parsed.api_key)
    started = time.monotonic()
    try:
        result = source.read(cache=cache, force_full_refresh=full_refresh)
        processed = result.processed_records
        if with_profiles:
            # Appended, one row per profile per sync, as the Airbyte UI's Full refresh | Append
            # keeps them: the follower history the dbt models read. AUTO would merge on `handle`
            # and keep only the latest. A second read of the connector, profiles only (its
            # credits are the same; the videos above are already saved if this one fails).
            source.select_streams([PROFILES])
            processed += source.read(cache=cache, write_strategy="append").processed_records
    except airbyte.exceptions.PyAirbyteError as error:
        raise LocalSyncError(_failure(error, tap)) from None
    finally:
        connector_logger.removeHandler(tap)
    seconds = time.monotonic() - started
    balance_after = fetch_balance(parsed.base_url, parsed.api_key)

    records_read = {name: tap.records.get(name, 0) for name in streams}
    # The connector's result line counts videos and profiles; a video_stats record goes beside each
    # videos record, and handle_reads is the rest of what PyAirbyte processed.
    records_read[VIDEO_STATS] = records_read["videos"]
    records_read[HANDLE_READS] = max(processed - sum(n for name, n in records_read.items() if name != HANDLE_READS), 0)
    rows = summarise(cache, parsed.handles)
    for row in rows:
        entry = tap.handles.get(row.handle)
        if entry is not None:
            row.credits = entry.credits
            outcome = entry.outcome.get("videos", "")
            row.status = "completed" if outcome.startswith("completed") else outcome
            if entry.note:
                row.status = f"{row.status}; no videos: {entry.note}" if row.status else entry.note
    return SyncReport(
        destination=destination.describe(), handles=rows, streams=streams, incremental=not full_refresh,
        records_read=records_read, seconds=seconds, balance_before=balance_before, balance_after=balance_after,
        connector_credits=tap.connector_total, warnings=list(tap.lines), cache=cache,
    )


def summarise(cache: Any, handles: List[str]) -> List[HandleSummary]:
    """Videos, newest createdAt and total views per configured handle, from the destination table."""
    table = f'"{cache.schema_name}"."{cache.processor.get_sql_table_name("videos")}"'
    sql = (
        "SELECT handle, COUNT(*) AS videos, MAX(createdat) AS newest, "
        f"SUM(CAST(stats->>'views' AS BIGINT)) AS views FROM {table} GROUP BY handle"
    )
    try:
        found = {row["handle"]: row for row in cache.run_sql_query(sql)}
    except RuntimeError:  # no videos table yet: nothing was ever written
        found = {}
    rows = []
    for handle in handles:
        row = found.get(handle)
        if row is None:
            rows.append(HandleSummary(handle=handle))
            continue
        newest = row["newest"]
        rows.append(HandleSummary(
            handle=handle, videos=int(row["videos"]),
            newest=newest.isoformat(sep=" ", timespec="seconds") if hasattr(newest, "isoformat") else newest,
            views=None if row["views"] is None else int(row["views"]),
        ))
    return rows


def _open_cache(destination: Destination) -> Any:
    airbyte = import_airbyte()
    try:
        cache = destination.cache()
        cache.run_sql_query("SELECT 1")
    except (airbyte.exceptions.PyAirbyteError, RuntimeError, OSError) as error:
        raise LocalSyncError(f"Cannot open {destination.describe()}: {_first_line(error)}", exit_code=2) from None
    except Exception as error:  # drivers raise their own types (psycopg2.OperationalError, duckdb.IOException)
        raise LocalSyncError(f"Cannot open {destination.describe()}: {_first_line(error)}", exit_code=2) from None
    return cache


def _message(error: Any) -> str:
    return str(error.get_message()) if hasattr(error, "get_message") else str(error)


def _failure(error: Any, tap: ConnectorLogTap) -> str:
    message = tap.errors[-1] if tap.errors else _message(error)
    log_file = getattr(error, "log_file", None)
    text = f"The sync failed: {message}"
    done = [h for h, entry in tap.handles.items() if entry.outcome.get("videos", "").startswith("completed")]
    if done:
        text += (f"\nThe connector completed {len(done)} handle(s) before it failed, but PyAirbyte keeps nothing "
                 "of a failed sync (records or state): fix or remove the failing handles and run it again.")
    if log_file:
        text += f"\nConnector log: {log_file}"
    return text


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
