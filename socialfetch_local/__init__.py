"""`socialfetch-local-sync`: run the installed connector with PyAirbyte, without the Airbyte platform,
into a DuckDB file or a Postgres schema that keeps the incremental state between runs."""

from __future__ import annotations

from socialfetch_local.destinations import Destination, DestinationError, parse_destination
from socialfetch_local.errors import LocalSyncError
from socialfetch_local.sync import HandleSummary, SyncReport, run_sync

__all__ = [
    "Destination",
    "DestinationError",
    "HandleSummary",
    "LocalSyncError",
    "SyncReport",
    "parse_destination",
    "run_sync",
]
