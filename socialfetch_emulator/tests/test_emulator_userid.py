"""The `userId` assumptions of SOCIALFETCH_API.md, modelled by the emulator: every handle has one
id, shown as `details.author.id` (full responses only) and `profile.platformUserId`; a wrong id is
a free 400 and never another profile's videos; a videos call with neither cursor nor userId pays
the handle lookup (`lookup_latency_ms`); the request log tells which calls carried an id."""

from __future__ import annotations

import time

import requests

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient

LOOKUP_MS = 500


def user_id(api: ApiClient, handle: str) -> str:
    return api.get(f"/v1/tiktok/profiles/{handle}").json()["data"]["profile"]["platformUserId"]


def test_full_pages_name_their_author_and_trim_pages_do_not(api: ApiClient) -> None:
    ids = set()
    for handle in api.emu.handles():
        uid = user_id(api, handle)
        ids.add(uid)
        for body in api.pages(handle):
            for video in body["data"]["videos"]:
                author = video["details"]["author"]
                assert (author["id"], author["uniqueId"]) == (uid, handle)
        assert all("details" not in v for body in api.pages(handle, trim=True) for v in body["data"]["videos"])
    assert len(ids) == len(api.emu.handles()), "one id per handle"


def test_the_right_user_id_is_accepted_and_serves_the_same_pages(api: ApiClient) -> None:
    uid = user_id(api, "nasa.fan")
    plain = api.videos("nasa.fan", sortBy="latest").json()["data"]
    carried = api.videos("@Nasa.Fan", sortBy="latest", userId=uid).json()["data"]
    assert carried == plain
    second = api.videos("nasa.fan", sortBy="latest", userId=uid, cursor=plain["page"]["nextCursor"])
    assert second.status_code == 200 and second.json()["data"]["videos"]
    private = api.videos("private.person", sortBy="latest", userId=user_id(api, "private.person"))
    assert private.status_code == 200 and private.json()["data"]["videos"] == []


def test_a_user_id_of_another_handle_is_a_free_400_never_its_videos(api: ApiClient) -> None:
    other = user_id(api, "cook_with_kim")
    first = api.videos("nasa.fan", sortBy="latest").json()["data"]
    balance = api.emu.balance()
    refused = [
        api.videos("nasa.fan", sortBy="latest", userId=other),
        api.videos("nasa.fan", sortBy="latest", userId="1234567890123456789"),
        api.videos("nasa.fan", sortBy="latest", userId=other, cursor=first["page"]["nextCursor"]),
        api.videos("nobody.here", sortBy="latest", userId=other),
    ]
    for response in refused:
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
        assert "data" not in response.json()
    assert api.emu.balance() == balance and [r.credits for r in api.emu.requests[-4:]] == [0] * 4
    assert api.videos("nobody.here", sortBy="latest").json()["data"]["videos"] == [], "no id: as before"


def test_a_videos_call_without_cursor_or_user_id_pays_the_lookup(make_emulator) -> None:
    emu = make_emulator(lookup_latency_ms=LOOKUP_MS)
    api = ApiClient(emu)
    uid = user_id(api, "big.creator")

    def timed(**params: str) -> tuple[float, dict]:
        started = time.monotonic()
        response = api.videos("big.creator", sortBy="latest", **params)
        assert response.status_code == 200
        return time.monotonic() - started, response.json()["data"]

    slow, first = timed()
    fast, _ = timed(userId=uid)
    paged, _ = timed(cursor=first["page"]["nextCursor"])
    assert slow >= LOOKUP_MS / 1000 and fast < 0.7 * LOOKUP_MS / 1000 and paged < 0.7 * LOOKUP_MS / 1000
    started = time.monotonic()
    api.get("/v1/tiktok/profiles/big.creator")
    assert time.monotonic() - started < 0.7 * LOOKUP_MS / 1000, "the profile route is not a videos lookup"
    emu.set_lookup_latency(0)
    assert timed()[0] < 0.7 * LOOKUP_MS / 1000 and emu.lookup_latency_ms == 0
    answer = requests.post(emu.base_url + "/_emulator/lookup_latency", json={"ms": LOOKUP_MS}, timeout=5)
    assert answer.json() == {"lookup_latency_ms": LOOKUP_MS}
    assert timed()[0] >= LOOKUP_MS / 1000
    assert requests.post(emu.base_url + "/_emulator/lookup_latency", json={"ms": -1}, timeout=5).status_code == 400


def test_the_request_log_tells_which_calls_carried_a_user_id(emulator: Emulator) -> None:
    api = ApiClient(emulator)
    uid = user_id(api, "one.video")
    api.videos("one.video", sortBy="latest")
    api.videos("one.video", sortBy="latest", userId=uid)
    api.videos("one.video", sortBy="latest", userId="42")
    videos = [r for r in emulator.requests if r.route == "videos"]
    assert [(r.user_id_sent, r.lookup, r.status) for r in videos] == [
        (False, True, 200), (True, False, 200), (True, False, 400)]
    log = requests.get(emulator.base_url + "/_emulator/requests", timeout=5).json()["requests"]
    assert [(r["user_id_sent"], r["lookup"]) for r in log] == [(False, False)] + [
        (r.user_id_sent, r.lookup) for r in videos]
