"""socialfetch_local/postgres.py copies a private PyAirbyte method to read ids as strings: this
canary fails on the day the copy is no longer needed, and the version check guards the copy."""

from __future__ import annotations

import inspect
import io
from importlib.metadata import version

import pandas as pd
import pytest

from socialfetch_local.environment import import_airbyte

ID = "7693291865646514449"  # a TikTok video id: 19 digits, past float64's 15-16 exact digits


def test_canary_pyairbyte_still_loads_postgres_with_pandas_dtype_guessing_that_corrupts_long_ids() -> None:
    import_airbyte()
    from airbyte.shared.sql_processor import SqlProcessorBase

    source = inspect.getsource(SqlProcessorBase._write_files_to_new_table)
    guessed = pd.read_json(io.StringIO(f'{{"id": "{ID}"}}\n'), lines=True)["id"][0]

    assert "pd.read_json(file_path, lines=True)" in source, "PyAirbyte changed its loader: see if the copy can go"
    assert str(guessed) != ID, "pandas no longer turns numeric strings into floats: the copy can go"


def test_the_copy_is_tied_to_the_installed_pyairbyte_version() -> None:
    import_airbyte()
    from socialfetch_local import postgres

    assert version("airbyte") == postgres.PYAIRBYTE_VERSION


def test_given_another_pyairbyte_version_when_imported_then_a_clear_error_names_both(monkeypatch) -> None:
    import importlib
    import importlib.metadata
    import sys

    import_airbyte()
    from socialfetch_local.errors import LocalSyncError

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.99.0")
    monkeypatch.delitem(sys.modules, "socialfetch_local.postgres", raising=False)
    with pytest.raises(LocalSyncError, match=r"PyAirbyte 0\.71\.3.*PyAirbyte 0\.99\.0"):
        importlib.import_module("socialfetch_local.postgres")
