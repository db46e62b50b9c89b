"""Builders and readers shared by the integration tests: run the connector's real entrypoint
in-process (airbyte_cdk.test.entrypoint_wrapper) against the emulator over loopback HTTP."""

from __future__ import annotations

import collections
import functools
import re
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import jsonschema
from airbyte_cdk.models import (
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    SyncMode,
    Type,
)
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.state_builder import StateBuilder

from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.timeutil import parse_instant

API_KEY = "sfk_demo"


def config(base_url: str, handles: List[str], **extra: Any) -> Dict[str, Any]:
    return {"api_key": API_KEY, "handles": handles, "base_url": base_url, **extra}


def catalog(videos: Optional[str] = "full_refresh", profiles: bool = False, stats: bool = False,
            names: Sequence[str] = ()) -> ConfiguredAirbyteCatalog:
    """The project's one catalog builder: `videos` in that sync mode (None: not selected), the
    other streams in full refresh, and streams of any other `names` (the connector has none of
    them) in incremental. `catalog_json` gives it as a catalog file holds it."""
    builder = CatalogBuilder()
    if videos:
        builder = builder.with_stream("videos", SyncMode(videos))
    if stats:
        builder = builder.with_stream("video_stats", SyncMode.full_refresh)
    if profiles:
        builder = builder.with_stream("profiles", SyncMode.full_refresh)
    for name in names:
        builder = builder.with_stream(name, SyncMode.incremental)
    built = builder.build()
    for configured in built.streams:
        if configured.sync_mode == SyncMode.incremental:
            configured.cursor_field = ["createdAt"]
    return built


def catalog_json(videos: Optional[str] = "incremental", profiles: bool = False, stats: bool = False,
                 names: Sequence[str] = ()) -> Dict[str, Any]:
    """`catalog(...)` as JSON, for a catalog file (videos incremental unless told)."""
    return ConfiguredAirbyteCatalogSerializer.dump(catalog(videos, profiles, stats, names))


def videos_state(states: Mapping[str, str], **extra: Any) -> List[AirbyteStateMessage]:
    blob: Dict[str, Any] = {
        "states": [{"partition": {"handle": h}, "cursor": {"createdAt": c}} for h, c in states.items()],
        **extra,
    }
    return StateBuilder().with_stream_state("videos", blob).build()


def read(cfg: Mapping[str, Any], cat: ConfiguredAirbyteCatalog, state: Optional[List[AirbyteStateMessage]] = None,
         expect_failure: bool = False) -> EntrypointOutput:
    from airbyte_cdk.test.models.outcome import ExpectedOutcome

    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
    output = entrypoint_wrapper.read(SourceSocialfetchTiktok(), cfg, cat, state, expected_outcome=outcome)
    validate_records(output)
    return output


@functools.lru_cache(maxsize=1)
def discovered_schemas() -> Dict[str, Mapping[str, Any]]:
    """The schemas `discover` returns (they do not depend on the config's handles)."""
    output = entrypoint_wrapper.discover(
        SourceSocialfetchTiktok(), config("http://127.0.0.1:9", ["schema.probe"])
    )
    return {stream.name: stream.json_schema for stream in output.catalog.catalog.streams}


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # a format constrains strings only
    if not RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        return False
    return True


def format_checker() -> jsonschema.FormatChecker:
    """jsonschema's checker with `date-time` checked: jsonschema checks it only when the optional
    rfc3339-validator is installed, and it is not, so without this `format: date-time` passed anything."""
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(_is_date_time)
    return checker


def validate_records(output: EntrypointOutput) -> None:
    """Every record any test reads must match the discovered schema of its stream."""
    schemas = discovered_schemas()
    checker = format_checker()
    for message in output.records:
        record = message.record
        jsonschema.validate(record.data, schemas[record.stream], format_checker=checker)


def records(output: EntrypointOutput, stream: str = "videos") -> List[Dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


def keys(rows: Iterable[Mapping[str, Any]]) -> collections.Counter:
    return collections.Counter((r["handle"], r["id"]) for r in rows)


def final_videos_state(output: EntrypointOutput) -> Dict[str, Any]:
    """The last STREAM state of `videos`, as the platform would save it."""
    states = [
        m.state.stream.stream_state
        for m in output.state_messages
        if m.state.stream and m.state.stream.stream_descriptor.name == "videos"
    ]
    assert states, "no STATE for videos was emitted"
    blob = states[-1]
    return blob if isinstance(blob, dict) else blob.__dict__


def cursors(output: EntrypointOutput) -> Dict[str, str]:
    blob = final_videos_state(output)
    return {s["partition"]["handle"]: s["cursor"]["createdAt"] for s in blob["states"]}


def newest(videos: Iterable[Mapping[str, Any]]):
    instants = [parse_instant(v.get("createdAt")) for v in videos]
    return max((i for i in instants if i is not None), default=None)


def state_messages_as_input(output: EntrypointOutput) -> List[AirbyteStateMessage]:
    """The last state message of each stream, as `read --state` takes them."""
    last: Dict[str, AirbyteStateMessage] = {}
    for message in output.state_messages:
        last[message.state.stream.stream_descriptor.name] = message.state
    return list(last.values())


def truth(emu: Any, handles: Iterable[str], predicate=lambda v: True) -> collections.Counter:
    return collections.Counter((h, v["id"]) for h in handles for v in emu.videos(h) if predicate(v))


def video_requests(emu: Any, handle: Optional[str] = None) -> List[Any]:
    return [r for r in emu.requests if r.route == "videos" and r.status == 200 and (handle is None or r.handle == handle)]


def stream_events(output: EntrypointOutput, stream: str) -> List[str]:
    """A stream's messages in order: "record" for each record, its status name for each status."""
    events: List[str] = []
    for message in output._messages:
        if message.type == Type.RECORD and message.record is not None and message.record.stream == stream:
            events.append("record")
        elif message.type == Type.TRACE and message.trace is not None and message.trace.stream_status is not None \
                and message.trace.stream_status.stream_descriptor.name == stream:
            events.append(message.trace.stream_status.status.name)
    return events
