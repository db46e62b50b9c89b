"""PyAirbyte's Postgres cache, with one fix: TikTok video ids survive the load intact.

PyAirbyte 0.71.3 loads Postgres (and any cache without a bulk loader of its own) through
`pandas.read_json(file, lines=True)`, whose dtype inference turns numeric-looking strings into
float64 first (pandas-dev/pandas#44684, fixed only in pandas 3): the 19-digit string id
"7693291865646514449" arrived as "7693291865646514176", so different videos collided and the
primary key lost its meaning. Reading with `dtype=False` keeps every value as the JSON says;
the rest is PyAirbyte's own method unchanged. DuckDB, Snowflake and BigQuery use their own
loaders and are not affected. Import this module after `environment.import_airbyte()`.

The method copied is private to PyAirbyte, so the copy is tied to one version (checked here, at
import); `unit_tests/test_postgres_workaround.py` has a canary that fails on the day PyAirbyte
reads with `dtype=False` itself, or pandas stops guessing: then delete this module.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import ClassVar, Dict, List

import pandas as pd
from airbyte import exceptions as exc
from airbyte._processors.sql.postgres import PostgresSqlProcessor
from airbyte.caches import PostgresCache
from airbyte.shared.sql_processor import SqlProcessorBase
from pandas import Index
from sqlalchemy.types import TypeEngine

from socialfetch_local.errors import LocalSyncError

PYAIRBYTE_VERSION = "0.71.3"  # the version whose SqlProcessorBase._write_files_to_new_table is copied below
if version("airbyte") != PYAIRBYTE_VERSION:
    raise LocalSyncError(
        f"socialfetch-local-sync's Postgres loader is written for PyAirbyte {PYAIRBYTE_VERSION}, and "
        f"PyAirbyte {version('airbyte')} is installed: pip install 'airbyte=={PYAIRBYTE_VERSION}'", exit_code=2,
    )


class ExactPostgresSqlProcessor(PostgresSqlProcessor):
    def _write_files_to_new_table(self, files: List[Path], stream_name: str, batch_id: str) -> str:
        temp_table_name = self._create_table_for_loading(stream_name, batch_id)
        columns: Dict[str, TypeEngine] = self._get_sql_column_definitions(stream_name)
        for file_path in files:
            dataframe = pd.read_json(file_path, lines=True, dtype=False)  # the fix: no dtype guessing
            dataframe = dataframe.drop(columns=[c for c in dataframe.columns if c not in columns])
            if not self._table_exists(temp_table_name):
                raise exc.PyAirbyteInternalError(
                    message="Table does not exist after creation.", context={"temp_table_name": temp_table_name}
                )
            dataframe.columns = Index([self.normalizer.normalize(col) for col in dataframe.columns])
            dataframe.to_sql(
                temp_table_name, self.get_sql_alchemy_url(), schema=self.sql_config.schema_name,
                if_exists="append", index=False, dtype=columns,  # type: ignore[arg-type]
            )
        return temp_table_name


class ExactPostgresCache(PostgresCache):
    """`PostgresCache` whose loads keep string values (video ids) exactly."""

    _sql_processor_class: ClassVar[type[SqlProcessorBase]] = ExactPostgresSqlProcessor
