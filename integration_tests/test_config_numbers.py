"""Every number of the config is refused by `check` and `read` with a config error naming its
property, or used as the whole number it is: none reaches a sync that then breaks half-way."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from integration_tests.harness import catalog, config, keys, read, records, truth
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.config import connection_specification, parse_config

LOGGER = logging.getLogger("airbyte")
SPEC = connection_specification()["connectionSpecification"]["properties"]
NUMERIC = sorted(name for name, prop in SPEC.items() if prop.get("type") in ("integer", "number"))
HOSTILE: List[Any] = [10**20, -(10**20), 1e300, 2.5, True, False, math.inf, math.nan, "7", [7], {"n": 7}]


@pytest.fixture(scope="module")
def emu():
    with Emulator(dataset="demo") as emulator:
        yield emulator


def test_the_spec_bounds_every_integer_property_above_and_below() -> None:
    assert NUMERIC == ["concurrency", "lookback_window_days", "max_credits_per_sync", "max_videos_per_handle",
                       "request_timeout_seconds", "stats_refresh_days", "stats_refresh_max_age_days"]
    assert all("minimum" in SPEC[name] and "maximum" in SPEC[name] for name in NUMERIC)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("name", NUMERIC)
def test_given_a_hostile_number_then_check_and_read_refuse_it_naming_the_property(emu, name: str, value: Any) -> None:
    cfg = dict(config(emu.base_url, ["one.video"]), **{name: value})
    emu.clear_requests()

    status = SourceSocialfetchTiktok().check(LOGGER, cfg)
    output = entrypoint_wrapper.read(SourceSocialfetchTiktok(), cfg, catalog("incremental"),
                                     expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION)

    assert status.status == Status.FAILED and name in (status.message or "")
    (error,) = output.errors
    assert error.trace.error.failure_type == FailureType.config_error
    assert name in error.trace.error.message
    assert not output.records and not emu.requests, "refused before any request"


def test_given_the_budget_of_the_fuzz_then_it_is_refused_before_a_page_is_read(emu) -> None:
    """`max_credits_per_sync: 100000000000000000000` passed `check` and broke `read` after 122
    records (an integer over 64 bits in the sync's result line)."""
    cfg = config(emu.base_url, ["one.video", "full.page"], max_credits_per_sync=100000000000000000000)

    assert SourceSocialfetchTiktok().check(LOGGER, cfg).status == Status.FAILED
    output = entrypoint_wrapper.read(SourceSocialfetchTiktok(), cfg, catalog("incremental"),
                                     expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION)
    assert not output.records
    assert "max_credits_per_sync" in output.errors[0].trace.error.message


WHOLE_FLOATS: Dict[str, float] = {
    "concurrency": 2.0, "lookback_window_days": 7.0, "max_credits_per_sync": 1000.0, "max_videos_per_handle": 500.0,
    "request_timeout_seconds": 30.0, "stats_refresh_days": 3.0, "stats_refresh_max_age_days": 90.0,
}


def test_given_whole_numbers_written_as_floats_then_they_are_used_as_integers(emu) -> None:
    """JSON Schema counts 2.0 as an integer: it is taken, as the int it is, at the highest bounds too."""
    cfg = dict(config(emu.base_url, ["one.video", "full.page"]), **WHOLE_FLOATS)
    parsed = parse_config(cfg)
    assert all(type(getattr(parsed, name)) is int for name in WHOLE_FLOATS)
    highest = dict(cfg, **{name: float(SPEC[name]["maximum"]) for name in NUMERIC})
    assert all(type(getattr(parse_config(highest), name)) is int for name in NUMERIC)

    assert SourceSocialfetchTiktok().check(LOGGER, cfg).status == Status.SUCCEEDED
    output = read(cfg, catalog("incremental"))
    assert keys(records(output)) == truth(emu, ["one.video", "full.page"])


def test_given_a_number_too_long_to_read_in_a_config_file_then_a_config_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"api_key": "sfk_x", "handles": ["nasa"], "max_credits_per_sync": ' + "9" * 5000 + "}")

    done = subprocess.run([sys.executable, "-c", "from source_socialfetch_tiktok.run import run; run()",
                           "check", "--config", str(path)], capture_output=True, text=True, timeout=60)

    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    traces = [m["trace"]["error"] for m in lines if m["type"] == "TRACE"]
    assert done.returncode != 0
    assert traces and traces[0]["failure_type"] == "config_error" and str(path) in traces[0]["message"]
    logs = [m["log"]["message"] for m in lines if m["type"] == "LOG"]
    assert "Traceback" not in "\n".join(logs + [t["message"] for t in traces]) + done.stderr
