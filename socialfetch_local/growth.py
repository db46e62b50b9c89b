"""Growth read back from `video_stats` (one row per video per sync that read it): the views each
video gained since its previous snapshot, and their sums per handle. (Day by day, and the chart of
`make demo`: the dbt models, socialfetch_local/models.py.)

GROWTH_PER_VIDEO is the raw query printed in docs/fresh-stats.md; a test holds them equal. It
compares each video's newest snapshot with the one before it, so it needs no sync ids.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

GROWTH_PER_VIDEO = """WITH snapshots AS (
  SELECT handle, id, capturedat, views,
         LAG(views) OVER (PARTITION BY handle, id ORDER BY capturedat) AS previous_views,
         ROW_NUMBER() OVER (PARTITION BY handle, id ORDER BY capturedat DESC) AS newest_first
  FROM {table}
)
SELECT handle, id, previous_views, views, views - previous_views AS views_gained
FROM snapshots
WHERE newest_first = 1 AND previous_views IS NOT NULL
ORDER BY views_gained DESC, handle, id"""


def stats_table(cache: Any) -> str:
    return f'"{cache.schema_name}"."{cache.processor.get_sql_table_name("video_stats")}"'


def growth_per_handle(cache: Any) -> Dict[str, Tuple[int, int]]:
    """handle -> (videos read again, views gained since their previous snapshot): GROWTH_PER_VIDEO's
    rows summed per handle."""
    totals: Dict[str, Tuple[int, int]] = {}
    for row in cache.run_sql_query(GROWTH_PER_VIDEO.format(table=stats_table(cache))):
        videos, gained = totals.get(row["handle"], (0, 0))
        totals[row["handle"]] = (videos + 1, gained + int(row["views_gained"]))
    return totals
