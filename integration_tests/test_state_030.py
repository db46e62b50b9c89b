"""A state written by 0.3.0 resumes unchanged: `golden/state_030.json` holds the `videos` state that
0.3.0 (commit 13b1be5) saved after two syncs of a small world (a budget cut mid-list, refreshes
coming due, user ids learnt), and what 0.3.0's next sync from it did: the requests it sent, the
records it emitted and the state it saved. The same sync now must do the same.

Written by running this module in a 0.3.0 checkout (its emulator is this one, unchanged since):
`python -m integration_tests.test_state_030 integration_tests/golden/state_030.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.harness import final_videos_state
from integration_tests.syncs import Syncs, rows
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.state.paces import PACES_KEY

GOLDEN = Path(__file__).parent / "golden" / "state_030.json"
HANDLES = ["golden.alpha", "golden.beta", "golden.gamma"]
OPTIONS: Dict[str, Any] = {"lookback_window_days": 2, "stats_refresh_days": 3, "max_credits_per_sync": 4, "concurrency": 1}


def world(make_emulator: Callable[..., Emulator]) -> Emulator:
    emu = make_emulator(dataset="empty", page_size=10)
    emu.add_handle("golden.alpha", 45, pinned=1)
    emu.add_handle("golden.beta", 28)
    emu.add_handle("golden.gamma", 12)
    return emu


def between_syncs(emu: Emulator) -> None:
    emu.advance(1)
    emu.publish("golden.alpha", 25)
    emu.publish("golden.beta", 3)


def next_sync(emu: Emulator, state: Dict[str, Any]) -> Dict[str, Any]:
    """One sync from `state`: what a destination and the API saw of it (no timings, no ids)."""
    syncs = Syncs(emu, HANDLES, **OPTIONS)
    syncs.state = StateBuilder().with_stream_state("videos", state).build()
    output = syncs.sync(check=False)
    return {
        "requests": [[r.handle, r.query.get("cursor"), r.query.get("userId"), r.status]
                     for r in emu.requests if r.route == "videos"],
        "videos": sorted([v["handle"], v["id"]] for v in rows(output, "videos")),
        "video_stats": sorted([s["handle"], s["id"]] for s in rows(output, "video_stats")),
        "state": final_videos_state(output),
    }


def write_golden(path: Path) -> None:
    """Run in a 0.3.0 checkout: two syncs, then the third from the second's state."""
    started: List[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        started.append(Emulator(**kwargs).start())
        return started[-1]

    try:
        emu = world(make)
        syncs = Syncs(emu, HANDLES, **OPTIONS)
        syncs.sync(check=False)
        between_syncs(emu)
        second = syncs.sync(check=False)
        state = final_videos_state(second)
        path.write_text(json.dumps({"state": state, "next_sync": next_sync(emu, state)}, indent=1, sort_keys=True) + "\n")
    finally:
        for emu in started:
            emu.stop()


def test_given_a_state_saved_by_030_then_the_next_sync_does_what_030_did(make_emulator: Any) -> None:
    golden = json.loads(GOLDEN.read_text())
    state = golden["state"]
    assert state.get("resume_positions") and state.get("refresh_due") and state.get("user_ids"), \
        "the golden state must hold a resume position, refresh instants and user ids, or this proves little"
    emu = world(make_emulator)
    between_syncs(emu)

    now = next_sync(emu, state)

    expected = golden["next_sync"]
    assert now["requests"] == expected["requests"], "the sync asked other pages than 0.3.0 did"
    assert now["videos"] == expected["videos"] and now["video_stats"] == expected["video_stats"]
    # 0.4.0 adds one key of its own, each handle's pace for the ESTIMATE messages (estimates.py).
    assert {k: v for k, v in now["state"].items() if k != PACES_KEY} == expected["state"]
    assert set(now["state"].get(PACES_KEY, {})) <= set(HANDLES)


if __name__ == "__main__":
    from source_socialfetch_tiktok.serialization import keep_nulls_in_records

    keep_nulls_in_records()  # as the console script and the tests' conftest do
    write_golden(Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN)
