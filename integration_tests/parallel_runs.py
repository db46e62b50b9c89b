"""How the tests share a run on several processes: `make test` runs pytest-xdist with
`-n $(TEST_WORKERS)` and pytest.ini's `--dist loadgroup` (docs/development.md, "Tests in parallel").
A plugin of the root conftest.py, so it sees every test of the project.

- A test that uses one of the project's fixtures wider than a function (a dbt build, a fakesnow
  server, the image) is put in an `xdist_group`: every test sharing that fixture runs on one worker,
  so it is built once per run, as in a serial run. Session fixtures group by name, module fixtures
  by module, class fixtures by class; a test's own `xdist_group` mark is left as it is.
- On the workers, the groups and files known to be slow (`SLOW_FIRST`) start first, so that the
  longest one does not start last and keep one worker busy after the others have finished
  (pytest.ini's `--no-loadscope-reorder`: xdist then hands out work in the order collected).
- Every test runs with SIGINT's default handling, even in a run started with SIGINT ignored (a
  launch in the background by a shell without job control): a process a test starts inherits an
  ignored SIGINT, and a test of what Ctrl-C does to it would then test nothing.
- `once_per_run` builds a thing once for all the workers of a run (the image), behind a file lock.
"""

from __future__ import annotations

import fcntl
import inspect
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Generator, Iterator, List, Optional, Protocol, Sequence

import pytest

GROUP_MARK = "xdist_group"
SHARED_SCOPES = ("class", "module", "package", "session")  # narrowest first

# Started first on the workers, in this order: a group name (`group_of`) or the start of a test id.
# The longest of a serial run (`pytest --durations=0`, on a loaded 2-core machine): the two
# end-to-end dbt stories (one group per warehouse, each 10 min or more there), the image's group, the
# dbt builds (1 to 4 min a test), then the connector's longest tests and groups (a serial
# connector-side run under a load average of 12, wall: the fuzz 5 min, a plan story 2.5 min, the
# memory module's group 2 min, the local sync's tests 1.5 min each, the PyAirbyte resume 1.4 min),
# then the tests that wait on processes for 20 to 60 s.
SLOW_FIRST: Sequence[str] = (
    "integration_tests/test_dbt_end_to_end.py",
    "integration_tests/test_dbt_loads.py",  # each test syncs and builds several times, compared with full rebuilds
    "connector_image",  # the image's build, then every test of the image (the CDK's included)
    "integration_tests/test_dbt_models.py",
    "integration_tests/test_dbt_snowflake.py",
    "integration_tests/test_fuzz.py",  # one test: 36 console-script inputs, two at a time
    "integration_tests/test_local_plan.py",
    "integration_tests/test_memory_per_handle.py",  # a module's group, on one worker
    "integration_tests/test_local_sync.py",
    "integration_tests/test_resume.py",
    "integration_tests/test_cancel_backpressure.py",
    "integration_tests/test_estimates.py",
    "integration_tests/test_destinations.py",
    "integration_tests/test_local_plan_shards.py",
    "integration_tests/test_shards.py",
    "integration_tests/test_secrets.py",
    "integration_tests/test_concurrency.py",
    "integration_tests/test_bad_input.py",
)


def _is_project_fixture(fixturedef: Any, root: Path) -> bool:
    """Defined in this project's files (a conftest or a test module), not by pytest or a plugin."""
    try:
        source = Path(inspect.getsourcefile(fixturedef.func) or "").resolve()
    except TypeError:
        return False
    return source.is_relative_to(root) and "site-packages" not in source.parts


def group_of(item: pytest.Item, root: Path) -> Optional[str]:
    """The group of the widest project fixture `item` shares with other tests, or None. A fixture
    that another of its shared fixtures uses is not counted on its own (the image's build folder
    goes with the image)."""
    # pytest has no public route to a test's fixture definitions before it runs: its own
    # reordering by fixture reads this same attribute.
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    shared = {name: defs[-1] for name, defs in info.name2fixturedefs.items()
              if defs and defs[-1].scope in SHARED_SCOPES and _is_project_fixture(defs[-1], root)}
    used_by_shared = {arg for fixturedef in shared.values() for arg in fixturedef.argnames}
    tops = {name: fixturedef for name, fixturedef in shared.items() if name not in used_by_shared}
    if not tops:
        return None
    scope = max((fixturedef.scope for fixturedef in tops.values()), key=SHARED_SCOPES.index)
    if scope == "class":
        parent = item.getparent(pytest.Class)
        return parent.nodeid if parent is not None else None
    if scope == "module":
        module = item.getparent(pytest.Module)
        return module.nodeid if module is not None else None
    return "+".join(sorted(name for name, fixturedef in tops.items() if fixturedef.scope == scope))


def slow_rank(item: pytest.Item, slow_first: Sequence[str] = SLOW_FIRST) -> int:
    """The position in `slow_first` of the first entry naming the item's group or starting its id;
    len(slow_first) for the rest."""
    groups = [str(mark.args[0] if mark.args else mark.kwargs.get("name", "")) for mark in item.iter_markers(GROUP_MARK)]
    for rank, entry in enumerate(slow_first):
        if entry in groups or item.nodeid.startswith(entry):
            return rank
    return len(slow_first)


def slow_first_order(items: List[pytest.Item], slow_first: Sequence[str] = SLOW_FIRST) -> List[pytest.Item]:
    """A stable sort: the slow ones first, each set in the order it was collected (pytest's own
    order, which sets up each shared fixture once)."""
    return sorted(items, key=lambda item: slow_rank(item, slow_first))


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@contextmanager
def sigint_as_at_a_terminal() -> Iterator[None]:
    """SIGINT handled as Python does by default while the block runs, if it was ignored (only
    the main thread may change it; pytest runs the tests there, in the workers too)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class BaseTemp(Protocol):
    """What these helpers use of pytest.TempPathFactory."""

    def getbasetemp(self) -> Path: ...


def run_directory(tmp_path_factory: BaseTemp) -> Path:
    """A directory every worker of this run shares: pytest's base temp directory, whose children
    are the workers' own (`popen-gw0`, ...) under xdist. The variable alone is not enough: a pytest
    that a test starts inherits it."""
    base = tmp_path_factory.getbasetemp()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return base.parent if worker and base.name == f"popen-{worker}" else base


def once_per_run(tmp_path_factory: BaseTemp, name: str, make: Callable[[], str]) -> str:
    """`make()` run once in this run, whichever worker asks first; the others wait for it, then get
    the text it returned (kept in the run's directory). A `make` that raises is tried again by the
    next worker that asks."""
    directory = run_directory(tmp_path_factory)
    done = directory / f"{name}.done"
    with open(directory / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the worker dies
        if done.exists():
            return done.read_text()
        made = make()
        done.write_text(made)
        return made


# -- hooks -----------------------------------------------------------------------------------------
def pytest_itemcollected(item: pytest.Item) -> None:
    """Here, not in pytest_collection_modifyitems: xdist's worker copies the marks into the test ids
    there, and may do so before this plugin's hook runs."""
    if item.get_closest_marker(GROUP_MARK) is not None:
        return
    group = group_of(item, item.config.rootpath)
    if group is not None:
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)  # after pytest's own ordering by fixture
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if is_xdist_worker(config):  # a serial run keeps its order
        items[:] = slow_first_order(items)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, Dict[str, Any], None]:
    with sigint_as_at_a_terminal():
        yield
