"""The saved `videos` state as data: parsing and repair, pure functions of the raw state (a logger
takes the warnings). The live store that a sync reads and writes is `state.VideosStateStore`.

The contract's shape, and the keys of ours beside `states`:

    {"states": [{"partition": {"handle": "nasa"}, "cursor": {"createdAt": "2026-11-20T08:15:00Z"}}],
     "waiting_for_budget": ["handle", ...],
     "resume_positions": {"nasa": {"cursor": "...", "newest": "2026-11-20T08:15:00Z"}}}

`waiting_for_budget` lists the handles the budget cut short or never reached, in the order the
next sync reads them first. `resume_positions` keeps, for a handle cut short in the middle of its
pages, the API cursor of the first page not read and the newest video already read: the next sync
continues from there instead of paying again for the pages it has. A 0.1.0 state,
`{"nasa": {"createdAt": "..."}}`, is converted to `states`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from ..api.masking import shown
from ..config import ConfigError
from ..handles import InvalidHandle, normalise_handle
from ..timeutil import epoch_micros, format_instant, from_epoch_micros, parse_instant, utc_now
from .paces import PACES_KEY
from .refresh import DUE_KEY, PAGES_KEY, POSITIONS_KEY
from .user_ids import USER_IDS_KEY

WAITING_KEY = "waiting_for_budget"
RESUME_KEY = "resume_positions"
NO_CURSOR_STATE_KEY = "__ab_no_cursor_state_message"
# A cursor this far past the sync's start cannot come from the API: treat it as "now".
FUTURE_TOLERANCE = timedelta(days=1)
# The top-level keys of the videos state this connector writes (the contract's `states`, ours,
# and the 0.2.0 ones); any other is dropped on the way in by `repair_videos_state`, except the
# handles of a 0.1.0 state, which are converted.
KNOWN_STATE_KEYS = frozenset(
    {"states", WAITING_KEY, RESUME_KEY, NO_CURSOR_STATE_KEY, DUE_KEY, POSITIONS_KEY, PAGES_KEY, USER_IDS_KEY, PACES_KEY}
)
# No entry this connector writes is nested deeper than this (a `states` entry has 3 levels).
MAX_ENTRY_DEPTH = 8
# A resume cursor is sent in the query string; servers refuse URLs of a few KB (HTTP 414), and
# the API's cursors are well under 1 KB. A longer one can never work: it is dropped at parse.
MAX_RESUME_CURSOR_LENGTH = 4096


@dataclass(frozen=True, slots=True, init=False, repr=False)
class HandleCursor:
    """The newest `createdAt` read for a handle, kept in the API's own spelling (no precision lost).

    One per handle for the whole sync, so kept compact: as microseconds since 1970 when the text
    is how `format_instant` spells that instant (the API's usual spelling, made again when the
    STATE is), else as the text itself."""

    _kept: Union[int, str]

    def __init__(self, instant: datetime, text: str):
        micros = epoch_micros(instant)
        object.__setattr__(self, "_kept", micros if format_instant(instant) == text else text)

    @classmethod
    def parse(cls, text: str) -> Optional[HandleCursor]:
        instant = parse_instant(text)
        return cls(instant, text) if instant is not None else None

    @classmethod
    def from_kept(cls, kept: Union[int, str]) -> HandleCursor:
        """The cursor whose `kept` form is `kept`."""
        cursor = object.__new__(cls)
        object.__setattr__(cursor, "_kept", kept)
        return cursor

    @property
    def kept(self) -> Union[int, str]:
        """The compact form, for a store that keeps many: `from_kept` makes the cursor again."""
        return self._kept

    @property
    def text(self) -> str:
        kept = self._kept
        return kept if isinstance(kept, str) else format_instant(from_epoch_micros(kept))

    @property
    def instant(self) -> datetime:
        kept = self._kept
        return from_epoch_micros(kept) if isinstance(kept, int) else parse_instant(kept)  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"HandleCursor({self.text!r})"


@dataclass(frozen=True, slots=True)
class ResumePosition:
    """Where an interrupted read of a handle goes on: `cursor`, the next page the API offered,
    and `newest`, the newest video already read (the handle's cursor once the read completes). A
    position without `newest` is never kept: it could not say which videos its pages held."""

    cursor: str
    newest: HandleCursor


def parse_resume_positions(raw: Any, logger: logging.Logger) -> Dict[str, ResumePosition]:
    """The saved resume positions; anything malformed is dropped with a warning (that handle then
    starts from its first page: nothing is skipped, some pages are paid for again)."""
    entries = raw.get(RESUME_KEY) if isinstance(raw, Mapping) else None
    positions: Dict[str, ResumePosition] = {}
    if not isinstance(entries, Mapping):
        if entries is not None:
            logger.warning(f"Repairing the saved state: `{RESUME_KEY}` is not an object "
                           f"({type(entries).__name__}); every handle is read from its cursor.")
        return positions
    for handle, entry in entries.items():
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        key = _state_handle(handle)
        if key is None or not isinstance(cursor, str) or not cursor:
            logger.warning(f"Ignoring the saved resume position of {shown(handle)}: it is malformed.")
            continue
        if len(cursor) > MAX_RESUME_CURSOR_LENGTH:
            logger.warning(
                f"Ignoring the saved resume position of {key}: its cursor has {len(cursor)} characters, more than "
                f"the {MAX_RESUME_CURSOR_LENGTH} a request URL can carry; the handle is read from its first page."
            )
            continue
        newest_text = entry.get("newest")
        newest = HandleCursor.parse(newest_text) if isinstance(newest_text, str) else None
        if newest is None:
            # The position vouches for the pages before its cursor only through `newest`: without
            # it, the videos on them would be skipped in this sync. Start over from the top.
            logger.warning(
                f"Ignoring the saved resume position of {key}: its newest {shown(newest_text)} is not a date-time "
                "between years 1 and 9999 UTC, so nothing says the videos before its cursor were read; the "
                "handle is read from its first page."
            )
            continue
        positions[key] = ResumePosition(cursor, newest)
    return positions


def flat_entries(raw: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The `states` entries of a 0.1.0 state, `{handle: {"createdAt": ...}}` (or `{handle: "..."}`),
    empty when `raw` has `states` of its own. Only keys that are TikTok handles are taken."""
    if "states" in raw:
        return []
    entries = []
    for key, value in raw.items():
        if key in KNOWN_STATE_KEYS or _state_handle(key) is None:
            continue
        created = value.get("createdAt") if isinstance(value, Mapping) else value
        if isinstance(created, str):
            entries.append({"partition": {"handle": key}, "cursor": {"createdAt": created}})
    return entries


def repair_videos_state(raw: Any, logger: logging.Logger) -> Any:
    """The incoming `videos` state without what this connector never writes, before anything
    copies or walks it: a 0.1.0 state's handles become `states` entries; other keys it does not
    know and entries nested deeper than any it writes are dropped with a warning. What is dropped is
    read again (a handle without a cursor is read from `start_date`), so nothing is skipped.
    Iterative: a state nested thousands of levels must not reach a recursive copy."""
    if not isinstance(raw, Mapping):
        return raw
    converted = flat_entries(raw)
    if converted:
        logger.info(
            f"Converting a 0.1.0 videos state ({len(converted)} handles as {{handle: {{createdAt}}}}) to the "
            'per-partition shape ("states").'
        )
        converted_keys = {entry["partition"]["handle"] for entry in converted}
        raw = {"states": converted, **{k: v for k, v in raw.items() if k not in converted_keys}}
    unknown = [k for k in raw if k not in KNOWN_STATE_KEYS]
    if unknown:
        names = ", ".join(shown(k, 40) for k in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        logger.warning(
            f"Ignoring {len(unknown)} key(s) of the saved videos state that this connector never writes ({names}); "
            'its per-handle cursors live in "states". Handles without a cursor there are read from start_date.'
        )
    repaired: Dict[str, Any] = {}
    for key in raw:
        if key not in KNOWN_STATE_KEYS:
            continue
        value = raw[key]
        if isinstance(value, list):
            kept_list = [item for item in value if not _deeper_than(item, MAX_ENTRY_DEPTH)]
            dropped = len(value) - len(kept_list)
            repaired[key] = kept_list
        elif isinstance(value, Mapping):
            kept_map = {k: v for k, v in value.items() if not _deeper_than(v, MAX_ENTRY_DEPTH)}
            dropped = len(value) - len(kept_map)
            repaired[key] = kept_map
        else:
            dropped = 0
            repaired[key] = value
        if dropped:
            logger.warning(
                f"Ignoring {dropped} entries of {key!r} in the saved videos state: they are nested deeper than "
                f"{MAX_ENTRY_DEPTH} levels, which this connector never writes."
            )
    return repaired


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def parse_videos_state(
    raw: Any, logger: logging.Logger, handles: Optional[Iterable[str]] = None, now: Optional[datetime] = None
) -> Tuple[Dict[str, HandleCursor], List[str]]:
    """Read an incoming `videos` state; tolerant of what can be repaired, clear about what cannot.

    Bad entries are skipped with a warning (that handle is then read from `start_date`: nothing
    is lost); a 0.1.0 `{handle: {createdAt}}` state is read as its `states`; other keys are
    ignored; a state that is not an object at all is a config error. With `handles`, the waiting
    list keeps only configured handles. `now` is the sync's clock (a cursor after it is repaired).
    Linear in the size of the state.
    """
    if raw in (None, {}, []):
        return {}, []
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"The saved state of stream videos is not a JSON object ({type(raw).__name__}); "
            'expected {"states": [{"partition": {"handle": ...}, "cursor": {"createdAt": ...}}]}. '
            "Reset the stream's state to start again."
        )
    now = now or utc_now()
    cursors: Dict[str, HandleCursor] = {}
    entries = raw["states"] if "states" in raw else flat_entries(raw)
    if not isinstance(entries, list):
        raise ConfigError("The saved state of stream videos has a `states` that is not a list; reset the state.")
    for handle, value in _canonical_entries(entries, logger):
        cursor = _cursor(handle, value, now, logger)
        if cursor is not None:
            previous = cursors.get(handle)
            if previous is None or cursor.instant > previous.instant:
                cursors[handle] = cursor
    configured = set(handles) if handles is not None else None
    waiting: Dict[str, None] = {}  # ordered and O(1) membership: the list may hold 100,000s of entries
    saved_waiting = raw.get(WAITING_KEY)
    for value in saved_waiting if isinstance(saved_waiting, list) else []:
        try:
            handle = normalise_handle(value)
        except InvalidHandle:
            continue
        if configured is None or handle in configured:
            waiting.setdefault(handle)
    return cursors, list(waiting)


def _canonical_entries(entries: List[Any], logger: logging.Logger) -> Iterable[Tuple[str, Any]]:
    for index, entry in enumerate(entries):
        partition = entry.get("partition") if isinstance(entry, Mapping) else None
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        handle = partition.get("handle") if isinstance(partition, Mapping) else None
        value = cursor.get("createdAt") if isinstance(cursor, Mapping) else None
        if handle is None:
            logger.warning(f"Ignoring saved state entry #{index}: it has no partition.handle.")
            continue
        key = _state_handle(handle)
        if key is None:
            logger.warning(
                f"Ignoring saved state entry #{index}: {shown(handle)} is not a TikTok handle, so no configured "
                "handle can use it."
            )
            continue
        yield key, value


def _state_handle(handle: Any) -> Optional[str]:
    """Normalise a state's handle like a configured one; None when it can never be one."""
    try:
        return normalise_handle(handle)
    except InvalidHandle:
        return None


def _cursor(handle: str, value: Any, now: datetime, logger: logging.Logger) -> Optional[HandleCursor]:
    cursor = HandleCursor.parse(value) if isinstance(value, str) else None
    if cursor is None:
        logger.warning(
            f"Ignoring the saved cursor of handle {handle!r}: {shown(value)} is not a date-time between years 1 "
            "and 9999 UTC; that handle is read from start_date."
        )
        return None
    if cursor.instant > now + FUTURE_TOLERANCE:
        logger.warning(
            f"The saved cursor of handle {handle!r} ({shown(cursor.text)}) is in the future; using the current time instead."
        )
        return HandleCursor(now, format_instant(now))
    return cursor
