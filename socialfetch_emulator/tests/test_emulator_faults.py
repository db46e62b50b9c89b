"""Injected faults do what they say: the right status, code and headers, on the matching calls
only, `skip` and `times` counted, `probability` replayable, and none of them charged."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient

ERRORS = {"400": "bad_request", "401": "unauthorized", "402": "insufficient_credits", "403": "unauthorized",
          "500": "internal_error", "502": "lookup_failed", "503": "temporarily_unavailable"}


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_error_faults_answer_their_status_and_code_once_and_are_not_charged(api: ApiClient, kind: str) -> None:
    fault = api.emu.inject(kind)
    first = api.videos("one.video", sortBy="latest")
    assert first.status_code == int(kind)
    assert first.json()["error"]["code"] == ERRORS[kind]
    assert ("Retry-After" in first.headers) is (kind == "503")
    assert api.videos("one.video", sortBy="latest").status_code == 200
    assert fault.fired == 1
    assert [r.credits for r in api.emu.requests] == [0, 1]
    assert api.emu.requests[0].fault == kind


def test_429_has_retry_after_and_no_code(api: ApiClient) -> None:
    api.emu.inject("429", retry_after=2)
    response = api.videos("one.video", sortBy="latest")
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert "code" not in response.json()["error"] and response.json()["error"]["message"]


def test_faults_match_route_and_handle_and_honour_skip_and_times(api: ApiClient) -> None:
    fault = api.emu.inject("500", handle="nasa.fan", skip=1, times=2)
    assert api.videos("one.video", sortBy="latest").status_code == 200
    assert api.get("/v1/tiktok/profiles/nasa.fan").status_code == 200, "route videos only"
    statuses = [api.videos("@NASA.fan", sortBy="latest").status_code for _ in range(4)]
    assert statuses == [200, 500, 500, 200]
    assert fault.fired == 2
    forever = api.emu.inject("503", route="*", times=None, retry_after=0)
    assert [api.get(p).status_code for p in ("/v1/whoami", "/v1/balance", "/v1/tiktok/profiles/x")] == [503] * 3
    assert forever.fired == 3
    api.emu.clear_faults()
    assert api.get("/v1/whoami").status_code == 200


def test_probability_faults_are_replayable_with_their_seed(make_emulator) -> None:
    patterns = []
    for _ in range(2):
        emu = make_emulator()
        emu.inject("502", probability=0.4, seed=3)
        client = ApiClient(emu)
        patterns.append([client.videos("one.video", sortBy="latest").status_code for _ in range(20)])
    assert patterns[0] == patterns[1]
    assert 2 <= patterns[0].count(502) <= 15


def test_latency_fault_delays_then_answers(api: ApiClient) -> None:
    api.emu.inject("latency", delay_ms=300)
    started = time.monotonic()
    response = api.videos("one.video", sortBy="latest")
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    assert api.emu.requests[-1].fault == "latency" and api.emu.requests[-1].credits == 1


def test_timeout_fault_holds_the_request_without_answer(api: ApiClient) -> None:
    api.emu.inject("timeout", delay_ms=5_000)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.get(api.emu.base_url + "/v1/tiktok/profiles/one.video/videos", params={"sortBy": "latest"}, timeout=0.3)
    assert api.emu.requests[-1].status == 0


def test_timeout_fault_is_released_at_stop(make_emulator) -> None:
    emu = make_emulator()
    emu.inject("timeout", route="whoami")  # holds 30 s by default
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        sock.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\nx-api-key: sfk_demo\r\n\r\n")
        deadline = time.monotonic() + 2
        while not emu.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        emu.stop()
        sock.settimeout(2)
        assert sock.recv(100) == b"", "hung up without a status line"
        assert time.monotonic() - started < 1.5


def test_drop_closes_the_connection_without_a_response(api: ApiClient) -> None:
    api.emu.inject("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.videos("one.video", sortBy="latest")
    assert api.videos("one.video", sortBy="latest").status_code == 200


def test_nonjson_answers_200_with_html(api: ApiClient) -> None:
    api.emu.inject("nonjson")
    response = api.videos("one.video", sortBy="latest")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert api.emu.credits_charged() == 0


def test_truncated_body_breaks_the_read(api: ApiClient) -> None:
    api.emu.inject("truncated")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.videos("full.page", sortBy="latest")
    assert api.emu.credits_charged() == 0
    assert api.videos("full.page", sortBy="latest").status_code == 200


def test_no_videos_answers_200_without_the_videos_key(api: ApiClient) -> None:
    api.emu.inject("no_videos")
    body = api.videos("full.page", sortBy="latest").json()
    assert "videos" not in body["data"] and body["meta"]["creditsCharged"] == 0


def test_repeat_cursor_answers_the_cursor_it_was_given(api: ApiClient) -> None:
    first = api.videos("big.creator", sortBy="latest").json()["data"]["page"]["nextCursor"]
    api.emu.inject("repeat_cursor", times=2)
    again = api.videos("big.creator", sortBy="latest", cursor=first).json()["data"]["page"]
    assert again == {"nextCursor": first, "hasMore": True}
    restart = api.videos("big.creator", sortBy="latest").json()["data"]["page"]["nextCursor"]
    page_1 = api.videos("big.creator", sortBy="latest", cursor=restart).json()["data"]["videos"]
    assert [v["id"] for v in page_1] == [v["id"] for v in api.emu.videos("big.creator")[:30]], "back to the first page"


def test_hasmore_null_says_more_without_a_cursor(api: ApiClient) -> None:
    api.emu.inject("hasmore_null")
    page = api.videos("one.video", sortBy="latest").json()["data"]["page"]
    assert page == {"nextCursor": None, "hasMore": True}


def test_unknown_fault_kinds_and_routes_are_refused(emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        emulator.inject("418")
    with pytest.raises(ValueError):
        emulator.inject("500", route="nope")
    with pytest.raises(ValueError):
        emulator.inject("no_videos", route="profile")
