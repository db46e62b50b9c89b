"""The server itself: the request log, concurrency under latency, keep-alive, unknown routes, the
admin routes another process drives, and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient

ROOT = Path(__file__).resolve().parent.parent


def test_every_request_is_logged_before_its_answer(api: ApiClient) -> None:
    user_id = api.emu.world.creator("big.creator").user_id
    api.videos("big.creator", sortBy="popular", region="US", userId=user_id, trim="true")
    entry = api.emu.requests[-1]
    assert (entry.route, entry.method, entry.handle, entry.status, entry.credits, entry.fault) == (
        "videos", "GET", "big.creator", 200, 1, None)
    assert entry.query == {"sortBy": "popular", "region": "US", "userId": user_id, "trim": "true"}
    assert entry.user_id_sent and not entry.lookup
    assert entry.raw_path.startswith("/v1/tiktok/profiles/big.creator/videos?") and entry.duration >= 0
    api.get("/v1/tiktok/profiles/%40Caf%C3%A9")
    assert api.emu.requests[-1].handle == "@Café" and api.emu.requests[-1].route == "profile"
    assert api.emu.credits_charged() == 2
    api.emu.clear_requests()
    assert api.emu.requests == [] and api.emu.credits_charged() == 0


def test_unknown_routes_and_methods_answer_with_an_error_envelope(api: ApiClient) -> None:
    missing = api.get("/v2/whoami")
    assert missing.status_code == 404 and "message" in missing.json()["error"]
    post = api.session.post(api.emu.base_url + "/v1/whoami", timeout=5)
    assert post.status_code == 405 and post.json()["error"]["code"] == "bad_request"


def test_sixteen_concurrent_requests_at_200_ms_take_about_200_ms(make_emulator) -> None:
    emu = make_emulator(latency_ms=200)
    clients = [ApiClient(emu) for _ in range(16)]
    clients[0].get("/v1/whoami")  # warm up the import paths, not the latency
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda c: c.videos("big.creator", sortBy="latest").status_code, clients))
    elapsed = time.monotonic() - started
    assert statuses == [200] * 16
    assert 0.2 <= elapsed < 0.6, elapsed


def test_latency_per_handle(make_emulator) -> None:
    emu = make_emulator()
    emu.set_latency(250, handle="nasa.fan")
    client = ApiClient(emu)
    started = time.monotonic()
    client.videos("one.video", sortBy="latest")
    fast = time.monotonic() - started
    client.videos("nasa.fan", sortBy="latest")
    assert fast < 0.1 and time.monotonic() - started >= 0.25


def test_keep_alive_reuses_one_connection(api: ApiClient) -> None:
    for _ in range(20):
        response = api.videos("one.video", sortBy="latest")
        assert response.headers["Content-Length"] == str(len(response.content))
    pool = next(iter(api.session.adapters["http://"].poolmanager.pools._container.values()))
    assert pool.num_connections == 1


def test_admin_routes_drive_the_world_from_another_process(emulator: Emulator) -> None:
    admin = emulator.base_url + "/_emulator"
    made = requests.post(admin + "/publish", json={"handle": "nasa.fan", "count": 2}, timeout=5).json()["videos"]
    assert [v["id"] for v in emulator.videos("nasa.fan")[1:3]] == [v["id"] for v in reversed(made)]
    ids = requests.post(admin + "/change_stats", json={"handle": "nasa.fan", "count": 1}, timeout=5).json()["ids"]
    assert len(ids) == 1
    fault = requests.post(admin + "/faults", json={"kind": "503", "times": 1, "retry_after": 0}, timeout=5).json()
    assert fault["fault"]["kind"] == "503"
    client = ApiClient(emulator)
    assert client.videos("nasa.fan", sortBy="latest").status_code == 503
    assert requests.delete(admin + "/faults", timeout=5).json() == {"cleared": True}
    assert requests.post(admin + "/balance", json={"credits": 42}, timeout=5).json() == {"credits": 42}
    assert client.videos("nasa.fan", sortBy="latest").status_code == 200 and emulator.balance() == 41
    log = requests.get(admin + "/requests", timeout=5).json()
    assert [r["status"] for r in log["requests"]] == [503, 200] and log["creditsCharged"] == 1
    assert requests.post(admin + "/publish", json={"handle": "nobody"}, timeout=5).status_code == 400
    assert requests.get(admin + "/nothing", timeout=5).status_code == 404
    assert len(emulator.requests) == 2, "admin calls are not API traffic"


def test_cli_prints_its_url_and_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "socialfetch_emulator", "--port", "0", "--seed", "7", "--credits", "10"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().rstrip("\n")
        assert url.startswith("http://127.0.0.1:") and url.split(":")[-1].isdigit()
        body = requests.get(url + "/v1/tiktok/profiles/one.video/videos", params={"sortBy": "latest"},
                            headers={"x-api-key": "sfk_demo"}, timeout=5).json()
        assert len(body["data"]["videos"]) == 1
        balance = requests.get(url + "/v1/balance", headers={"x-api-key": "sfk_demo"}, timeout=5).json()
        assert balance["data"]["credits"] == 9
        assert json.loads(requests.get(url + "/_emulator/requests", timeout=5).text)["creditsCharged"] == 1
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
