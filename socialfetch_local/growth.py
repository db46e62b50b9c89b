"""Growth read back from `video_stats` (one row per video per sync that read it): views gained per
video and per handle with SQL. (Day by day, and the chart of `make demo`: the dbt models,
socialfetch_local/models.py.)

The two queries are the DuckDB ones of docs/fresh-stats.md; a test holds them equal.
They compare each video's newest snapshot with the one before it, so they need no sync ids.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

_SNAPSHOTS = """WITH snapshots AS (
  SELECT handle, id, capturedat, views,
         LAG(views) OVER (PARTITION BY handle, id ORDER BY capturedat) AS previous_views,
         ROW_NUMBER() OVER (PARTITION BY handle, id ORDER BY capturedat DESC) AS newest_first
  FROM {table}
)"""

GROWTH_PER_VIDEO = _SNAPSHOTS + """
SELECT handle, id, previous_views, views, views - previous_views AS views_gained
FROM snapshots
WHERE newest_first = 1 AND previous_views IS NOT NULL
ORDER BY views_gained DESC, handle, id"""

GROWTH_PER_HANDLE = _SNAPSHOTS + """
SELECT handle, COUNT(*) AS videos_read_again, SUM(views - previous_views) AS views_gained
FROM snapshots
WHERE newest_first = 1 AND previous_views IS NOT NULL
GROUP BY handle
ORDER BY views_gained DESC, handle"""


def stats_table(cache: Any) -> str:
    return f'"{cache.schema_name}"."{cache.processor.get_sql_table_name("video_stats")}"'


def growth_per_handle(cache: Any) -> Dict[str, Tuple[int, int]]:
    """handle -> (videos read again, views gained since their previous snapshot)."""
    rows = cache.run_sql_query(GROWTH_PER_HANDLE.format(table=stats_table(cache)))
    return {r["handle"]: (int(r["videos_read_again"]), int(r["views_gained"])) for r in rows}
