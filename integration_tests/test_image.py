"""The connector image, built from the Dockerfile and run as users and the Airbyte platform run it:
the README's `docker` lines as printed, the platform's conditions (non-root, read-only root
filesystem, read-only mounts, cancel by SIGTERM), bad input, and the same failures as the venv's.

Each test starts its own emulator; the container shares the host's network (containers.conf), so
it reaches the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
import yaml

from integration_tests.backpressure import throttled
from integration_tests.container import (
    IMAGE,
    README_UI_SECTION,
    ROOT,
    Messages,
    bash,
    docker,
    docs_docker_commands,
    engine_environment,
    make_project,
    readme_docker_commands,
    readme_section_commands,
    state_handles,
    the_command,
)
from integration_tests.test_cancel_backpressure import assert_nothing_lost, write_files
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.timeutil import parse_instant

pytestmark = [pytest.mark.image_tests, pytest.mark.slow]

KEY = "sfk_demo"
CONSOLE_SCRIPT = str(Path(sys.executable).parent / "source-socialfetch-tiktok")
# The README's example config, which a user fills in: the tests put the emulator's values there.
README_CONFIG = '{"api_key": "sfk_...", "handles": ["nasa", "zachking"], "start_date": "2026-01-01"}'


def emulator_config(emulator: Emulator, handles: List[str], **extra: Any) -> Dict[str, Any]:
    return {"api_key": KEY, "handles": handles, "base_url": emulator.base_url, **extra}


def write_config(project: Path, config: Dict[str, Any]) -> None:
    (project / "secrets" / "config.json").write_text(json.dumps(config))


def ids(records: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    return [(r["handle"], r["id"]) for r in records]


def assert_no_key(run: subprocess.CompletedProcess[str], key: str = KEY) -> None:
    assert key not in run.stdout and key not in run.stderr, "the API key was printed"


# -- the README, as printed ---------------------------------------------------------------------
def test_readme_docker_section_runs_as_printed(
    connector_image: str, make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """build (the session's image), spec, check with a good and a bad key, discover, a first read
    without state, its state kept by the jq line, new videos, then a second read with that state:
    it reads the new videos and the lookback window only, and nothing is lost or read twice."""
    emulator = make_emulator(dataset="gen:3x75")
    handles = emulator.handles()
    project = make_project(tmp_path)
    commands = readme_docker_commands()
    assert commands[0].startswith("docker build"), "the section starts with the build (run once per session)"
    steps = iter(commands[1:])
    config = emulator_config(emulator, handles)

    step = next(steps)
    assert README_CONFIG in step, "the README's example config changed: update README_CONFIG"
    made = bash(step.replace(README_CONFIG, json.dumps(config)), project)
    assert made.returncode == 0 and json.loads((project / "secrets" / "config.json").read_text()) == config

    step = next(steps)
    spec = bash(step, project, timeout=120)
    assert spec.returncode == 0, spec.stderr[-2000:]
    assert len(Messages.parse(spec.stdout).of("SPEC")) == 1

    step = next(steps)
    assert " check " in step
    good = bash(step, project, timeout=120)
    assert good.returncode == 0 and [m["connectionStatus"]["status"] for m in Messages.parse(good.stdout).of("CONNECTION_STATUS")] == ["SUCCEEDED"]
    write_config(project, {**config, "api_key": "sfk_wrong_key_123"})
    bad = bash(step, project, timeout=120)
    statuses = Messages.parse(bad.stdout).of("CONNECTION_STATUS")
    assert [m["connectionStatus"]["status"] for m in statuses] == ["FAILED"]
    assert "rejected the API key" in statuses[0]["connectionStatus"]["message"]
    assert_no_key(bad, "sfk_wrong_key_123")
    write_config(project, config)

    step = next(steps)
    discover = bash(step, project, timeout=120)
    assert discover.returncode == 0, discover.stderr[-2000:]
    streams = {s["name"] for s in Messages.parse(discover.stdout).of("CATALOG")[0]["catalog"]["streams"]}
    assert {"videos", "profiles", "video_stats"} <= streams

    first_read, keep_state = next(steps), next(steps)
    assert "--state" not in first_read, "a first read has no state to pass"
    first = bash(first_read, project)
    assert first.returncode == 0, first.stderr[-2000:]
    first_messages = Messages.parse((project / "messages.jsonl").read_text())
    first_ids = ids(first_messages.records())
    assert len(first_ids) == len(set(first_ids)) == sum(len(emulator.videos(h)) for h in handles)
    assert bash(keep_state, project).returncode == 0
    state = json.loads((project / "secrets" / "state.json").read_text())
    assert isinstance(state, list) and state == [first_messages.states()[-1]]
    cursors = {e["partition"]["handle"]: parse_instant(e["cursor"]["createdAt"])
               for e in state[0]["stream"]["stream_state"]["states"]}
    assert set(cursors) == set(handles)

    emulator.advance(1)
    new = [(handles[0], v["id"]) for v in emulator.publish(handles[0], 2)]
    second_read, keep_again = next(steps), next(steps)
    assert "--state /secrets/state.json" in second_read
    second = bash(second_read, project)
    assert second.returncode == 0, second.stderr[-2000:]
    second_messages = Messages.parse((project / "messages.jsonl").read_text())
    second_ids = ids(second_messages.records())
    lookback = timedelta(days=7)  # the config's default lookback_window_days
    expected = {(h, v["id"]) for h in handles for v in emulator.videos(h) if parse_instant(v["createdAt"]) >= cursors[h] - lookback}
    assert len(second_ids) == len(set(second_ids)), "a video read twice in one read"
    assert set(second_ids) == expected and set(new) <= set(second_ids)
    everything = {(h, v["id"]) for h in handles for v in emulator.videos(h)}
    assert set(first_ids) | set(second_ids) == everything, "a video was lost between the two reads"
    assert len(second_ids) < len(first_ids) / 2, "the second read read far more than the new videos and the lookback"
    assert bash(keep_again, project).returncode == 0
    kept = json.loads((project / "secrets" / "state.json").read_text())
    assert kept == [second_messages.states()[-1]] and kept != state
    assert next(steps, None) is None, "a README command that this test does not run"
    for run in (made, spec, good, discover, first, second):
        assert_no_key(run)


def test_readme_custom_connector_steps_metadata_labels_and_setup_agree_on_name_and_version(
    connector_image: str, image_build_folder: Path
) -> None:
    """The version is setup.py's: the README's Airbyte UI steps (their build line, run as printed),
    metadata.yaml and the image's labels must say the same (the release bumps it in each; this
    test names the one forgotten)."""
    from unit_tests.test_packaging import setup_version

    version = setup_version()
    metadata = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
    repository = metadata["dockerRepository"]
    assert str(metadata["dockerImageTag"]) == version
    build = the_command(readme_section_commands(README_UI_SECTION), "docker build")
    assert build == f"docker build -t {repository}:{version} ."
    built = bash(build, image_build_folder)  # the session's layers: a new tag, no new build
    assert built.returncode == 0, built.stderr[-2000:]
    for image in (connector_image, f"{repository}:{version}"):
        labels = json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", image).stdout)
        assert labels["io.airbyte.name"] == repository and labels["io.airbyte.version"] == version
    readme = (ROOT / "README.md").read_text()
    steps = readme[readme.index(README_UI_SECTION):readme.index("## With Docker, as in CI")]
    assert f"repository `{repository}`" in steps and f"tag `{version}`" in steps


def test_image_holds_the_connector_alone_with_its_one_console_script(connector_image: str) -> None:
    """The image's install made only the connector's console script (a script whose module was not
    copied would fail), and it runs; the tests, emulator and local-sync tool stay out."""
    listed = docker("run", "--rm", "--entrypoint", "python", connector_image, "-c",
                    "import importlib.metadata as m; print(' '.join(e.name for e in "
                    "m.distribution('source-socialfetch-tiktok').entry_points if e.group == 'console_scripts'))")
    assert listed.stdout.split() == ["source-socialfetch-tiktok"]
    help_ = docker("run", "--rm", "--entrypoint", "source-socialfetch-tiktok", connector_image, "--help")
    assert "Traceback" not in help_.stderr
    absent = docker("run", "--rm", "--entrypoint", "python", connector_image, "-c",
                    "import importlib.util as u; print([n for n in ('socialfetch_emulator', 'socialfetch_local', "
                    "'integration_tests', 'airbyte') if u.find_spec(n)])")
    assert absent.stdout.strip() == "[]"


# -- what the platform does to an image -----------------------------------------------------------
def test_image_runs_as_a_non_root_user(connector_image: str, tmp_path: Path) -> None:
    command = the_command(docs_docker_commands(), "--entrypoint id")
    run = bash(command, make_project(tmp_path), timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("uid=1000(airbyte)"), run.stdout + run.stderr


def test_read_with_a_read_only_root_filesystem_and_read_only_mounts(
    connector_image: str, make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """The platform's conditions: --read-only with a writable /tmp, config/catalog/state mounted
    read-only; the read works, sends its ESTIMATE before its first record, and says nothing of the key."""
    emulator = make_emulator(dataset="gen:2x40")
    project = make_project(tmp_path)
    write_config(project, emulator_config(emulator, emulator.handles()))
    (project / "secrets" / "state.json").write_text("[]")
    run = bash(the_command(docs_docker_commands(), "--read-only", "--tmpfs /tmp"), project)
    assert run.returncode == 0, run.stderr[-2000:]
    messages = Messages.parse((project / "messages.jsonl").read_text())
    assert len(messages.records()) == 80 and messages.states()
    estimates = [m for m in messages.of("TRACE") if m["trace"].get("type") == "ESTIMATE"]  # the progress bar
    assert {m["trace"]["estimate"]["name"] for m in estimates} == {"videos"}
    assert messages.lines.index(estimates[0]) < next(i for i, m in enumerate(messages.lines) if m["type"] == "RECORD")
    assert "Read-only file system" not in run.stderr + (project / "messages.jsonl").read_text()
    assert_no_key(run)
    assert KEY not in (project / "messages.jsonl").read_text()


def requests_started_after(emulator: Emulator, instant: float) -> List[Any]:
    return [r for r in emulator.requests if r.route == "videos" and r.started > instant]


def assert_cancelled_cleanly(out: str, returncode: int, handles: List[str]) -> Tuple[Messages, Dict[str, Any]]:
    """Every line whole, a TRACE saying it was cancelled, a non-zero exit, and a final STATE that has
    every completed handle."""
    messages = Messages.parse(out)  # fails on a partial line
    for state in messages.states():  # every checkpoint is a state the next read can start from
        for entry in state["stream"]["stream_state"]["states"]:
            assert isinstance(entry["partition"]["handle"], str) and parse_instant(entry["cursor"]["createdAt"])
    assert out.endswith("\n")
    assert returncode != 0
    errors = messages.errors()
    assert errors and "The sync was cancelled" in errors[-1]["message"], errors
    assert errors[-1]["failure_type"] == "transient_error"
    completed = messages.handles_with("completed")
    waiting = messages.handles_with("waiting")
    assert completed and waiting, "cancel in the middle: some handles done, some not"
    final = messages.states()[-1]
    assert set(completed) <= set(state_handles(final))
    assert not set(waiting) & set(state_handles(final)), "a handle cut short must keep its old cursor"
    return messages, final


def assert_resume_loses_nothing(
    emulator: Emulator, first: Messages, final_state: Dict[str, Any], resume: Callable[[List[Dict[str, Any]]], Messages]
) -> None:
    second = resume([final_state])
    assert not second.errors(), second.errors()
    read = set(ids(first.records())) | set(ids(second.records()))
    everything = {(h, v["id"]) for h in emulator.handles() for v in emulator.videos(h)}
    assert read == everything, f"{len(everything - read)} videos lost after the cancel"
    # A completed handle is read again for its lookback window only, not from the top.
    cursors = {e["partition"]["handle"]: parse_instant(e["cursor"]["createdAt"])
               for e in final_state["stream"]["stream_state"]["states"]}
    for handle in first.handles_with("completed"):
        again = [r for r in second.records() if r["handle"] == handle]
        assert all(parse_instant(r["createdAt"]) >= cursors[handle] - timedelta(days=7) for r in again), handle


MIDWAY_PAGES = 8  # of 12 handles x 3 pages read 2 at a time: two handles done, others under way


def stop_midway(process: subprocess.Popen[str], emulator: Emulator, stop: Callable[[], Any]) -> Tuple[str, str, float, float]:
    """Wait until the read is midway, `stop()` it; its stdout, stderr, when it was stopped and how
    long it took to end."""
    try:
        deadline = time.monotonic() + 240
        while sum(1 for r in emulator.requests if r.route == "videos") < MIDWAY_PAGES:
            assert process.poll() is None and time.monotonic() < deadline, "the read ended before it could be stopped"
            time.sleep(0.05)
        stopped_at = time.monotonic()
        stop()
        out, err = process.communicate(timeout=120)
        return out, err, stopped_at, time.monotonic() - stopped_at
    finally:
        if process.poll() is None:
            process.kill()


def test_docker_stop_in_the_middle_of_a_read_ends_cleanly_and_the_next_read_loses_nothing(
    connector_image: str, make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = make_emulator(dataset="gen:12x90", latency_ms=200)
    project = make_project(tmp_path)
    write_config(project, emulator_config(emulator, emulator.handles(), concurrency=2))
    docs = docs_docker_commands()
    start, stop = the_command(docs, "--name socialfetch-read"), the_command(docs, "docker stop")
    docker("rm", "-f", "socialfetch-read", check=False)
    reading = subprocess.Popen(["bash", "-o", "pipefail", "-c", start], cwd=project, env=engine_environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stopped: List[subprocess.CompletedProcess[str]] = []
    try:
        out, err, stopped_at, took = stop_midway(reading, emulator, lambda: stopped.append(bash(stop, project, timeout=60)))
    finally:
        docker("rm", "-f", "socialfetch-read", check=False)
    stopping = stopped[0]
    assert stopping.returncode == 0, stopping.stderr
    assert took < 5, f"docker stop took {took:.1f}s of its 10s grace period"
    assert len(requests_started_after(emulator, stopped_at + 0.5)) == 0, "pages asked for after the stop"
    messages_text = (project / "messages.jsonl").read_text()
    first, final = assert_cancelled_cleanly(messages_text, reading.returncode, emulator.handles())
    assert KEY not in messages_text + err

    def resume(state: List[Dict[str, Any]]) -> Messages:
        (project / "secrets" / "state.json").write_text(json.dumps(state))
        run = bash(the_command(readme_docker_commands(), "--state /secrets/state.json", "docker run"), project)
        assert run.returncode == 0, run.stderr[-2000:]
        return Messages.parse((project / "messages.jsonl").read_text())

    assert_resume_loses_nothing(emulator, first, final, resume)


def test_sigterm_to_the_console_script_in_the_middle_of_a_read_ends_cleanly(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """The same cancel, without the image: the console script as PyAirbyte or a scheduler runs it."""
    emulator = make_emulator(dataset="gen:12x90", latency_ms=200)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(emulator_config(emulator, emulator.handles(), concurrency=2)))
    catalog = str(ROOT / "integration_tests" / "configured_catalog.json")
    argv = [CONSOLE_SCRIPT, "read", "--config", str(config), "--catalog", catalog]
    reading = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err, stopped_at, took = stop_midway(reading, emulator, lambda: reading.send_signal(signal.SIGTERM))
    assert took < 5, f"{took:.1f}s after SIGTERM"
    assert len(requests_started_after(emulator, stopped_at + 0.5)) == 0
    first, final = assert_cancelled_cleanly(out, reading.returncode, emulator.handles())

    def resume(state: List[Dict[str, Any]]) -> Messages:
        path = tmp_path / "state.json"
        path.write_text(json.dumps(state))
        run = subprocess.run([*argv, "--state", str(path)], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        return Messages.parse(run.stdout)

    assert_resume_loses_nothing(emulator, first, final, resume)


def test_docker_stop_while_the_destination_is_slow_loses_nothing(
    connector_image: str, make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """issue 27 through the image: a reader ten times slower than the connector, `docker stop` while
    the connector (PID 1 in the container) is blocked writing to it; every line whole, and a read
    from the last STATE finds every video (test_cancel_backpressure.py has the same through the
    console script, at several sizes and with SIGINT)."""
    emulator = make_emulator(dataset="gen:60x35", latency_ms=60)
    cfg = emulator_config(emulator, emulator.handles(), concurrency=8)
    name = "socialfetch-slow-read"

    def in_image(directory: Path) -> List[str]:
        host_argv = write_files(directory, cfg, json.loads((directory / "state.json").read_text())
                                if (directory / "state.json").exists() else None)
        inside = [a.replace(str(directory), "/work") for a in host_argv[1:]]
        return ["docker", "run", "--rm", "--name", name, "-v", f"{directory}:/work:ro", connector_image, *inside]

    def container_pid() -> Optional[int]:
        found = docker("inspect", "--format", "{{.State.Pid}}", name, check=False).stdout.strip()
        return int(found) if found.isdigit() and found != "0" else None

    docker("rm", "-f", name, check=False)
    stopping: List[subprocess.Popen[str]] = []  # `docker stop` waits for the container: the reader reads meanwhile
    try:
        cancelled = throttled(in_image(tmp_path / "first"), env=engine_environment(), writer=container_pid,
                              ready=lambda: sum(1 for r in emulator.requests if r.route == "videos") > 10,
                              stop=lambda: stopping.append(subprocess.Popen(["docker", "stop", name], env=engine_environment(),
                                                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)),
                              any_thread=True)
        assert stopping, "the read ended before a thread of it was blocked writing: the test did not test the case"
        _, stop_err = stopping[0].communicate(timeout=60)
        assert stopping[0].returncode == 0, stop_err

        def resume(state: List[Dict[str, Any]]) -> List[str]:
            (tmp_path / "second").mkdir()
            (tmp_path / "second" / "state.json").write_text(json.dumps(state))
            return in_image(tmp_path / "second")

        assert_nothing_lost(emulator, cancelled, resume, env=engine_environment())
    finally:
        docker("rm", "-f", name, check=False)


# -- the same failures as the venv's ------------------------------------------------------------
FAILURES: Dict[str, Callable[[Emulator], Dict[str, Any]]] = {
    "401": lambda emu: emulator_config(emu, emu.handles(), api_key="sfk_revoked_1"),
    # At concurrency 1 the handles meet the 402 in config order, so both runs name them alike.
    "402": lambda emu: emulator_config(emu, emu.handles(), concurrency=1),
    "bad config": lambda emu: emulator_config(emu, []),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_exit_code_and_final_trace_match_the_venvs(
    connector_image: str, make_emulator: Callable[..., Emulator], tmp_path: Path, failure: str
) -> None:
    emulator = make_emulator(dataset="gen:2x40")
    if failure == "402":
        emulator.set_balance(0)
    project = make_project(tmp_path)
    write_config(project, FAILURES[failure](emulator))
    catalog = project / "integration_tests" / "configured_catalog.json"
    venv = subprocess.run([CONSOLE_SCRIPT, "read", "--config", str(project / "secrets" / "config.json"),
                           "--catalog", str(catalog)], capture_output=True, text=True, timeout=300)
    image = docker("run", "--rm", "-v", f"{project / 'secrets'}:/secrets:ro", "-v", f"{catalog.parent}:/catalog:ro",
                   IMAGE, "read", "--config", "/secrets/config.json", "--catalog", "/catalog/configured_catalog.json",
                   check=False)
    assert venv.returncode == image.returncode != 0
    venv_error, image_error = Messages.parse(venv.stdout).errors()[-1], Messages.parse(image.stdout).errors()[-1]
    assert (image_error["failure_type"], image_error["message"]) == (venv_error["failure_type"], venv_error["message"])
    assert venv_error["failure_type"] == "config_error"
    assert_no_key(image, "sfk_revoked_1")


# -- bad input through the container --------------------------------------------------------------
def run_read(project: Path, *args: str) -> Tuple[subprocess.CompletedProcess[str], Messages]:
    started = time.monotonic()
    run = docker("run", "--rm", "-v", f"{project / 'secrets'}:/secrets:ro",
                 "-v", f"{project / 'integration_tests'}:/catalog:ro", IMAGE, "read", *args, check=False, timeout=120)
    assert time.monotonic() - started < 60, "a bad input must not make the connector wait"
    return run, Messages.parse(run.stdout)


BAD_INPUTS: Dict[str, Tuple[Dict[str, str], List[str], str]] = {
    # name: (files written under secrets/, extra arguments, what the error says)
    "config is not JSON": ({"config.json": "{'api_key': nope"}, [], "is not valid JSON"),
    "config path not mounted": ({}, ["--config", "/nowhere/config.json"], "cannot be read"),
    "catalog names no stream of ours": ({"catalog.json": json.dumps({"streams": [{"stream": {"name": "tweets", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]})},
                                        ["--catalog", "/secrets/catalog.json"], "does not have: 'tweets'"),
    "state is not a list": ({"state.json": json.dumps({"videos": {"states": []}})}, ["--state", "/secrets/state.json"], "is not an Airbyte state"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_through_the_container_is_a_clear_config_error(
    connector_image: str, make_emulator: Callable[..., Emulator], tmp_path: Path, case: str
) -> None:
    emulator = make_emulator(dataset="gen:1x5")
    project = make_project(tmp_path)
    write_config(project, emulator_config(emulator, emulator.handles()))
    files, extra, says = BAD_INPUTS[case]
    for name, text in files.items():
        (project / "secrets" / name).write_text(text)
    args = {"--config": "/secrets/config.json", "--catalog": "/catalog/configured_catalog.json"}
    args.update(zip(extra[::2], extra[1::2], strict=True))
    run, messages = run_read(project, *[part for pair in args.items() for part in pair])
    assert run.returncode != 0
    errors = messages.errors()
    assert errors and errors[-1]["failure_type"] == "config_error", run.stdout[-2000:]
    assert says in errors[-1]["message"], errors[-1]["message"]
    assert "Traceback" not in run.stderr
    assert emulator.requests == [] or case == "catalog names no stream of ours"
    assert_no_key(run)


PYAIRBYTE_READ = """
import json, sys
import airbyte as ab
config, db, executable = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
source = ab.get_source("source-socialfetch-tiktok", config=config, local_executable=executable)
source.select_streams(["videos"])
try:
    source.read(cache=ab.DuckDBCache(db_path=db, schema_name="main"))
except ab.exceptions.PyAirbyteError as error:
    print(json.dumps({"failed": repr(error)}))
    sys.exit(3)
print(json.dumps({"failed": None}))
"""


def children(pid: int) -> List[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_to_pyairbytes_connector_subprocess_ends_the_sync_and_the_next_one_loses_nothing(
    make_emulator: Callable[..., Emulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    for name in ("AIRBYTE_PROJECT_DIR", "AIRBYTE_LOGGING_ROOT", "AIRBYTE_TEMP_DIR"):
        (tmp_path / name.lower()).mkdir()
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("AIRBYTE_OFFLINE_MODE", "1")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    emulator = make_emulator(dataset="gen:12x90", latency_ms=200)
    config = json.dumps(emulator_config(emulator, emulator.handles(), concurrency=2))
    db = str(tmp_path / "sync.duckdb")
    argv = [sys.executable, "-c", PYAIRBYTE_READ, config, db, CONSOLE_SCRIPT]
    syncing = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    connector_ended: List[float] = []

    def sigterm_to_the_connector() -> None:
        connector = [pid for pid in children(syncing.pid) if "read" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(connector) == 1, connector
        os.kill(connector[0], signal.SIGTERM)
        sent = time.monotonic()
        while running(connector[0]) and time.monotonic() - sent < 60:
            time.sleep(0.02)
        connector_ended.append(time.monotonic() - sent)

    out, err, stopped_at, _ = stop_midway(syncing, emulator, sigterm_to_the_connector)
    took = connector_ended[0]  # PyAirbyte's own work after the connector ended is not the connector's
    assert syncing.returncode == 3, out + err[-3000:]
    assert "AirbyteConnectorFailedError" in json.loads(out.splitlines()[-1])["failed"]
    # PyAirbyte keeps the connector's messages in its log file, not in the error.
    logs = "".join(path.read_text() for path in (tmp_path / "airbyte_logging_root").rglob("*.log"))
    assert "The sync was cancelled" in logs
    assert took < 5, f"the connector ended {took:.1f}s after SIGTERM"
    assert len(requests_started_after(emulator, stopped_at + 0.5)) == 0
    pages_before = sum(1 for r in emulator.requests if r.route == "videos")

    again = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr[-3000:]
    with duckdb.connect(db, read_only=True) as connection:
        stored = set(connection.execute("select handle, id from main.videos").fetchall())
    everything = {(h, v["id"]) for h in emulator.handles() for v in emulator.videos(h)}
    assert stored == everything
    # PyAirbyte keeps nothing of a sync that failed, a cancelled one included (documented for
    # socialfetch-local-sync: "A failed sync keeps nothing"): the next sync reads every handle
    # again. The platform keeps the STATE.
    assert sum(1 for r in emulator.requests if r.route == "videos") - pages_before == 12 * 3
