"""Run the connector's real entrypoint in this process and hand each message to the caller as it
comes, with the log records of the sync timestamped.

Why not `airbyte_cdk.test.entrypoint_wrapper.read`: it keeps every message and parses each one into
a pydantic-free but still costly AirbyteMessage; a simulation of 60 days of syncs reads millions of
records and needs only a few fields of each (`orjson.loads` of the line the CDK printed is enough).
The path through the connector is the same: `AirbyteEntrypoint.run` with config, catalog and state
files, as the platform calls it.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint

from source_socialfetch_tiktok import SourceSocialfetchTiktok


@dataclass
class ReadOutput:
    """What a benchmark needs of a read: its final state (per stream, as `--state` takes it), the
    STATE messages' sizes, the log lines with their times, and the error, if any."""

    states: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    state_sizes: List[int] = field(default_factory=list)
    logs: List[Tuple[float, str]] = field(default_factory=list)  # (time.monotonic(), message)
    errors: List[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    last_message: float = 0.0  # when the last message came (the end-of-sync summary is logged after it)

    @property
    def state_list(self) -> List[Dict[str, Any]]:
        return list(self.states.values())

    def log_time(self, prefix: str) -> Optional[float]:
        """When the first log line starting with `prefix` was written (None if none was)."""
        return next((at for at, line in self.logs if line.startswith(prefix)), None)


class _Collect(logging.Handler):
    def __init__(self, into: List[Tuple[float, str]]):
        super().__init__(logging.INFO)
        self._into = into

    def emit(self, record: logging.LogRecord) -> None:
        self._into.append((time.monotonic(), record.getMessage()))


def read(
    source: SourceSocialfetchTiktok,
    config: Dict[str, Any],
    catalog: Dict[str, Any],
    state: Optional[List[Dict[str, Any]]] = None,
    on_record: Optional[Callable[[Dict[str, Any]], None]] = None,
) -> ReadOutput:
    """One `read` through `AirbyteEntrypoint.run`; `on_record(record)` gets each RECORD's `record`.
    The `airbyte` logger writes to the returned output, not to stdout, for the time of the read."""
    out = ReadOutput()
    logger = logging.getLogger("airbyte")
    saved = (list(logger.handlers), logger.propagate)
    logger.handlers, logger.propagate = [_Collect(out.logs)], False
    try:
        with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
            args = ["read", "--config", _write(tmp, "config", config), "--catalog", _write(tmp, "catalog", catalog)]
            if state is not None:
                args += ["--state", _write(tmp, "state", state)]
            entrypoint = AirbyteEntrypoint(source)
            out.started = time.monotonic()
            try:
                for line in entrypoint.run(entrypoint.parse_args(args)):
                    _take(out, orjson.loads(line), on_record)
            except Exception as error:  # the sync failed: the benchmark reports it, never hides it
                out.errors.append(f"{type(error).__name__}: {str(error)[:300]}")
            out.ended = time.monotonic()
    finally:
        logger.handlers, logger.propagate = saved
    return out


def _take(out: ReadOutput, message: Dict[str, Any], on_record: Optional[Callable[[Dict[str, Any]], None]]) -> None:
    kind = message.get("type")
    if kind == "RECORD":
        if on_record is not None:
            on_record(message["record"])
    elif kind == "STATE":
        state = message["state"]
        out.state_sizes.append(len(orjson.dumps(message)))
        out.states[state["stream"]["stream_descriptor"]["name"]] = state
    elif kind == "TRACE" and message["trace"].get("type") == "ERROR":
        out.errors.append(message["trace"]["error"]["message"][:300])
    out.last_message = time.monotonic()


def _write(tmp: str, name: str, value: Any) -> str:
    path = Path(tmp) / f"{name}.json"
    path.write_text(json.dumps(value))
    return str(path)


def catalog(videos_mode: str = "incremental", video_stats: bool = True, profiles: bool = False) -> Dict[str, Any]:
    """A configured catalog as the platform sends it: videos (Append + Deduped when incremental),
    video_stats (Append), profiles (Full refresh | Append)."""
    streams: List[Dict[str, Any]] = []

    def add(name: str, mode: str, cursor: Optional[str] = None, primary_key: Optional[List[List[str]]] = None) -> None:
        stream = {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
        configured: Dict[str, Any] = {"stream": stream, "sync_mode": mode,
                                      "destination_sync_mode": "append_dedup" if primary_key else "append"}
        if cursor:
            configured["cursor_field"] = [cursor]
        if primary_key:
            configured["primary_key"] = primary_key
        streams.append(configured)

    if videos_mode == "incremental":
        add("videos", "incremental", "createdAt", [["handle"], ["id"]])
    else:
        add("videos", "full_refresh", None, [["handle"], ["id"]])
    if video_stats:
        add("video_stats", "full_refresh")
    if profiles:
        add("profiles", "full_refresh")
    return {"streams": streams}
