"""The SQL printed in README.md and docs/**, in blocks marked `<!-- sql: DATABASE NAME -->`: each
one is run as printed by a test (RUN says which database's blocks exist and who runs them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

# DATABASE -> the block names printed for it. duckdb: on video_stats (test_destinations.py);
# dbt: on the models after dbt build, on DuckDB and Postgres (test_dbt_end_to_end.py).
RUN: Dict[str, Set[str]] = {
    "duckdb": {"per-video"},
    "dbt": {"latest-day", "fastest-videos", "per-handle", "unavailable"},
}


def _blocks() -> List[Tuple[str, str, str]]:
    return [block for path in DOCUMENTS for block in re.findall(
        r"<!-- sql: (\w+) ([\w-]+) -->\n```sql\n(.*?)\n```", path.read_text(encoding="utf-8"), flags=re.S)]


def marked() -> Set[Tuple[str, str]]:
    """(DATABASE, NAME) of every marked block."""
    return {(database, name) for database, name, _ in _blocks()}


def docs_sql(database: str) -> Dict[str, str]:
    """The marked blocks for `database`, by NAME, wherever they stand; a name printed twice is an error."""
    found = [(name, sql) for db, name, sql in _blocks() if db == database]
    names = [name for name, _ in found]
    assert len(names) == len(set(names)), f"SQL blocks printed twice for {database}: {names}"
    return dict(found)
