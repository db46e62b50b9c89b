"""HTTP plumbing: a pooled session sized to the concurrency, and an API key that never leaves its origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

API_KEY_HEADER = "x-api-key"
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


class SocialFetchSession(requests.Session):
    """requests strips `Authorization` on a redirect to another host, but not custom headers:
    drop `x-api-key` whenever a redirect leaves the original origin."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        old, new = response.request.url, prepared_request.url
        if not old or not new or _origin(old) != _origin(new):
            prepared_request.headers.pop(API_KEY_HEADER, None)


def build_session(pool_size: int) -> requests.Session:
    """One pool of `pool_size` keep-alive connections for http and https alike (the CDK sizes
    only https, leaving http at requests' default of 10)."""
    session = SocialFetchSession()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = True
    session.headers.update({"Accept": "application/json", "User-Agent": "airbyte-source-socialfetch-tiktok"})
    return session


def request_timeout(read_seconds: float) -> tuple[float, float]:
    return (CONNECT_TIMEOUT_SECONDS, float(read_seconds))


