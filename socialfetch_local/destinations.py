"""Where a local sync writes: a DuckDB file (the default) or a Postgres schema, given as one URL.

    duckdb:///./data/socialfetch.duckdb      (or just a path: ./data/socialfetch.duckdb)
    postgres://user:password@host:5432/database?schema=socialfetch

Each maps to a PyAirbyte cache; the cache also keeps the incremental state between runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import parse_qs, quote, unquote, urlsplit

DEFAULT_DESTINATION = "duckdb:///./data/socialfetch.duckdb"
DEFAULT_DUCKDB_SCHEMA = "main"
DEFAULT_POSTGRES_SCHEMA = "socialfetch"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class DestinationError(ValueError):
    """A destination the user must fix; the message says how."""


@dataclass(frozen=True)
class Destination:
    kind: str  # "duckdb" or "postgres"
    schema: str
    path: Optional[Path] = None
    host: str = ""
    port: int = 5432
    database: str = ""
    username: str = ""
    password: str = ""

    def describe(self) -> str:
        """For output: never the password."""
        if self.kind == "duckdb":
            return f"DuckDB {self.path} (schema {self.schema})"
        return f"Postgres {self.username}@{self.host}:{self.port}/{self.database} (schema {self.schema})"

    def cache(self) -> Any:
        """The PyAirbyte cache for this destination (imports PyAirbyte: call it after the environment is set)."""
        from socialfetch_local.environment import import_airbyte

        airbyte = import_airbyte()
        if self.kind == "duckdb":
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return airbyte.caches.DuckDBCache(db_path=self.path, schema_name=self.schema)
        from socialfetch_local.postgres import ExactPostgresCache

        # PyAirbyte pastes the password into a SQLAlchemy URL unquoted: quote it here.
        return ExactPostgresCache(
            host=self.host, port=self.port, database=self.database, username=self.username,
            password=quote(self.password, safe=""), schema_name=self.schema,
        )


def parse_destination(text: str) -> Destination:
    """Parse a destination URL or a DuckDB file path; raise DestinationError saying what is wrong."""
    value = (text or "").strip()
    if not value:
        raise DestinationError("--destination is empty; use a DuckDB path or postgres://user:pass@host:port/db")
    if not _URL_SCHEME.match(value):
        return _duckdb(Path(value), {})
    parts = urlsplit(value)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"schema"})
    if unknown:
        raise DestinationError(f"--destination: unknown option(s) {', '.join(unknown)}; only ?schema=NAME is understood")
    scheme = parts.scheme.lower()
    if scheme == "duckdb":
        # duckdb:///relative/or/./path and duckdb:////absolute/path, as in SQLAlchemy.
        if parts.netloc:
            raise DestinationError(f"--destination {value!r}: use duckdb:///PATH (three slashes), e.g. {DEFAULT_DESTINATION}")
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise DestinationError(f"--destination {value!r} names no file; e.g. {DEFAULT_DESTINATION}")
        return _duckdb(Path(path), query)
    if scheme in ("postgres", "postgresql"):
        return _postgres(value, parts, query)
    raise DestinationError(
        f"--destination: unsupported scheme {parts.scheme!r}; use a DuckDB path, duckdb:///PATH or "
        "postgres://user:pass@host:port/db (Snowflake and BigQuery: see docs/local-sync.md, in Python)"
    )


def _duckdb(path: Path, query: dict) -> Destination:
    if path.exists() and path.is_dir():
        raise DestinationError(f"--destination: {path} is a directory; give a file such as {path / 'socialfetch.duckdb'}")
    return Destination(kind="duckdb", path=path.expanduser(), schema=_schema(query, DEFAULT_DUCKDB_SCHEMA))


def _postgres(value: str, parts: Any, query: dict) -> Destination:
    shown = _redact(value)
    try:
        port = parts.port or 5432
    except ValueError:
        raise DestinationError(f"--destination {shown}: the port is not a number") from None
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname:
        raise DestinationError(f"--destination {shown}: no host; use postgres://user:pass@host:port/db")
    if not database or "/" in database:
        raise DestinationError(f"--destination {shown}: name one database, e.g. postgres://postgres@127.0.0.1:5432/mydb")
    return Destination(
        kind="postgres", host=parts.hostname, port=port, database=database,
        username=unquote(parts.username or "postgres"), password=unquote(parts.password or ""),
        schema=_schema(query, DEFAULT_POSTGRES_SCHEMA),
    )


def _schema(query: dict, default: str) -> str:
    schema = query.get("schema", default)
    if not _SCHEMA_NAME.match(schema):
        raise DestinationError(
            f"--destination: schema {schema!r} must be lower-case letters, digits and underscores, "
            "starting with a letter or underscore"
        )
    return str(schema)


def _redact(value: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", value)
