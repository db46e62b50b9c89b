"""Builders shared by the unit tests: hand-made `requests.Response` objects, a loopback HTTP server
that records what it received, and a valid config."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from integration_tests.faultkit.servers import Answer, Recorder, Route, SeenRequest

__all__ = ["Answer", "LoopbackServer", "Reply", "Route", "SeenRequest", "json_reply", "loopback"]

API_KEY = "sfk_unit_test_secret_0123456789"


def http_response(
    status: int,
    body: Union[bytes, str, Mapping[str, Any], List[Any], None] = None,
    headers: Optional[Mapping[str, str]] = None,
    url: str = "https://api.socialfetch.dev/v1/tiktok/profiles/nasa/videos",
) -> requests.Response:
    """A `requests.Response` built by hand: JSON for mappings and lists, raw bytes otherwise."""
    response = requests.Response()
    response.status_code = status
    if isinstance(body, bytes):
        response._content = body
    elif isinstance(body, str):
        response._content = body.encode()
    elif body is None:
        response._content = b""
    else:
        response._content = json.dumps(body).encode()
    response.headers = CaseInsensitiveDict(headers or {})
    response.url = url
    return response


def api_error(code: str, message: str = "something went wrong") -> Dict[str, Any]:
    return {"error": {"code": code, "message": message, "requestId": "req_1"}}


def videos_page(videos: List[Dict[str, Any]], next_cursor: Optional[str] = None, has_more: bool = False,
                credits: int = 1) -> Dict[str, Any]:
    return {
        "data": {"videos": videos, "page": {"nextCursor": next_cursor, "hasMore": has_more}},
        "meta": {"requestId": "req_1", "creditsCharged": credits, "version": "v1"},
    }


def raw_config(**overrides: Any) -> Dict[str, Any]:
    """The smallest valid config, with overrides (None removes a key)."""
    config: Dict[str, Any] = {"api_key": API_KEY, "handles": ["nasa"]}
    for key, value in overrides.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return config


# -- a loopback HTTP server: the project's one (integration_tests/faultkit/servers.py) ---------------

Reply = Answer
LoopbackServer = Recorder


def json_reply(status: int, body: Any, headers: Optional[Mapping[str, str]] = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


@pytest.fixture
def loopback() -> Iterator[Callable[[Route], LoopbackServer]]:
    """Start loopback servers on 127.0.0.1 (any free port); each records every request it gets
    and answers with `route(request)`. All are shut down after the test."""
    servers: List[Recorder] = []

    def start(route: Route) -> LoopbackServer:
        servers.append(Recorder(route).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
