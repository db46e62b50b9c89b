"""The shard option through real syncs against the emulator: shards started from an unsharded state,
then regrouped from 3 shards to 4, read every handle exactly once per sync, keep the cursors of the
handles they still read, and read no handle's history again except in a shard that is new."""

from __future__ import annotations

import collections
import json
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple

from airbyte_cdk.models import AirbyteStateMessage, Status
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

from integration_tests.harness import config, final_videos_state, keys, records
from integration_tests.syncs import Syncs, reads_catalog
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.shard import shard_of
from source_socialfetch_tiktok.summary import RESULT_PREFIX

DROPPED = "that another shard reads"
# 15 handles of 70 videos (3 pages): with 3 shards each holds some handles, and regrouped into 4,
# three move into the new shard, from two of the three old ones, so a shard that drops handles and
# one that drops none are both seen (30 handles, as before, read twice the videos and dropped
# handles from every shard).
DATASET = "gen:15x70"


def sync_as(emu: Emulator, handles: List[str], state: Optional[List[AirbyteStateMessage]],
            shard: Optional[Dict[str, int]] = None) -> Tuple[EntrypointOutput, collections.Counter, Syncs]:
    """One sync of one connection (the same handle list, its own shard and state); the pages it
    asked per handle."""
    syncs = Syncs(emu, handles, **({"shard": shard} if shard else {}))
    syncs.state = state
    output = syncs.sync(reads_catalog())
    return output, syncs.pages(), syncs


def warnings_about_dropped(output: EntrypointOutput) -> List[str]:
    return [m.log.message for m in output.logs if DROPPED in m.log.message]


def result_line(output: EntrypointOutput) -> Dict[str, Any]:
    lines = [m.log.message for m in output.logs if m.log.message.startswith(RESULT_PREFIX)]
    return json.loads(lines[-1][len(RESULT_PREFIX):])  # type: ignore[no-any-return]


def test_given_an_unsharded_state_when_3_shards_sync_then_together_they_read_what_one_sync_would(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(dataset=DATASET)
    handles = emu.handles()
    first, _, unsharded = sync_as(emu, handles, None)
    saved = unsharded.state
    emu.advance(1)
    for handle in handles[::5]:
        emu.publish(handle, 2)

    alone, alone_pages, _ = sync_as(emu, handles, saved)  # the sync one connection would run
    outputs = {i: sync_as(emu, handles, saved, {"count": 3, "index": i}) for i in range(3)}

    # Each shard reads its own handles only, exactly as the unsharded sync read them: same pages,
    # same records; nothing from the top (the cursors were kept), no handle by two shards.
    union: collections.Counter = collections.Counter()
    pages: collections.Counter = collections.Counter()
    for index, (output, shard_pages, _syncs) in outputs.items():
        mine = {h for h in handles if shard_of(h, 3) == index}
        assert set(shard_pages) == mine
        assert {r["handle"] for r in records(output)} <= mine
        union += keys(records(output))
        pages += shard_pages
        assert len(warnings_about_dropped(output)) == 1  # one warning for the handles it dropped
        assert f"holds {len(handles) - len(mine)} handle(s)" in warnings_about_dropped(output)[0]
        assert {s["partition"]["handle"] for s in final_videos_state(output)["states"]} == mine
    assert union == keys(records(alone))
    assert pages == alone_pages and sum(pages.values()) == len(handles)  # one page a handle: nothing read twice
    assert len(records(alone)) < len(records(first)) / 4  # an incremental sync, not a first one


def test_given_3_shards_when_regrouped_into_4_then_only_the_new_shard_reads_histories_and_each_handle_once(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(dataset=DATASET)
    handles = emu.handles()
    states = {i: sync_as(emu, handles, None, {"count": 3, "index": i})[2].state for i in range(3)}
    emu.advance(1)

    # The three connections go to 4 shards with the state each had; the fourth is a new connection.
    outputs = {i: sync_as(emu, handles, states.get(i), {"count": 4, "index": i}) for i in range(4)}

    moved = {h for h in handles if shard_of(h, 3) != shard_of(h, 4)}
    assert moved and all(shard_of(h, 4) == 3 for h in moved)  # jump hash: only into the new shard
    assert {shard_of(h, 3) for h in moved} not in (set(), set(range(3))), "both kinds of old shard are seen"
    read_by: Dict[str, List[int]] = collections.defaultdict(list)
    for index, (output, shard_pages, _syncs) in outputs.items():
        for handle in shard_pages:
            read_by[handle].append(index)
        if index < 3:
            # Every handle it keeps had its cursor: one page each, nothing read from the top again.
            assert set(shard_pages.values()) == {1}
            dropped = {h for h in moved if shard_of(h, 3) == index}
            assert len(warnings_about_dropped(output)) == (1 if dropped else 0)
    assert {h: len(shards) for h, shards in read_by.items()} == {h: 1 for h in handles}  # each handle once
    new_shard_pages = outputs[3][1]
    assert set(new_shard_pages) == {h for h in handles if shard_of(h, 4) == 3}
    assert all(new_shard_pages[h] == 3 for h in new_shard_pages)  # 70 videos: its first read, whole


def test_given_a_shard_then_its_records_and_result_line_say_which_and_check_lists_its_handles(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(dataset="gen:20x10")
    handles = emu.handles()
    output, _pages, _ = sync_as(emu, handles, None, {"count": 2, "index": 1})

    for stream in ("video_stats", "handle_reads"):
        rows = records(output, stream)
        assert rows and all((r["shardIndex"], r["shardCount"]) == (1, 2) for r in rows)
    assert "shardIndex" not in records(output)[0]  # videos records are the API's, unchanged
    assert result_line(output)["shard"] == {"index": 1, "count": 2}
    mine = [h for h in handles if shard_of(h, 2) == 1]

    status = SourceSocialfetchTiktok().check(
        logging.getLogger("airbyte"), config(emu.base_url, handles, shard={"count": 2, "index": 1})
    )
    assert status.status == Status.SUCCEEDED
    assert f"it reads {len(mine)} of the 20 configured handles: {', '.join(mine[:5])} and {len(mine) - 5} more." in (
        status.message or ""
    )


def test_given_an_unsharded_sync_then_its_records_and_result_line_carry_no_shard(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(dataset="gen:3x5")
    output, _pages, _ = sync_as(emu, emu.handles(), None)
    assert all("shardIndex" not in r for r in records(output, "video_stats") + records(output, "handle_reads"))
    assert result_line(output)["shard"] is None


def test_given_a_bad_shard_then_check_fails_naming_the_field_and_read_ends_with_a_config_error(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(dataset="gen:3x5")
    bad = config(emu.base_url, emu.handles(), shard={"count": 3, "index": 3})
    status = SourceSocialfetchTiktok().check(logging.getLogger("airbyte"), bad)
    assert status.status == Status.FAILED
    assert (status.message or "").startswith("shard.index: 3 is not a shard of 3; indices go from 0 to 2")

    syncs = Syncs(emu, emu.handles(), shard={"count": 3, "index": 3})
    output = syncs.sync(reads_catalog(), expect_failure=True, check=False)
    errors = output.errors
    assert errors and errors[-1].trace.error.failure_type.value == "config_error"
    assert "shard.index" in errors[-1].trace.error.message and "Traceback" not in errors[-1].trace.error.message
