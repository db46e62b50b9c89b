"""The console script as the platform runs it: exit codes, clean errors, no secrets on any output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from integration_tests.harness import config

CONNECTOR = str(Path(sys.executable).parent / "source-socialfetch-tiktok")
CATALOG = {"streams": [{"stream": {"name": "videos", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                        "sync_mode": "incremental", "cursor_field": ["createdAt"], "destination_sync_mode": "append_dedup"}]}


def _run(tmp_path: Path, *args: str, cfg=None, catalog=None, state=None):
    argv = [CONNECTOR, *args]
    for name, value in (("config", cfg), ("catalog", catalog), ("state", state)):
        if value is not None:
            path = tmp_path / f"{name}.json"
            path.write_text(json.dumps(value))
            argv += [f"--{name}", str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    messages = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, messages


@pytest.mark.parametrize("bad", ["a/b", "../x", "x?y", "#tag", "toolong_" + "x" * 57, "https://example.com/@x"])
def test_bad_handle_fails_read_with_a_config_error_naming_it_and_no_traceback(emulator, tmp_path, bad):
    proc, messages = _run(tmp_path, "read", cfg=config(emulator.base_url, ["nasa.fan", bad]), catalog=CATALOG)
    assert proc.returncode == 1
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert traces and traces[-1]["failure_type"] == "config_error"
    assert bad[:20].lower() in traces[-1]["message"].lower()
    readable = proc.stderr + "".join(m["log"]["message"] for m in messages if m["type"] == "LOG")
    assert "Traceback" not in readable
    assert emulator.requests == []


def test_read_prints_only_airbyte_messages_and_never_the_key(emulator, tmp_path):
    emulator.inject("500", handle="nasa.fan", times=1)
    proc, messages = _run(tmp_path, "read", cfg=config(emulator.base_url, ["nasa.fan", "one.video"]), catalog=CATALOG)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {m["type"] for m in messages} <= {"RECORD", "STATE", "LOG", "TRACE"}
    assert "sfk_demo" not in proc.stdout + proc.stderr


def test_wrong_key_read_exits_non_zero_with_config_error(emulator, tmp_path):
    proc, messages = _run(tmp_path, "read", cfg=config(emulator.base_url, ["nasa.fan"], api_key="sfk_nope_123"), catalog=CATALOG)
    assert proc.returncode == 1
    assert [m["trace"]["error"]["failure_type"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"][-1] == "config_error"
    assert "sfk_nope_123" not in proc.stdout + proc.stderr


def test_main_py_runs_spec(tmp_path):
    proc = subprocess.run([sys.executable, str(Path(__file__).parents[1] / "main.py"), "spec"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert any(json.loads(line)["type"] == "SPEC" for line in proc.stdout.splitlines())
