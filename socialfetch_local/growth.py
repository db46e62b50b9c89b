"""Growth read back from `video_stats` (one row per video per sync that read it): views gained per
video and per handle with SQL, and a chart of the top videos' views over the syncs.

The two queries are the DuckDB ones of docs/fresh-stats.md; a test holds them equal.
They compare each video's newest snapshot with the one before it, so they need no sync ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

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


@dataclass(frozen=True)
class Snapshot:
    handle: str
    id: str
    captured: datetime
    views: int


def snapshots(cache: Any) -> List[Snapshot]:
    rows = cache.run_sql_query(f"SELECT handle, id, capturedat, views FROM {stats_table(cache)}")
    return [Snapshot(r["handle"], str(r["id"]), r["capturedat"], int(r["views"])) for r in rows]


def draw_growth(
    rows: Sequence[Snapshot], sync_starts: Sequence[datetime], labels: Sequence[str], captions: Dict[str, str],
    path: Path, top: int = 6,
) -> List[Tuple[str, str]]:
    """Views of the `top` videos that gained most, one point per sync that read them, to a PNG.

    The x axis is the sync (`labels`, e.g. the emulator's day), not `capturedAt`: the connector
    stamps snapshots with the real clock, while the emulator's clock is simulated. A snapshot
    belongs to the last sync that started before it was captured. Returns the (handle, id) drawn."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    series: Dict[Tuple[str, str], Dict[int, int]] = {}
    for row in rows:
        index = sum(1 for start in sync_starts if start <= row.captured) - 1
        if index >= 0:
            series.setdefault((row.handle, row.id), {})[index] = row.views
    growing = [(k, v) for k, v in series.items() if len(v) >= 2]
    growing.sort(key=lambda kv: (-(kv[1][max(kv[1])] - kv[1][min(kv[1])]), kv[0]))
    chosen = growing[:top]
    figure, axes = plt.subplots(figsize=(11.5, 5.2), dpi=110)
    for (handle, video_id), points in chosen:
        xs = sorted(points)
        caption = (captions.get(video_id) or "").strip().replace("\n", " ")
        label = f"{handle}: {caption[:28] + ('...' if len(caption) > 28 else '') or video_id[-6:]}"
        axes.plot(xs, [points[x] for x in xs], marker="o", linewidth=2, label=label)
    axes.set_xticks(range(len(labels)), list(labels))
    axes.set_xlim(-0.2, len(labels) - 0.8)
    axes.set_ylabel("views (snapshot in video_stats)")
    axes.set_title(f"Views of the {len(chosen)} fastest-growing videos, sync by sync")
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:,.0f}"))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return [key for key, _ in chosen]
