"""What the sync's summary says of each part that ended, kept to the sync's end in columns.

A sync of 10,000 handles keeps 10,000 of these: as objects, about 120 bytes each; in columns, a
handle pointer, a reason pointer, three counters and two one-byte codes, about 45. Rows are made
again (`PartTally`) only when the summary, a checkpoint or an estimate reads them.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

from airbyte_cdk.models import FailureType

from .part import Ending, Outcome, PartResult

_ENDINGS: List[Optional[Ending]] = [None, *Ending]
_ENDING_CODES = {ending: code for code, ending in enumerate(_ENDINGS)}


@dataclass(frozen=True, slots=True)
class PartTally:
    """One part that ended, as the summary and the result line say it."""

    stream: str
    handle: str
    part: str
    ending: Optional[Ending]
    reason: str
    failure_type: Optional[FailureType]
    pages: int
    records: int
    credits: int
    refresh_done: bool

    @property
    def outcome(self) -> Optional[Outcome]:
        return self.ending.outcome if self.ending is not None else None


class Tallies:
    """The tallies of ended parts, in the order they ended. Not thread-safe: `SyncRun` locks."""

    def __init__(self) -> None:
        self._places: List[Tuple[str, str]] = []  # (stream, part): a handful a sync
        self._place_codes: Dict[Tuple[str, str], int] = {}
        self._place = bytearray()
        self._ending = bytearray()
        self._handle: List[str] = []
        self._reason: List[str] = []  # mostly a few shared words ("end", "boundary")
        # pages, records, credits of each part, in turn: 4 bytes each (a part of 4 billion pages or
        # records is years of credits)
        self._counts = array("I")
        self._failure: Dict[int, FailureType] = {}  # the few parts that failed
        self._refresh_done: Set[int] = set()  # the few due handles whose own read reached the refresh floor

    def add(self, result: PartResult) -> None:
        row = len(self._handle)
        place = (result.stream, result.part)
        code = self._place_codes.get(place)
        if code is None:
            code = self._place_codes[place] = len(self._places)
            self._places.append(place)
        self._place.append(code)
        self._ending.append(_ENDING_CODES[result.ending])
        self._handle.append(result.handle)
        self._reason.append(result.reason)
        self._counts.extend((result.pages, result.records, result.credits))
        if result.failure_type is not None:
            self._failure[row] = result.failure_type
        if result.refresh_done:
            self._refresh_done.add(row)

    def rows(self, stream: Optional[str], part: str) -> Iterator[PartTally]:
        """The tallies of `stream` (every stream when None) and `part`."""
        wanted = {code for code, (s, p) in enumerate(self._places) if (stream is None or s == stream) and p == part}
        for row, code in enumerate(self._place):
            if code in wanted:
                place_stream, place_part = self._places[code]
                pages, records, credits = self._counts[3 * row:3 * row + 3]
                yield PartTally(place_stream, self._handle[row], place_part, _ENDINGS[self._ending[row]], self._reason[row],
                                self._failure.get(row), pages, records, credits, row in self._refresh_done)
