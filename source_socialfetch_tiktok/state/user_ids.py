"""TikTok user ids of the configured handles, sent as the API's `userId` to skip its handle lookup.

Learned without spending a credit: from a videos page's `details.author` when its `uniqueId` is the
handle, or from the profiles stream's `profile.platformUserId`. Kept in the `videos` state as the
contract's `{"user_ids": {"nasa": "6800000000000000001"}}`. An id the API refuses is dropped, and
not learned again in the same sync, so a wrong id costs one extra request, never a loop.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Dict, Iterable, Mapping, Optional, Set, Tuple, Union

USER_IDS_KEY = "user_ids"
# TikTok ids are decimal strings; leave room for other spellings, never anything a URL must escape.
_USER_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


def _kept(user_id: str) -> Union[int, str]:
    """A valid id as kept for the whole sync: an int when the text is its decimal spelling (TikTok's
    19-digit ids: 32 bytes, where the text takes 72), else the text."""
    return int(user_id) if user_id.isdigit() and str(int(user_id)) == user_id else user_id


def valid_user_id(value: Any) -> Optional[str]:
    """The id as a string when it can be one (the API may send a number), else None."""
    if type(value) is int and value >= 0:
        value = str(value)
    return value if isinstance(value, str) and _USER_ID.match(value) else None


class UserIds:
    """Thread-safe: worker threads learn and drop ids while checkpoints read them."""

    def __init__(self, ids: Optional[Mapping[str, str]] = None):
        self._ids: Dict[str, Union[int, str]] = {handle: _kept(user_id) for handle, user_id in (ids or {}).items()}
        self._refused: Set[Tuple[str, str]] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_state(cls, raw: Any, handles: Iterable[str], logger: logging.Logger) -> UserIds:
        """The ids of an incoming state; a malformed entry is dropped with a warning (that handle's
        id is learned again), as are handles no longer configured."""
        saved = raw.get(USER_IDS_KEY) if isinstance(raw, Mapping) else None
        if saved is None:
            return cls()
        if not isinstance(saved, Mapping):
            logger.warning(f"Repairing the saved state: `{USER_IDS_KEY}` is not an object; the ids are learned again.")
            return cls()
        configured = set(handles)
        ids: Dict[str, str] = {}
        bad = 0
        for handle, value in saved.items():
            if handle not in configured:
                continue
            user_id = valid_user_id(value)
            if user_id is None:
                bad += 1
            else:
                ids[handle] = user_id
        if bad:
            logger.warning(f"Repairing the saved state: {bad} malformed `{USER_IDS_KEY}` entries dropped; those ids are learned again.")
        return cls(ids)

    def get(self, handle: str) -> Optional[str]:
        with self._lock:
            kept = self._ids.get(handle)
        return None if kept is None else str(kept)

    def learn(self, handle: str, value: Any) -> None:
        user_id = valid_user_id(value)
        if user_id is None:
            return
        with self._lock:
            if (handle, user_id) not in self._refused:
                self._ids[handle] = _kept(user_id)

    def refuse(self, handle: str, user_id: str) -> None:
        """The API refused `user_id` for `handle`: drop it, and do not learn it again this sync."""
        with self._lock:
            self._refused.add((handle, user_id))
            if handle in self._ids and str(self._ids[handle]) == user_id:
                del self._ids[handle]

    def snapshot(self, handles: Iterable[str]) -> Dict[str, Any]:
        keep = set(handles)
        with self._lock:
            ids = {h: str(self._ids[h]) for h in sorted(self._ids) if h in keep}
        return {USER_IDS_KEY: ids} if ids else {}


def author_id(video: Mapping[str, Any], handle: str) -> Optional[str]:
    """`details.author.id` of a video, when `details.author.uniqueId` is `handle`."""
    details = video.get("details")
    author = details.get("author") if isinstance(details, dict) else None
    if not isinstance(author, dict):
        return None
    unique_id = author.get("uniqueId")
    if not isinstance(unique_id, str) or unique_id.lower() != handle:
        return None
    return valid_user_id(author.get("id"))
