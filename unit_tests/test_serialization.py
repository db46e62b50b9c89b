"""RECORD lines keep top-level nulls (the API's fields are required-but-nullable); others use the CDK."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteRecordMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    Level,
    StreamDescriptor,
    Type,
)
from airbyte_protocol_dataclasses.models import AirbyteRecordMessageMeta

from source_socialfetch_tiktok.serialization import cdk_message_to_string, keep_nulls_in_records, record_line


def record(data: Dict[str, Any], namespace: Optional[str] = None) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.RECORD,
        record=AirbyteRecordMessage(stream="videos", data=data, emitted_at=1_700_000_000_000, namespace=namespace),
    )


def test_given_a_record_with_top_level_nulls_when_serialised_then_the_nulls_are_kept() -> None:
    data = {"id": "1", "handle": "nasa", "caption": None, "stats": {"views": None, "likes": 2}, "details": None}

    line = json.loads(record_line(record(data)))

    assert line == {"type": "RECORD", "record": {"stream": "videos", "data": data, "emitted_at": 1_700_000_000_000}}


def test_given_a_record_when_serialised_then_the_line_is_a_valid_airbyte_message() -> None:
    message = record({"id": "1", "caption": None}, namespace="tiktok")

    parsed = AirbyteMessageSerializer.load(json.loads(record_line(message)))

    assert parsed.type == Type.RECORD
    assert parsed.record is not None
    assert (parsed.record.stream, parsed.record.namespace) == ("videos", "tiktok")
    assert parsed.record.data == {"id": "1", "caption": None}
    assert "\n" not in record_line(message)


def test_given_a_state_or_log_message_when_serialised_then_the_cdk_serialiser_is_used() -> None:
    state = AirbyteMessage(
        type=Type.STATE,
        state=AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name="videos"),
                                      stream_state=AirbyteStateBlob(states=[])),
        ),
    )
    log = AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message="hello"))

    for message in (state, log):
        assert json.loads(record_line(message)) == AirbyteMessageSerializer.dump(message)


def test_given_a_record_with_meta_when_serialised_then_the_cdk_serialiser_is_used() -> None:
    message = record({"id": "1"})
    assert message.record is not None
    message.record.meta = AirbyteRecordMessageMeta(changes=[])

    assert json.loads(record_line(message)) == AirbyteMessageSerializer.dump(message)


def test_given_the_serialiser_installed_when_the_entrypoint_writes_a_record_then_nulls_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(AirbyteEntrypoint, "airbyte_message_to_string",
                        AirbyteEntrypoint.__dict__["airbyte_message_to_string"])
    keep_nulls_in_records()
    keep_nulls_in_records()

    line = json.loads(AirbyteEntrypoint.airbyte_message_to_string(record({"id": "1", "caption": None})))

    assert line["record"]["data"] == {"id": "1", "caption": None}


def test_canary_the_cdks_serialiser_still_drops_top_level_nulls_of_a_record() -> None:
    """When this fails, the CDK keeps a record's nulls itself: delete serialization.py and its
    installs (console.py, conftest.py); the null-keeping tests above then pass through the CDK."""
    line = json.loads(cdk_message_to_string(record({"id": "1", "caption": None})))

    assert line["record"]["data"] == {"id": "1"}, "the CDK now keeps top-level nulls: the workaround can go"


def test_given_the_console_script_when_it_runs_then_it_installs_the_serialiser(monkeypatch: pytest.MonkeyPatch) -> None:
    from source_socialfetch_tiktok import console
    from source_socialfetch_tiktok import run as entry

    monkeypatch.setattr(AirbyteEntrypoint, "airbyte_message_to_string", staticmethod(cdk_message_to_string))
    monkeypatch.setattr(console, "launch", lambda source, args: None)
    entry.run(["spec"])

    assert AirbyteEntrypoint.airbyte_message_to_string is record_line
