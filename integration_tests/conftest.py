"""The connector image, built once per test run by the README's own `docker build` line and shared
by every image test (the CDK's standard image tests included)."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Iterator, List

import pytest

from integration_tests.container import (
    BASE_IMAGE,
    ENGINE_BIN,
    IMAGE,
    STAND_IN_LABEL,
    bash,
    docker,
    engine_environment,
    make_project,
    readme_docker_commands,
    the_command,
)
from integration_tests.parallel_runs import once_per_run


@pytest.fixture(scope="session")
def container_engine() -> None:
    """A `docker` that can build and run: this machine's podman through tools/container/bin."""
    found = shutil.which("docker", path=engine_environment()["PATH"])
    if found is None or Path(found).parent != ENGINE_BIN or shutil.which("podman") is None:
        pytest.fail("No container engine: run `make container-engine` (tools/container/setup-engine.sh) once on "
                    "this machine; `make test` does it.")
    probe = docker("image", "exists", BASE_IMAGE, check=False)
    if probe.returncode != 0:
        pytest.fail(f"The base image {BASE_IMAGE} is missing: run `make container-engine`. {probe.stderr[-500:]}")


@pytest.fixture(scope="session")
def image_build_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("image-build"))


IMAGE_BUILD_SECONDS = 1200


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """The first image test builds the image in its setup: its time limit (pytest-timeout's, whichever
    test it is) has room for the build's own, beside pytest.ini's for the test. A build with nothing
    cached, next to other workers, took more than pytest.ini's 300 s here."""
    allowance = IMAGE_BUILD_SECONDS + float(config.getini("timeout") or 0)
    for item in items:
        if "connector_image" in getattr(item, "fixturenames", ()) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(allowance))


@pytest.fixture(scope="session")
def connector_image(container_engine: None, image_build_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The README's build line, as printed, in a copy of the project; says which base it built on.
    Built once per run: the image's tests share one worker (integration_tests/parallel_runs.py), and
    a worker that needs it beside them waits for that build instead of tagging the image meanwhile."""
    which = once_per_run(tmp_path_factory, "connector-image", lambda: build_image(image_build_folder))
    warnings.warn(f"The connector image was built on {which}.", UserWarning, stacklevel=1)
    yield IMAGE


def build_image(folder: Path) -> str:
    """Build with the README's line in `folder`; which base image it built on."""
    build = the_command(readme_docker_commands(), "docker build")
    try:
        result = bash(build, folder, timeout=IMAGE_BUILD_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{build}` took more than 20 minutes")
    assert result.returncode == 0, f"`{build}` failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    stand_in = docker("image", "inspect", "--format", f'{{{{index .Config.Labels "{STAND_IN_LABEL}"}}}}', BASE_IMAGE)
    base = stand_in.stdout.strip()
    return (f"a local stand-in for {base} (Debian's Python 3.11, tools/container/stand-in-base.sh): no registry here"
            if base and base != "<no value>" else f"the official {BASE_IMAGE}")
