"""The console entry point sets the thread switch interval and the collector's threshold for its own run
only; a read leaves them alone."""

from __future__ import annotations

import gc
import sys
from typing import Any, Iterator, List

import pytest

from source_socialfetch_tiktok import console
from source_socialfetch_tiktok import run as entry
from source_socialfetch_tiktok.run import THREAD_SWITCH_INTERVAL_SECONDS, YOUNG_COLLECTION_THRESHOLD


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
    monkeypatch.setattr(console, "launch", lambda source, args: during.append(sys.getswitchinterval()))

    entry.run(["spec"])

    assert during == [THREAD_SWITCH_INTERVAL_SECONDS]
    assert sys.getswitchinterval() == before


def test_the_previous_interval_and_threshold_are_put_back_when_the_run_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    before = (sys.getswitchinterval(), gc.get_threshold())

    def fail(source: Any, args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(console, "launch", fail)
    with pytest.raises(RuntimeError):
        entry.run(["spec"])

    assert (sys.getswitchinterval(), gc.get_threshold()) == before


def test_the_console_script_runs_with_its_collector_threshold_and_puts_the_previous_one_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gc.get_threshold()
    assert before[0] != YOUNG_COLLECTION_THRESHOLD
    during: List[Any] = []
    monkeypatch.setattr(console, "launch", lambda source, args: during.append(gc.get_threshold()))

    entry.run(["spec"])

    assert during == [(YOUNG_COLLECTION_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before


def test_a_read_through_the_cdk_entrypoint_leaves_the_collector_alone(tmp_path: Any) -> None:
    """The setting is the console script's: the source itself, run in someone else's process, never sets it."""
    from airbyte_cdk.entrypoint import launch

    from source_socialfetch_tiktok import SourceSocialfetchTiktok

    before = gc.get_threshold()
    launch(SourceSocialfetchTiktok(), ["spec"])
    assert gc.get_threshold() == before
