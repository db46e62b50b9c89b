"""A seeded property test of `handle_reads` over many syncs against the emulator: random deletions
(old and recent videos), privacy changes, publishes, budgets, caps, lookbacks and refreshes.

After every sync: every coverage claim holds against the emulator's listing (`Syncs` checks it),
the contract's rule never marks an available video unavailable, and every deleted video that the
sync's reads cover is marked by it, in the first sync that covers it."""

from __future__ import annotations

import random
from typing import Dict, Optional, Set, Tuple

import pytest

from integration_tests.syncs import Syncs, covers, reads_of, rows
from source_socialfetch_tiktok.timeutil import parse_instant

Key = Tuple[str, str]


def marked_unavailable(output, known: Dict[Key, Optional[str]]) -> Set[Key]:
    """The contract's rule over one sync: a known video is unavailable when a read of its handle
    covers its createdAt (or has coveredFrom null, for an undated one) and no video_stats record
    of the sync has it."""
    listed = {(s["handle"], s["id"]) for s in rows(output, "video_stats")}
    reads = reads_of(output)
    return {key for key, created in known.items() if key not in listed
            and any(r["handle"] == key[0] and covers(r, parse_instant(created)) for r in reads)}


@pytest.mark.parametrize("seed", [1, 3, 5, 6, 7, 10])
def test_given_random_worlds_and_syncs_then_claims_hold_and_the_rule_finds_exactly_what_vanished(make_emulator, seed):
    rng = random.Random(seed)
    emu = make_emulator(dataset="empty", seed=seed)
    sizes = {"small": 12, "pinned.mid": 70, "long.list": 130, "undated": 45}
    emu.add_handle("small", sizes["small"])
    emu.add_handle("pinned.mid", sizes["pinned.mid"], pinned=2)
    emu.add_handle("long.list", sizes["long.list"])
    emu.add_handle("undated", sizes["undated"], null_created=3)
    options = {
        "lookback_window_days": rng.choice([0, 2, 7]),
        "stats_refresh_days": rng.choice([1, 2, 3]),
        "concurrency": rng.choice([1, 2, 4]),
    }
    if rng.random() < 0.5:
        options["max_credits_per_sync"] = rng.choice([4, 7, 12])
    if rng.random() < 0.5:
        options["max_videos_per_handle"] = rng.choice([35, 60])
    if rng.random() < 0.3:
        options["stats_refresh_max_age_days"] = rng.choice([20, 60])
    syncs = Syncs(emu, list(sizes), **options)

    known: Dict[Key, Optional[str]] = {}
    deleted: Set[Key] = set()
    hidden: Set[str] = set()
    caught: Set[Key] = set()
    syncs_run = 0
    for _ in range(8):
        output = syncs.sync()  # checks every claim against the listing
        syncs_run += 1
        marked = marked_unavailable(output, known)
        listed_now = {(h, v["id"]) for h in sizes for v in emu.videos(h)}
        assert not marked & listed_now, ("an available video was marked unavailable", options, marked & listed_now)
        assert marked <= deleted | {k for k in known if k[0] in hidden}
        first_time = {k for k in deleted - caught if k in marked}
        caught |= first_time
        for data in rows(output, "video_stats"):
            known[(data["handle"], data["id"])] = data["createdAt"]

        emu.advance(rng.uniform(0.5, 1.5))
        for handle in sizes:
            if rng.random() < 0.5:
                emu.publish(handle, rng.randint(1, 3))
            listed = [v for v in emu.videos(handle) if (handle, v["id"]) in known]
            if listed and rng.random() < 0.6:
                gone = rng.choice(listed[:5] if rng.random() < 0.5 else listed)  # a recent one, or any
                emu.delete_video(handle, gone["id"])
                deleted.add((handle, gone["id"]))
        if rng.random() < 0.2:
            handle = rng.choice(list(sizes))
            emu.set_private(handle, handle not in hidden)
            hidden ^= {handle}

    # The last sync covers whatever it read; a deletion it did not cover is simply not known yet.
    assert deleted and caught, (len(deleted), len(caught))
    print(f"seed {seed}: {syncs_run} syncs, {len(known)} videos known, {len(deleted)} deleted, {len(caught)} caught, options {options}")
