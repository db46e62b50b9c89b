"""Passing a request a test server received on to the emulator, and its answer back: the one copy
for the tests that put a server between the connector and the emulator (a proxy, a relay)."""

from __future__ import annotations

import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Mapping

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through HTTP_PROXY itself


def pass_on(handler: BaseHTTPRequestHandler, upstream: str, headers: Mapping[str, str]) -> None:
    """GET `upstream` with `headers` and answer `handler`'s request with what came back."""
    try:
        with DIRECT.open(urllib.request.Request(upstream, headers=dict(headers)), timeout=10) as answer:
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
