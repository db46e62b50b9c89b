"""A sync behind an HTTP proxy: the proxy variables are read once per sync (not per request, see
`transport.read_environment_once`) and still route every request through the proxy."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest

from integration_tests.harness import catalog, config, keys, read, records, truth
from integration_tests.http_relay import pass_on

HANDLES = ["nasa.fan", "cook_with_kim", "one.video"]
UNREACHABLE = "http://localhost:1"  # nothing listens there: only the proxy reaches the API
FORWARDED = ("x-api-key", "accept", "user-agent")


@dataclass
class ForwardProxy:
    url: str = ""
    asked: List[str] = field(default_factory=list)  # the request targets, absolute URLs


@pytest.fixture
def forward_proxy(emulator) -> Iterator[ForwardProxy]:
    """A plain-HTTP forward proxy to the emulator, whatever host the request names."""
    proxy = ForwardProxy()
    asked = proxy.asked

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            asked.append(self.path)  # a proxy is sent the absolute URL
            target = urlsplit(self.path)
            upstream = emulator.base_url + target.path + (f"?{target.query}" if target.query else "")
            pass_on(self, upstream, {k: v for k, v in self.headers.items() if k.lower() in FORWARDED})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_every_request_of_a_sync_goes_through_the_configured_proxy(emulator, forward_proxy, monkeypatch, concurrency):
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)

    output = read(config(UNREACHABLE, HANDLES, concurrency=concurrency), catalog("incremental"))

    assert keys(records(output)) == truth(emulator, HANDLES)
    assert len(forward_proxy.asked) >= len(HANDLES), "the requests did not go through the proxy"
    assert all(target.startswith(f"{UNREACHABLE}/v1/tiktok/profiles/") for target in forward_proxy.asked)
