"""The emulator's clock: counts grow with a video's age on a fixed curve, videos
after the clock are not listed yet, publish lands before the clock, and the clock moves from the
Python API, the admin route and the command line. All over real HTTP on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

from socialfetch_emulator import ANCHOR, Dataset, Emulator
from socialfetch_emulator.client import ApiClient
from socialfetch_emulator.dataset import DAY_MS, HOUR_MS, anchor_ms
from socialfetch_emulator.world import instant, publish_instants

ROOT = Path(__file__).resolve().parent.parent
COUNTS = ("views", "likes", "comments", "shares", "saves")


def created(video: Dict[str, Any]) -> datetime:
    return datetime.fromisoformat(video["createdAt"].replace("Z", "+00:00"))


def expected(final: int, age_ms: int) -> int:
    """The curve written out independently of growth.py."""
    return 0 if age_ms <= 0 else (final * age_ms) // (age_ms + 3 * DAY_MS)


def served(api: ApiClient, handle: str, trim: bool = False) -> Dict[str, Dict[str, Any]]:
    return {v["id"]: v for body in api.pages(handle, trim=trim) for v in body["data"]["videos"]}


def test_clock_starts_at_the_anchor_or_at_now_and_only_moves_forward(make_emulator) -> None:
    emu = make_emulator()
    assert emu.now == ANCHOR == emu.anchor
    assert emu.advance(1.5) == ANCHOR + timedelta(days=1.5) == emu.now
    assert emu.advance(0) == emu.now
    with pytest.raises(ValueError):
        emu.advance(-1)
    with pytest.raises(ValueError):
        emu.advance(float("nan"))
    later = make_emulator(now=ANCHOR + timedelta(days=10))
    assert later.now == ANCHOR + timedelta(days=10) and later.anchor == ANCHOR


def test_served_counts_follow_the_curve_and_grow_as_the_clock_moves(make_emulator) -> None:
    emu = make_emulator()
    api = ApiClient(emu)
    finals = emu.world.creator("nasa.fan").videos
    for days in (0, 2.25, 30):
        emu.advance(days)
        now = anchor_ms(emu.now)
        pages = served(api, "nasa.fan")
        assert set(pages) == set(finals)
        for video_id, item in pages.items():
            final = finals[video_id]
            age = now - final.instant_ms
            assert item["stats"] == {k: expected(getattr(final, k), age) for k in COUNTS}, (days, video_id)
            native = item["details"]["statistics"]
            assert (native["playCount"], native["diggCount"], native["commentCount"], native["shareCount"],
                    native["collectCount"]) == tuple(item["stats"][k] for k in COUNTS)
    young = max(finals.values(), key=lambda v: v.instant_ms)
    assert 0 < pages[young.id]["stats"]["views"] < young.views, "a month on, the newest video is still growing"


def test_half_the_final_counts_at_3_days_and_91_percent_at_30(make_emulator) -> None:
    video = max(Dataset.demo().creators["cook_with_kim"].videos.values(), key=lambda v: v.instant_ms)
    at_3 = make_emulator(now=instant(video.instant_ms + 3 * DAY_MS))
    stats = at_3.video("cook_with_kim", video.id)["stats"]
    assert stats == {k: getattr(video, k) // 2 for k in COUNTS}
    at_3.advance(27)
    assert at_3.video("cook_with_kim", video.id)["stats"]["views"] == video.views * 30 // 33
    at_0 = make_emulator(now=instant(video.instant_ms))
    assert at_0.video("cook_with_kim", video.id)["stats"] == dict.fromkeys(COUNTS, 0)


def test_pages_served_before_a_clock_move_are_not_served_after_it(api: ApiClient) -> None:
    """The render cache is keyed by the clock: the same page, asked again later, carries grown counts."""
    first = api.videos("big.creator", sortBy="latest").json()["data"]["videos"]
    api.emu.advance(1)
    again = api.videos("big.creator", sortBy="latest").json()["data"]["videos"]
    assert [v["id"] for v in first] == [v["id"] for v in again]
    assert all(b["stats"]["views"] >= a["stats"]["views"] for a, b in zip(first, again, strict=True))
    assert sum(b["stats"]["views"] > a["stats"]["views"] for a, b in zip(first, again, strict=True)) >= 25
    popular = [v["stats"]["views"] for v in api.read_all("big.creator", "popular")]
    assert popular == sorted(popular, reverse=True), "popular orders by the counts served now"


def test_videos_after_the_clock_are_not_listed_until_it_reaches_them(make_emulator) -> None:
    emu = make_emulator(now=ANCHOR - timedelta(days=10))
    api = ApiClient(emu)
    everything = Dataset.demo().creators["nasa.fan"].videos
    future = {v.id for v in everything.values() if v.instant_ms > anchor_ms(emu.now)}
    assert future, "data: nasa.fan posts in the last 10 days before the anchor"
    listed = served(api, "nasa.fan")
    assert set(listed) == set(everything) - future and all(created(v) <= emu.now for v in listed.values())
    assert set(emu.stats("nasa.fan")) == set(listed) and emu.video("nasa.fan", next(iter(future))) is None
    profile = api.get("/v1/tiktok/profiles/nasa.fan").json()["data"]
    assert profile["metrics"]["posts"] == len(listed)
    emu.advance(10)
    assert set(served(api, "nasa.fan")) == set(everything)
    assert api.get("/v1/tiktok/profiles/nasa.fan").json()["data"]["metrics"]["posts"] == len(everything)


def test_stats_accessor_is_the_ground_truth_of_what_is_served(make_emulator) -> None:
    emu = make_emulator(dataset="gen:3x70")
    api = ApiClient(emu)
    for days in (0, 7):
        emu.advance(days)
        for handle in emu.handles():
            truth = emu.stats(handle)
            assert truth == {i: v["stats"] for i, v in served(api, handle, trim=True).items()}
            assert truth == {v["id"]: v["stats"] for v in emu.videos(handle)}
    assert emu.stats("nobody.here") == {} and sum(s["views"] for s in emu.stats("gen.h0000").values()) > 0


def test_change_stats_raises_the_final_counts(make_emulator) -> None:
    emu = make_emulator(now=ANCHOR + timedelta(days=3650))  # ten years on: served ~= final
    before = emu.stats("cook_with_kim")
    finals = {i: v.views for i, v in emu.world.creator("cook_with_kim").videos.items()}
    ids = emu.change_stats("cook_with_kim", count=3)
    after = emu.stats("cook_with_kim")
    for video_id in ids:
        assert emu.world.creator("cook_with_kim").videos[video_id].views > finals[video_id]
        assert all(after[video_id][k] > before[video_id][k] for k in COUNTS)
    assert all(after[i] == before[i] for i in before if i not in ids)


# --- publish --------------------------------------------------------------------------------


def test_publish_instants_keeps_todays_placement_shifts_to_the_clock_or_squeezes() -> None:
    steps = [HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS]
    # room for the block, the clock within one step of its end: newest + the steps (as before the clock)
    assert publish_instants(0, 6 * HOUR_MS + HOUR_MS // 2, steps) == [HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS]
    # the clock moved on: the block ends one step (the first) before the clock
    now = 40 * DAY_MS
    assert publish_instants(0, now, steps) == [now - HOUR_MS - 5 * HOUR_MS, now - HOUR_MS - 3 * HOUR_MS, now - HOUR_MS]
    # no room: squeezed between the newest video and the clock on whole seconds, room left over
    squeezed = publish_instants(500, 60_500, steps)
    assert squeezed == [5_000, 15_000, 30_000], "the first half of the room, on whole seconds"
    # fewer whole seconds than videos: never past the clock
    assert publish_instants(10_000, 11_500, steps) == [11_000, 11_500, 11_500]
    assert publish_instants(0, 1, []) == []


def test_publish_at_the_anchor_stays_before_the_clock_and_newest_first(api: ApiClient) -> None:
    emu = api.emu
    for _ in range(10):  # big.creator's newest video is about 2 h before the anchor: room for ~13
        newest = max(created(v) for v in emu.videos("big.creator") if v["createdAt"])
        made = emu.publish("big.creator", 2)
        assert all(newest < created(v) <= emu.now for v in made)
        page = api.videos("big.creator", sortBy="latest").json()["data"]["videos"]
        assert [v["id"] for v in page[:2]] == [v["id"] for v in reversed(made)]
    for _ in range(20):  # out of room: never past the clock
        assert all(created(v) <= emu.now for v in emu.publish("big.creator", 2))
    assert emu.now == ANCHOR


def test_publish_after_the_clock_moved_lands_in_the_last_hours_before_it(api: ApiClient) -> None:
    emu = api.emu
    emu.advance(30)
    made = emu.publish("nasa.fan", 3)
    assert all(emu.now - timedelta(hours=19) <= created(v) <= emu.now for v in made)
    assert [created(v) for v in made] == sorted(created(v) for v in made)
    assert all(v["stats"]["views"] < emu.world.creator("nasa.fan").videos[v["id"]].views for v in made)
    page = api.videos("nasa.fan", sortBy="latest").json()["data"]["videos"]
    unpinned = [v["id"] for v in page if not v["pinned"]]
    assert unpinned[:3] == [v["id"] for v in reversed(made)]


def test_add_handle_after_the_clock_moved_ends_its_history_before_the_clock(make_emulator) -> None:
    emu = make_emulator(dataset="empty", now=ANCHOR + timedelta(days=60))
    emu.add_handle("late.comer", 20)
    newest = max(created(v) for v in emu.videos("late.comer"))
    assert emu.now - timedelta(days=2) <= newest < emu.now


# --- other processes ------------------------------------------------------------------------


def test_admin_clock_route_reads_and_advances(emulator: Emulator) -> None:
    admin = emulator.base_url + "/_emulator"
    assert requests.get(admin + "/clock", timeout=5).json() == {
        "now": "2026-11-01T00:00:00Z", "anchor": "2026-11-01T00:00:00Z", "days": 0.0, "tick": 0}
    moved = requests.post(admin + "/clock", json={"days": 2.5}, timeout=5).json()
    assert moved["now"] == "2026-11-03T12:00:00Z" and moved["days"] == 2.5 and moved["tick"] == 1
    assert emulator.now == ANCHOR + timedelta(days=2.5)
    assert requests.post(admin + "/clock", json={"days": -1}, timeout=5).status_code == 400
    assert requests.post(admin + "/clock", json={"days": "soon"}, timeout=5).status_code == 400
    body = requests.get(admin + "/stats", params={"handle": "one.video"}, timeout=5).json()
    assert body == {"stats": emulator.stats("one.video"), "now": "2026-11-03T12:00:00Z"}
    assert requests.get(admin + "/stats", timeout=5).status_code == 400
    assert emulator.requests == [], "admin calls are not API traffic"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "socialfetch_emulator", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


def test_cli_starts_days_after_the_anchor_and_advance_moves_a_running_emulator() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "socialfetch_emulator", "--port", "0", "--clock-days", "2", "--dataset", "empty",
         "--lookup-latency-ms", "300"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().rstrip("\n")
        assert requests.get(url + "/_emulator/clock", timeout=5).json()["now"] == "2026-11-03T00:00:00Z"
        started = time.monotonic()
        lookup = requests.get(url + "/v1/tiktok/profiles/nobody.here/videos", params={"sortBy": "latest"},
                              headers={"x-api-key": "sfk_demo"}, timeout=5)
        assert lookup.status_code == 200 and time.monotonic() - started >= 0.3
        moved = _cli("advance", "--url", url, "--days", "1.25")
        assert moved.returncode == 0 and moved.stdout.strip() == "2026-11-04T06:00:00Z", moved.stderr
        assert requests.get(url + "/_emulator/clock", timeout=5).json()["now"] == "2026-11-04T06:00:00Z"
        refused = _cli("advance", "--url", url, "--days", "-1")
        assert refused.returncode == 2 and "days must be >= 0" in refused.stderr
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
    gone = _cli("advance", "--url", url, "--days", "1")
    assert gone.returncode == 1 and "no emulator at" in gone.stderr
    bad: List[str] = ["--clock-days", "-3"]
    assert _cli(*bad).returncode == 2
