"""RECORD lines that keep their nulls.

airbyte-cdk 7.39 serialises every message with serpyco-rs and `omit_none=True`, which also drops
the top-level keys of a record's `data` whose value is null: a video with `caption: null` would
reach the destination without a `caption` key, and a `not_found` profile without `profile`. The
API's documented fields are required-but-nullable, so RECORD messages are written directly with
orjson instead (also cheaper per record); every other message keeps the CDK's serialiser.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, Type

_original: Callable[[AirbyteMessage], str] = AirbyteEntrypoint.airbyte_message_to_string


def record_line(message: AirbyteMessage) -> str:
    record = message.record
    if message.type != Type.RECORD or record is None or record.meta is not None or record.file_reference is not None:
        return _original(message)
    body: Dict[str, Any] = {"stream": record.stream, "data": record.data, "emitted_at": record.emitted_at}
    if record.namespace is not None:
        body["namespace"] = record.namespace
    # payloads.py keeps every page within MAX_DEPTH levels, so orjson can always write its records.
    return orjson.dumps({"type": "RECORD", "record": body}).decode()


def keep_nulls_in_records() -> None:
    """Install `record_line` as the entrypoint's serialiser (idempotent)."""
    AirbyteEntrypoint.airbyte_message_to_string = staticmethod(record_line)  # type: ignore[method-assign, assignment]
