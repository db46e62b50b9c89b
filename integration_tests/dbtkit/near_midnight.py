"""A small world of two syncs whose times sit near UTC midnight, for the runs that compare
warehouses and session time zones: read in any zone but UTC, some of its instants fall on
another day (America/Los_Angeles moves the minutes after UTC midnight to the day before,
Asia/Kolkata the hours before it to the day after), so a model that depends on the session's
zone gives other days, and other rows.

Three handles: `kim` (a new video, one without createdAt, one deleted before sync 2 and so
missed by its lookback read, one published between the syncs), `gone` (its profile turns
private and its read lists nothing) and `lee` (first synced by sync 2)."""

from __future__ import annotations

from datetime import datetime
from typing import List

from integration_tests.dbtkit.world import Sync, Video

# UTC days 10 and 12 November; in Los Angeles 10 and 11, in Kolkata 11 and 12.
SYNC_1 = datetime(2026, 11, 10, 23, 40)
SYNC_2 = datetime(2026, 11, 12, 0, 20)
LOOKBACK_FROM = datetime(2026, 11, 3)

K1 = Video("kim", "k1", datetime(2026, 11, 10, 20, 0), ("cooking",))  # Kolkata: 11 November
K2 = Video("kim", "k2", datetime(2026, 11, 1, 0, 30), ("cooking", "pasta"))  # Los Angeles: 31 October
K3 = Video("kim", "k3", None)  # no createdAt: only a read to the end of the list covers it
K4 = Video("kim", "k4", datetime(2026, 11, 5, 12, 0))  # deleted before sync 2, inside its lookback
K5 = Video("kim", "k5", datetime(2026, 11, 11, 23, 50), ("pasta",))  # published between the syncs
G1 = Video("gone", "g1", datetime(2026, 10, 20, 8, 0))
L1 = Video("lee", "l1", datetime(2026, 11, 11, 0, 10))  # Los Angeles: 10 November


def two_syncs() -> List[Sync]:
    return [
        Sync("n1", SYNC_1).read("kim", {K1: 100, K2: 1000, K3: 10, K4: 50}, None)
        .read("gone", {G1: 500}, None).profile("kim", "found", 1000).profile("gone", "found", 50),
        Sync("n2", SYNC_2).read("kim", {K1: 180, K5: 20}, LOOKBACK_FROM).empty_read("gone").read("lee", {L1: 5}, None)
        .profile("kim", "found", 1040).profile("gone", "private", 50).profile("lee", "found", 7),
    ]
