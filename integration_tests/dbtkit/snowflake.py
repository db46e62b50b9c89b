"""The dbt package on a Snowflake emulator: fakesnow's server, tables in the shapes Snowflake's
loaders write, and dbt-snowflake run from a venv of its own.

fakesnow (a Snowflake wire-protocol server that runs the SQL on DuckDB through sqlglot) needs
snowflake-connector-python 4, which airbyte 0.71.3 refuses, so it lives in `.venv-snowflake`
(`make snowflake-emulator`, from integration_tests/dbt_snowflake_project/requirements.txt) with the
dbt-snowflake that runs the package. The tests stay in the main venv: they start the server and
dbt from that venv as subprocesses, and load the tables with the main venv's Snowflake client
(dbt-check's snowflake-connector-python 3), over the same wire protocol.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from integration_tests.dbtkit.warehouses import PACKAGE_DIR, STREAM_COLUMNS, Shape, Warehouse, _literal

ROOT = PACKAGE_DIR.parent
VENV = ROOT / ".venv-snowflake"
TEST_PROJECT = Path(__file__).resolve().parents[1] / "dbt_snowflake_project"
REQUIRE = "REQUIRE_SNOWFLAKE_EMULATOR"  # set by `make test` and CI: a missing emulator fails instead of skipping
BUILD_LIMIT_S = 180  # a dbt run on fakesnow takes seconds; past this it is stuck
# The Snowflake connector (3.x and 4.x) probes cloud metadata addresses (169.254.169.254,
# metadata.google.internal) at login to tell which platform it runs on, unless its timeout is 0
# (snowflake/connector/platform_detection.py): these tests talk to the loopback only.
NO_PLATFORM_DETECTION = 0.0


@dataclass(frozen=True)
class SnowflakeShape(Shape):
    """Snowflake keeps unquoted names upper-case: a loader's columns are upper-case, quoted."""

    def column(self, name: str) -> str:
        return f'"{name.upper()}"'


# The Airbyte platform's Snowflake destination: upper-case names, TIMESTAMP_TZ, VARIANT for objects
# and arrays, _AIRBYTE_EXTRACTED_AT TIMESTAMP_TZ (destination-snowflake's SnowflakeSqlGenerator).
PLATFORM_SNOWFLAKE = SnowflakeShape("platform", "upper", {
    "string": "VARCHAR", "integer": "NUMBER(38,0)", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP_TZ",
    "json": "VARIANT"}, "TIMESTAMP_TZ")
# PyAirbyte's Snowflake cache: its CREATE TABLE says TIMESTAMP, which Snowflake's default
# TIMESTAMP_TYPE_MAPPING makes TIMESTAMP_NTZ (UTC wall time, no zone); see STACK_NOTES.
PYAIRBYTE_SNOWFLAKE = SnowflakeShape("pyairbyte", "upper", {
    "string": "VARCHAR", "integer": "NUMBER(38,0)", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP_NTZ",
    "json": "VARIANT"}, "TIMESTAMP_NTZ")


def missing_reason() -> Optional[str]:
    """Why the emulator cannot run here, or None."""
    if not (VENV / "bin" / "fakesnow").exists() or not (VENV / "bin" / "dbt").exists():
        return f"no {VENV.name} (fakesnow, dbt-snowflake): run `make snowflake-emulator` (`make test` does)"
    try:
        import snowflake.connector  # noqa: F401
    except ImportError:
        return "no snowflake-connector-python in this venv: install the dbt-check extra"
    return None


class FakesnowServer:
    """`fakesnow -s` on a free loopback port, in-memory, for one test session."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.port = _free_port()
        self.process: Optional[subprocess.Popen[bytes]] = None

    def __enter__(self) -> FakesnowServer:
        with self.log.open("wb") as out:
            # unbuffered: its log tells why a statement failed (SnowflakeDbt watches it)
            self.process = subprocess.Popen([str(VENV / "bin" / "fakesnow"), "-s", "--host", "127.0.0.1", "-p", str(self.port)],
                                            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fakesnow exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"fakesnow did not answer on port {self.port} within 60 s: {self.log.read_text()[-2000:]}")

    def __exit__(self, *_: Any) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # in memory: nothing to save, no need to wait for a graceful stop
            self.process.wait()

    def connect(self, database: Optional[str] = None, **options: Any) -> Any:
        """A Snowflake client's session. network_timeout bounds the client's retries of the HTTP 500
        fakesnow answers to a statement it fails on (by default they go on for minutes)."""
        import snowflake.connector

        options = {"network_timeout": 60, "autocommit": True, **options}
        return snowflake.connector.connect(user="loader", password="unused", account="fakesnow", host="127.0.0.1",
                                           port=self.port, protocol="http", database=database, warehouse="LOADING",
                                           platform_detection_timeout_seconds=NO_PLATFORM_DETECTION, **options)


def _first_error(log: Path, start: int, symptom: str) -> Optional[str]:
    """The first error fakesnow logged after `start` (an offset in its log), once `symptom` shows."""
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    if symptom not in text:
        return None
    errors = [line for line in text.splitlines() if "Error:" in line and symptom not in line]
    return errors[0] if errors else symptom


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _snowflake_literal(value: Any, kind: str, sql_type: str) -> str:
    """A value as the loader's Snowflake expression: JSON parsed into a VARIANT, timestamps given as
    UTC in the column's own type (a TIMESTAMP_TZ with +00:00, an NTZ as UTC wall time)."""
    if value is None:
        return f"CAST(NULL AS {sql_type})"
    if kind == "json":
        return f"PARSE_JSON({_literal(value, kind)})"
    if kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is None, "the world's times are naive UTC"
        zone = "+00:00" if sql_type == "TIMESTAMP_TZ" else ""
        return f"CAST('{value.isoformat(sep=' ')}{zone}' AS {sql_type})"
    return _literal(value, kind)


class SnowflakeWarehouse(Warehouse):
    """A database on the fakesnow server: the streams' tables in `source_schema`, dbt's in `target_schema`."""

    def __init__(self, server: FakesnowServer, database: str, source_schema: str, target_schema: str, shape: Shape) -> None:
        super().__init__("snowflake", source_schema, target_schema, shape)
        self.server, self.database = server, database
        connection = server.connect()
        try:
            connection.cursor().execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        finally:
            connection.close()

    def connect(self) -> Any:
        return self.server.connect(self.database)

    def insert(self, stream: str, records: Iterable[Mapping[str, Any]], extracted_at: datetime) -> None:
        """INSERT ... SELECT, as Snowflake wants for VARIANT values (PARSE_JSON is refused in VALUES)."""
        records = list(records)
        if not records:
            return
        columns = STREAM_COLUMNS[stream]
        names = [self.shape.column(n) for n, _ in columns] + ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta"]
        selects = []
        for number, record in enumerate(records):
            cells = [_snowflake_literal(record.get(n), k, self.shape.types[k]) for n, k in columns]
            cells += [f"'{stream}-{extracted_at.isoformat()}-{number}'",
                      _snowflake_literal(extracted_at, "timestamp", self.shape.extracted_at_type), "PARSE_JSON('{}')"]
            selects.append(f"SELECT {', '.join(cells)}")
        self.execute(f"INSERT INTO {self.source_schema}.{stream} ({', '.join(names)}) {' UNION ALL '.join(selects)}")

    def rows(self, sql: str) -> List[Dict[str, Any]]:
        """Rows with lower-case keys, as the other warehouses name them."""
        return [{name.lower(): value for name, value in row.items()} for row in super().rows(sql)]

    def model(self, name: str, order_by: str = "") -> List[Dict[str, Any]]:
        """A model's rows, NULL timestamps included: fakesnow 0.12.1 sends a NULL TIMESTAMP_* as
        1970-01-01 (fakesnow/arrow.py timestamp_to_sf_struct drops the nulls), so each timestamp
        column is read with a flag saying whether it is NULL. Canary:
        test_dbt_snowflake.py::test_canary_fakesnow_sends_a_null_timestamp_as_the_epoch."""
        relation = f"{self.target_schema}.{name}"
        types = {row["name"]: row["type"] for row in self.rows(f"DESCRIBE TABLE {relation}")}
        stamps = [column.lower() for column, kind in types.items() if kind.upper().startswith("TIMESTAMP")]
        flags = "".join(f', "{column.upper()}" IS NULL AS "{column.upper()}__IS_NULL"' for column in stamps)
        order = f" ORDER BY {order_by}" if order_by else ""
        rows = self.rows(f"SELECT *{flags} FROM {relation}{order}")
        for row in rows:
            for column in stamps:
                if row.pop(f"{column}__is_null"):
                    row[column] = None
        return rows

    def drop(self) -> None:
        pass  # the server keeps its databases in memory, and each test has its own

    def profile(self) -> Dict[str, Any]:
        output = {"type": "snowflake", "account": "fakesnow", "user": "transformer", "password": "unused",
                  "host": "127.0.0.1", "port": self.server.port, "protocol": "http", "database": self.database,
                  "warehouse": "TRANSFORMING", "schema": self.target_schema, "threads": 1,
                  "platform_detection_timeout_seconds": NO_PLATFORM_DETECTION}
        return {"socialfetch_tiktok": {"target": "fakesnow", "outputs": {"fakesnow": output}}}


DBT_ENVIRONMENT = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1",
                   "SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true"}  # connector 4's switch, beside the profile's 0


def install_test_project(directory: Path) -> Path:
    """A copy of the test project with the package installed by its local path (`dbt deps`)."""
    import yaml

    project = directory.resolve() / "project"
    shutil.copytree(TEST_PROJECT, project, ignore=shutil.ignore_patterns("requirements.txt"))
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PACKAGE_DIR)}]}))
    result = subprocess.run([str(VENV / "bin" / "dbt"), "deps", "--project-dir", str(project), "--no-use-colors",
                             "--log-path", str(project / "logs")], cwd=project, env={**os.environ, **DBT_ENVIRONMENT},
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise AssertionError(f"dbt deps of the test project failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return project


class SnowflakeDbt:
    """`dbt <command>` from .venv-snowflake on an installed test project (install_test_project),
    against one warehouse on the fakesnow server; its profile, target and logs in `workdir`."""

    def __init__(self, warehouse: SnowflakeWarehouse, project: Path, workdir: Path) -> None:
        import yaml

        self.warehouse, self.project, self.workdir = warehouse, project, workdir.resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "profiles.yml").write_text(yaml.safe_dump(warehouse.profile()))

    def __call__(self, *args: str, extra_vars: Optional[Dict[str, Any]] = None) -> str:
        variables = {**self.warehouse.vars(), **(extra_vars or {})}
        argv = [str(VENV / "bin" / "dbt"), *args, "--project-dir", str(self.project), "--profiles-dir", str(self.workdir),
                "--log-path", str(self.workdir / "logs"), "--target-path", str(self.workdir / "target"),
                "--vars", json.dumps(variables), "--no-use-colors", "--no-version-check"]
        environment = {**os.environ, **DBT_ENVIRONMENT}
        output = self.workdir / "dbt-output.txt"
        log_before = self.warehouse.server.log.stat().st_size
        with output.open("w") as out:
            process = subprocess.Popen(argv, cwd=self.workdir, env=environment, stdout=out, stderr=subprocess.STDOUT, text=True)
            stuck = self._watch(process, log_before)
        printed = output.read_text()
        if stuck or process.returncode != 0:
            why = f"fakesnow failed a statement inside a transaction: {stuck}" if stuck else f"exit code {process.returncode}"
            raise AssertionError(f"dbt {' '.join(args)} on fakesnow failed ({why}):\n{printed[-6000:]}")
        return printed

    def _watch(self, process: subprocess.Popen[str], log_from: int) -> Optional[str]:
        """Wait for dbt; stop it early when fakesnow is stuck. After an error inside a transaction
        its DuckDB transaction stays aborted, the server answers HTTP 500 to every later statement,
        and the Snowflake connector retries those for many minutes: the first error is the cause."""
        deadline = time.monotonic() + BUILD_LIMIT_S
        while process.poll() is None:
            stuck = _first_error(self.warehouse.server.log, log_from, "Current transaction is aborted")
            if stuck is not None or time.monotonic() > deadline:
                process.terminate()
                process.wait(timeout=30)
                return stuck or f"no answer within {BUILD_LIMIT_S} s"
            time.sleep(0.5)
        return None

    def compiled_models(self) -> Dict[str, str]:
        """Model name -> the SQL dbt last compiled for each of the package's models (the data tests
        declared in a models/*.yml compile into a folder named after that file: left out)."""
        compiled = self.workdir / "target" / "compiled" / "socialfetch_tiktok" / "models"
        return {path.stem: path.read_text() for path in sorted(compiled.rglob("*.sql"))
                if path.parent.suffix not in (".yml", ".yaml")}
