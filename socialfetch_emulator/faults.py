"""Injected faults: what goes wrong, on which calls. A fault matches a route (and a handle), lets
`skip` matching calls through, then fires `times` times, or with a seeded `probability` so a
flaky run can be replayed exactly."""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

# kind -> (HTTP status, error code); None code = no `code` in the envelope (rate limits)
ERROR_KINDS: Dict[str, tuple[int, Optional[str]]] = {
    "400": (400, "bad_request"),
    "401": (401, "unauthorized"),
    "402": (402, "insufficient_credits"),
    "403": (403, "unauthorized"),
    "414": (414, None),  # a server or proxy refusing an over-long URL: no API error code
    "429": (429, None),
    "500": (500, "internal_error"),
    "502": (502, "lookup_failed"),
    "503": (503, "temporarily_unavailable"),
}
TRANSPORT_KINDS = ("latency", "timeout", "drop", "nonjson", "truncated")
PAGE_KINDS = ("no_videos", "repeat_cursor", "hasmore_null")  # videos route only
KINDS = tuple(ERROR_KINDS) + TRANSPORT_KINDS + PAGE_KINDS
ROUTES = ("videos", "profile", "whoami", "balance", "*")
SERVES_DATA = ("latency", "repeat_cursor", "hasmore_null")  # the lookup completes: charged as usual
DEFAULT_DELAY_MS = {"latency": 1_000, "timeout": 30_000}

_ids = itertools.count(1)


@dataclass
class Fault:
    kind: str
    route: str = "videos"
    handle: Optional[str] = None
    times: Optional[int] = 1
    skip: int = 0
    probability: Optional[float] = None
    seed: int = 0
    retry_after: Optional[float] = None
    delay_ms: Optional[int] = None
    fired: int = 0
    seen: int = 0
    id: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}; one of {', '.join(ROUTES)}")
        if self.kind in PAGE_KINDS and self.route != "videos":
            raise ValueError(f"{self.kind} only applies to the videos route")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability is between 0 and 1")
        if self.delay_ms is None:
            self.delay_ms = DEFAULT_DELAY_MS.get(self.kind)
        if self.retry_after is None and self.kind in ("429", "503"):
            self.retry_after = 1
        self._rng = random.Random(self.seed)

    def matches(self, route: str, handle: Optional[str]) -> bool:
        if self.route != "*" and self.route != route:
            return False
        return self.handle is None or (handle is not None and handle.lstrip("@").lower() == self.handle.lstrip("@").lower())

    def _decide(self) -> bool:
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.probability is not None:
            return self._rng.random() < self.probability
        return self.times is None or self.fired < self.times

    @property
    def exhausted(self) -> bool:
        return self.probability is None and self.times is not None and self.fired >= self.times

    def to_dict(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in
                ("id", "kind", "route", "handle", "times", "skip", "probability", "seed", "retry_after", "delay_ms", "fired", "seen")}


class FaultBook:
    """The active faults, in the order they were added; the first that fires wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def all(self) -> List[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, route: str, handle: Optional[str]) -> Optional[Fault]:
        """The fault that fires on this call, if any (counts it as fired)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(route, handle) and fault._decide():
                    fault.fired += 1
                    return fault
        return None
