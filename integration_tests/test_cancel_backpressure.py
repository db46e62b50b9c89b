"""A cancel loses nothing, however slow the destination (issue 27).

The platform's SIGTERM usually comes while the destination is slower than the source: stdout is a
full pipe and the connector's main thread is blocked writing to it. A returning Python signal
handler run there makes CPython 3.11 drop the rest of that write: a RECORD cut mid-line and the
records after it gone, then a STATE that skips them. Each test here sends the signal exactly while
the main thread is blocked in that write (integration_tests/backpressure.py), then checks every
line is whole and, with a second sync from the last STATE, that no video of the emulator's truth is
missing. On 0.3.0 the connector tests fail on every run that way (the closing note of issue 27 has
the counts).
"""

from __future__ import annotations

import collections
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import pytest

from integration_tests.backpressure import Cancelled, cancel_while_blocked, throttled, with_full_pipe
from integration_tests.harness import catalog_json, config
from integration_tests.launcher import CONSOLE_SCRIPT
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.timeutil import parse_instant

Key = Tuple[str, str]
STREAMS = ("videos", "video_stats", "handle_reads")


def write_files(directory: Path, cfg: Dict[str, Any], state: Optional[List[Dict[str, Any]]] = None) -> List[str]:
    """The read's argv, its config, catalog (videos incremental, video_stats, handle_reads) and state in files."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(cfg))
    catalog = catalog_json("incremental", stats=True)
    catalog["streams"].append(_full_refresh_stream("handle_reads", [["readId"]]))
    (directory / "catalog.json").write_text(json.dumps(catalog))
    argv = [str(CONSOLE_SCRIPT), "read", "--config", str(directory / "config.json"), "--catalog", str(directory / "catalog.json")]
    if state is not None:
        (directory / "state.json").write_text(json.dumps(state))
        argv += ["--state", str(directory / "state.json")]
    return argv


def _full_refresh_stream(name: str, key: List[List[str]]) -> Dict[str, Any]:
    return {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"],
                       "source_defined_primary_key": key},
            "sync_mode": "full_refresh", "primary_key": key, "destination_sync_mode": "append"}


class Sync:
    """One read's messages, parsed (every line must be whole)."""

    def __init__(self, messages: List[Dict[str, Any]]):
        self.messages = messages

    def records(self, stream: str) -> List[Dict[str, Any]]:
        return [m["record"]["data"] for m in self.messages if m["type"] == "RECORD" and m["record"]["stream"] == stream]

    def videos_states(self) -> List[Dict[str, Any]]:
        return [m["state"] for m in self.messages
                if m["type"] == "STATE" and m["state"]["stream"]["stream_descriptor"]["name"] == "videos"]

    def errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"].get("type") == "ERROR"]


def assert_nothing_lost(emulator: Emulator, cancelled: Cancelled, resume_argv: Callable[[List[Dict[str, Any]]], List[str]],
                        env: Optional[Dict[str, str]] = None) -> Sync:
    """The cancelled read wrote whole lines only, ended as a cancel does, its last STATE skips no
    video, and with the sync from that STATE every video of the truth was read (as a multiset of
    (handle, id): at least once; each videos record with its video_stats snapshot)."""
    assert cancelled.blocked, "the read ended before it was blocked writing: the test did not test the case"
    assert not cancelled.cut_lines(), f"cut lines: {[line[:120] for line in cancelled.cut_lines()[:3]]}"
    first = Sync(cancelled.messages())
    assert cancelled.returncode == 1, cancelled.stderr[-2000:]
    errors = first.errors()
    assert errors and errors[-1]["message"].startswith("The sync was cancelled"), errors
    truth = {(h, v["id"]): v for h in emulator.handles() for v in emulator.videos(h)}
    assert_each_video_has_its_snapshot(first)
    states = first.videos_states()
    final: List[Dict[str, Any]] = [states[-1]] if states else []
    if final:
        # Every video at or before a handle's saved cursor must be among this read's records: the
        # next sync reads that handle only from its cursor minus the lookback.
        read = {(r["handle"], r["id"]) for r in first.records("videos")}
        for entry in final[0]["stream"]["stream_state"].get("states", []):
            handle, cursor = entry["partition"]["handle"], parse_instant(entry["cursor"]["createdAt"])
            skipped = [vid for (h, vid), v in truth.items()
                       if h == handle and v.get("createdAt") and parse_instant(v["createdAt"]) <= cursor and (h, vid) not in read]
            assert not skipped, f"the last STATE moved {handle}'s cursor past {len(skipped)} videos it never wrote"
    second_run = subprocess.run(resume_argv(final), capture_output=True, timeout=300, env=env)
    assert second_run.returncode == 0, second_run.stderr.decode()[-2000:]
    second = Sync([json.loads(line) for line in second_run.stdout.splitlines()])
    assert_each_video_has_its_snapshot(second)
    seen = collections.Counter((r["handle"], r["id"]) for r in first.records("videos") + second.records("videos"))
    missing = set(truth) - set(seen)
    assert not missing, f"{len(missing)} of {len(truth)} videos lost after the cancel"
    return first


def assert_each_video_has_its_snapshot(sync: Sync) -> None:
    videos = collections.Counter((r["handle"], r["id"]) for r in sync.records("videos"))
    stats = collections.Counter((r["handle"], r["id"]) for r in sync.records("video_stats"))
    assert videos == stats, "a videos record without its video_stats snapshot, or the other way"
    per_read = collections.Counter(r["readId"] for r in sync.records("video_stats"))
    for read in sync.records("handle_reads"):
        assert per_read.get(read["readId"], 0) == read["videos"], read


# The review's setup (60 handles x 35 videos at 60 ms a page, concurrency 8; a reader that stops
# reading, then SIGTERM) and a destination that keeps reading, ten times slower than the source,
# at other sizes, with SIGINT (Ctrl-C) as well. A slow reader frees part of the pipe at each read,
# so the write it was blocked in writes part of its data and blocks again: the signal then cuts a
# write in the middle, which is where 0.3.0's handler lost the rest.
CASES = {
    "review-60x35-c8-paused": ("gen:60x35", 60, 8, signal.SIGTERM, "paused"),
    "60x35-c8-slow-reader": ("gen:60x35", 60, 8, signal.SIGTERM, "slow"),
    "24x60-c4-slow-reader": ("gen:24x60", 20, 4, signal.SIGTERM, "slow"),
    "60x35-c8-slow-reader-sigint": ("gen:60x35", 60, 8, signal.SIGINT, "slow"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cancel_while_the_destination_is_slow_loses_nothing(case: str, make_emulator: Callable[..., Emulator],
                                                            tmp_path: Path) -> None:
    dataset, latency, concurrency, sig, reader = CASES[case]
    emulator = make_emulator(dataset=dataset, latency_ms=latency)
    cfg = config(emulator.base_url, emulator.handles(), concurrency=concurrency)
    argv = write_files(tmp_path / "first", cfg)
    if reader == "paused":
        cancelled = cancel_while_blocked(argv, sig=sig)
    else:  # once a few handles are done, so that the cancel leaves some handles done and some not
        cancelled = throttled(argv, sig=sig, ready=lambda: sum(1 for r in emulator.requests if r.route == "videos") > 10)
    assert_nothing_lost(emulator, cancelled, lambda state: write_files(tmp_path / "second", cfg, state))


# 0.3.0 lost lines in about half of these runs (the write a returning handler cuts is not always
# the main thread's, nor always cut in its middle): the long profile repeats the review's setup to
# make the count (`pytest -m cancel_long`; the closing note of issue 27 has it).
@pytest.mark.cancel_long
@pytest.mark.parametrize("run", range(30))
def test_cancel_while_the_destination_is_paused_loses_nothing_repeated(run: int, make_emulator: Callable[..., Emulator],
                                                                      tmp_path: Path) -> None:
    test_cancel_while_the_destination_is_slow_loses_nothing("review-60x35-c8-paused", make_emulator, tmp_path)


# -- the signal at each phase of a command ---------------------------------------------------------
def signal_when(argv: List[str], ready: Callable[[subprocess.Popen[bytes]], bool], sig: int = signal.SIGTERM,
                timeout: float = 60) -> Tuple[List[Dict[str, Any]], int, str, float]:
    """Start `argv`, send `sig` once `ready(process)`, and return its messages, exit code, stderr and
    how long it took to end after the signal."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not ready(process):
            assert process.poll() is None and time.monotonic() < deadline, "ended before it could be signalled"
            time.sleep(0.005)
        sent = time.monotonic()
        process.send_signal(sig)
        out, err = process.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = out.splitlines()
    messages = []
    for line in lines:
        messages.append(json.loads(line))  # a cut line fails here
    return messages, process.returncode, err.decode(errors="replace"), took


def cancelled_trace(messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    assert messages and messages[-1]["type"] == "TRACE", messages[-3:]
    error = messages[-1]["trace"]["error"]
    assert error["message"].startswith("The sync was cancelled") and error["failure_type"] == "transient_error", error
    return error


def in_start_up(process: subprocess.Popen[bytes]) -> bool:
    """The console script's code runs (it has blocked SIGTERM: /proc/PID/status SigBlk), or the CDK's
    imports (about a second) are under way: a module from site-packages is mapped. A connector that
    never blocks it (0.3.0) is signalled in those imports; one that blocks it first is signalled
    once it has, however slow the machine."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
        maps = Path(f"/proc/{process.pid}/maps").read_text()
    except OSError:
        return False
    blocked = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)
    return bool(blocked & (1 << (signal.SIGTERM - 1))) or "site-packages" in maps


def test_sigterm_at_start_up_ends_at_once_with_the_cancelled_trace(emulator: Emulator, tmp_path: Path) -> None:
    argv = write_files(tmp_path, config(emulator.base_url, emulator.handles()))
    messages, code, err, took = signal_when(argv, in_start_up)
    assert code == 1, err[-2000:]
    assert "before it read anything" in cancelled_trace(messages)["message"]
    assert not [m for m in messages if m["type"] == "RECORD"]


def test_sigterm_during_check_ends_at_once_even_while_the_api_is_slow(make_emulator: Callable[..., Emulator],
                                                                     tmp_path: Path) -> None:
    """`check` waits on the free whoami route; the cancel does not wait for its answer."""
    emulator = make_emulator(dataset="demo")
    delay = 60.0
    slow = emulator.inject("latency", route="whoami", delay_ms=int(delay * 1000))
    (tmp_path / "config.json").write_text(json.dumps(config(emulator.base_url, ["nasa.fan"])))
    argv = [str(CONSOLE_SCRIPT), "check", "--config", str(tmp_path / "config.json")]
    messages, code, err, took = signal_when(argv, lambda p: slow.fired > 0)  # whoami asked, its answer held
    assert code == 1, err[-2000:]
    assert "before it read anything" in cancelled_trace(messages)["message"]
    assert not [m for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert took < delay, f"{took:.1f}s: the cancel waited for the API"


@pytest.mark.parametrize("command", ["spec", "check", "discover"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_cancel_while_a_command_is_blocked_writing_its_answer_cuts_no_line(
    command: str, sig: int, emulator: Emulator, tmp_path: Path
) -> None:
    """Stdout full before the command writes anything: the cancel comes while its answer is being
    written, and ends it with whole lines and the cancelled TRACE last."""
    (tmp_path / "config.json").write_text(json.dumps(config(emulator.base_url, emulator.handles())))
    argv = [str(CONSOLE_SCRIPT), command] + ([] if command == "spec" else ["--config", str(tmp_path / "config.json")])
    cancelled = with_full_pipe(argv, sig=sig)
    assert cancelled.blocked, "the command ended before its first write"
    assert not cancelled.cut_lines(), cancelled.cut_lines()[:3]
    assert cancelled.returncode == 1, cancelled.stderr[-2000:]
    cancelled_trace(cancelled.messages())


def test_sigterm_after_the_last_page_finishes_writing_and_saves_every_handle(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """A destination ten times slower than the source: every page is read while the main thread is
    still writing what was read, blocked. The cancel then comes after the last page: every record,
    the last STATE (every handle completed) and the summary are written whole, then the cancelled TRACE."""
    emulator = make_emulator(dataset="gen:20x35")
    cfg = config(emulator.base_url, emulator.handles(), concurrency=4)
    argv = write_files(tmp_path, cfg)
    every_page = lambda: sum(1 for r in emulator.requests if r.route == "videos") >= 2 * len(emulator.handles())  # noqa: E731
    cancelled = throttled(argv, ready=every_page)
    assert cancelled.blocked and every_page()
    assert not cancelled.cut_lines(), cancelled.cut_lines()[:3]
    assert cancelled.returncode == 1, cancelled.stderr[-2000:]
    messages = cancelled.messages()
    cancelled_trace(messages)
    sync = Sync(messages)
    truth = {(h, v["id"]) for h in emulator.handles() for v in emulator.videos(h)}
    assert {(r["handle"], r["id"]) for r in sync.records("videos")} == truth
    assert_each_video_has_its_snapshot(sync)
    final = sync.videos_states()[-1]["stream"]["stream_state"]["states"]
    assert {e["partition"]["handle"] for e in final} == set(emulator.handles()), "every handle completed and saved"


# -- the mechanism, below the connector ------------------------------------------------------------
CHILD = textwrap.dedent('''
    import os, signal, sys
    LINES, CHUNK = 20_000, 2_000
    if sys.argv[1] == "handler":  # what 0.3.0 did: a Python handler that returns
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
        context = None
    else:  # the connector's way: blocked, and received by a watcher thread
        from source_socialfetch_tiktok.cancellation import Cancellation, receiving_signals
        cancellation = Cancellation()
        context = receiving_signals(cancellation)
        context.__enter__()
    lines = [f"line {i:06d} " + "x" * 80 + "\\n" for i in range(LINES)]
    for start in range(0, LINES, CHUNK):
        sys.stdout.write("".join(lines[start:start + CHUNK]))
        sys.stdout.flush()
    if context is not None:
        context.__exit__(None, None, None)
        sys.stderr.write(f"requested: {cancellation.requested}\\n")
''')


def run_child(mode: str) -> Tuple[List[bytes], str]:
    cancelled = cancel_while_blocked([sys.executable, "-c", CHILD, mode], extra_pause=0.2)
    assert cancelled.blocked and cancelled.returncode == 0, cancelled.stderr
    return cancelled.lines, cancelled.stderr


def whole(lines: Iterable[bytes]) -> int:
    return sum(1 for line in lines if len(line) == len("line 000000 ") + 80)


def test_mechanism_a_returning_handler_during_a_blocked_write_loses_lines() -> None:
    """The CPython behaviour the connector works around (a canary: the day this fails, a returning
    handler no longer loses the rest of a blocked write, and the reason for the design is gone)."""
    lines, _ = run_child("handler")
    assert whole(lines) < 20_000, "no line lost: CPython no longer drops a blocked write's rest"


def test_mechanism_blocked_signals_and_a_watcher_lose_no_line() -> None:
    lines, err = run_child("watcher")
    assert whole(lines) == len(lines) == 20_000
    assert "requested: SIGTERM received" in err
