"""The connector run on the emulator's simulated clock, for the demo and the tests that sync over
simulated days.

The connector stamps capturedAt and a read's startedAt/endedAt with its sync clock (the real one
in the console script), and PyAirbyte stamps _airbyte_extracted_at (the only time a profiles
record has) from each record's emitted_at, which the CDK takes from the real clock when it builds
the message. Against the emulator, whose days pass in seconds, all three must follow its clock
for the daily models to see days. This wrapper of the console script is a process of its own: it
hands SourceSocialfetchTiktok a clock (its constructor's argument, as the benchmarks do) and points
the CDK's record helper at the same clock. The helper's use of `time.time_ns` is the CDK's
internals (airbyte_cdk/sources/utils/record_helper.py, stream_data_to_airbyte_message): the
wrapper stops with an error if that module no longer has it (test_dbt_end_to_end checks the
stamps land).
"""

from __future__ import annotations

import sys
from pathlib import Path

ENV = "SOCIALFETCH_SIMULATED_CLOCK"  # the sync's start on the simulated clock, ISO-8601 with offset

SCRIPT = '''#!{python}
"""source-socialfetch-tiktok on a simulated clock: ${env} is the sync's start (see
integration_tests/dbtkit/simulated_clock.py)."""
import os
import sys
import time
from datetime import datetime, timedelta

import airbyte_cdk.sources.utils.record_helper as record_helper
from airbyte_cdk.utils import AirbyteTracedException

from source_socialfetch_tiktok.api.masking import launch
from source_socialfetch_tiktok.serialization import keep_nulls_in_records
from source_socialfetch_tiktok.source import SourceSocialfetchTiktok

base, started = datetime.fromisoformat(os.environ["{env}"]), time.monotonic()


def clock():
    return base + timedelta(seconds=time.monotonic() - started)


class SimulatedTime:
    @staticmethod
    def time_ns():
        return int(clock().timestamp() * 1_000_000_000)


if not hasattr(record_helper, "time"):
    sys.exit("airbyte_cdk's record_helper no longer reads time.time_ns: update the simulated clock")
record_helper.time = SimulatedTime
keep_nulls_in_records()
try:
    launch(SourceSocialfetchTiktok(clock=clock), sys.argv[1:])
except AirbyteTracedException as error:
    error.emit_message()
    sys.exit(1)
'''


def write_connector(directory: Path) -> Path:
    """The wrapper as an executable beside the caller's files; pass it to run_sync(executable=...)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "source-socialfetch-tiktok"
    path.write_text(SCRIPT.replace("{python}", sys.executable).replace("{env}", ENV))
    path.chmod(0o755)
    return path
