"""Keys and credits: 401 for a missing or unknown key, 403 for a revoked one, 402 when the balance
is too low (nothing taken), one credit per metered call whatever the lookup found, free routes free."""

from __future__ import annotations

import requests

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient


def test_missing_or_unknown_key_is_401_unauthorized(emulator: Emulator) -> None:
    for headers in ({}, {"x-api-key": "sfk_nope"}):
        response = requests.get(emulator.base_url + "/v1/tiktok/profiles/one.video/videos", headers=headers, timeout=5)
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "unauthorized" and error["requestId"].startswith("req_")
    assert emulator.balance() == 1_000_000


def test_revoked_key_is_403_unauthorized(emulator: Emulator) -> None:
    emulator.add_key("sfk_other", 5)
    other = ApiClient(emulator, "sfk_other")
    assert other.get("/v1/whoami").status_code == 200
    emulator.revoke_key("sfk_other")
    response = other.get("/v1/tiktok/profiles/one.video")
    assert response.status_code == 403 and response.json()["error"]["code"] == "unauthorized"
    assert emulator.balance("sfk_other") == 5


def test_metered_calls_charge_one_credit_whatever_the_outcome(api: ApiClient) -> None:
    calls = [
        api.videos("big.creator", sortBy="latest"),
        api.videos("empty.profile", sortBy="latest"),
        api.videos("private.person", sortBy="latest"),
        api.videos("nobody.at.all", sortBy="latest"),
        api.get("/v1/tiktok/profiles/nobody.at.all"),
        api.get("/v1/tiktok/profiles/private.person"),
    ]
    assert all(c.status_code == 200 and c.json()["meta"]["creditsCharged"] == 1 for c in calls)
    assert api.emu.balance() == 1_000_000 - 6
    assert api.emu.credits_charged() == 6


def test_whoami_and_balance_are_free(api: ApiClient) -> None:
    user = api.get("/v1/whoami").json()
    assert user["data"]["user"]["username"] == "demo" and user["meta"]["creditsCharged"] == 0
    assert api.get("/v1/balance").json()["data"] == {"credits": 1_000_000}
    assert api.emu.balance() == 1_000_000


def test_given_a_low_balance_then_402_and_nothing_is_taken(make_emulator) -> None:
    emu = make_emulator(credits=1)
    client = ApiClient(emu)
    assert client.videos("one.video", sortBy="latest").status_code == 200
    response = client.videos("one.video", sortBy="latest")
    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
    assert emu.balance() == 0
    assert client.get("/v1/whoami").status_code == 200, "free routes work at zero balance"
    emu.set_balance(3)
    assert client.get("/v1/balance").json()["data"]["credits"] == 3
    assert [r.credits for r in emu.requests if r.route == "videos"] == [1, 0]


def test_concurrent_calls_never_take_the_balance_below_zero(make_emulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    emu = make_emulator(credits=5, latency_ms=50)
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: ApiClient(emu).videos("one.video", sortBy="latest").status_code, range(12)))
    assert sorted(statuses) == [200] * 5 + [402] * 7
    assert emu.balance() == 0
