"""Changes between syncs show in what the routes answer: publish, new stats, delete, pin and unpin,
private and gone, new handles; the demo handles look as the connector's tests expect."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from socialfetch_emulator import ANCHOR, Dataset, Emulator
from socialfetch_emulator.client import ApiClient


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def newest(videos: list) -> datetime:
    return max(instant(v["createdAt"]) for v in videos if v["createdAt"])


def test_demo_handles_have_the_promised_shapes(emulator: Emulator) -> None:
    counts = {h: len(emulator.videos(h)) for h in emulator.handles()}
    assert counts["empty.profile"] == 0 and counts["one.video"] == 1 and counts["full.page"] == 30
    assert counts["big.creator"] >= 1000 and counts["private.person"] == 0
    assert sum(v["isAd"] for v in emulator.videos("ads.creator")) >= 3
    nulls = emulator.videos("nulls.creator")
    for field in ("caption", "createdAt", "durationMs", "url", "thumbnailUrl"):
        assert any(v[field] is None for v in nulls), field
    captions = "".join(v["caption"] for v in emulator.videos("unicode.creator"))
    assert any(ord(c) > 0xFFFF for c in captions) and "\u05e9" in captions and "東" in captions
    for handle in ("daily.vlogger", "nasa.fan", "cook_with_kim"):
        videos = emulator.videos(handle)
        week = [v for v in videos if v["createdAt"] and instant(v["createdAt"]) >= newest(videos) - timedelta(days=7)]
        assert 80 <= len(videos) <= 150 and 2 <= len(week) < 30, handle
    every = [v for h in emulator.handles() for v in emulator.videos(h)]
    assert all(instant(v["createdAt"]) < ANCHOR for v in every if v["createdAt"])
    assert all(len(v["id"]) == 19 and v["id"].isdigit() for v in every)


def test_profile_route_tells_found_private_and_not_found(api: ApiClient) -> None:
    found = api.get("/v1/tiktok/profiles/@big.creator").json()["data"]
    assert found["lookupStatus"] == "found" and found["profile"]["handle"] == "big.creator"
    assert found["metrics"]["posts"] == len(api.emu.videos("big.creator"))
    private = api.get("/v1/tiktok/profiles/private.person").json()["data"]
    assert private["lookupStatus"] == "private" and private["profile"]["privateAccount"] is True
    assert private["metrics"] is not None
    assert api.get("/v1/tiktok/profiles/nobody.here").json()["data"] == {
        "lookupStatus": "not_found", "profile": None, "metrics": None}


def test_publish_adds_videos_newer_than_all_and_first_in_latest(api: ApiClient) -> None:
    before = newest(api.emu.videos("pinned.creator"))
    made = api.emu.publish("pinned.creator", 3)
    assert len(made) == 3 and all(instant(v["createdAt"]) > before for v in made)
    page = api.videos("pinned.creator", sortBy="latest").json()["data"]["videos"]
    assert [v["id"] for v in page[3:6]] == [v["id"] for v in reversed(made)]
    assert api.get("/v1/tiktok/profiles/pinned.creator").json()["data"]["metrics"]["posts"] == 101


def test_change_stats_raises_the_counters_the_api_serves(api: ApiClient) -> None:
    old = {v["id"]: v["stats"] for v in api.emu.videos("cook_with_kim")}
    ids = api.emu.change_stats("cook_with_kim", count=5)
    assert ids == [v["id"] for v in api.emu.videos("cook_with_kim")[:5]]
    served = {v["id"]: v for v in api.videos("cook_with_kim", sortBy="latest").json()["data"]["videos"]}
    for video_id in ids:
        stats = served[video_id]["stats"]
        assert all(stats[k] > old[video_id][k] for k in stats)
        assert served[video_id]["details"]["statistics"]["playCount"] == stats["views"]
    untouched = [v for v in served if v not in ids]
    assert all(served[v]["stats"] == old[v] for v in untouched)


def test_delete_pin_unpin(api: ApiClient) -> None:
    videos = api.emu.videos("one.video")
    api.emu.delete_video("one.video", videos[0]["id"])
    assert api.videos("one.video", sortBy="latest").json()["data"]["videos"] == []
    assert api.emu.video("one.video", videos[0]["id"]) is None
    target = api.emu.videos("nasa.fan")[-1]
    api.emu.pin("nasa.fan", target["id"])
    first = api.videos("nasa.fan", sortBy="latest").json()["data"]["videos"]
    assert target["id"] in [v["id"] for v in first[:2]] and api.emu.video("nasa.fan", target["id"])["pinned"]
    api.emu.unpin("nasa.fan", target["id"])
    assert api.emu.videos("nasa.fan")[-1]["id"] == target["id"]
    for video in api.emu.videos("pinned.creator")[3:4]:
        with pytest.raises(ValueError):
            api.emu.pin("pinned.creator", video["id"])


def test_private_and_not_found_empty_the_list_but_still_charge(api: ApiClient) -> None:
    api.emu.set_private("daily.vlogger")
    assert api.videos("daily.vlogger", sortBy="latest").json()["data"] == {
        "videos": [], "page": {"nextCursor": None, "hasMore": False}}
    assert api.get("/v1/tiktok/profiles/daily.vlogger").json()["data"]["lookupStatus"] == "private"
    api.emu.set_private("daily.vlogger", False)
    assert len(api.videos("daily.vlogger", sortBy="latest").json()["data"]["videos"]) == 30
    api.emu.set_not_found("daily.vlogger")
    assert api.get("/v1/tiktok/profiles/daily.vlogger").json()["data"]["lookupStatus"] == "not_found"
    assert "daily.vlogger" not in api.emu.handles() and api.emu.videos("daily.vlogger") == []
    assert api.emu.credits_charged() == 4


def test_add_handle_and_generated_datasets(make_emulator) -> None:
    emu = make_emulator(dataset="empty")
    emu.add_handle("New.One", 12, pinned=2, ads=1, null_created=1)
    videos = emu.videos("new.one")
    assert len(videos) == 12 and [v["pinned"] for v in videos[:3]] == [True, True, False]
    assert sum(v["createdAt"] is None for v in videos) == 1 and sum(v["isAd"] for v in videos) == 1
    emu.add_handle("hidden.one", 5, private=True)
    assert emu.videos("hidden.one") == []
    generated = Dataset.generate(3, 40, seed=1)
    assert sorted(generated.creators) == ["gen.h0000", "gen.h0001", "gen.h0002"]
    bench = make_emulator(dataset="gen:4x45")
    assert bench.handles() == ["gen.h0000", "gen.h0001", "gen.h0002", "gen.h0003"]
    assert len(ApiClient(bench).pages("gen.h0003")) == 2


def test_videos_returns_copies(emulator: Emulator) -> None:
    emulator.videos("one.video")[0]["stats"]["views"] = -1
    assert emulator.videos("one.video")[0]["stats"]["views"] >= 0
