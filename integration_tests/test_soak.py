"""A seeded soak: 20 incremental syncs in a row, state carried, each under a random mix of
transient faults and world changes; after each, the destination equals the emulator's truth.

The destination is modelled as append_dedup would keep it: records upserted by (handle, id) in
the order they arrive. What "equals the truth" means for an incremental source with a lookback:
- every video the API still lists is in the destination (none lost, whatever the faults);
- its stats are the API's current ones, except for a video whose stats changed while it was
  older than the lookback window (the connector does not re-read those: that is the window's
  contract), and every video inside the window or newly published was re-read this sync;
- a deleted video lingers in the destination (the API gives no tombstones): allowed, and only
  for videos that were really deleted.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from integration_tests.faultkit.worlds import DestinationModel, parsed
from integration_tests.harness import catalog, config, cursors, read, records, state_messages_as_input
from source_socialfetch_tiktok.timeutil import parse_instant

SEED = 20261101
SYNCS = 20
LOOKBACK_DAYS = 7
SIZES = {"soak.alpha": 70, "soak.bravo": 45, "soak.charlie": 95, "soak.delta": 35, "soak.echo": 60}
FAULT_KINDS = ["429", "503", "500", "502", "drop", "nonjson", "truncated", "no_videos", "timeout"]


def _inject_random_faults(emu, rng: random.Random, sync: int) -> None:
    emu.clear_faults()
    for handle in rng.sample(sorted(SIZES), k=rng.randint(1, 3)):
        kind = rng.choice(FAULT_KINDS)
        options = {"retry_after": 0} if kind in ("429", "503") else {"delay_ms": 1_500} if kind == "timeout" else {}
        # per-handle faults: each one's seeded coin is tossed by one handle's calls only, in order
        emu.inject(kind, handle=handle, times=None, probability=rng.choice([0.25, 0.35]), seed=sync, **options)


def _change_world(emu, rng: random.Random, changed_stats: set, deleted: set) -> None:
    for _ in range(rng.randint(1, 4)):
        handle = rng.choice(sorted(SIZES))
        videos = emu.videos(handle)
        action = rng.choice(["publish", "publish", "change_stats", "change_stats", "delete", "pin"])
        if action == "publish":
            emu.publish(handle, rng.randint(1, 3))
        elif action == "change_stats":
            changed_stats.update((handle, vid) for vid in emu.change_stats(handle, count=rng.randint(1, 12)))
        elif action == "delete" and videos:
            victim = rng.choice(videos)["id"]
            emu.delete_video(handle, victim)
            deleted.add((handle, victim))
        elif action == "pin" and videos:
            pinned = [v["id"] for v in videos if v["pinned"]]
            if pinned and (len(pinned) == 3 or rng.random() < 0.5):
                emu.unpin(handle, rng.choice(pinned))
            else:
                emu.pin(handle, rng.choice([v["id"] for v in videos if not v["pinned"]]))


@pytest.mark.slow
def test_given_20_seeded_syncs_with_random_faults_and_changes_then_destination_always_equals_truth(
        make_emulator, no_backoff):
    rng = random.Random(SEED)
    emu = make_emulator(dataset="empty")
    for index, (handle, n) in enumerate(SIZES.items()):
        emu.add_handle(handle, n, seed=SEED + index, pinned=1 if index % 2 else 0)
    cfg = config(emu.base_url, list(SIZES), concurrency=len(SIZES), lookback_window_days=LOOKBACK_DAYS,
                 request_timeout_seconds=1)
    dest = DestinationModel()
    state = None
    saved: dict = {}
    stale: set = set()  # keys whose stats changed since the destination last received them
    deleted: set = set()
    fired = 0

    for sync in range(1, SYNCS + 1):
        if sync > 1:
            changed: set = set()
            _change_world(emu, rng, changed, deleted)
            stale |= changed
        _inject_random_faults(emu, rng, sync)
        output = read(cfg, catalog("incremental"), state=state)
        fired += sum(f.fired for f in emu.faults)
        emitted = records(output)
        dest.upsert(emitted)
        stale -= {(r["handle"], r["id"]) for r in emitted}
        state = state_messages_as_input(output)

        truth = {(h, v["id"]): v for h in SIZES for v in emu.videos(h)}
        missing = set(truth) - set(dest.rows)
        assert not missing, f"sync {sync}: lost {sorted(missing)[:5]}"
        lingering = set(dest.rows) - set(truth)
        assert lingering <= deleted, f"sync {sync}: rows that never existed: {sorted(lingering - deleted)[:5]}"
        emitted_keys = {(r["handle"], r["id"]) for r in emitted}
        for key, video in truth.items():
            boundary = saved.get(key[0])
            in_window = boundary is None or parse_instant(video["createdAt"]) >= boundary - timedelta(days=LOOKBACK_DAYS)
            if in_window:
                assert key in emitted_keys, f"sync {sync}: {key} is inside the lookback window but was not re-read"
            if key not in stale:
                assert dest.rows[key]["stats"] == video["stats"], f"sync {sync}: {key} has stale stats"
                assert dest.rows[key]["pinned"] == video["pinned"] or not in_window
        now = parsed(cursors(output))
        for handle in SIZES:
            newest = max(parse_instant(v["createdAt"]) for v in emu.videos(handle))
            assert now[handle] >= newest, f"sync {sync}: {handle}'s cursor is behind its newest video"
        saved = now

    assert fired >= 10, f"the soak must actually meet faults ({fired} fired)"
