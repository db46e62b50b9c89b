"""The world's journal: every change (clock, status, publish, delete, pin, new creator) gets a
tick and what it replaced, so the world can say what a handle listed at any past tick, such as
the instant a page was served. That is the truth that a client's claims about its reads are
checked against; nothing on the serving path reads the journal."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

CLOCK = "clock"  # before: the clock (ms)
STATUS = "status"  # before: the creator's status
ADDED = "added"  # before: the ids that were added (publish)
REMOVED = "removed"  # before: the Fact of the video removed
PINNED = "pinned"  # before: (video id, pinned before)
CREATOR = "creator"  # before: the facts and status of the creator replaced, or None


@dataclass(frozen=True)
class Fact:
    """What one video of a handle was at a tick: enough to place it in the list."""

    id: str
    instant_ms: int
    created_style: Optional[int]
    pinned: bool

    @property
    def order_key(self) -> tuple[int, int]:
        return (self.instant_ms, int(self.id))


@dataclass(frozen=True)
class Event:
    tick: int
    handle: Optional[str]  # None for the clock
    kind: str
    before: Any


@dataclass(frozen=True)
class Listing:
    """A handle's state at one tick: its status and its videos by id (listed or not yet created)."""

    status: str
    now_ms: int
    facts: Dict[str, Fact]

    def listed(self, found: str) -> List[Fact]:
        """The videos the API lists, in `latest` order: pinned first, then newest first."""
        if self.status != found:
            return []
        shown = [f for f in self.facts.values() if f.instant_ms <= self.now_ms]
        shown.sort(key=lambda f: f.order_key, reverse=True)
        return [f for f in shown if f.pinned] + [f for f in shown if not f.pinned]


class Journal:
    def __init__(self) -> None:
        self.tick = 0
        self._events: List[Event] = []
        self._lock = threading.Lock()

    def record(self, handle: Optional[str], kind: str, before: Any) -> int:
        """Note one change (the caller holds the world's lock); returns its tick."""
        with self._lock:
            self.tick += 1
            self._events.append(Event(self.tick, handle, kind, before))
            return self.tick

    def after(self, tick: int) -> Iterator[Event]:
        """The events later than `tick`, newest first (to undo them)."""
        with self._lock:
            events = list(self._events)
        for event in reversed(events):
            if event.tick <= tick:
                return
            yield event

    def touching(self, handle: str, first: int, last: int) -> List[int]:
        """The ticks in (first, last] at which `handle`'s listing may have changed."""
        with self._lock:
            return [e.tick for e in self._events if first < e.tick <= last and e.handle in (None, handle)]
