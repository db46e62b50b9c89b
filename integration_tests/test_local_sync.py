"""`socialfetch-local-sync`: destination URLs, config assembly, the connector's result line it reads,
clear errors without tracebacks, and one real run of the console script, twice (state kept)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from integration_tests.harness import catalog_json
from integration_tests.launcher import launch
from socialfetch_emulator import Emulator
from socialfetch_local.cli import main
from socialfetch_local.credits import ConnectorLogTap, fetch_balance
from socialfetch_local.destinations import DEFAULT_DESTINATION, DestinationError, parse_destination

SCRIPT = Path(sys.executable).parent / "socialfetch-local-sync"


@pytest.mark.parametrize(
    ("text", "kind", "where", "schema"),
    [
        (DEFAULT_DESTINATION, "duckdb", "data/socialfetch.duckdb", "main"),
        ("duckdb:////tmp/x.duckdb?schema=raw", "duckdb", "/tmp/x.duckdb", "raw"),
        ("./local.duckdb", "duckdb", "local.duckdb", "main"),
        ("postgres://bob:p%40ss@db.example:6543/analytics?schema=tiktok", "postgres", "db.example:6543/analytics", "tiktok"),
        ("postgresql://127.0.0.1/test", "postgres", "127.0.0.1:5432/test", "socialfetch"),
    ],
)
def test_given_destination_url_then_parsed(text: str, kind: str, where: str, schema: str) -> None:
    destination = parse_destination(text)
    assert destination.kind == kind and destination.schema == schema
    described = destination.describe()
    assert where in described or (destination.path is not None and destination.path == Path(where))
    assert "p@ss" not in described and "p%40ss" not in described


def test_given_postgres_password_when_parsed_then_decoded_and_user_defaults() -> None:
    destination = parse_destination("postgres://bob:p%40ss@h/db")
    assert (destination.username, destination.password, destination.port) == ("bob", "p@ss", 5432)
    assert parse_destination("postgres://h/db").username == "postgres"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mysql://h/db", "unsupported scheme"),
        ("postgres://h", "name one database"),
        ("postgres://u:secret@h:notaport/db", "port is not a number"),
        ("postgres://h/db?schema=Bad-Name", "schema"),
        ("postgres://h/db?sslmode=require", "unknown option"),
        ("duckdb://host/x.duckdb", "three slashes"),
        ("", "empty"),
    ],
)
def test_given_bad_destination_then_clear_error(text: str, says: str) -> None:
    with pytest.raises(DestinationError, match=says) as raised:
        parse_destination(text)
    assert "secret" not in str(raised.value)


def _tapped(lines: List[str]) -> ConnectorLogTap:
    """The tap fed each LOG message of a connector run, at its level, as PyAirbyte does."""
    tap = ConnectorLogTap()
    logger = logging.getLogger("test.socialfetch_local.tap")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(tap)
    levels = {"INFO": logging.INFO, "WARN": logging.WARNING, "ERROR": logging.ERROR}
    try:
        for line in lines:
            message = json.loads(line) if line.startswith("{") else {}
            if message.get("type") == "LOG":
                logger.log(levels.get(message["log"]["level"], logging.DEBUG), message["log"]["message"])
    finally:
        logger.removeHandler(tap)
    return tap


def test_given_the_connectors_real_output_then_credits_outcomes_and_notes_per_handle(
        emulator: Emulator, tmp_path: Path) -> None:
    """The console script against the emulator: one handle read, one refused, one private; the
    tap's figures are the emulator's own accounting."""
    handles = ["nasa.fan", "full.page", "private.person"]
    emulator.inject("400", handle="full.page", times=None)
    cfg = {"api_key": emulator.api_key, "handles": handles, "base_url": emulator.base_url, "concurrency": 1}
    run = launch(tmp_path, "read", cfg, catalog_json("full_refresh", profiles=True))
    tap = _tapped(run.lines)

    charged: Dict[str, int] = {}
    for request in emulator.requests:
        charged[request.handle or ""] = charged.get(request.handle or "", 0) + request.credits
    assert {h: e.credits for h, e in tap.handles.items()} == {h: charged.get(h, 0) for h in handles}
    assert tap.connector_total == emulator.credits_charged()
    assert tap.handles["nasa.fan"].outcome == {"videos": "completed: end", "profiles": "completed"}
    assert tap.handles["full.page"].outcome["videos"].startswith("failed: Social Fetch rejected the request")
    assert tap.handles["private.person"].note == "the profile is private"
    assert tap.records == {"videos": len(run.records("videos")), "profiles": len(run.records("profiles"))}
    assert tap.errors and "full.page" in tap.errors[-1]


def test_given_emulator_then_balance_read_for_free(emulator: Emulator) -> None:
    assert fetch_balance(emulator.base_url, emulator.api_key) == emulator.balance()
    assert fetch_balance(emulator.base_url, "sfk_wrong") is None
    assert fetch_balance("http://127.0.0.1:9", emulator.api_key, timeout=1) is None
    assert emulator.credits_charged() == 0


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["--handles", "nasa"], 2, "missing api_key"),
        (["--api-key", "sfk_x"], 2, "missing handles"),
        (["--api-key", "sfk_x", "--handles", "nasa", "--destination", "mysql://h/db"], 2, "unsupported scheme"),
        (["--api-key", "sfk_x", "--handles", "not a handle!"], 2, "Bad config"),
        (["--api-key", "sfk_x", "--handles", "nasa", "--base-url", "http://example.com"], 2, "https:// is required"),
        (["--config", "/nonexistent/config.json"], 2, "cannot read it"),
        (["--api-key", "sfk_x", "--handles", "nasa", "--plan", "--every", "1y"], 2, "--every '1y'"),
        (["--api-key", "sfk_x", "--handles", "nasa", "--plan", "--stats-refresh-days", "0"], 2, "stats_refresh_days"),
        (["--api-key", "sfk_x", "--handles", "nasa", "--stats-refresh-max-age-days", "-3"], 2, "stats_refresh_max_age_days"),
    ],
)
def test_given_bad_input_when_cli_then_message_and_exit_code_without_traceback(
    argv: List[str], code: int, says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    pyairbyte: Any, tmp_path: Path,
) -> None:
    monkeypatch.delenv("SOCIALFETCH_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # a default destination, if any, lands here
    assert main(argv) == code
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_given_config_file_and_flags_then_flags_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from socialfetch_local.cli import build_parser, load_config

    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": "sfk_file", "handles": ["a"], "lookback_window_days": 3}))
    monkeypatch.setenv("SOCIALFETCH_API_KEY", "sfk_env")
    config = load_config(build_parser().parse_args(["--config", str(path), "--handles", "b", "c"]))
    assert config == {"api_key": "sfk_file", "handles": ["b", "c"], "lookback_window_days": 3}
    refresh = load_config(build_parser().parse_args(["--config", str(path), "--stats-refresh-days", "7",
                                                     "--stats-refresh-max-age-days", "90"]))
    assert (refresh["stats_refresh_days"], refresh["stats_refresh_max_age_days"]) == (7, 90)
    from_env = load_config(build_parser().parse_args(["--handles", "b"]))
    assert from_env["api_key"] == "sfk_env"


@pytest.mark.slow
@pytest.mark.timeout(600)  # two PyAirbyte syncs in child processes: minutes on a loaded 2-core machine
def test_given_console_script_when_run_twice_then_summary_and_incremental_state(emulator: Emulator, tmp_path: Path) -> None:
    """The command as users type it: a full sync, one new video, an incremental sync at 1 credit a handle."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_key": emulator.api_key, "handles": ["one.video", "@full.page"],
                                  "base_url": emulator.base_url}))
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("AIRBYTE_")}
    env.pop("DO_NOT_TRACK", None)  # the command sets these itself
    command = [str(SCRIPT), "--config", str(config), "--destination", "out.duckdb"]

    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=270)
    assert first.returncode == 0, first.stderr[-2000:]
    rows = {line.split()[0]: line.split() for line in first.stdout.splitlines() if line.startswith(("one.video", "full.page"))}
    assert rows["one.video"][1] == "1" and rows["full.page"][1] == str(len(emulator.videos("full.page")))
    charged = emulator.credits_charged()
    assert f"credits used: {charged} (balance" in first.stdout and f"per handle: {charged} in all" in first.stdout
    assert (tmp_path / ".airbyte" / "logs").is_dir()  # PyAirbyte's files stay beside the user's data

    emulator.publish("one.video", 1)
    second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=270)
    assert second.returncode == 0, second.stderr[-2000:]
    rows = {line.split()[0]: line.split() for line in second.stdout.splitlines() if line.startswith(("one.video", "full.page"))}
    # handle, videos, newest (date, time), total views, credits, status
    assert rows["one.video"][1] == "2" and rows["one.video"][5:7] == ["1", "completed"]
    assert rows["full.page"][5:7] == ["1", "completed"]
    assert "incremental sync" in second.stdout and "credits used: 2 (balance" in second.stdout
    assert emulator.credits_charged() == charged + 2


def test_given_a_sync_that_fails_then_the_command_exits_1_saying_why_and_keeps_nothing(
        pyairbyte: Any, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    emulator.inject("400", handle="full.page", times=None)
    argv = ["--api-key", emulator.api_key, "--base-url", emulator.base_url, "--handles", "one.video", "full.page",
            "--destination", str(tmp_path / "failed.duckdb")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "The sync failed" in err and "full.page" in err, err
    assert "Traceback" not in err
    # PyAirbyte keeps nothing of a failed sync: the next plan finds no saved state.
    assert main([*argv, "--plan"]) == 0
    assert "no saved state" in capsys.readouterr().out


def connector_reads(parent: int) -> List[int]:
    """The connector's `read` processes among `parent`'s children."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == parent and b"read" in argv:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_given_ctrl_c_or_sigterm_during_a_sync_then_it_ends_saying_so_and_the_next_sync_loses_nothing(
        stop: str, make_emulator: Any, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM to the command
    alone (a scheduler's stop), in the middle of the videos: exit 130 without a traceback, no
    connector left running, nothing of the unfinished sync written; the next sync reads what is
    missing and the destination then holds every video of the emulator, each with its snapshot."""
    import duckdb

    emulator = make_emulator(dataset="gen:12x90", latency_ms=200)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_key": emulator.api_key, "handles": emulator.handles(), "base_url": emulator.base_url,
                                  "concurrency": 2}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRBYTE_")}
    command = [str(SCRIPT), "--config", str(config), "--destination", "out.duckdb"]
    child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while sum(1 for r in emulator.requests if r.route == "videos") < 8 and time.monotonic() < deadline:
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
        connectors = connector_reads(child.pid)
        assert len(connectors) == 1, connectors
        if stop == "ctrl-c":
            os.killpg(child.pid, signal.SIGINT)
        else:
            child.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        _, err = child.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == 130, err[-2000:]
    assert "interrupted: the state of this sync was not saved" in err
    assert "Traceback" not in err
    assert not alive(connectors[0]), "the connector was left running"
    assert took < 15, f"{took:.1f}s to end"

    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as connection:
        stored = connection.execute("select handle, id from main.videos").fetchall()
        snapshots = set(connection.execute("select handle, id from main.video_stats").fetchall())
    everything = {(h, v["id"]) for h in emulator.handles() for v in emulator.videos(h)}
    assert sorted(stored) == sorted(everything)
    assert snapshots == everything
