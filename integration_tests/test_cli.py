"""The console script as the platform runs it: exit codes, clean errors, no secrets on any output.
The installed script itself (`forked=False`), not its entry point forked from a server that has
imported the CDK (integration_tests/forkserver.py), as every other launch of the tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from integration_tests.harness import catalog_json, config
from integration_tests.launcher import CONSOLE_SCRIPT, launch
from integration_tests.leaks import assert_no_key

KEY = "sfk_cli_S3CRET_k3y_7781"


def test_bad_handle_fails_read_with_a_config_error_naming_it_and_no_traceback(emulator, tmp_path):
    # One console launch for the exit code and stderr; which handles are bad is unit_tests/test_config.py's.
    run = launch(tmp_path, "read", config(emulator.base_url, ["nasa.fan", "../x"]), catalog_json(), forked=False)
    assert run.returncode == 1
    assert run.errors() and run.errors()[-1]["failure_type"] == "config_error"
    assert "'../x'" in run.errors()[-1]["message"]
    assert "Traceback" not in run.shown()
    assert emulator.requests == []


def test_read_prints_only_airbyte_messages_and_never_the_key(emulator, tmp_path):
    emulator.add_key(KEY, 1_000)
    emulator.inject("500", handle="nasa.fan", times=1)
    run = launch(tmp_path, "read", config(emulator.base_url, ["nasa.fan", "one.video"], api_key=KEY), catalog_json(), forked=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.messages) == len([line for line in run.lines if line.strip()]), "a line that is not JSON"
    assert {m["type"] for m in run.messages} <= {"RECORD", "STATE", "LOG", "TRACE"}
    assert run.records(), "the read read something"
    assert_no_key(KEY, run.printed)


def test_wrong_key_read_exits_non_zero_with_config_error(emulator, tmp_path):
    run = launch(tmp_path, "read", config(emulator.base_url, ["nasa.fan"], api_key=KEY), catalog_json(), forked=False)
    assert run.returncode == 1
    assert run.errors()[-1]["failure_type"] == "config_error"
    assert_no_key(KEY, run.printed)


def test_main_py_runs_spec(tmp_path):
    proc = subprocess.run([sys.executable, str(Path(__file__).parents[1] / "main.py"), "spec"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert any(json.loads(line)["type"] == "SPEC" for line in proc.stdout.splitlines())


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_check_maps_no_data_stack_chunk_call_after_call(emulator, tmp_path):
    """CPython unmaps a 16 KB chunk of a thread's frame stack when the first frame in it returns; where
    the CDK's imports ran at a chunk's edge, `check` mapped and unmapped one 14,600 times (0.1 s of CPU).
    The console script runs in a chunk of its own (run.in_one_stack_chunk): a handful, whatever the depth."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config(emulator.base_url, ["nasa.fan"])))
    trace = tmp_path / "munmap.txt"
    proc = subprocess.run(["strace", "-f", "-e", "trace=munmap", "-o", str(trace), str(CONSOLE_SCRIPT), "check",
                           "--config", str(config_path)], capture_output=True, text=True, timeout=120)
    if "Operation not permitted" in proc.stderr:
        pytest.skip("strace may not trace here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"SUCCEEDED"' in proc.stdout
    assert trace.read_text().count(", 16384)") < 50
