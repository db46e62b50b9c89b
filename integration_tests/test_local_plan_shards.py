"""`socialfetch-local-sync --plan --shard I/N` against a real DuckDB file and the emulator: the plan
of one shard lists that shard's handles only, from the saved state as the shard sees it, and is what
that shard's sync then costs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, List

import pytest

from integration_tests.test_local_plan import plan_rows
from socialfetch_emulator import Emulator
from socialfetch_local.cli import main
from socialfetch_local.destinations import parse_destination
from source_socialfetch_tiktok.shard import shard_of

HANDLES = ["nasa.fan", "pinned.creator", "one.video", "full.page", "cook_with_kim", "daily.vlogger", "ads.creator"]


def test_given_an_unsharded_destination_when_a_shard_plans_then_it_lists_its_handles_and_costs_what_it_said(
    pyairbyte: Any, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from socialfetch_local.sync import run_sync

    database = tmp_path / "shard.duckdb"
    destination = parse_destination(str(database))
    config = {"api_key": emulator.api_key, "handles": HANDLES, "base_url": emulator.base_url}
    run_sync(config, destination)
    mine: List[str] = [h for h in HANDLES if shard_of(h, 2) == 0]
    assert 0 < len(mine) < len(HANDLES)

    emulator.clear_requests()
    argv = ["--api-key", emulator.api_key, "--base-url", emulator.base_url, "--destination", str(database),
            "--plan", "--shard", "0/2", "--handles", *HANDLES]
    assert main(argv) == 0
    assert [r for r in emulator.requests if r.credits or r.route != "balance"] == [], "a plan spends nothing"
    out = capsys.readouterr().out

    assert f"sync of shard 0 of 2 (indices 0 to 1): {len(mine)} of the {len(HANDLES)} handles" in out
    rows = plan_rows(out, HANDLES)
    assert sorted(rows) == sorted(mine), out
    assert f"holds {len(HANDLES) - len(mine)} handle(s) that another shard reads" in out  # the shard's warning
    planned = {h: int(rows[h][6]) for h in mine}

    emulator.clear_requests()
    run_sync({**config, "shard": {"count": 2, "index": 0}}, destination)
    spent: Counter = Counter()
    for request in emulator.requests:
        if request.credits:
            spent[request.handle] += request.credits
    assert dict(spent) == planned


@pytest.mark.parametrize("text", ["4", "1/", "a/4", "-1/4"])
def test_given_a_malformed_shard_flag_then_usage_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--api-key", "sfk_x", "--handles", "nasa", "--plan", "--shard", text])
    assert exited.value.code == 2
    assert "INDEX/COUNT" in capsys.readouterr().err
