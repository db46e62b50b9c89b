"""The console entry point sets the thread switch interval for its own run only; a read leaves it alone."""

from __future__ import annotations

import sys
from typing import Any, Iterator, List

import pytest

from source_socialfetch_tiktok import run as entry
from source_socialfetch_tiktok.run import THREAD_SWITCH_INTERVAL_SECONDS


@pytest.fixture(autouse=True)
def known_switch_interval() -> Iterator[float]:
    """A switch interval that is not the console script's, whatever ran before; put back after."""
    saved = sys.getswitchinterval()
    sys.setswitchinterval(THREAD_SWITCH_INTERVAL_SECONDS / 4)
    try:
        yield THREAD_SWITCH_INTERVAL_SECONDS / 4
    finally:
        sys.setswitchinterval(saved)


def test_the_console_script_runs_with_its_switch_interval_and_puts_the_previous_one_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before = sys.getswitchinterval()
    assert before != THREAD_SWITCH_INTERVAL_SECONDS
    during: List[float] = []
    monkeypatch.setattr(entry, "launch", lambda source, args: during.append(sys.getswitchinterval()))

    entry.run(["spec"])

    assert during == [THREAD_SWITCH_INTERVAL_SECONDS]
    assert sys.getswitchinterval() == before


def test_the_previous_interval_is_put_back_when_the_run_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    before = sys.getswitchinterval()

    def fail(source: Any, args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(entry, "launch", fail)
    with pytest.raises(RuntimeError):
        entry.run(["spec"])

    assert sys.getswitchinterval() == before
