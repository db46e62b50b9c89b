"""The CDK's standard connector tests (the successors of Airbyte's acceptance tests), driven by
acceptance-test-config.yml, against the emulator on the fixed port its configs name."""

from __future__ import annotations

from typing import Iterator

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from integration_tests.container import engine_environment
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

STANDARD_PORT = 18765


@pytest.fixture(scope="module", autouse=True)
def standard_emulator() -> Iterator[Emulator]:
    emulator = Emulator(dataset="demo", api_key="sfk_demo", port=STANDARD_PORT)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def connector_image_override(connector_image: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CDK's image tests run the image this session built from the Dockerfile (integration_tests/
    conftest.py) instead of building their own from Airbyte's templates, through this machine's engine."""
    monkeypatch.setenv("PATH", engine_environment()["PATH"])
    return connector_image


@pytest.fixture
def read_from_streams() -> str:
    """The CDK's image `read` test reads the suggested streams of every read scenario (without
    these options it skips them all): the image is there, so nothing is left out."""
    return "default"


@pytest.fixture
def read_scenarios() -> str:
    return "all"


class TestSourceSocialfetchTiktok(SourceTestSuiteBase):
    connector = SourceSocialfetchTiktok
