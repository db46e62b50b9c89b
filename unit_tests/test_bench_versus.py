"""The side-by-side runner's bookkeeping: a misread freshness table or a wrong verdict would report
0.3.0 as good as 0.2.0 (or worse) without any figure being wrong."""

from __future__ import annotations

from typing import List

from bench.run import Measured
from bench.versus import Row, freshness_rows, parse_freshness, rotated, targets_met

FRESHNESS = """## Freshness against credits, `python -m bench.freshness`

| strategy | days | credits, first sync | credits per sync after the first: mean | max | oldest stats, worst day | views missed: mean over days | last day | worst day |
|---|---|---|---|---|---|---|---|---|
| incremental only (lookback 7) | 60 | 1001 | 50.0 | 50 | 59.0 d | 1.39% | 2.77% | 2.77% |
| stats_refresh_days 7, max age 90 (videos within 90 d) | 60 | 1,001 | 66.9 | 72 | 6.0 d | 1.02% | 1.04% | 1.52% |
| same plan, all videos (older ones included) | 60 | | | | 59.0 d | 0.24% | 0.36% | 0.36% |

Targets:

| target | measured | met |
|---|---|---|
| stats_refresh_days 30: under 5% of the views missed on every day | max 0.83% | yes |
| incremental only misses a measurable share of the views (last day) | 2.77% | **no** |

![chart](freshness.png)
"""


def test_the_freshness_table_is_read_cell_by_cell() -> None:
    rows = parse_freshness(FRESHNESS)
    assert list(rows) == ["incremental only (lookback 7)", "stats_refresh_days 7, max age 90 (videos within 90 d)",
                          "same plan, all videos (older ones included)"]
    assert rows["incremental only (lookback 7)"][3] == "50.0"
    assert targets_met(FRESHNESS) == (1, 2)


def test_identical_freshness_tables_are_the_same_and_a_changed_figure_is_worse() -> None:
    same = freshness_rows(FRESHNESS, FRESHNESS)
    names = [row.name for row in same]
    assert "freshness: stats_refresh_days 7, max age 90 (videos within 90 d): credits, first sync" in names
    assert "freshness: targets missed" in names
    # The row with blank cells gives only its filled figures.
    assert not any("all videos" in name and "credits" in name for name in names)
    assert {row.verdict() for row in same} == {"same"}
    changed = freshness_rows(FRESHNESS, FRESHNESS.replace("| 66.9 | 72 |", "| 70.1 | 72 |"))
    worse = [row for row in changed if row.verdict() != "same"]
    assert [(row.name, row.verdict()) for row in worse] == [
        ("freshness: stats_refresh_days 7, max age 90 (videos within 90 d): credits per sync after the first, mean", "**worse**")]


def test_a_ratio_beyond_the_noise_is_slower_and_within_it_is_not() -> None:
    assert Row("wall", [10.0, 10.1, 9.9], [12.0, 12.1, 11.9]).verdict() == "**slower**"
    assert Row("wall", [10.0, 10.0, 10.0], [10.2, 10.2, 10.2]).verdict() == "same"
    # A 10% difference with runs spread over 30% is noise, not a regression.
    assert Row("wall", [8.5, 10.0, 11.5], [9.5, 11.0, 12.5]).verdict() == "same (within noise)"
    assert Row("wall", [10.0, 10.1], [8.0, 8.1]).verdict() == "faster"
    # One run a side has no spread: the verdict says so instead of calling noise a regression.
    assert Row("wall", [10.0], [12.0]).verdict() == "one run: higher"
    # The pairs of a round share its load: a candidate above in every round shows through a wide spread.
    assert Row("wall", [8.5, 10.0, 11.5], [9.5, 11.0, 12.5]).rounds_higher() == "3/3"
    assert Row("wall", [10.0, 10.0], [9.0, 11.0]).rounds_higher() == "1/2"
    assert Row("count", [3.0], [3.0], exact=True).verdict() == "same"
    assert Row("count", [3.0], [4.0], exact=True).verdict() == "**worse**"


def test_every_variant_runs_each_round_and_each_goes_first_in_turn() -> None:
    order: List[str] = []

    def variant(name: str):  # type: ignore[no-untyped-def]
        def run() -> Measured:
            order.append(name)
            return Measured(wall=float(len(order)), cpu=0.0, rss_mb=0.0)
        return run

    a, b, c = rotated(3, [variant("a"), variant("b"), variant("c")])
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert [m.wall for m in a] == [1.0, 6.0, 8.0]
    assert len(b) == len(c) == 3
