"""One command of the console script, once the cancel signals are blocked (run.py): the CDK's
entrypoint with every line masked, and how the command ends (its TRACE and exit code)."""

from __future__ import annotations

from typing import List

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils import AirbyteTracedException

from .api.masking import launch
from .cancellation import Cancellation, cancelled_after_reading
from .serialization import keep_nulls_in_records
from .source import SourceSocialfetchTiktok

SUCCEEDED, FAILED = 0, 1


def run_command(args: List[str], cancellation: Cancellation) -> int:
    """Run `args` and return the exit code; the reason of a failure is the last TRACE written."""
    keep_nulls_in_records()
    source = SourceSocialfetchTiktok(cancellation=cancellation)
    if AirbyteEntrypoint.parse_args(args).command == "read":
        cancellation.hold()  # a cancel stops the read and saves what it did: never end a read at once
    try:
        launch(source, args)
    except AirbyteTracedException as error:
        # An expected failure (bad config, failed handles, no credits, a cancelled read) ends with its
        # TRACE and a non-zero exit, without the traceback the CDK's uncaught-exception hook would log.
        emit(error)
        return FAILED
    reason = cancellation.settled()
    if reason is not None:  # it came after the read had ended: all was written, and it still says so
        message = cancelled_after_reading(reason)
        emit(AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.transient_error))
        return FAILED
    return SUCCEEDED


def emit(error: AirbyteTracedException) -> None:
    """The TRACE, written under the print buffer's lock, as every other line: a cancel that ends the
    process from the signal watcher (run.end_at_once) waits for it, so neither cuts the other."""
    with PRINT_BUFFER.lock:
        error.emit_message()
        PRINT_BUFFER.flush()
