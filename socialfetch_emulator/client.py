"""A small `requests` client that talks to an emulator the way a well-behaved API client does."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import requests

from socialfetch_emulator.emulator import Emulator


class ApiClient:
    """Real HTTP against one emulator; `requests` URL-encodes the query (cursors included)."""

    def __init__(self, emu: Emulator, api_key: Optional[str] = None) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.session.headers["x-api-key"] = api_key or emu.api_key

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.emu.base_url + path, params={k: v for k, v in params.items() if v is not None},
                                timeout=10)

    def videos(self, handle: str, **params: Any) -> requests.Response:
        return self.get(f"/v1/tiktok/profiles/{handle}/videos", **params)

    def pages(self, handle: str, sort: Optional[str] = "latest", trim: Optional[bool] = None,
              limit: int = 1000) -> List[Dict[str, Any]]:
        """Every page body of a full read, following nextCursor while hasMore."""
        bodies: List[Dict[str, Any]] = []
        cursor = None
        for _ in range(limit):
            response = self.videos(handle, sortBy=sort, cursor=cursor, trim=None if trim is None else str(trim).lower())
            assert response.status_code == 200, response.text
            bodies.append(response.json())
            page = bodies[-1]["data"]["page"]
            if not page["hasMore"]:
                return bodies
            cursor = page["nextCursor"]
        raise AssertionError(f"{handle}: more than {limit} pages")

    def read_all(self, handle: str, sort: Optional[str] = "latest") -> List[Dict[str, Any]]:
        return [v for body in self.pages(handle, sort) for v in body["data"]["videos"]]
