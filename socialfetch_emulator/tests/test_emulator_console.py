"""The `socialfetch-emulator` console script (setup.py) works as docs/emulator.md and the README
say: it prints its URL, serves the API and the admin routes, moves a running emulator's clock with
`advance`, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

SCRIPT = Path(sys.executable).with_name("socialfetch-emulator")


def call(url: str, method: str = "GET", body: Optional[Dict[str, Any]] = None, key: Optional[str] = None) -> Any:
    headers = {"Content-Type": "application/json", **({"x-api-key": key} if key else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not SCRIPT.exists(), reason="the package is not installed with its console scripts")
def test_the_console_script_serves_changes_the_world_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen([str(SCRIPT), "--port", "0", "--dataset", "demo", "--credits", "100"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert call(url + "/v1/whoami", key="sfk_demo")["data"]["user"]["username"] == "demo"
        made = call(url + "/_emulator/publish", "POST", {"handle": "nasa.fan", "count": 2})["videos"]
        deleted = call(url + "/_emulator/delete_videos", "POST", {"handle": "nasa.fan", "count": 1, "which": "old"})
        call(url + "/_emulator/private", "POST", {"handle": "one.video"})
        page = call(url + "/v1/tiktok/profiles/nasa.fan/videos?sortBy=latest", key="sfk_demo")["data"]["videos"]
        ids = [v["id"] for v in page]
        assert all(v["id"] in ids for v in made) and deleted["deleted"][0] not in ids
        assert call(url + "/_emulator/truth?handle=one.video")["videos"] == []
        advanced = subprocess.run([str(SCRIPT), "advance", "--url", url, "--days", "1"],
                                  capture_output=True, text=True, timeout=60)
        assert advanced.returncode == 0, advanced.stderr
        assert advanced.stdout.strip() == call(url + "/_emulator/clock")["now"] == "2026-11-02T00:00:00Z"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
