"""Small emulator worlds for the fault suites: a few handles of a few pages each, so every fault
costs seconds, not minutes."""

from __future__ import annotations

import collections
from typing import Any, Dict, Iterable, List, Mapping, Tuple

from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.timeutil import parse_instant

# handle -> videos (30 per page): 2, 3, 4 and 2 pages
SMALL: Dict[str, int] = {"alpha.one": 45, "bravo.two": 75, "charlie.three": 100, "delta.four": 55}


def populate(emu: Emulator, sizes: Mapping[str, int] = SMALL, pinned: int = 0) -> List[str]:
    for index, (handle, n) in enumerate(sizes.items()):
        emu.add_handle(handle, n, seed=100 + index, pinned=pinned if index == 0 else 0)
    return list(sizes)


def newest_cursors(emu: Emulator, handles: Iterable[str]) -> Dict[str, Any]:
    """The instant each handle's cursor must reach after a complete read."""
    out = {}
    for h in handles:
        instants = [parse_instant(v["createdAt"]) for v in emu.videos(h)]
        known = [i for i in instants if i is not None]
        if known:
            out[h] = max(known)
    return out


def parsed(cursors: Mapping[str, str]) -> Dict[str, Any]:
    return {h: parse_instant(c) for h, c in cursors.items()}


class DestinationModel:
    """What an append_dedup destination holds: records upserted by (handle, id), in order."""

    def __init__(self) -> None:
        self.rows: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.appended = 0

    def upsert(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self.rows[(record["handle"], record["id"])] = dict(record)
            self.appended += 1

    def keys(self) -> collections.Counter:
        return collections.Counter(self.rows)
