"""The documented response envelopes and the reply the HTTP layer writes."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

JSON = "application/json; charset=utf-8"


@dataclass
class Reply:
    """What to send. `transport` asks the HTTP layer to misbehave: drop, truncated or timeout."""

    status: int
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    credits: int = 0
    fault: Optional[str] = None
    request_id: Optional[str] = None
    transport: Optional[str] = None
    hold_seconds: float = 0.0
    tick: Optional[int] = None  # the world's tick when a profile or videos answer was built


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def ok(data: Any, request_id: str, credits: int) -> Reply:
    meta = {"requestId": request_id, "creditsCharged": credits, "version": "v1"}
    return Reply(200, dumps({"data": data, "meta": meta}), {"Content-Type": JSON}, credits=credits, request_id=request_id)


def error(status: int, code: Optional[str], message: str, request_id: str, headers: Optional[Dict[str, str]] = None) -> Reply:
    """`code` None leaves the key out: the docs list no code for rate limits."""
    body: Dict[str, Any] = {"message": message, "requestId": request_id}
    if code is not None:
        body = {"code": code, **body}
    return Reply(status, dumps({"error": body}), {"Content-Type": JSON, **(headers or {})}, request_id=request_id)


class RequestIds:
    """`req_...` ids from a counter and the seed: reproducible for one sequence of calls."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            n = next(self._counter)
        return "req_" + hashlib.sha256(f"{self._seed}:{n}".encode()).hexdigest()[:24]
