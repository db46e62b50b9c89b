"""The files beside the acceptance-test config: the golden records of the sample config, and the
abnormal (far-future) state."""

from __future__ import annotations

import json
import os
from pathlib import Path

from airbyte_cdk.models import AirbyteStateMessageSerializer

from integration_tests.harness import catalog, cursors, read, records

HERE = Path(__file__).parent
GOLDEN = HERE / "expected_records.jsonl"


def _sample_config(base_url: str) -> dict:
    return dict(json.loads((HERE / "sample_config.json").read_text()), base_url=base_url)


def _canonical(stream: str, data: dict) -> str:
    return json.dumps({"stream": stream, "data": data}, sort_keys=True, ensure_ascii=False)


def test_sample_config_full_refresh_reads_exactly_the_golden_records(emulator):
    output = read(_sample_config(emulator.base_url), catalog(profiles=True))
    got = sorted(_canonical(m.record.stream, m.record.data) for m in output.records)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text("".join(
            json.dumps({"stream": json.loads(line)["stream"], "data": json.loads(line)["data"], "emitted_at": 0},
                       ensure_ascii=False) + "\n" for line in got))
    expected = sorted(_canonical(row["stream"], row["data"])
                      for row in map(json.loads, GOLDEN.read_text(encoding="utf-8").splitlines()))
    assert len(got) == len(expected)
    assert got == expected


def test_abnormal_far_future_state_is_clamped_with_a_warning_and_reads_nothing_old(emulator):
    raw = json.loads((HERE / "abnormal_state.json").read_text())
    state = [AirbyteStateMessageSerializer.load(s) for s in raw]
    output = read(_sample_config(emulator.base_url), catalog("incremental"), state=state)
    assert records(output) == []
    warnings = " ".join(m.log.message for m in output.logs if m.log.level.value == "WARN")
    assert "in the future" in warnings
    assert all(not value.startswith("2099") for value in cursors(output).values())
    assert len([r for r in emulator.requests if r.route == "videos"]) == 4, "one page per handle, then the boundary"
