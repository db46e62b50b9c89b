"""The destinations the dbt package reads, built by hand in the shapes their loaders write, and a
way to run the package on them with dbt's own runner.

- PyAirbyte (`socialfetch-local-sync`) in DuckDB and Postgres: lower-case column names, JSON
  objects and arrays, TIMESTAMP without zone (UTC), `_airbyte_raw_id`, `_airbyte_extracted_at`
  (TIMESTAMP), `_airbyte_meta` (JSON). Checked against a real sync (test_dbt_end_to_end.py).
- The Airbyte platform's Postgres destination (typing and deduping): the API's column names,
  quoted (`"createdAt"`), jsonb, timestamptz (airbytehq/airbyte destination-postgres
  PostgresSqlGenerator and PostgresSQLNameTransformer, which keeps the case of column names).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

from integration_tests.parallel_runs import run_directory

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "dbt_socialfetch_tiktok"
POSTGRES_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"

# Stream -> (API column name, logical type); the order is the loader's.
STREAM_COLUMNS: Dict[str, List[tuple[str, str]]] = {
    "videos": [
        ("handle", "string"), ("id", "string"), ("caption", "string"), ("createdAt", "timestamp"),
        ("url", "string"), ("thumbnailUrl", "string"), ("durationMs", "integer"), ("pinned", "boolean"),
        ("isAd", "boolean"), ("stats", "json"), ("media", "json"), ("details", "json"),
        ("hashtags", "json"), ("mentions", "json"), ("music", "json"),
    ],
    "video_stats": [
        ("handle", "string"), ("id", "string"), ("createdAt", "timestamp"), ("capturedAt", "timestamp"),
        ("views", "integer"), ("likes", "integer"), ("comments", "integer"), ("shares", "integer"),
        ("saves", "integer"), ("readId", "string"),
    ],
    "handle_reads": [
        ("readId", "string"), ("syncId", "string"), ("handle", "string"), ("part", "string"),
        ("startedAt", "timestamp"), ("endedAt", "timestamp"), ("pages", "integer"), ("videos", "integer"),
        ("outcome", "string"), ("coveredFrom", "timestamp"), ("coveredTo", "timestamp"),
    ],
    "profiles": [("handle", "string"), ("lookupStatus", "string"), ("profile", "json"), ("metrics", "json")],
}
PRE_030_MISSING = {"videos": {"hashtags", "mentions", "music"}, "video_stats": {"readId"}}
# Every table the package builds, by the suffix of its schema (dbt's custom schemas).
BUILT_TABLES = {"": ("tiktok__videos", "tiktok__video_daily", "tiktok__creator_daily", "tiktok__hashtags",
                     "tiktok__creators", "tiktok__social_media_post", "tiktok__creator_weekly", "tiktok__creator_monthly",
                     "tiktok__hashtag_weekly", "tiktok__hashtag_monthly", "tiktok__music_daily", "tiktok__music_weekly"),
                "_int_socialfetch_tiktok": ("int_socialfetch_tiktok__video_snapshots", "int_socialfetch_tiktok__read_misses",
                                            "int_socialfetch_tiktok__video_availability",
                                            "int_socialfetch_tiktok__profile_status", "int_socialfetch_tiktok__day_spine",
                                            "int_socialfetch_tiktok__video_lifecycle", "int_socialfetch_tiktok__hashtag_days")}


@dataclass(frozen=True)
class Shape:
    """How a loader writes: column spelling and SQL types."""

    name: str
    column_case: str  # lower | source
    types: Mapping[str, str]
    extracted_at_type: str

    def column(self, name: str) -> str:
        return name.lower() if self.column_case == "lower" else f'"{name}"'


PYAIRBYTE_DUCKDB = Shape("pyairbyte", "lower", {"string": "VARCHAR", "integer": "BIGINT", "boolean": "BOOLEAN",
                                                "timestamp": "TIMESTAMP", "json": "JSON"}, "TIMESTAMP")
PYAIRBYTE_POSTGRES = Shape("pyairbyte", "lower", {"string": "VARCHAR", "integer": "BIGINT", "boolean": "BOOLEAN",
                                                  "timestamp": "TIMESTAMP", "json": "JSON"}, "TIMESTAMP")
PLATFORM_POSTGRES = Shape("platform", "source", {"string": "VARCHAR", "integer": "BIGINT", "boolean": "BOOLEAN",
                                                 "timestamp": "TIMESTAMPTZ", "json": "JSONB"}, "TIMESTAMPTZ")


def _literal(value: Any, kind: str) -> str:
    if value is None:
        return "NULL"
    if kind == "json":
        return "'" + json.dumps(value).replace("'", "''") + "'"
    if kind == "timestamp":
        assert isinstance(value, datetime)
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if kind == "boolean":
        return "TRUE" if value else "FALSE"
    if kind == "integer":
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class Warehouse:
    """A database with a source schema (the streams' tables) and a target schema (dbt's)."""

    kind: str  # duckdb | postgres
    source_schema: str
    target_schema: str
    shape: Shape
    path: Optional[Path] = None
    created: List[str] = field(default_factory=list)
    # dbt's target paths for a warehouse whose names are fixed per worker (`on_worker`), one per
    # profile and vars; None: each DbtRun keeps its own (a full parse per workdir).
    parse_dir: Optional[Path] = None

    # -- SQL ---------------------------------------------------------------------------------
    def connect(self) -> Any:
        if self.kind == "duckdb":
            import duckdb

            return duckdb.connect(str(self.path))
        import psycopg2

        connection = psycopg2.connect(POSTGRES_DSN)
        connection.autocommit = True
        return connection

    def execute(self, *statements: str) -> None:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            for statement in statements:
                cursor.execute(statement)
        finally:
            connection.close()

    def rows(self, sql: str) -> List[Dict[str, Any]]:
        return self.rows_of([sql])[0]

    def rows_of(self, queries: Sequence[str]) -> List[List[Dict[str, Any]]]:
        """Each query's rows, on one connection: opening a DuckDB file (and checkpointing it at
        close) costs some 20 ms of CPU, twenty times a query of these small tables."""
        connection = self.connect()
        try:
            cursor = connection.cursor()
            found = []
            for sql in queries:
                cursor.execute(sql)
                names = [d[0] for d in cursor.description]
                found.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
            return found
        finally:
            connection.close()

    def model(self, name: str, order_by: str = "") -> List[Dict[str, Any]]:
        order = f" ORDER BY {order_by}" if order_by else ""
        return self.rows(f"SELECT * FROM {self.target_schema}.{name}{order}")

    # -- the streams' tables -------------------------------------------------------------------
    def create_stream(self, stream: str, *, pre_030: bool = False) -> None:
        missing = PRE_030_MISSING.get(stream, set()) if pre_030 else set()
        columns = [(n, k) for n, k in STREAM_COLUMNS[stream] if n not in missing]
        spelled = [f"{self.shape.column(n)} {self.shape.types[k]}" for n, k in columns]
        spelled += ["_airbyte_raw_id VARCHAR", f"_airbyte_extracted_at {self.shape.extracted_at_type}",
                    f"_airbyte_meta {self.shape.types['json']}"]
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.source_schema}",
                     f"CREATE TABLE {self.source_schema}.{stream} ({', '.join(spelled)})")

    def insert(self, stream: str, records: Iterable[Mapping[str, Any]], extracted_at: datetime) -> None:
        records = list(records)
        if not records:
            return
        present = {r["column_name"].lower() for r in self.rows(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{self.source_schema}' AND table_name = '{stream}'")}
        columns = [(n, k) for n, k in STREAM_COLUMNS[stream] if n.lower() in present]
        names = [self.shape.column(n) for n, _ in columns] + ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta"]
        values = []
        for record in records:
            cells = [_literal(record.get(n), k) for n, k in columns]
            cells += [f"'{uuid.uuid4()}'", _literal(extracted_at, "timestamp"), "'{}'"]
            values.append(f"({', '.join(cells)})")
        self.execute(f"INSERT INTO {self.source_schema}.{stream} ({', '.join(names)}) VALUES {', '.join(values)}")

    def merge_profiles(self, records: Sequence[Mapping[str, Any]], extracted_at: datetime) -> None:
        """PyAirbyte's default write: one row per handle, replaced by each sync."""
        handles = ", ".join("'" + r["handle"] + "'" for r in records)
        if handles:
            self.execute(f"DELETE FROM {self.source_schema}.profiles WHERE {self.shape.column('handle')} IN ({handles})")
        self.insert("profiles", records, extracted_at)

    def built_tables(self) -> Dict[str, List[Dict[str, Any]]]:
        """Every table the package builds (the incremental ones included), its rows in a stable order."""
        names = [(suffix, table) for suffix, tables in BUILT_TABLES.items() for table in tables]
        found = self.rows_of([f"SELECT * FROM {self.target_schema}{suffix}.{table}" for suffix, table in names])
        return {table: sorted(rows, key=repr) for (_, table), rows in zip(names, found, strict=True)}

    def beside(self, target_schema: str) -> Warehouse:
        """The same streams, with the models built into another schema."""
        return Warehouse(self.kind, self.source_schema, target_schema, self.shape, path=self.path, parse_dir=self.parse_dir)

    def drop(self) -> None:
        if self.kind == "duckdb" and self.parse_dir is not None:
            self._empty_duckdb()
        if self.kind == "postgres":
            schemas = self.rows("SELECT schema_name FROM information_schema.schemata "
                                f"WHERE schema_name LIKE '{self.target_schema}%' OR schema_name = '{self.source_schema}'")
            self.execute(*[f"DROP SCHEMA IF EXISTS {r['schema_name']} CASCADE" for r in schemas])

    def _empty_duckdb(self) -> None:
        """Every schema and table of the file dropped, not the file deleted: dbt-duckdb keeps the
        file open in this process, and a connection to the same path would get its open database."""
        if self.path is None or not self.path.exists():
            return
        catalog = f"catalog_name = '{self.path.stem}'"
        schemas = [r["schema_name"] for r in self.rows(f"SELECT schema_name FROM information_schema.schemata WHERE {catalog}")]
        tables = self.rows(f"SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = '{self.path.stem}' "
                           "AND table_schema = 'main'")
        self.execute(*[f"DROP SCHEMA {s} CASCADE" for s in schemas if s not in ("main", "information_schema", "pg_catalog")],
                     *[f"DROP {'VIEW' if t['table_type'] == 'VIEW' else 'TABLE'} main.{t['table_name']}" for t in tables])

    # -- dbt -----------------------------------------------------------------------------------
    def profile(self) -> Dict[str, Any]:
        if self.kind == "duckdb":
            output = {"type": "duckdb", "path": str(self.path), "schema": self.target_schema, "threads": 1}
        else:
            output = {"type": "postgres", "host": "127.0.0.1", "port": 5432, "user": "postgres", "password": "",
                      "dbname": "test", "schema": self.target_schema, "threads": 2}
        return {"socialfetch_tiktok": {"target": "test", "outputs": {"test": output}}}

    def vars(self) -> Dict[str, Any]:
        # socialfetch_test_window_days 0: the data tests over whole tables (the full-test mode).
        return {"socialfetch_schema": self.source_schema, "socialfetch_column_case": self.shape.column_case,
                "socialfetch_test_window_days": 0}


def on_worker(directory: Path, run: str, kind: str, shape: Shape, name: str) -> Warehouse:
    """A warehouse whose names are the same for every test of this worker that asks for `name`: a
    DuckDB file at one path in `directory` (the worker's own), Postgres schemas named after `run`
    (the run's directory) and the worker; emptied first. Its dbt runs share their parse
    (`parse_dir`). One test at a time holds a name; drop() empties it again."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    directory.mkdir(parents=True, exist_ok=True)
    targets = directory / "dbt-targets"
    if kind == "duckdb":
        made = Warehouse("duckdb", "main", "analytics", shape, path=directory / f"{name}.duckdb", parse_dir=targets)
    else:
        run_id = hashlib.sha256(run.encode()).hexdigest()[:8]  # a name's length bounded (Postgres cuts at 63)
        suffix = f"{name}_{run_id}_{worker}".replace("-", "_").lower()
        made = Warehouse("postgres", f"dbt_src_{suffix}", f"dbt_out_{suffix}", shape, parse_dir=targets)
    made.drop()
    return made


def worker_warehouses(tmp_path_factory: Any, prefix: str = "w") -> Iterator[Callable[[str, Shape], Warehouse]]:
    """A factory of warehouses named the same in every test of a worker (`prefix` and the order
    made), in one directory for every dbt test file: their dbt runs share one parse of the package
    per profile and vars (`on_worker`), across the files too. Each is emptied when the factory ends.
    A fixture wider than a function takes a prefix of its own (it holds its names meanwhile)."""
    made: List[Warehouse] = []
    directory, run = tmp_path_factory.getbasetemp() / "dbt-warehouses", str(run_directory(tmp_path_factory))

    def make(kind: str, shape: Shape) -> Warehouse:
        warehouse = on_worker(directory, run, kind, shape, f"{prefix}{len(made)}")
        made.append(warehouse)
        return warehouse

    yield make
    for warehouse in made:
        warehouse.drop()


def worker_warehouse(kind: str, tmp_path_factory: Any) -> Iterator[Warehouse]:
    """One warehouse of `kind` ('duckdb' or 'postgres') in PyAirbyte's layout, named per worker
    (worker_warehouses), emptied after: a function-scoped fixture's body."""
    factory = worker_warehouses(tmp_path_factory)
    yield next(factory)(kind, PYAIRBYTE_DUCKDB if kind == "duckdb" else PYAIRBYTE_POSTGRES)
    next(factory, None)


# dbt's log file (`<workdir>/logs/dbt.log`): warnings and errors, not dbt's default debug events
# (every query and step), whose writing was about a tenth of a build's CPU. `debug` to trace a run.
LOG_LEVEL_FILE = "warn"


class DbtRun:
    """`dbt <command>` on the package against one warehouse, with dbt's programmatic runner."""

    def __init__(self, warehouse: Warehouse, workdir: Path) -> None:
        import yaml

        self.warehouse = warehouse
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "profiles.yml").write_text(yaml.safe_dump(warehouse.profile()))

    def argv(self, *args: str, extra_vars: Optional[Dict[str, Any]] = None) -> List[str]:
        """dbt's arguments for `dbt <args>` here: this workdir's profile, target and logs."""
        variables = {**self.warehouse.vars(), **(extra_vars or {})}
        return [*args, "--project-dir", str(PACKAGE_DIR), "--profiles-dir", str(self.workdir),
                "--target-path", str(self.target_path(variables)), "--log-path", str(self.workdir / "logs"),
                "--vars", json.dumps(variables), "--no-use-colors", "--quiet", "--log-level-file", LOG_LEVEL_FILE]

    def target_path(self, variables: Dict[str, Any]) -> Path:
        """dbt's target/ (its partial parse among the rest): the workdir's own, or for a warehouse
        with names fixed per worker, one shared by every DbtRun with the same profile and vars.
        dbt parses the package in full where either differs from its last parse there (its partial
        parsing is keyed on both), so the tests of a worker parse it once, not once each."""
        if self.warehouse.parse_dir is None:
            return self.workdir / "target"
        key = (self.workdir / "profiles.yml").read_text() + json.dumps(variables, sort_keys=True)
        return self.warehouse.parse_dir / hashlib.sha256(key.encode()).hexdigest()[:16]

    def __call__(self, *args: str, extra_vars: Optional[Dict[str, Any]] = None, expect_success: bool = True) -> Any:
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(self.argv(*args, extra_vars=extra_vars))
        if expect_success and not result.success:
            failures = [f"{r.node.name}: {r.status} {r.message}" for r in (result.result or [])
                        if getattr(r, "status", None) not in ("success", "pass")] if result.result else []
            raise AssertionError(f"dbt {' '.join(args)} failed: {result.exception or failures}")
        return result

    def in_own_process(self, *args: str, extra_vars: Optional[Dict[str, Any]] = None) -> None:
        """`dbt <args>` in a process of its own, which must succeed: dbt-duckdb keeps the DuckDB
        file open (locked) in the process that ran it, and a test that next opens the file from
        another process (the local sync's build does) could not."""
        dbt = Path(sys.executable).parent / "dbt"
        completed = subprocess.run([str(dbt), *self.argv(*args, extra_vars=extra_vars)], capture_output=True, text=True,
                                   env={**os.environ, "DO_NOT_TRACK": "1"})
        output = (completed.stdout + completed.stderr).strip()
        assert completed.returncode == 0, f"dbt {' '.join(args)} failed:\n{output[-2000:]}\n(log: {self.workdir / 'logs'})"
