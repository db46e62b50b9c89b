"""`socialfetch-local-sync --plan` against a real DuckDB file and the emulator: it spends nothing, and
its per-handle credits are what the next sync then costs; `video_stats` keeps every snapshot."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List

import pytest

from socialfetch_emulator import Emulator
from socialfetch_local.cli import main
from socialfetch_local.destinations import parse_destination
from socialfetch_local.plan import monthly_cost, parse_every

DUE = ["nasa.fan", "pinned.creator"]
NOT_DUE = ["one.video", "full.page"]
NEW = "cook_with_kim"  # added after the first sync: its page count is not known yet


def plan_rows(text: str, handles: List[str] = DUE + NOT_DUE + [NEW]) -> Dict[str, List[str]]:
    """handle -> cells of the plan's table (split on two or more spaces)."""
    import re

    rows = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells and cells[0] in handles:
            rows[cells[0]] = cells
    return rows


def make_due(cache: Any, handles: List[str]) -> None:
    """What D days of wall clock do to the saved state: these handles' refresh is due now. Written
    back through PyAirbyte's own state writer, where the next sync reads it."""
    from airbyte_protocol.models import AirbyteStateBlob

    from socialfetch_local.sync import CONNECTOR

    message = cache.get_state_provider(source_name=CONNECTOR).get_stream_state("videos")
    state = message.stream.stream_state.model_dump(mode="json")
    for handle in handles:
        state["refresh_due"][handle] = "2020-01-01T00:00:00Z"
    message.stream.stream_state = AirbyteStateBlob(**state)
    cache.get_state_writer(source_name=CONNECTOR).write_state(message)


def test_given_saved_state_when_plan_then_nothing_spent_and_next_sync_costs_what_it_said(
    pyairbyte: Any, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from socialfetch_local.sync import run_sync

    database = tmp_path / "plan.duckdb"
    destination = parse_destination(str(database))
    config = {"api_key": emulator.api_key, "handles": DUE + NOT_DUE, "base_url": emulator.base_url,
              "stats_refresh_days": 3}
    first = run_sync(config, destination)
    pages = {h: -(-len(emulator.videos(h)) // 30) for h in DUE + NOT_DUE}  # the page size is 30
    make_due(first.cache, DUE)
    emulator.advance(1)
    emulator.publish("one.video", 2)

    emulator.clear_requests()
    balance = emulator.balance()
    argv = ["--api-key", emulator.api_key, "--base-url", emulator.base_url, "--destination", str(database),
            "--stats-refresh-days", "3", "--plan", "--every", "12h", "--handles", *DUE, *NOT_DUE, NEW]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert emulator.balance() == balance
    assert [r for r in emulator.requests if r.credits or r.route != "balance"] == []  # no metered request

    rows = plan_rows(out)
    # handle, newest video (date time), pages known, incremental, refresh, due, credits
    for handle in DUE:
        assert rows[handle][2:] == [str(pages[handle]), "1", str(pages[handle] - 1), "due", str(pages[handle])], out
    for handle in NOT_DUE:
        assert rows[handle][2:5] == [str(pages[handle]), "1", "0"] and rows[handle][5].startswith("next "), out
        assert rows[handle][6] == "1"
    assert rows[NEW][1:] == ["-", "?", "?", "0", "placed by the sync", "?"], out
    planned = {h: int(rows[h][6]) for h in DUE + NOT_DUE}
    assert f"total {sum(planned.values())} + 1 x ?" in " ".join(out.split())
    assert "Stats refresh plan: 5 handles, 2 due for a refresh, every 3 days" in out  # the connector's own line
    assert f"balance: {balance:,} credits" in out
    # The README's formula by hand: every 12h is 60 syncs in 30 days; each handle's incremental page
    # every sync (the new one too); a refresh of the other pages every D = 3 days, 10 times; a full
    # refresh reads every known page every sync.
    full_refresh = 60 * sum(pages.values())
    total = 60 * len(DUE + NOT_DUE + [NEW]) + 10 * sum(p - 1 for p in pages.values())
    assert f"full refresh every 12h: {full_refresh:,} credits a month" in out
    assert f"total {total:,} credits a month" in " ".join(out.split())

    emulator.clear_requests()
    second = run_sync({**config, "handles": DUE + NOT_DUE + [NEW]}, destination)
    spent = Counter()
    for request in emulator.requests:
        spent[request.handle] += request.credits
    assert {h: spent[h] for h in planned} == planned
    assert second.credits_used == sum(spent.values())

    # video_stats kept both syncs' snapshots; videos kept one row per video.
    cache = second.cache
    snapshots = {(r["handle"], r["n"]): r["videos"] for r in cache.run_sql_query(
        "SELECT handle, n, COUNT(*) AS videos FROM (SELECT handle, id, COUNT(*) AS n FROM video_stats "
        "GROUP BY handle, id) GROUP BY handle, n")}
    for handle in DUE:  # refreshed: every video read twice
        assert snapshots.get((handle, 2)) == len(emulator.videos(handle)) and (handle, 1) not in snapshots
    assert snapshots[(NEW, 1)] == len(emulator.videos(NEW))
    assert cache.run_sql_query("SELECT handle, id FROM videos GROUP BY handle, id HAVING COUNT(*) > 1") == []
    views = {(r["handle"], r["id"]): r["views"] for r in cache.run_sql_query(
        "SELECT handle, id, CAST(stats->>'views' AS BIGINT) AS views FROM videos WHERE handle IN ('nasa.fan', 'pinned.creator')")}
    truth = {(h, i): s["views"] for h in DUE for i, s in emulator.stats(h).items()}
    assert views == truth  # the refresh brought every video's views up to the emulator's clock


@pytest.mark.parametrize(
    ("text", "every"),
    [("1d", timedelta(days=1)), ("12h", timedelta(hours=12)), (" 30m ", timedelta(minutes=30)), ("1w", timedelta(weeks=1)),
     ("1.5d", timedelta(hours=36))],
)
def test_given_cadence_then_parsed(text: str, every: timedelta) -> None:
    assert parse_every(text) == every


@pytest.mark.parametrize("text", ["", "1", "d", "0d", "31d", "1y", "-1d"])
def test_given_bad_cadence_then_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="--every"):
        parse_every(text)


def test_given_page_counts_then_monthly_cost_follows_the_readme_formula() -> None:
    pages = {"a": 10, "b": 1, "c": None}
    daily = monthly_cost(pages, timedelta(days=1), 7)
    assert daily.syncs == 30 and daily.incremental == 90 and daily.unknown == 1
    assert daily.refresh == pytest.approx((9 + 0) * 30 / 7)
    assert daily.full_refresh == 30 * 11
    # syncing every 5 days with D = 7: a handle due just after a sync waits for the next one (P = 10 days)
    sparse = monthly_cost(pages, timedelta(days=5), 7)
    assert sparse.refresh_period == timedelta(days=10) and sparse.refresh == pytest.approx(9 * 3)
    assert monthly_cost(pages, timedelta(days=1), None).refresh == 0
    with_profiles = monthly_cost(pages, timedelta(days=1), None, with_profiles=True)
    assert with_profiles.profiles == 90 and with_profiles.full_refresh == 30 * 14


def _plan_out(emulator: Emulator, database: Path, handles: List[str], capsys: pytest.CaptureFixture[str],
              *flags: str) -> str:
    argv = ["--api-key", emulator.api_key, "--base-url", emulator.base_url, "--destination", str(database),
            "--stats-refresh-days", "3", "--plan", *flags, "--handles", *handles]
    emulator.clear_requests()
    assert main(argv) == 0
    assert [r for r in emulator.requests if r.credits or r.route != "balance"] == [], "a plan spends nothing"
    return capsys.readouterr().out


def _spent(emulator: Emulator) -> Counter:
    spent: Counter = Counter()
    for request in emulator.requests:
        spent[request.handle] += request.credits
    return spent


@pytest.mark.slow
def test_given_no_state_then_a_refresh_cut_short_then_full_refresh_and_profiles_each_plan_is_what_the_sync_costs(
    pyairbyte: Any, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from socialfetch_local.sync import run_sync

    handles = ["pinned.creator", "one.video"]
    pages = {h: -(-len(emulator.videos(h)) // 30) for h in handles}  # 4 and 1 at 30 a page
    database = tmp_path / "plans.duckdb"
    destination = parse_destination(str(database))
    config = {"api_key": emulator.api_key, "handles": handles, "base_url": emulator.base_url, "stats_refresh_days": 3}

    # A first plan: no saved state, nothing known, and the DuckDB file is not created.
    out = _plan_out(emulator, database, handles, capsys)
    assert "no saved state: a first sync reads every page" in out
    rows = plan_rows(out, handles)
    assert all(rows[h][1:4] == ["-", "?", "?"] and rows[h][-1] == "?" for h in handles), out
    assert not database.exists()

    first = run_sync(config, destination)
    assert {h: first.by_handle()[h].credits for h in handles} == pages

    # A refresh that goes on: due, cut short by the budget after its first refresh page.
    make_due(first.cache, ["pinned.creator"])
    emulator.clear_requests()
    run_sync({**config, "max_credits_per_sync": 3}, destination)
    assert sum(_spent(emulator).values()) == 3
    out = _plan_out(emulator, database, handles, capsys)
    rows = plan_rows(out, handles)
    assert rows["pinned.creator"][5] == "due, going on", out
    planned = {h: int(rows[h][6]) for h in handles}
    assert planned["pinned.creator"] < 1 + pages["pinned.creator"] - 1, "the pages already read are not planned again"
    emulator.clear_requests()
    run_sync(config, destination)
    assert {h: _spent(emulator)[h] for h in handles} == planned

    # A full refresh, with profiles: every known page and one profile lookup a handle.
    out = _plan_out(emulator, database, handles, capsys, "--full-refresh", "--with-profiles")
    assert "Plan of the next full-refresh sync" in out
    rows = plan_rows(out, handles)
    for handle in handles:
        assert rows[handle][2:] == [str(pages[handle]), str(pages[handle]), "0", "-", str(pages[handle] + 1)], out
    assert f"full refresh every 1d: {30 * (sum(pages.values()) + len(handles)):,} credits a month" in out
    emulator.clear_requests()
    run_sync(config, destination, with_profiles=True, full_refresh=True)
    assert {h: _spent(emulator)[h] for h in handles} == {h: pages[h] + 1 for h in handles}
