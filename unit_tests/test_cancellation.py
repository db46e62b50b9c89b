"""Cancel by SIGTERM: the console entry point owns the handler; a read only watches for a request.
(The whole path, through a real read, the console script and the image: integration_tests/test_image.py.)"""

from __future__ import annotations

import signal
import threading
from typing import Any, List

import pytest

from integration_tests.harness import catalog, config, read
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import run as entry
from source_socialfetch_tiktok.cancellation import Cancellation, CommandCancelled, handling_sigterm


def test_given_no_read_when_cancel_requested_then_the_command_ends_once() -> None:
    cancellation = Cancellation()
    with pytest.raises(CommandCancelled) as raised:
        cancellation.request("SIGTERM received")
    assert "before it read anything" in raised.value.traced().message
    cancellation.request("SIGTERM received")  # a second signal while ending changes nothing


def test_given_a_read_when_cancel_requested_then_stop_is_called_once_from_another_thread() -> None:
    cancellation = Cancellation()
    stops: List[tuple[str, str]] = []
    stopped = threading.Event()

    def stop(reason: str) -> None:
        stops.append((reason, threading.current_thread().name))
        stopped.set()

    with cancellation.watching(stop):
        cancellation.request("SIGTERM received")  # does not raise: the read saves what it did
        assert stopped.wait(5)
        cancellation.request("SIGTERM received")
    assert stops == [("SIGTERM received", "cancellation-watch")]


def test_given_a_finished_read_then_its_watcher_ends_without_stopping() -> None:
    cancellation = Cancellation()
    before = threading.active_count()
    with cancellation.watching(lambda reason: pytest.fail("stopped without a request")):
        pass
    assert threading.active_count() == before


def test_sigterm_handler_is_installed_for_the_block_and_put_back() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    cancellation = Cancellation()
    with handling_sigterm(cancellation):
        assert signal.getsignal(signal.SIGTERM) is not previous
        with pytest.raises(CommandCancelled):
            signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is previous


def test_the_console_script_handles_sigterm_while_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    seen: List[Any] = []
    monkeypatch.setattr(entry, "launch", lambda source, args: seen.append(signal.getsignal(signal.SIGTERM)))
    entry.run(["spec"])
    assert seen and seen[0] is not previous and callable(seen[0])
    assert signal.getsignal(signal.SIGTERM) is previous


def test_an_in_process_read_installs_no_signal_handler(emulator: Emulator) -> None:
    handlers: List[Any] = []
    original = signal.signal
    try:
        signal.signal = lambda *args: handlers.append(args) or original(*args)  # type: ignore[assignment]
        output = read(config(emulator.base_url, ["one.video"]), catalog("incremental"))
    finally:
        signal.signal = original  # type: ignore[assignment]
    assert output.records and handlers == []
