"""The contract's availability rule, written a second time as a small oracle for the tests, straight
from CONNECTOR_CONTRACT.md (`handle_reads`):

- a read R covers a video when its `coveredTo` is not null and the video's `createdAt` lies in
  `[coveredFrom, coveredTo]` (`coveredFrom` null: no lower bound, and then a video without a
  `createdAt` is covered too), whatever else is known of the video: pinned or not (since 0.4.0 a
  read that could not have listed a pinned video claims nothing, so the rule has no condition of
  its own for them);
- a video is *unavailable since* R when R is a read of its handle that covers it and no
  `video_stats` record of the same sync (`syncId`) and handle has its id;
- it is available again as soon as a later read lists it;
- a handle whose `profiles` record says `private` or `not_found` has all its videos unavailable
  from that record on.

It reads only what a destination holds (the records of each sync, in order), never the connector's
code, so it can disagree with the connector's own models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from source_socialfetch_tiktok.timeutil import parse_instant

Key = Tuple[str, str]  # (handle, video id)
GONE = ("private", "not_found")


def covers(read: Mapping[str, Any], created: Optional[datetime]) -> bool:
    """Whether a handle_reads record claims the video with this createdAt (None: it has none)."""
    to, since = parse_instant(read.get("coveredTo")), parse_instant(read.get("coveredFrom"))
    if to is None:
        return False
    if created is None:
        return since is None
    return (since is None or created >= since) and created <= to


@dataclass
class Known:
    """What the destination knows of one video."""

    created: Optional[datetime]
    available: bool = True
    unavailable_since: Optional[str] = None  # the readId, or "profiles:<syncId>"
    last_seen_sync: Optional[str] = None


@dataclass
class Marking:
    """One transition from available to unavailable, for the checks against the emulator's truth."""

    key: Key
    sync: int
    by: str  # the readId, or "profiles"


@dataclass
class Oracle:
    videos: Dict[Key, Known] = field(default_factory=dict)

    def apply(self, sync: int, stats: Sequence[Mapping[str, Any]], reads: Sequence[Mapping[str, Any]],
              profiles: Sequence[Mapping[str, Any]]) -> List[Marking]:
        """One sync's records, in the order the syncs ran; returns the videos it marks unavailable."""
        seen: Set[Key] = set()
        for row in stats:
            key = (row["handle"], row["id"])
            seen.add(key)
            known = self.videos.setdefault(key, Known(parse_instant(row.get("createdAt"))))
            known.created = parse_instant(row.get("createdAt"))
            known.available, known.unavailable_since = True, None
            known.last_seen_sync = str(sync)
        marked: List[Marking] = []
        for key, known in self.videos.items():
            if key in seen or not known.available:
                continue
            covering = [r for r in reads if r["handle"] == key[0] and covers(r, known.created)]
            if covering:
                known.available, known.unavailable_since = False, str(covering[0]["readId"])
                marked.append(Marking(key, sync, str(covering[0]["readId"])))
        gone = {p["handle"] for p in profiles if p.get("lookupStatus") in GONE}
        for key, known in self.videos.items():
            if key[0] in gone and key not in seen and known.available:
                known.available, known.unavailable_since = False, f"profiles:{sync}"
                marked.append(Marking(key, sync, "profiles"))
        return marked
