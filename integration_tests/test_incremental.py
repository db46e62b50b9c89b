"""Incremental reads against the emulator: per-handle cursors, lookback, and what a sync costs."""

from __future__ import annotations

import collections
from datetime import timedelta

import pytest

from integration_tests.harness import (
    catalog,
    config,
    cursors,
    final_videos_state,
    keys,
    newest,
    read,
    records,
    state_messages_as_input,
    truth,
    video_requests,
    videos_state,
)
from source_socialfetch_tiktok.timeutil import parse_instant

HANDLES = ["pinned.creator", "nasa.fan", "cook_with_kim"]
LOOKBACK = timedelta(days=7)


def test_given_sync_1_state_when_new_videos_published_then_sync_2_emits_new_plus_lookback_at_one_page_per_unchanged_handle(emulator):
    cfg = config(emulator.base_url, HANDLES, lookback_window_days=7)
    first = read(cfg, catalog("incremental"))
    assert keys(records(first)) == truth(emulator, HANDLES), "sync 1 must read the full history"
    old_max = {h: newest(emulator.videos(h)) for h in HANDLES}
    assert {h: parse_instant(c) for h, c in cursors(first).items()} == old_max
    pinned = [v for v in emulator.videos("pinned.creator") if v["pinned"]]
    assert pinned and all(parse_instant(v["createdAt"]) < old_max["pinned.creator"] - LOOKBACK for v in pinned)

    published = emulator.publish("pinned.creator", 3) + emulator.publish("nasa.fan", 2)
    emulator.change_stats("pinned.creator", count=5)
    emulator.change_stats("cook_with_kim", count=5)
    emulator.clear_requests()

    second = read(cfg, catalog("incremental"), state=state_messages_as_input(first))

    expected = collections.Counter()
    for h in HANDLES:
        bound = old_max[h] - LOOKBACK
        for v in emulator.videos(h):
            created = parse_instant(v["createdAt"])
            if created is not None and created >= bound:
                expected[(h, v["id"])] += 1
    got = keys(r for r in records(second) if r["createdAt"] is not None)
    assert got == expected
    assert {("pinned.creator", v["id"]) for v in published[:3]} | {("nasa.fan", v["id"]) for v in published[3:]} <= set(got)
    by_key = {(r["handle"], r["id"]): r for r in records(second)}
    for h in HANDLES:
        for v in emulator.videos(h):
            if (h, v["id"]) in by_key:
                assert by_key[(h, v["id"])]["stats"] == v["stats"], "sync 2 must carry the new stats"
    page_1 = emulator.videos("cook_with_kim")[:30]
    bound = old_max["cook_with_kim"] - LOOKBACK
    assert {k[1] for k in expected if k[0] == "cook_with_kim"} <= {v["id"] for v in page_1}, "data: window fits page 1"
    assert any(not v["pinned"] and v["createdAt"] and parse_instant(v["createdAt"]) < bound for v in page_1)
    assert len(video_requests(emulator, "cook_with_kim")) == 1, "an unchanged handle costs exactly one page"
    assert all(r.query.get("sortBy") == "latest" for r in video_requests(emulator))
    new_max = {h: newest(emulator.videos(h)) for h in HANDLES}
    assert {h: parse_instant(c) for h, c in cursors(second).items()} == new_max


def test_given_unchanged_handles_when_incremental_then_credits_equal_handles(emulator):
    handles = ["one.video", "full.page", "ads.creator", "empty.profile"]
    cfg = config(emulator.base_url, handles, lookback_window_days=0)
    first = read(cfg, catalog("incremental"))
    emulator.clear_requests()
    second = read(cfg, catalog("incremental"), state=state_messages_as_input(first))
    assert emulator.credits_charged() == len(handles)
    newest_ids = {
        (h, v["id"])
        for h in handles
        for v in emulator.videos(h)
        if v["createdAt"] is not None and parse_instant(v["createdAt"]) == newest(emulator.videos(h))
    }
    assert set(keys(r for r in records(second) if r["createdAt"] is not None)) == newest_ids


def test_given_state_of_a_handle_no_longer_configured_when_incremental_then_it_is_kept(emulator):
    cfg = config(emulator.base_url, ["one.video"])
    state = videos_state({"removed.handle": "2026-01-01T00:00:00Z"})
    output = read(cfg, catalog("incremental"), state=state)
    assert cursors(output)["removed.handle"] == "2026-01-01T00:00:00Z"
    assert "one.video" in cursors(output)


def test_given_state_when_full_refresh_then_state_is_ignored(emulator):
    cfg = config(emulator.base_url, ["pinned.creator"])
    far = videos_state({"pinned.creator": "2026-10-31T00:00:00Z"})
    output = read(cfg, catalog("full_refresh"), state=far)
    assert keys(records(output)) == truth(emulator, ["pinned.creator"])


def test_given_budget_cut_handle_then_its_cursor_does_not_move_and_it_leads_next_sync(emulator):
    handles = ["big.creator", "one.video"]
    cfg = config(emulator.base_url, handles, max_credits_per_sync=3, concurrency=1)
    output = read(cfg, catalog("incremental"))
    blob = final_videos_state(output)
    assert "big.creator" not in cursors(output)
    assert blob["waiting_for_budget"][0] == "big.creator"
    assert emulator.credits_charged() <= 3


def test_given_a_history_longer_than_the_budget_then_each_sync_goes_on_where_the_last_stopped(emulator):
    cfg = config(emulator.base_url, ["pinned.creator", "nasa.fan"], max_credits_per_sync=3, concurrency=2)
    seen: collections.Counter = collections.Counter()
    state = None
    syncs = 0
    for sync in range(1, 6):
        syncs = sync
        emulator.clear_requests()
        output = read(cfg, catalog("incremental"), state=state)
        assert emulator.credits_charged() <= 3
        seen.update(keys(records(output)))
        state = state_messages_as_input(output)
        if set(cursors(output)) == {"pinned.creator", "nasa.fan"} and not final_videos_state(output).get("resume_positions"):
            break
    assert syncs <= 4, "7 pages of history at 3 credits a sync: done by the fourth sync"
    assert set(seen) == set(truth(emulator, ["pinned.creator", "nasa.fan"]))
    assert {h: parse_instant(c) for h, c in cursors(output).items()} == {
        h: newest(emulator.videos(h)) for h in ("pinned.creator", "nasa.fan")}


@pytest.mark.parametrize("fault", [
    None,  # the cursor is one the API does not know: 400
    "414",  # a server or proxy refuses the URL as too long (a cursor over 4,096 characters is dropped at parse)
])
def test_given_a_saved_position_the_api_refuses_then_the_handle_is_read_from_the_top(emulator, fault):
    if fault:
        emulator.inject(fault, handle="nasa.fan", times=1)
    position = {"cursor": "bm90IGEgY3Vyc29y", "newest": "2020-01-01T00:00:00Z"}
    state = videos_state({}, resume_positions={"nasa.fan": position})
    output = read(config(emulator.base_url, ["nasa.fan"]), catalog("incremental"), state=state)
    assert any("refused the saved position" in m.log.message for m in output.logs)
    assert keys(records(output)) == truth(emulator, ["nasa.fan"])
    assert parse_instant(cursors(output)["nasa.fan"]) == newest(emulator.videos("nasa.fan"))
    assert "resume_positions" not in final_videos_state(output)
