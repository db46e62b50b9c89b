"""A saved `videos` state as one shard sees it: a state saved before sharding, or under another
shard count, keeps what belongs to this shard's handles; the entries of handles another shard reads
are dropped with one warning. So no shard keeps a cursor it will never move, and no handle is read
by two shards (the shard it hashes to reads it from its own state, or from `start_date`)."""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Set

from ..handles import InvalidHandle, normalise_handle
from ..shard import Shard
from .saved import KNOWN_STATE_KEYS

_LISTED = 5


def shard_state(raw: Any, shard: Optional[Shard], logger: logging.Logger) -> Any:
    """The saved `videos` state without the entries of handles another shard reads.

    Works on every key the state keeps per handle: `states` entries (`partition.handle`), our keys
    (objects keyed by handle, lists of handles) and the handles of a 0.1.0 state
    (`{handle: {"createdAt": ...}}`). Anything that is not a handle is left for the state's own
    repair to judge. One warning says how many handles were dropped.
    """
    if shard is None or not isinstance(raw, Mapping):
        return raw
    dropped: Set[str] = set()

    def other(value: Any) -> bool:
        handle = _handle(value)
        if handle is None or shard.reads(handle):
            return False
        dropped.add(handle)
        return True

    kept: Dict[str, Any] = {}
    for key, value in raw.items():
        if key == "states" and isinstance(value, list):
            kept[key] = [e for e in value if not other(_partition_handle(e))]
        elif key in KNOWN_STATE_KEYS and isinstance(value, list):
            kept[key] = [v for v in value if not other(v)]
        elif key in KNOWN_STATE_KEYS and isinstance(value, Mapping):
            kept[key] = {k: v for k, v in value.items() if not other(k)}
        elif key in KNOWN_STATE_KEYS or not other(key):  # other(key): a 0.1.0 state's handle
            kept[key] = value
    if dropped:
        names = ", ".join(sorted(dropped)[:_LISTED]) + (f" and {len(dropped) - _LISTED} more" if len(dropped) > _LISTED else "")
        logger.warning(
            f"The saved videos state holds {len(dropped)} handle(s) that another shard reads ({names}): {shard.label} "
            "drops them (their cursors, positions and schedule) and never reads them; the shard they hash to reads "
            "them from its own state."
        )
    return kept


def _partition_handle(entry: Any) -> Any:
    partition = entry.get("partition") if isinstance(entry, Mapping) else None
    return partition.get("handle") if isinstance(partition, Mapping) else None


def _handle(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return None
    try:
        return normalise_handle(value)
    except InvalidHandle:
        return None
