"""Server-side pagination: complete and duplicate-free in every order, pinned first under latest,
stable while videos are published mid-read, and cursors that must be URL-encoded and cannot be forged."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient

EXPECTED_PAGES = {"empty.profile": 1, "one.video": 1, "full.page": 1, "big.creator": 40, "pinned.creator": 4,
                  "private.person": 1}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("sort", ["latest", "popular", None])
def test_given_any_order_when_reading_all_pages_then_every_video_comes_exactly_once(api: ApiClient, sort) -> None:
    for handle in api.emu.handles():
        got = [v["id"] for v in api.read_all(handle, sort)]
        assert Counter(got) == Counter(v["id"] for v in api.emu.videos(handle)), handle
        assert got == [v["id"] for v in api.emu.videos(handle, sort)], f"{handle}: videos() must be the API order"


def test_demo_handles_have_the_documented_page_counts(api: ApiClient) -> None:
    for handle, pages in EXPECTED_PAGES.items():
        assert len(api.pages(handle)) == pages, handle
    assert len(api.emu.videos("big.creator")) >= 1000
    last = api.pages("full.page")[-1]["data"]["page"]
    assert last == {"nextCursor": None, "hasMore": False}


def test_given_latest_then_pinned_come_first_and_the_rest_newest_first(api: ApiClient) -> None:
    videos = api.read_all("pinned.creator")
    pinned, rest = videos[:3], videos[3:]
    assert all(v["pinned"] for v in pinned) and not any(v["pinned"] for v in rest)
    instants = [instant(v["createdAt"]) for v in rest]
    assert instants == sorted(instants, reverse=True)
    assert max(instant(v["createdAt"]) for v in pinned) < min(instants) - timedelta(days=365)


def test_given_popular_then_most_viewed_first(api: ApiClient) -> None:
    views = [v["stats"]["views"] for v in api.read_all("big.creator", "popular")]
    assert views == sorted(views, reverse=True)
    assert views[0] > 2**31


def test_given_videos_published_during_a_latest_read_then_no_page_repeats_or_skips(api: ApiClient) -> None:
    before = [v["id"] for v in api.emu.videos("big.creator")]
    seen, cursor = [], None
    for n in range(40):
        body = api.videos("big.creator", sortBy="latest", cursor=cursor).json()
        seen += [v["id"] for v in body["data"]["videos"]]
        if n % 5 == 0:
            api.emu.publish("big.creator", 2)
        if not body["data"]["page"]["hasMore"]:
            break
        cursor = body["data"]["page"]["nextCursor"]
    assert seen == before


def test_null_created_at_videos_have_a_fixed_place_in_latest_order(api: ApiClient) -> None:
    first = [v["id"] for v in api.read_all("nulls.creator")]
    assert any(v["createdAt"] is None for v in api.emu.videos("nulls.creator"))
    assert first == [v["id"] for v in api.read_all("nulls.creator")]


def test_cursors_carry_characters_that_need_url_encoding(api: ApiClient) -> None:
    cursor = api.videos("big.creator", sortBy="latest").json()["data"]["page"]["nextCursor"]
    assert {"+", "/", "="} <= set(cursor)
    raw = requests.get(f"{api.emu.base_url}/v1/tiktok/profiles/big.creator/videos?sortBy=latest&cursor={cursor}",
                       headers={"x-api-key": "sfk_demo"}, timeout=5)
    assert raw.status_code == 400 and raw.json()["error"]["code"] == "bad_request"
    assert api.videos("big.creator", sortBy="latest", cursor=cursor).status_code == 200


def test_forged_or_foreign_cursors_are_bad_requests(api: ApiClient) -> None:
    cursor = api.videos("big.creator", sortBy="latest").json()["data"]["page"]["nextCursor"]
    decoded = base64.b64decode(cursor)
    assert b'"o":0' in decoded
    forged = base64.b64encode(decoded.replace(b'"o":0', b'"o":9')).decode()
    popular = api.videos("big.creator", sortBy="popular").json()["data"]["page"]["nextCursor"]
    for handle, sort, bad in [("big.creator", "latest", forged), ("big.creator", "latest", "bm90LWEtY3Vyc29y"),
                              ("nasa.fan", "latest", cursor), ("big.creator", "latest", popular),
                              ("big.creator", "latest", "")]:
        response = api.videos(handle, sortBy=sort, cursor=bad)
        assert response.status_code == 400, (handle, bad)
        assert response.json()["error"]["code"] == "bad_request"
    assert api.emu.credits_charged() == 2, "bad requests are not charged"


@pytest.mark.parametrize("handle,params", [("x" * 65, {"sortBy": "latest"}), ("one.video", {"sortBy": "oldest"}),
                                           ("a%2Fb", {"sortBy": "latest"}), ("one.video", {"trim": "maybe"}),
                                           ("one.video", {"region": ""})])
def test_invalid_requests_answer_400(api: ApiClient, handle: str, params: dict) -> None:
    response = api.videos(handle, **params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert api.emu.balance() == 1_000_000


def test_a_64_char_handle_and_an_at_sign_are_accepted(api: ApiClient) -> None:
    assert api.videos("x" * 64, sortBy="latest").json()["data"]["videos"] == []
    assert len(api.videos("@One.Video", sortBy="latest").json()["data"]["videos"]) == 1


def test_created_at_uses_several_iso_spellings(emulator: Emulator) -> None:
    spellings = {("ms" if "." in v["createdAt"] else "s") + ("Z" if v["createdAt"].endswith("Z") else "+")
                 for v in emulator.videos("big.creator")}
    assert {"sZ", "msZ", "s+"} <= spellings


def test_same_seed_gives_byte_identical_pages(make_emulator) -> None:
    bodies = []
    for _ in range(2):
        emu = make_emulator(seed=11)
        session = requests.Session()
        session.headers["x-api-key"] = "sfk_demo"
        first = session.get(f"{emu.base_url}/v1/tiktok/profiles/cook_with_kim/videos?sortBy=latest", timeout=5)
        cursor = first.json()["data"]["page"]["nextCursor"]
        second = session.get(f"{emu.base_url}/v1/tiktok/profiles/cook_with_kim/videos",
                             params={"sortBy": "latest", "cursor": cursor}, timeout=5)
        bodies.append(first.content + second.content)
    assert bodies[0] == bodies[1]
    assert make_emulator(seed=12).videos("cook_with_kim") != make_emulator(seed=11).videos("cook_with_kim")


def test_page_size_is_configurable(make_emulator) -> None:
    emu = make_emulator(page_size=10)
    client = ApiClient(emu)
    assert len(client.pages("pinned.creator")) == 10
    assert [v["id"] for v in client.read_all("pinned.creator")] == [v["id"] for v in emu.videos("pinned.creator")]
