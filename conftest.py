"""Fixtures for every test in the project."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient
from source_socialfetch_tiktok.serialization import keep_nulls_in_records

# How the tests share a run on several processes (`make test`'s pytest-xdist workers).
pytest_plugins = ["integration_tests.parallel_runs"]

# The tests run the entrypoint in-process (integration_tests/harness.py, the CDK's standard tests):
# install what console.py installs, so their RECORD lines are the console script's.
keep_nulls_in_records()


def _airbyte_loggers() -> Dict[str, logging.Logger]:
    manager = logging.Logger.manager
    return {name: logger for name, logger in list(manager.loggerDict.items())
            if (name == "airbyte" or name.startswith("airbyte.")) and isinstance(logger, logging.Logger)}


@contextmanager
def _airbyte_loggers_kept() -> Iterator[None]:
    """Importing PyAirbyte reconfigures the `airbyte` logger, which is also the CDK's (no
    propagation, a file handler of its own): every `airbyte*` logger is put back as it was, or
    the in-process tests that run after a PyAirbyte run would capture no connector log at all."""
    saved: Dict[str, Tuple[int, bool, list, bool]] = {
        name: (lg.level, lg.propagate, list(lg.handlers), lg.disabled) for name, lg in _airbyte_loggers().items()
    }
    yield
    for name, logger in _airbyte_loggers().items():
        level, propagate, handlers, disabled = saved.get(name, (logging.NOTSET, True, [], False))
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.setLevel(level)
        logger.propagate, logger.handlers, logger.disabled = propagate, handlers, disabled


@pytest.fixture(autouse=True)
def airbyte_loggers_restored() -> Iterator[None]:
    with _airbyte_loggers_kept():
        yield


@pytest.fixture(autouse=True, scope="module")
def airbyte_loggers_restored_after_the_module() -> Iterator[None]:
    """The same around a module: a module-scoped fixture that runs PyAirbyte (the end-to-end
    story) is set up before the per-test fixture saves the loggers, so only this one undoes it."""
    with _airbyte_loggers_kept():
        yield


# Emulator fixtures: a started Social Fetch emulator per test, and a factory for custom ones.
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The fork server of this process, if a test started one, stopped and waited for: its CPU and
    its commands' are then this process's children's (integration_tests/forkserver.py)."""
    from integration_tests.forkserver import stop

    stop()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The demo world on an ephemeral loopback port, fresh for each test."""
    with Emulator(dataset="demo") as emu:
        yield emu


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    """Build and start emulators with any Emulator kwargs; all are stopped at teardown."""
    started: List[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        emu = Emulator(**kwargs).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def api(emulator: Emulator) -> Iterator[ApiClient]:
    """A client of the `emulator` fixture, with its default key."""
    client = ApiClient(emulator)
    yield client
    client.session.close()


@pytest.fixture
def pyairbyte(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ModuleType]:
    """PyAirbyte, offline and without telemetry, its logs and temp files under tmp_path: the
    project's one PyAirbyte environment. Every variable is set through monkeypatch, so
    `socialfetch_local`'s own setdefaults change nothing and all is put back after the test (the
    `airbyte*` loggers PyAirbyte takes over are restored above)."""
    root = tmp_path / "airbyte"
    for name, value in {"AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1", "AIRBYTE_PROJECT_DIR": str(root),
                        "AIRBYTE_LOGGING_ROOT": str(root / "logs"), "AIRBYTE_TEMP_DIR": str(root / "tmp")}.items():
        monkeypatch.setenv(name, value)
    (root / "tmp").mkdir(parents=True)
    from socialfetch_local.environment import import_airbyte

    airbyte = import_airbyte()
    # The connector PyAirbyte launches by default: the console script run by the tests' fork server
    # (integration_tests/forkserver.py), which spares each launch (spec, discover, read) the CDK's imports.
    from integration_tests.forkserver import forked_executable

    monkeypatch.setattr("socialfetch_local.sync.connector_executable", forked_executable)
    # PyAirbyte reads the offline switch once, when it is first imported: maybe by an earlier test.
    monkeypatch.setattr(airbyte.constants, "AIRBYTE_OFFLINE_MODE", True)
    yield airbyte


@dataclass
class Backoffs:
    waits: List[float] = field(default_factory=list)  # what the connector's strategy decided, in order
    skipped: List[float] = field(default_factory=list)  # the CDK's sleeps that did not happen


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> Backoffs:
    """Retries at once, for tests that count retries rather than wait for them: the connector's
    backoff strategy still decides each wait (recorded), and nothing sleeps. The CDK sleeps each
    wait plus a second of its own in airbyte_cdk/sources/streams/http/rate_limiting.py
    (`sleep_on_ratelimit`, 7.39.1): that module's sleep is replaced. Canary:
    integration_tests/test_faults.py::test_canary_no_backoff_retries_at_once_and_records_the_wait."""
    from types import SimpleNamespace

    from airbyte_cdk.sources.streams.http import rate_limiting

    from source_socialfetch_tiktok.api.backoff_strategies import RetryAfterBackoffStrategy

    seen = Backoffs()
    decide = RetryAfterBackoffStrategy.backoff_time

    def backoff_time(self: RetryAfterBackoffStrategy, response_or_exception: Any, attempt_count: int) -> float:
        seen.waits.append(decide(self, response_or_exception, attempt_count) or 0.0)
        return 0.001  # not 0: the CDK takes a falsy wait as "none given" and backs off exponentially itself

    monkeypatch.setattr(RetryAfterBackoffStrategy, "backoff_time", backoff_time)
    monkeypatch.setattr(rate_limiting, "time", SimpleNamespace(sleep=seen.skipped.append))
    return seen
