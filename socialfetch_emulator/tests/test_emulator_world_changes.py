"""The world changes the way the API will, and says its truth at any tick: deletions (old and
recent), profiles that turn private or vanish and come back, a takedown between two pages of one
read (what the cursors then return), all through the Python API and the admin routes."""

from __future__ import annotations

from typing import Any, Dict, List

import requests

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient


def ids(videos: List[Dict[str, Any]]) -> List[str]:
    return [v["id"] for v in videos]


def admin(emu: Emulator, method: str, route: str, body: Any = None, **params: Any) -> Any:
    response = requests.request(method, f"{emu.base_url}/_emulator/{route}", json=body, params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_recent_old_and_random_deletions_leave_the_list_and_the_truth_keeps_the_past(api: ApiClient) -> None:
    emu = api.emu
    before_tick, before = emu.tick, ids(emu.videos("cook_with_kim"))
    recent = emu.delete_videos("cook_with_kim", 2, which="recent")
    old = emu.delete_videos("cook_with_kim", 2, which="old")
    drawn = emu.delete_videos("cook_with_kim", 3, which="random", seed=4)
    assert recent == before[:2] and old == before[-2:] and len(set(drawn) - set(recent + old)) == 3
    served = ids(api.read_all("cook_with_kim"))
    assert served == [i for i in before if i not in recent + old + drawn]
    assert ids(emu.listed("cook_with_kim", before_tick)) == before
    assert ids(emu.listed("cook_with_kim")) == served and emu.tick == before_tick + 7
    after_recent = before_tick + 2
    assert ids(emu.listed("cook_with_kim", after_recent)) == before[2:]


def test_a_profile_turns_private_vanishes_and_comes_back_with_its_videos(api: ApiClient) -> None:
    emu = api.emu
    everything = ids(emu.videos("one.video"))
    ticks = {"found": emu.tick}
    for status, change in (("private", emu.set_private), ("not_found", emu.set_not_found), ("back", emu.set_found)):
        change("one.video")
        ticks[status] = emu.tick
        body = api.videos("one.video", sortBy="latest").json()
        profile = api.get("/v1/tiktok/profiles/one.video").json()["data"]
        assert body["meta"]["creditsCharged"] == 1
        if status == "back":
            assert ids(body["data"]["videos"]) == everything and profile["lookupStatus"] == "found"
        else:
            assert body["data"] == {"videos": [], "page": {"nextCursor": None, "hasMore": False}}
            assert profile["lookupStatus"] == status
    assert {s: ids(emu.listed("one.video", t)) for s, t in ticks.items()} == {
        "found": everything, "private": [], "not_found": [], "back": everything}
    served = [r for r in emu.requests if r.route == "videos"]
    assert [ids(emu.listed("one.video", r.tick)) for r in served] == [[], [], everything]


def test_a_takedown_ahead_during_a_latest_read_leaves_no_gap_and_no_repeat(api: ApiClient) -> None:
    emu = api.emu
    listed_before = ids(emu.videos("nasa.fan"))  # 90 videos: 3 pages
    armed = emu.take_down_during_read("nasa.fan", after_pages=1, where="ahead")
    pages = [ids(body["data"]["videos"]) for body in api.pages("nasa.fan")]
    served = [i for page in pages for i in page]
    assert armed.fired and armed.taken == listed_before[30] and armed.taken not in served
    assert len(served) == len(set(served)) == 89 and served == [i for i in listed_before if i != armed.taken]
    ticks = [r.tick for r in emu.requests if r.route == "videos"]
    assert ticks[0] < armed.tick <= ticks[1]
    throughout = ids(emu.listed_throughout("nasa.fan", ticks[0], ticks[-1]))
    assert throughout == served  # the read met every video listed from its first page to its last


def test_a_takedown_behind_under_popular_shifts_the_offsets_and_the_read_skips_one(api: ApiClient) -> None:
    emu = api.emu
    popular = ids(emu.videos("nasa.fan", sort="popular"))
    armed = emu.take_down_during_read("nasa.fan", after_pages=1, where="behind")
    served = [i for body in api.pages("nasa.fan", sort="popular") for i in body["data"]["videos"] for i in [i["id"]]]
    assert armed.taken == popular[29] and armed.taken in served  # served on page 1, then taken down
    skipped = [i for i in popular if i not in served]
    assert skipped == [popular[30]]  # moved onto page 1 after it was served: this read never sees it
    ticks = [r.tick for r in emu.requests if r.route == "videos"]
    assert popular[30] in ids(emu.listed_throughout("nasa.fan", ticks[0], ticks[-1]))


def test_a_takedown_behind_under_latest_changes_nothing_for_the_pages_ahead(api: ApiClient) -> None:
    emu = api.emu
    listed_before = ids(emu.videos("nasa.fan"))
    armed = emu.take_down_during_read("nasa.fan", after_pages=2, where="behind")
    served = [v["id"] for v in api.read_all("nasa.fan")]
    assert served == listed_before and armed.taken == listed_before[59]
    assert armed.taken not in ids(emu.listed("nasa.fan"))


def test_the_admin_routes_change_the_world_and_tell_the_truth(emulator: Emulator) -> None:
    api = ApiClient(emulator)
    start = admin(emulator, "GET", "clock")["tick"]
    deleted = admin(emulator, "POST", "delete_videos", {"handle": "daily.vlogger", "count": 2, "which": "recent"})["deleted"]
    assert len(deleted) == 2 and not set(deleted) & set(ids(emulator.videos("daily.vlogger")))
    armed = admin(emulator, "POST", "takedown", {"handle": "daily.vlogger", "after_pages": 1})["takedown"]
    assert armed["fired"] is False
    served = ids(api.read_all("daily.vlogger"))
    fired = admin(emulator, "GET", "takedowns")["takedowns"][0]
    assert fired["fired"] and fired["taken"] not in served and fired["tick"] == start + 3
    admin(emulator, "POST", "private", {"handle": "daily.vlogger"})
    assert admin(emulator, "GET", "truth", handle="daily.vlogger")["videos"] == []
    then = admin(emulator, "GET", "truth", handle="daily.vlogger", tick=start)
    assert ids(then["videos"])[:2] == deleted and then["tick"] == start
    log = admin(emulator, "GET", "requests")["requests"]
    first, last = log[0]["tick"], log[-1]["tick"]
    during = admin(emulator, "GET", "truth", handle="daily.vlogger", tick=first, until=last)
    assert ids(during["videos"]) == served
    admin(emulator, "POST", "found", {"handle": "daily.vlogger"})
    assert ids(emulator.listed("daily.vlogger")) == served


def test_the_truth_follows_publishes_the_clock_and_pins(make_emulator: Any) -> None:
    emu = make_emulator(dataset="demo")
    tick = emu.tick
    made = emu.publish("full.page", 2)
    assert ids(emu.listed("full.page"))[:2] == ids(list(reversed(made)))
    assert ids(emu.listed("full.page", tick)) == ids(emu.listed("full.page"))[2:]
    last = emu.listed("full.page")[-1]
    emu.pin("full.page", last["id"])
    assert emu.listed("full.page")[0] == dict(last, pinned=True) and emu.listed("full.page", tick)[-1] == last
    emu.add_handle("later.one", 3)
    assert emu.listed("later.one", tick) == [] and len(emu.listed("later.one")) == 3
