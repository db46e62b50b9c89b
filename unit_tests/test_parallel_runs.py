"""The plugin that shares a run among pytest-xdist workers (integration_tests/parallel_runs.py): which
tests it groups, the order the workers start them in, the once-per-run build, and SIGINT in a run
started with it ignored. Inner pytest runs in pytester's folder, the plugin loaded by name."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from integration_tests.parallel_runs import GROUP_MARK, once_per_run, run_directory, slow_first_order

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "integration_tests.parallel_runs"


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester with the project importable (the plugin is loaded from it) and no pytest.ini of ours."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.syspath_prepend(str(ROOT))
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider -p no:randomly\n")
    return pytester


def groups(pytester: pytest.Pytester, source: str, **files: str) -> Dict[str, Optional[str]]:
    """Each collected test's name and the xdist_group it ends up in (None: none)."""
    pytester.makeconftest(f"pytest_plugins = [{PLUGIN!r}]\n" + files.pop("conftest", ""))
    items = pytester.getitems(source)
    found: Dict[str, Optional[str]] = {}
    for item in items:
        mark = item.get_closest_marker(GROUP_MARK)
        found[item.name] = str(mark.args[0]) if mark is not None else None
    return found


def test_given_a_module_fixture_then_the_tests_using_it_share_the_module_as_their_group(inner: pytest.Pytester) -> None:
    found = groups(inner, """
        import pytest

        @pytest.fixture(scope="module")
        def built():
            return 1

        def test_uses(built): pass
        def test_uses_too(built): pass
        def test_alone(tmp_path): pass
    """)
    module = "test_given_a_module_fixture_then_the_tests_using_it_share_the_module_as_their_group.py"
    assert found == {"test_uses": module, "test_uses_too": module, "test_alone": None}


def test_given_session_fixtures_then_the_group_is_the_one_no_other_uses_and_a_wider_scope_wins(inner: pytest.Pytester) -> None:
    """The image's build folder goes with the image (the image uses it); a session fixture wins over
    a module one; pytest's own session fixtures (tmp_path_factory) are not the project's."""
    found = groups(inner, """
        import pytest

        @pytest.fixture(scope="module")
        def emulator():
            return 1

        @pytest.fixture(scope="class")
        def per_class():
            return 1

        def test_image(image, emulator): pass
        def test_folder_and_image(image, folder): pass
        def test_folder_alone(folder): pass
        def test_pytest_session_fixture(tmp_path_factory): pass

        class TestSome:
            def test_in_class(self, per_class): pass

        @pytest.mark.xdist_group("mine")
        def test_own_group(image): pass
    """, conftest="""
import pytest

@pytest.fixture(scope="session")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("build")

@pytest.fixture(scope="session")
def image(folder):
    return "image"
""")
    module = "test_given_session_fixtures_then_the_group_is_the_one_no_other_uses_and_a_wider_scope_wins.py"
    assert found == {"test_image": "image", "test_folder_and_image": "image", "test_folder_alone": "folder",
                     "test_pytest_session_fixture": None, "test_in_class": f"{module}::TestSome",
                     "test_own_group": "mine"}


def test_slow_first_order_moves_the_named_groups_and_files_first_and_keeps_the_rest_in_order(inner: pytest.Pytester) -> None:
    inner.makeconftest(f"pytest_plugins = [{PLUGIN!r}]")
    inner.makepyfile(test_a="def test_a1(): pass\ndef test_a2(): pass",
                     test_b="import pytest\n@pytest.fixture(scope='session')\ndef big(): pass\n"
                            "def test_b1(): pass\ndef test_b2(big): pass",
                     test_c="def test_c1(): pass")
    items, _ = inner.inline_genitems()
    assert [item.name for item in items] == ["test_a1", "test_a2", "test_b1", "test_b2", "test_c1"]
    ordered = slow_first_order(items, slow_first=["big", "test_c.py"])
    assert [item.name for item in ordered] == ["test_b2", "test_c1", "test_a1", "test_a2", "test_b1"]


def test_given_two_workers_then_a_module_fixture_is_built_once_on_one_worker(inner: pytest.Pytester) -> None:
    """Through xdist itself: six tests share a module fixture (it writes a line to a file when built),
    six do not; on two workers the fixture is built once."""
    built = inner.path / "built.txt"
    inner.makeconftest(f"pytest_plugins = [{PLUGIN!r}]")
    inner.makepyfile(test_shared=f"""
        import pytest

        @pytest.fixture(scope="module")
        def expensive():
            with open({str(built)!r}, "a") as out:
                out.write("built\\n")

        @pytest.mark.parametrize("n", range(6))
        def test_shares(expensive, n): pass

        @pytest.mark.parametrize("n", range(6))
        def test_does_not(n): pass
    """)
    result = inner.runpytest_subprocess("-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder", "-v")
    result.assert_outcomes(passed=12)
    assert built.read_text().splitlines() == ["built"]
    # the group of six went to one worker
    workers = {line.split("]")[0] for line in result.outlines if "test_shares" in line and "PASSED" in line}
    assert len(workers) == 1, workers


SIGINT_PROBE = """
import signal, subprocess, sys

def test_a_child_gets_sigint_default():
    child = subprocess.run([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)"],
                           capture_output=True, text=True, check=True)
    sigint_ignored = child.stdout.strip()
    assert sigint_ignored == "False"
"""


def run_with_sigint_ignored(pytester: pytest.Pytester, *args: str) -> Any:
    """pytest started as a shell without job control starts a command in the background: SIGINT ignored."""
    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=pytester.path, capture_output=True, text=True,
                         timeout=120, preexec_fn=ignore_sigint)
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["serial", "one-worker"])
def test_given_a_run_started_with_sigint_ignored_then_the_tests_children_get_its_default(
        inner: pytest.Pytester, workers: List[str]) -> None:
    inner.makepyfile(test_probe=SIGINT_PROBE)
    code, output = run_with_sigint_ignored(inner, "-p", PLUGIN, *workers)
    assert code == 0, output


def test_canary_without_the_plugin_a_run_started_with_sigint_ignored_passes_it_on(inner: pytest.Pytester) -> None:
    """What the plugin is for: without it, the probe's child inherits the ignored SIGINT."""
    inner.makepyfile(test_probe=SIGINT_PROBE)
    code, output = run_with_sigint_ignored(inner)
    assert code == 1 and "assert 'True' == 'False'" in output, output


class Factory:
    """A stand-in for pytest.TempPathFactory: a base temp directory shared by the callers."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def getbasetemp(self) -> Path:
        return self.base


def test_once_per_run_makes_once_for_all_who_ask_at_the_same_time(tmp_path: Path) -> None:
    made: List[int] = []

    def make() -> str:
        made.append(1)
        time.sleep(0.2)  # the others ask meanwhile, and wait
        return "the image"

    results: List[str] = []
    askers = [threading.Thread(target=lambda: results.append(once_per_run(Factory(tmp_path), "thing", make)))
              for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert made == [1] and results == ["the image"] * 4


def test_once_per_run_tries_again_after_a_make_that_failed(tmp_path: Path) -> None:
    def broken() -> str:
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError):
        once_per_run(Factory(tmp_path), "thing", broken)
    assert once_per_run(Factory(tmp_path), "thing", lambda: "built") == "built"


def test_the_run_directory_is_the_parent_of_a_workers_own_and_nothing_above_a_serial_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert run_directory(Factory(tmp_path / "popen-gw1")) == tmp_path
    # a pytest started by a test of a worker inherits the variable, not the worker's directory
    assert run_directory(Factory(tmp_path / "pytest-3")) == tmp_path / "pytest-3"
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert run_directory(Factory(tmp_path / "pytest-3")) == tmp_path / "pytest-3"
