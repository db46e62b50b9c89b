"""The dbt package (dbt_socialfetch_tiktok/) on a local destination: `dbt build` with dbt's own
runner, and the rows `make demo` prints and draws. Needs the `dbt` extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

from socialfetch_local.destinations import Destination
from socialfetch_local.errors import LocalSyncError

PACKAGE = Path(__file__).resolve().parents[1] / "dbt_socialfetch_tiktok"
MODELS_SCHEMA = "analytics"


@dataclass(frozen=True)
class ModelsRun:
    models: int
    tests: int
    seconds: float


def dbt_profile(destination: Destination, schema: str = MODELS_SCHEMA) -> Dict[str, Any]:
    """The `socialfetch_tiktok` profile for a local destination; the models go to `schema`."""
    if destination.kind == "duckdb":
        output: Dict[str, Any] = {"type": "duckdb", "path": str(destination.path), "schema": schema, "threads": 1}
    else:
        output = {"type": "postgres", "host": destination.host, "port": destination.port, "user": destination.username,
                  "password": destination.password, "dbname": destination.database, "schema": schema, "threads": 4}
    return {"socialfetch_tiktok": {"target": "local", "outputs": {"local": output}}}


def build_models(destination: Destination, workdir: Path, schema: str = MODELS_SCHEMA) -> ModelsRun:
    """`dbt build` of the package on the streams in `destination` (models and their data tests), in
    a process of its own: a DuckDB file is opened by one process at a time, so close this
    process's connections to it first (PyAirbyte's cache.close())."""
    dbt = Path(sys.executable).parent / "dbt"
    if not dbt.exists():
        raise LocalSyncError("dbt is not installed beside this Python: pip install -e '.[dbt]'", exit_code=2)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "profiles.yml").write_text(json.dumps(dbt_profile(destination, schema)))
    command = [str(dbt), "build", "--project-dir", str(PACKAGE), "--profiles-dir", str(workdir),
               "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
               "--vars", json.dumps({"socialfetch_schema": destination.schema}), "--quiet"]
    completed = subprocess.run(command, env={**os.environ, "DO_NOT_TRACK": "1"}, capture_output=True, text=True)
    results_file = workdir / "target" / "run_results.json"
    if completed.returncode != 0 or not results_file.exists():
        output = (completed.stdout + completed.stderr).strip()
        raise LocalSyncError(f"dbt build failed:\n{output[-2000:]}\n(log: {workdir / 'logs' / 'dbt.log'})")
    results = json.loads(results_file.read_text())["results"]
    kinds = [r["unique_id"].split(".")[0] for r in results]
    return ModelsRun(models=kinds.count("model"), tests=kinds.count("test"),
                     seconds=sum(r["execution_time"] for r in results))


def draw_daily_views(rows: Sequence[Dict[str, Any]], captions: Dict[str, str], path: Path) -> List[str]:
    """`tiktok__video_daily` rows of a few videos (handle, video_id, date_day, views, is_observed)
    as one line each: views gained since the video's first day (one viral video's billions would
    flatten the others), day by day, observed days marked; returns the video ids drawn."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    series: Dict[tuple, List[Dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["handle"], r["video_id"], r["date_day"])):
        series.setdefault((row["handle"], row["video_id"]), []).append(row)
    figure, axes = plt.subplots(figsize=(11.5, 5.2), dpi=110)
    for (handle, video_id), days in series.items():
        caption = (captions.get(video_id) or "").strip().replace("\n", " ")
        label = f"{handle}: {caption[:28] + ('...' if len(caption) > 28 else '') or video_id[-6:]}"
        first = days[0]["views"]
        line, = axes.plot([d["date_day"] for d in days], [d["views"] - first for d in days], linewidth=2, label=label)
        observed = [d for d in days if d["is_observed"]]
        axes.plot([d["date_day"] for d in observed], [d["views"] - first for d in observed], "o", color=line.get_color())
    axes.set_ylabel("views gained since its first day (tiktok__video_daily)")
    axes.set_title(f"The {len(series)} fastest-growing videos, day by day (dots: days with a snapshot)")
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:,.0f}"))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return [video_id for _, video_id in series]
