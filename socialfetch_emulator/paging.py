"""Server-side pagination. `latest` is positional: the cursor remembers the (instant, id) of the
last regular video served, so videos published or deleted during a read neither duplicate nor
shift pages. Other orders page by offset, which the docs allow for an unspecified order."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Optional, Sequence

from socialfetch_emulator.cursors import Cursor
from socialfetch_emulator.model import Video

LATEST = "latest"
POPULAR = "popular"
DEFAULT = "default"  # sortBy omitted
SORTS = (LATEST, POPULAR)


@dataclass(frozen=True)
class Page:
    videos: list[Video]
    next: Optional[Cursor]

    @property
    def has_more(self) -> bool:
        return self.next is not None


@dataclass(frozen=True)
class LatestOrder:
    """Pinned videos (page 1 only), then the rest newest first, with bisectable keys."""

    pinned: list[Video]
    regular: list[Video]
    descending_keys: list[tuple[int, int]]  # negated order keys, ascending, for bisect

    @classmethod
    def of(cls, videos: Sequence[Video]) -> LatestOrder:
        newest_first = sorted(videos, key=lambda v: v.order_key, reverse=True)
        regular = [v for v in newest_first if not v.pinned]
        return cls(
            pinned=[v for v in newest_first if v.pinned],
            regular=regular,
            descending_keys=[(-v.order_key[0], -v.order_key[1]) for v in regular],
        )

    def all(self) -> list[Video]:
        return self.pinned + self.regular


def latest_page(handle: str, order: LatestOrder, cursor: Optional[Cursor], page_size: int) -> Page:
    if cursor is None or cursor.key is None:
        head = order.pinned[:page_size]
        start = 0
        room = page_size - len(head)
    else:
        head = []
        start = bisect.bisect_right(order.descending_keys, (-cursor.key[0], -cursor.key[1]))
        room = page_size
    served = order.regular[start:start + room]
    rest = len(order.regular) - start - len(served)
    if rest <= 0:
        return Page(head + served, None)
    last = served[-1].order_key if served else (cursor.key if cursor and cursor.key else None)
    return Page(head + served, Cursor(handle, LATEST, key=last))


def offset_page(handle: str, sort: str, ordered: Sequence[Video], offset: int, page_size: int) -> Page:
    served = list(ordered[offset:offset + page_size])
    end = offset + len(served)
    return Page(served, Cursor(handle, sort, offset=end) if end < len(ordered) else None)
