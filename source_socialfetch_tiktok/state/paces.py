"""Each handle's pace: videos a day as its last completed read saw them, kept in the `videos` state
so that the next sync's ESTIMATE (`estimates.py`) can say how many videos its incremental read will
find. Kept as `{"paces": {"nasa": {"per_day": 1.27, "read_at": "2026-11-20T09:00:00Z"}}}`."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, Mapping, Optional, Union

from ..timeutil import epoch_micros, format_instant, from_epoch_micros, parse_instant

PACES_KEY = "paces"
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, init=False, repr=False)
class Pace:
    """A handle's videos a day as its last completed read saw them, and when that read began: no
    video was published between its newest and then (it would have been the newest).

    One per handle for the whole sync: the instant is kept as microseconds since 1970 (32 bytes,
    a datetime takes 48)."""

    per_day: float
    _read_at: int

    def __init__(self, per_day: float, read_at: datetime):
        object.__setattr__(self, "per_day", per_day)
        object.__setattr__(self, "_read_at", epoch_micros(read_at))

    @classmethod
    def _of_micros(cls, per_day: float, micros: int) -> Pace:
        pace = object.__new__(cls)
        object.__setattr__(pace, "per_day", per_day)
        object.__setattr__(pace, "_read_at", micros)
        return pace

    @property
    def read_at(self) -> datetime:
        return from_epoch_micros(self._read_at)

    def __repr__(self) -> str:
        return f"Pace(per_day={self.per_day!r}, read_at={self.read_at!r})"


class Paces:
    """Each handle's pace. Thread-safe: reads complete on worker threads while checkpoints take the
    snapshot. Kept in the state as `{"paces": {"nasa": {"per_day": 1.27, "read_at": "..."}}}`."""

    def __init__(self, paces: Optional[Mapping[str, Pace]] = None):
        # One per handle for the whole sync, so each pace is kept as one complex number, the
        # compact pair of floats CPython has (32 bytes, where a Pace and its instant take 80):
        # videos a day as its real part, the read's microseconds since 1970 as its imaginary part
        # (exact in a float from 1685 to 2255; outside them, as a saved state may hold, the Pace).
        self._paces: Dict[str, Union[complex, Pace]] = {handle: _packed(pace) for handle, pace in (paces or {}).items()}
        self._lock = threading.Lock()

    @classmethod
    def from_state(cls, raw: Any, handles: Iterable[str], logger: logging.Logger) -> Paces:
        """The paces of an incoming state; a malformed entry is dropped (that pace is learned again)."""
        saved = raw.get(PACES_KEY) if isinstance(raw, Mapping) else None
        if not isinstance(saved, Mapping):
            if saved is not None:
                logger.warning(f"Repairing the saved state: `{PACES_KEY}` is not an object; the paces are learned again.")
            return cls()
        configured = set(handles)
        paces = {}
        for handle, entry in saved.items():
            per_day = entry.get("per_day") if isinstance(entry, Mapping) else None
            read_at = parse_instant(entry.get("read_at")) if isinstance(entry, Mapping) else None
            number = isinstance(per_day, (int, float)) and not isinstance(per_day, bool)
            if handle in configured and number and math.isfinite(per_day) and per_day >= 0 and read_at is not None:  # type: ignore[arg-type,operator]
                paces[handle] = Pace(float(per_day), read_at)  # type: ignore[arg-type]
        return cls(paces)

    def pace(self, handle: str) -> Optional[Pace]:
        with self._lock:
            packed = self._paces.get(handle)
        return None if packed is None else _unpacked(packed)

    def note(self, handle: str, records: int, newest: Optional[datetime], oldest: Optional[datetime],
             read_at: Optional[datetime]) -> None:
        """A read of `handle` that began at `read_at` completed, emitting `records` dated from `oldest`
        to `newest`: n videos span n - 1 gaps (none, or one video: no pace to speak of, 0)."""
        if read_at is None:
            return
        spanned = newest is not None and oldest is not None and newest - oldest >= timedelta(hours=1)
        per_day = (records - 1) / ((newest - oldest) / _DAY) if spanned and records >= 2 else 0.0  # type: ignore[operator]
        with self._lock:
            self._paces[handle] = _packed(Pace(per_day, read_at))

    def snapshot(self, handles: Iterable[str]) -> Dict[str, Any]:
        keep = set(handles)
        with self._lock:
            kept = {h: _unpacked(self._paces[h]) for h in sorted(self._paces) if h in keep}
        paces = {h: {"per_day": round(pace.per_day, 4), "read_at": format_instant(pace.read_at)} for h, pace in kept.items()}
        return {PACES_KEY: paces} if paces else {}


_EXACT_IN_A_FLOAT = 2 ** 53


def _packed(pace: Pace) -> Union[complex, Pace]:
    return complex(pace.per_day, pace._read_at) if abs(pace._read_at) <= _EXACT_IN_A_FLOAT else pace


def _unpacked(packed: Union[complex, Pace]) -> Pace:
    return packed if isinstance(packed, Pace) else Pace._of_micros(packed.real, int(packed.imag))
