"""HTTP plumbing: pools sized to the concurrency, time-outs, and an API key only ever sent to its origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

API_KEY_HEADER = "x-api-key"
USER_AGENT = "airbyte-source-socialfetch-tiktok"
CONNECT_TIMEOUT_SECONDS = 10.0


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class ApiKeyAuth(AuthBase):
    """Adds `x-api-key` only to requests for the configured origin."""

    def __init__(self, api_key: str, base_url: str):
        self._api_key = api_key
        self._origin = _origin(base_url)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.url and _origin(request.url) == self._origin:
            request.headers[API_KEY_HEADER] = self._api_key
        else:
            request.headers.pop(API_KEY_HEADER, None)
        return request

    def __repr__(self) -> str:  # never the key, even in a debug dump
        return "ApiKeyAuth(***)"


def pool_http_connections(session: requests.Session, pool_size: int) -> None:
    """Keep `pool_size` keep-alive connections for http and https alike (the CDK sizes only https,
    leaving http at requests' default of 10)."""
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1))
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def read_environment_once(session: requests.Session, base_url: str) -> None:
    """Settle what requests would read from the environment on every request to `base_url` (its
    proxy, unless `no_proxy` exempts the host; `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE`), and stop
    it reading them again. Neither the base URL nor the environment changes during a sync, and
    that reading walked every environment variable twice a request: about 0.2 ms of CPU a page,
    more than the connector's own work on the page's 30 videos. (`.netrc`, the other thing
    `trust_env` reads, is never used: the session always has its authenticator.)"""
    settings = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies = settings["proxies"]
    session.verify = settings["verify"]
    session.trust_env = False


def build_session(pool_size: int) -> requests.Session:
    """A pooled session for the calls made outside a stream (`check`); it never follows a redirect
    (every call passes `allow_redirects=False`), so the key cannot follow one elsewhere."""
    session = requests.Session()
    pool_http_connections(session, pool_size)
    session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
    return session


def request_timeout(read_seconds: float) -> tuple[float, float]:
    return (CONNECT_TIMEOUT_SECONDS, float(read_seconds))
