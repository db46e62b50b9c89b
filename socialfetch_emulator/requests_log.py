"""What the emulator served. Each entry is appended before the response is written, so a test that
reads the log after its client got an answer always finds the entry."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class ServedRequest:
    route: str  # videos | profile | whoami | balance | unknown
    method: str
    path: str  # decoded, without the query
    raw_path: str  # as sent, with the query
    handle: Optional[str]
    query: Dict[str, str]
    status: int  # 0 when no response was sent (drop, timeout)
    credits: int
    fault: Optional[str]
    started: float  # time.monotonic()
    duration: float
    request_id: Optional[str] = None
    api_key: Optional[str] = field(default=None, repr=False)
    tick: Optional[int] = None  # the world's tick the answer reflects (World.listed_at tells what was listed)

    @property
    def user_id_sent(self) -> bool:
        """Whether the call carried a `userId` query parameter (right or wrong)."""
        return "userId" in self.query

    @property
    def lookup(self) -> bool:
        """Whether the API had to resolve the handle first: a videos call with neither cursor nor userId."""
        return self.route == "videos" and "cursor" not in self.query and "userId" not in self.query

    def to_dict(self) -> Dict[str, Any]:
        """For the admin route: the key is masked, so a demo that prints the log leaks nothing."""
        body = dataclasses.asdict(self)
        body["api_key"] = (self.api_key[:4] + "...") if self.api_key else None
        body["user_id_sent"], body["lookup"] = self.user_id_sent, self.lookup
        return body


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: List[ServedRequest] = []

    def add(self, entry: ServedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def all(self) -> List[ServedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def credits(self) -> int:
        with self._lock:
            return sum(e.credits for e in self._entries)
