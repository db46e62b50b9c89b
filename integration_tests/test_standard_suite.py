"""The CDK's standard connector tests (the successors of Airbyte's acceptance tests), driven by
acceptance-test-config.yml, against the emulator on an ephemeral port: each scenario's config is
read as its file says, with the emulator's address in place of the files' placeholder base_url."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest
from airbyte_cdk.test.models.scenario import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from integration_tests.container import engine_environment
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

# The base_url of the config files: no server listens there; the tests use the emulator's.
PLACEHOLDER_BASE_URL = "http://127.0.0.1:18765"


@pytest.fixture(scope="module")
def standard_emulator() -> Iterator[Emulator]:
    emulator = Emulator(dataset="demo", api_key="sfk_demo")
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(autouse=True)
def configs_point_at_the_emulator(standard_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    read_file = ConnectorTestScenario.get_config_dict

    def get_config_dict(self: ConnectorTestScenario, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        config = read_file(self, *args, **kwargs)
        if isinstance(config, dict) and config.get("base_url") == PLACEHOLDER_BASE_URL:
            config = {**config, "base_url": standard_emulator.base_url}
        return config

    monkeypatch.setattr(ConnectorTestScenario, "get_config_dict", get_config_dict)


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
