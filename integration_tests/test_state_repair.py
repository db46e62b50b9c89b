"""Saved states the connector repairs, through the real entrypoint and the emulator: a 0.1.0 state
keeps working, and a resume position that cannot vouch for its pages is read again."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.harness import catalog, config, cursors, final_videos_state, keys, read, records, truth
from socialfetch_emulator.client import ApiClient
from source_socialfetch_tiktok.timeutil import parse_instant


def test_given_a_0_1_0_flat_state_then_its_cursors_are_used_and_saved_in_the_current_shape(emulator: Any) -> None:
    """0.1.0 accepted `{handle: {"createdAt": ...}}`; the contract says a 0.1.0 state keeps working."""
    newest = max((v["createdAt"] for v in emulator.videos("full.page")), key=parse_instant)
    flat = {"full.page": {"createdAt": newest}}

    output = read(config(emulator.base_url, ["full.page"], lookback_window_days=0), catalog("incremental"),
                  state=StateBuilder().with_stream_state("videos", flat).build())

    at_cursor = truth(emulator, ["full.page"], lambda v: parse_instant(v["createdAt"]) >= parse_instant(newest))
    assert keys(records(output)) == at_cursor, "read from its cursor, as a 0.1.0 sync would"
    assert at_cursor != truth(emulator, ["full.page"])
    assert cursors(output) == {"full.page": newest}
    assert "full.page" not in final_videos_state(output), "saved in the current shape only"
    assert not any("never writes" in m.log.message for m in output.logs)


def test_given_a_resume_position_without_newest_then_the_handle_is_read_from_its_first_page(make_emulator: Any) -> None:
    """Such a position skipped the videos before its cursor (10 of 17) without a word."""
    emu = make_emulator(dataset="empty", page_size=10)
    emu.add_handle("alpha", 17)
    page_two = ApiClient(emu).videos("alpha", sortBy="latest").json()["data"]["page"]["nextCursor"]
    blob = {"states": [], "resume_positions": {"alpha": {"cursor": page_two, "newest": None}}}

    output = read(config(emu.base_url, ["alpha"]), catalog("incremental"),
                  state=StateBuilder().with_stream_state("videos", blob).build())

    assert keys(records(output)) == truth(emu, ["alpha"])
    assert any("resume position of alpha" in m.log.message for m in output.logs if m.log.level.value == "WARN")
    assert "resume_positions" not in final_videos_state(output)
