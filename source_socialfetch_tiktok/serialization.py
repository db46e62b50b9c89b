"""RECORD lines that keep their nulls: a workaround of the CDK, installed once by the entry point.

airbyte-cdk 7.39 serialises every message with serpyco-rs and `omit_none=True` (since the protocol
models moved to dataclasses, airbytehq/airbyte#44444), which also drops the top-level keys of a
record's `data` whose value is null (reported by users in airbytehq/airbyte#36061): a video with
`caption: null` would reach the destination without a `caption` key, and a `not_found` profile
without `profile`. The API's documented fields are required-but-nullable, so RECORD messages are
written directly with orjson instead (also cheaper per record); every other message keeps the
CDK's serialiser. `unit_tests/test_serialization.py` has a canary that fails on the day the CDK
keeps those nulls itself: then delete this module and its installs (console.py, conftest.py).
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, Type

cdk_message_to_string: Callable[[AirbyteMessage], str] = AirbyteEntrypoint.airbyte_message_to_string


def record_line(message: AirbyteMessage) -> str:
    record = message.record
    if message.type != Type.RECORD or record is None or record.meta is not None or record.file_reference is not None:
        return cdk_message_to_string(message)
    body: Dict[str, Any] = {"stream": record.stream, "data": record.data, "emitted_at": record.emitted_at}
    if record.namespace is not None:
        body["namespace"] = record.namespace
    # payloads.py keeps every page within MAX_DEPTH levels, so orjson can always write its records.
    return orjson.dumps({"type": "RECORD", "record": body}).decode()


def keep_nulls_in_records() -> None:
    """Install `record_line` as the entrypoint's serialiser (idempotent). Call it from an entry
    point only: it changes `AirbyteEntrypoint` for the whole process."""
    AirbyteEntrypoint.airbyte_message_to_string = staticmethod(record_line)  # type: ignore[method-assign, assignment]
