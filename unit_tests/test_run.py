"""The console entry point sets the thread switch interval and the collector's threshold for its own run
only; a read leaves them alone."""

from __future__ import annotations

import gc
import sys
from typing import Any, Iterator, List

import pytest

from source_socialfetch_tiktok import console
from source_socialfetch_tiktok import run as entry
from source_socialfetch_tiktok.run import THREAD_SWITCH_INTERVAL_SECONDS, YOUNG_COLLECTION_THRESHOLD, in_one_stack_chunk


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


def test_the_cdk_is_imported_with_the_collector_threshold_already_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """At CPython's 700 the collector ran 750 times during the imports, at 10,000 33 times."""
    seen: List[Any] = []

    class Watch:  # on the meta path: notes the threshold when the CDK's side is imported, imports nothing itself
        @staticmethod
        def find_spec(name: str, path: Any = None, target: Any = None) -> None:
            if name == console.__name__:
                seen.append(gc.get_threshold()[0])

    import source_socialfetch_tiktok

    # `run` imports the module again (a real `spec`); this test's module and the package's attribute come back after.
    monkeypatch.delitem(sys.modules, console.__name__)
    monkeypatch.setattr(source_socialfetch_tiktok, "console", console)
    monkeypatch.setattr(sys, "meta_path", [Watch(), *sys.meta_path])

    entry.run(["spec"])

    assert seen == [YOUNG_COLLECTION_THRESHOLD]


def test_in_one_stack_chunk_returns_what_the_call_returns_and_raises_what_it_raises() -> None:
    assert in_one_stack_chunk(lambda: 42) == 42

    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        in_one_stack_chunk(fail)


def test_in_one_stack_chunk_has_a_frame_no_64_kb_chunk_holds() -> None:
    """CPython takes for a frame the smallest chunk of 16 KB doubled that holds it and 1,000 words more:
    past 7,192 words, 128 KB, with about 9,000 words free under it."""
    code = in_one_stack_chunk.__code__
    assert code.co_nlocals + code.co_stacksize > 65536 // 8 - 1000
