"""The stats refresh at its edges: a failure, a paging guard, the cap, a refused `userId` and a
budget refusal when a page is asked again. Each keeps what was read and never pays it again."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.harness import final_videos_state
from integration_tests.syncs import PAGE, Syncs, reads_of, rows, three_creators
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.timeutil import parse_instant

HANDLE = "six.pages"  # 175 videos: 6 pages


@pytest.fixture
def world(make_emulator) -> Emulator:
    return three_creators(make_emulator(dataset="empty"))


def requests_of(syncs: Syncs, status: Optional[int] = 200) -> List[Any]:
    return [r for r in syncs.emu.requests if r.route == "videos" and r.handle == HANDLE and (status is None or r.status == status)]


def state_of(syncs: Syncs) -> Dict[str, Any]:
    """The `videos` state the next sync starts from."""
    assert syncs.state is not None
    blob = next(m.stream.stream_state for m in syncs.state if m.stream.stream_descriptor.name == "videos")
    return blob if isinstance(blob, dict) else dict(blob.__dict__)


def due_now(syncs: Syncs) -> bool:
    due = state_of(syncs).get("refresh_due", {}).get(HANDLE)
    return HANDLE in state_of(syncs).get("refresh_positions", {}) or (due is not None and parse_instant(due) <= syncs.emu.now)


def next_due_day(syncs: Syncs) -> None:
    """Advance a day at a time until the handle is due, publishing two videos a day."""
    for _ in range(5):
        syncs.emu.advance(1)
        syncs.emu.publish(HANDLE, 2)
        if due_now(syncs):
            return
        syncs.sync()
    pytest.fail("the handle never came due")


def test_given_a_refresh_failing_on_its_fourth_page_then_the_sync_names_it_and_the_next_goes_on_from_there(world):
    syncs = Syncs(world, [HANDLE], stats_refresh_days=1, lookback_window_days=0)
    syncs.sync()
    next_due_day(syncs)
    world.inject("400", handle=HANDLE, skip=3, times=2)  # refresh page 4 fails, with and without the user id
    failed = syncs.sync(expect_failure=True)

    assert HANDLE in failed.errors[-1].trace.error.message and "refresh" in failed.errors[-1].trace.error.message
    assert len(requests_of(syncs)) == 3  # page 1 (incremental), pages 2-3 (refresh)
    refused = requests_of(syncs, 400)[0].query["cursor"]
    state = state_of(syncs)
    assert state["refresh_positions"][HANDLE]["cursor"] == refused and state["refresh_positions"][HANDLE]["pages"] == 3
    newest = max(parse_instant(v["createdAt"]) for v in world.videos(HANDLE) if not v["pinned"])
    assert parse_instant(state["states"][0]["cursor"]["createdAt"]) == newest  # the incremental part is kept
    parts = {r["part"]: r["outcome"] for r in reads_of(failed)}
    assert parts == {"incremental": "completed", "refresh": "failed"}

    world.advance(1)
    syncs.sync()
    paid = requests_of(syncs)
    assert len(paid) == 1 + 3  # its incremental page, then refresh pages 4-6: pages 2-3 are not paid again
    assert [r.query.get("cursor") for r in paid if r.query.get("cursor")][0] == refused
    assert HANDLE not in state_of(syncs).get("refresh_positions", {})


def test_given_a_refresh_stopped_by_a_paging_guard_then_it_does_not_replay_its_pages_every_sync(world):
    syncs = Syncs(world, [HANDLE], stats_refresh_days=2, lookback_window_days=0)
    syncs.sync()
    next_due_day(syncs)
    world.inject("repeat_cursor", handle=HANDLE, skip=2, times=1)  # refresh page 3 sends its own cursor back
    guarded = syncs.sync()
    assert {r["part"]: r["outcome"] for r in reads_of(guarded)} == {"incremental": "completed", "refresh": "failed"}

    world.advance(1)
    syncs.sync()
    assert len(requests_of(syncs)) == 1  # not due again: only its incremental page


def test_given_max_videos_per_handle_then_a_refresh_keeps_to_the_cap_and_goes_on_next_sync(world):
    cap = 100
    syncs = Syncs(world, [HANDLE], stats_refresh_days=2, lookback_window_days=0, max_videos_per_handle=cap)
    for _ in range(6):
        world.advance(1)
        world.publish(HANDLE, 2)
        output = syncs.sync()
        if any(r["part"] == "refresh" for r in reads_of(output)):
            break
    else:
        pytest.fail("no refresh in 6 days")
    refresh = next(r for r in reads_of(output) if r["part"] == "refresh")
    assert refresh["outcome"] == "capped"
    assert len(rows(output, "videos")) <= cap + PAGE - 1
    first_pages = {r.query.get("cursor") for r in requests_of(syncs)}

    world.advance(1)
    following = syncs.sync()
    refresh = next(r for r in reads_of(following) if r["part"] == "refresh")
    assert refresh["outcome"] == "completed"
    again = [r.query.get("cursor") for r in requests_of(syncs) if r.query.get("cursor")]
    assert not first_pages & set(again[1:]), "no refresh page is paid for twice"


def test_given_a_user_id_refused_on_page_2_then_the_read_still_counts_as_from_the_top(world):
    syncs = Syncs(world, [HANDLE], stats_refresh_days=3)
    world.inject("400", handle=HANDLE, skip=1, times=1)  # page 2 carries the id learnt from page 1
    syncs.sync()
    assert "userId" in requests_of(syncs, 400)[0].query
    assert state_of(syncs)["history_pages"][HANDLE] == 6  # its first read is its history


def test_given_the_budget_runs_out_before_a_page_is_asked_again_then_the_next_sync_goes_on_from_that_page(world, monkeypatch):
    release = CreditBudget.release

    def release_then_nothing_left(self: CreditBudget, reserved: int) -> None:
        release(self, reserved)
        with self._lock:
            self._limit = self._spent  # other handles took the rest meanwhile

    monkeypatch.setattr(CreditBudget, "release", release_then_nothing_left)
    syncs = Syncs(world, [HANDLE], max_credits_per_sync=1000)
    world.inject("400", handle=HANDLE, skip=2, times=1)  # page 3, with the id learnt from page 1
    syncs.sync()
    refused = requests_of(syncs, 400)[0].query["cursor"]
    assert state_of(syncs)["resume_positions"][HANDLE]["cursor"] == refused

    monkeypatch.setattr(CreditBudget, "release", release)
    syncs.sync()
    paid = requests_of(syncs)
    assert len(paid) == 4 and paid[0].query["cursor"] == refused  # pages 3-6, not 1-2 again


def test_given_a_stale_resume_cursor_then_a_valid_user_id_is_kept(world):
    syncs = Syncs(world, [HANDLE])
    first = syncs.sync()
    user_id = final_videos_state(first)["user_ids"][HANDLE]
    blob = dict(final_videos_state(first))
    newest = blob["states"][0]["cursor"]["createdAt"]  # a position the state vouches for, with a cursor the API refuses
    blob["resume_positions"] = {HANDLE: {"cursor": "stale", "newest": newest}}
    syncs.state = StateBuilder().with_stream_state("videos", blob).build()

    output = syncs.sync()
    refused = requests_of(syncs, 400)
    assert [("userId" in r.query) for r in refused] == [True, False]  # asked with the id, then without
    top = requests_of(syncs)[0]
    assert "cursor" not in top.query and top.query.get("userId") == user_id  # the id was not the cause
    assert final_videos_state(output)["user_ids"][HANDLE] == user_id
