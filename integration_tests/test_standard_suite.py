"""The CDK's standard connector tests (the successors of Airbyte's acceptance tests), driven by
acceptance-test-config.yml, against the emulator on the fixed port its configs name."""

from __future__ import annotations

from typing import Iterator

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

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


class TestSourceSocialfetchTiktok(SourceTestSuiteBase):
    connector = SourceSocialfetchTiktok
