"""Cancel by SIGTERM or SIGINT: the console entry point blocks them and a watcher thread receives
them (no Python handler ever interrupts a write); a read only watches for a request. (The whole
path, through real reads under backpressure, each phase of a command, the console script and the
image: integration_tests/test_cancel_backpressure.py, integration_tests/test_image.py.)"""

from __future__ import annotations

import signal
import threading
from typing import Any, List

import pytest

from integration_tests.harness import catalog, config, read
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import console
from source_socialfetch_tiktok import run as entry
from source_socialfetch_tiktok.cancellation import CANCEL_SIGNALS, Cancellation, receiving_signals


def blocked_here() -> set:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_given_no_read_when_cancel_requested_then_the_command_ends_at_once_and_once() -> None:
    ended: List[str] = []
    cancellation = Cancellation(end_now=ended.append)
    cancellation.request("SIGTERM received")
    cancellation.request("SIGINT received")  # a second signal while ending changes nothing
    assert ended == ["SIGTERM received"]


def test_given_a_read_command_not_yet_reading_when_cancel_requested_then_the_read_stops_at_once() -> None:
    """A read never ends at once: a cancel before it watches stops it as soon as it starts."""
    ended: List[str] = []
    cancellation = Cancellation(end_now=ended.append)
    cancellation.hold()
    cancellation.request("SIGTERM received")
    stops: List[str] = []
    with cancellation.watching(stops.append):
        pass
    assert ended == [] and stops == ["SIGTERM received"]


def test_given_a_read_when_cancel_requested_then_stop_is_called_once_from_another_thread() -> None:
    cancellation = Cancellation(end_now=lambda reason: pytest.fail("a read must not end at once"))
    stops: List[tuple[str, str]] = []
    stopped = threading.Event()

    def stop(reason: str) -> None:
        stops.append((reason, threading.current_thread().name))
        stopped.set()

    with cancellation.watching(stop):
        cancellation.request("SIGTERM received")
        assert stopped.wait(5)
        cancellation.request("SIGTERM received")
    assert stops == [("SIGTERM received", "cancellation-watch")]


def test_given_a_finished_read_then_its_watcher_ends_without_stopping() -> None:
    cancellation = Cancellation()
    before = threading.active_count()
    with cancellation.watching(lambda reason: pytest.fail("stopped without a request")):
        pass
    assert threading.active_count() == before


def test_signals_are_blocked_for_the_block_received_by_the_watcher_and_unblocked_after() -> None:
    assert not CANCEL_SIGNALS & blocked_here()
    received = threading.Event()
    cancellation = Cancellation(end_now=lambda reason: received.set())
    before = threading.active_count()
    with receiving_signals(cancellation):
        assert blocked_here() >= CANCEL_SIGNALS
        # To the watcher's thread: a SIGTERM to this whole process could reach a thread of the test
        # runner that does not block it (the whole path: test_cancel_backpressure.py, in a process of its own).
        watcher = next(t for t in threading.enumerate() if t.name == "signal-watch")
        signal.pthread_kill(watcher.ident, signal.SIGTERM)  # type: ignore[arg-type]
        assert received.wait(5)
    assert cancellation.requested == "SIGTERM received"
    assert not CANCEL_SIGNALS & blocked_here()
    assert threading.active_count() == before


def test_a_signal_that_comes_as_the_block_closes_is_taken_not_left_to_its_default_action() -> None:
    cancellation = Cancellation(end_now=lambda reason: None)
    with receiving_signals(cancellation):
        cancellation.hold()
    # Had a pending SIGTERM been left, unblocking would have ended this process.
    assert not CANCEL_SIGNALS & blocked_here()


def test_the_console_script_blocks_the_signals_before_the_cdk_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: List[Any] = []
    monkeypatch.setattr(console, "launch", lambda source, args: seen.append(blocked_here()))
    entry.run(["spec"])
    assert seen and seen[0] >= CANCEL_SIGNALS
    assert not CANCEL_SIGNALS & blocked_here()


def test_the_console_script_installs_no_python_signal_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    before = {s: signal.getsignal(s) for s in CANCEL_SIGNALS}
    seen: List[Any] = []
    monkeypatch.setattr(console, "launch", lambda source, args: seen.append({s: signal.getsignal(s) for s in CANCEL_SIGNALS}))
    entry.run(["spec"])
    assert seen == [before]


def test_an_in_process_read_touches_no_signal(emulator: Emulator) -> None:
    handlers: List[Any] = []
    original, original_mask = signal.signal, signal.pthread_sigmask
    try:
        signal.signal = lambda *args: handlers.append(args) or original(*args)  # type: ignore[assignment]
        signal.pthread_sigmask = lambda *args: handlers.append(args) or original_mask(*args)  # type: ignore[assignment]
        output = read(config(emulator.base_url, ["one.video"]), catalog("incremental"))
    finally:
        signal.signal, signal.pthread_sigmask = original, original_mask  # type: ignore[assignment]
    assert output.records and handlers == []
