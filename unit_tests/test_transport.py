"""The API key never leaves its origin, not even through a real redirect; the pool fits the concurrency."""

from __future__ import annotations

from typing import Callable

import pytest
import requests
from requests.adapters import HTTPAdapter

from source_socialfetch_tiktok.api.transport import (
    API_KEY_HEADER,
    ApiKeyAuth,
    build_session,
    read_environment_once,
    request_timeout,
)
from unit_tests.conftest import API_KEY, LoopbackServer, Reply, Route, SeenRequest, json_reply

Start = Callable[[Route], LoopbackServer]


def prepared(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url, headers={API_KEY_HEADER: "stale"}).prepare()


@pytest.mark.parametrize("url", ["https://api.socialfetch.dev/v1/whoami", "HTTPS://API.SOCIALFETCH.DEV/v1/x?y=1"])
def test_given_the_configured_origin_when_authenticating_then_the_key_is_added(url: str) -> None:
    request = ApiKeyAuth(API_KEY, "https://api.socialfetch.dev")(prepared(url))

    assert request.headers[API_KEY_HEADER] == API_KEY


@pytest.mark.parametrize(
    "url",
    ["http://api.socialfetch.dev/v1/whoami", "https://api.socialfetch.dev:8443/v1/whoami",
     "https://evil.example/v1/whoami", "https://api.socialfetch.dev.evil.example/v1/whoami"],
)
def test_given_another_origin_when_authenticating_then_no_key_is_sent(url: str) -> None:
    request = ApiKeyAuth(API_KEY, "https://api.socialfetch.dev")(prepared(url))

    assert API_KEY_HEADER not in request.headers


def test_the_repr_of_the_auth_never_shows_the_key() -> None:
    auth = ApiKeyAuth(API_KEY, "https://api.socialfetch.dev")

    assert API_KEY not in repr(auth)
    assert API_KEY not in str(auth)


def redirect_to(location: str) -> Reply:
    return 302, {"Location": location}, b""


def two_origins(loopback: Start) -> tuple[LoopbackServer, LoopbackServer]:
    """`api` redirects /away to `other` (another port: another origin) and /here to itself."""
    other = loopback(lambda seen: json_reply(200, {"data": {}}))
    origin_b = other.base_url

    def api_route(seen: SeenRequest) -> Reply:
        if seen.path == "/v1/away":
            return redirect_to(f"{origin_b}/landing")
        if seen.path == "/v1/here":
            return redirect_to("/v1/landing")
        return json_reply(200, {"data": {}})

    return loopback(api_route), other


def test_a_followed_redirect_would_leak_the_key_which_is_why_no_redirect_is_ever_followed(loopback: Start) -> None:
    # requests drops `Authorization` on a redirect to another host, not custom headers: the stream
    # and `check` pass allow_redirects=False (integration_tests/test_secrets.py checks both).
    api, other = two_origins(loopback)

    requests.Session().get(f"{api.base_url}/v1/away", headers={API_KEY_HEADER: API_KEY}, timeout=5)

    assert other.seen[0].headers.get(API_KEY_HEADER) == API_KEY


@pytest.mark.parametrize("concurrency", [1, 4, 32])
def test_the_session_verifies_tls_and_pools_as_many_connections_as_the_concurrency(concurrency: int) -> None:
    session = build_session(concurrency)

    assert session.verify is True
    for scheme in ("http://", "https://"):
        adapter = session.get_adapter(f"{scheme}api.socialfetch.dev")
        assert isinstance(adapter, HTTPAdapter)
        assert adapter.poolmanager.connection_pool_kw["maxsize"] == concurrency


def test_the_timeout_connects_quickly_but_waits_the_configured_read_time() -> None:
    connect, read = request_timeout(90)

    assert 0 < connect <= 30
    assert read == 90.0


ENVIRONMENT = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.mark.parametrize(
    "env",
    [{}, {"HTTPS_PROXY": "http://proxy.corp:3128"}, {"https_proxy": "http://proxy.corp:3128", "ALL_PROXY": "http://all:1"},
     {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "api.socialfetch.dev"},
     {"HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": ".socialfetch.dev,localhost"},
     {"REQUESTS_CA_BUNDLE": "/etc/corp/ca.pem"}, {"CURL_CA_BUNDLE": "/etc/corp/curl.pem"}],
)
def test_the_environment_is_read_once_into_the_settings_requests_would_have_read_on_every_request(
    monkeypatch: pytest.MonkeyPatch, env: dict
) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    url = "https://api.socialfetch.dev/v1/tiktok/profiles/a/videos?sortBy=latest"
    per_request = requests.Session().merge_environment_settings(url, {}, None, None, None)
    session = requests.Session()

    read_environment_once(session, "https://api.socialfetch.dev")
    for name in env:
        monkeypatch.delenv(name)  # read once: a later change is not seen

    assert session.trust_env is False
    assert session.merge_environment_settings(url, {}, None, None, None) == per_request
