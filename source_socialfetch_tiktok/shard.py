"""The `shard` option: one long `handles` list split over several connections, each reading only the
handles that hash to its index.

Every connection gets the same list and `{"count": N, "index": i}` (0 <= i < N). A handle's shard is
a jump consistent hash (Lamping & Veach, 2014) of a fixed 64-bit digest of its normalised name:
- a handle's shard depends on that handle alone, never on its position or on the other handles, so
  adding or removing a handle moves no other one;
- going from N to N + 1 shards moves about 1/(N + 1) of the handles, all of them into the new shard.

What a shard does with a saved state is `state.sharded`'s job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

MAX_HANDLES = 10_000  # one connection: what one sync reads (the contract's limit)
MAX_SHARDED_HANDLES = 100_000  # the list shared by every shard
MAX_SHARD_COUNT = 1_000
_LISTED = 5


class ShardProblem(ValueError):
    """What is wrong with the shard option; the message names the field."""


@dataclass(frozen=True)
class Shard:
    count: int
    index: int

    @property
    def label(self) -> str:
        return f"shard {self.index} of {self.count} (indices 0 to {self.count - 1})"

    def reads(self, handle: str) -> bool:
        return shard_of(handle, self.count) == self.index

    def record_fields(self) -> Dict[str, int]:
        """What `video_stats` and `handle_reads` records carry to say where they came from."""
        return {"shardIndex": self.index, "shardCount": self.count}

    def as_result(self) -> Dict[str, int]:
        return {"index": self.index, "count": self.count}


def shard_of(handle: str, count: int) -> int:
    """The shard (0..count-1) of a normalised handle: stable across versions, machines and lists."""
    digest = hashlib.blake2b(handle.encode("utf-8"), digest_size=8, person=b"sf-shard").digest()
    return jump_hash(int.from_bytes(digest, "big"), count)


def jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash of a 64-bit key into `buckets` (Lamping & Veach, arXiv:1406.2294)."""
    bucket, candidate = -1, 0
    while candidate < buckets:
        bucket = candidate
        key = (key * 2862933555777941757 + 1) & 0xFFFFFFFFFFFFFFFF
        candidate = int((bucket + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return bucket


def parse_shard(raw: Any) -> Optional[Shard]:
    """The option as given (the spec has checked its types and bounds); None when absent."""
    if raw is None:
        return None
    count, index = raw["count"], raw["index"]  # both required by the spec
    count, index = int(count), int(index)
    if index >= count:
        raise ShardProblem(
            f"shard.index: {index} is not a shard of {count}; indices go from 0 to {count - 1} "
            "(give every connection the same count and its own index)."
        )
    return Shard(count, index)


def select(handles: List[str], shard: Optional[Shard]) -> List[str]:
    """The handles this connection reads, in their configured order; every one without a shard (the
    spec caps that list at MAX_HANDLES). Raises ShardProblem (naming the field) when the shard's part
    of the list is too long."""
    if shard is None:
        return handles
    chosen = [h for h in handles if shard.reads(h)]
    if len(chosen) > MAX_HANDLES:
        needed = -(-len(handles) * 11 // (MAX_HANDLES * 10))  # about 10% of headroom per shard
        raise ShardProblem(
            f"shard: {shard.label} reads {len(chosen)} of the {len(handles)} handles, at most {MAX_HANDLES} a "
            f"shard; raise shard.count (about {needed} shards leave each one room to grow)."
        )
    return chosen


def describe(shard: Shard, chosen: List[str], total: int) -> str:
    """What `check` says about a shard: how many handles it reads, and the first few."""
    first = ", ".join(chosen[:_LISTED]) + (f" and {len(chosen) - _LISTED} more" if len(chosen) > _LISTED else "")
    return f"This connection is {shard.label}: it reads {len(chosen)} of the {total} configured handles" + (
        f": {first}." if chosen else "; none hashes to this index."
    )


def assignment(handles: Iterable[str], count: int) -> Dict[str, int]:
    """Each handle's shard under `count` (for tests and the benchmark)."""
    return {h: shard_of(h, count) for h in handles}
