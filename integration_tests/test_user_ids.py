"""`userId`: ids learned without spending a credit, sent on every videos request, and a
refused id dropped with one extra request, never a failed handle and never a loop."""

from __future__ import annotations

from typing import Dict

import pytest

from integration_tests.harness import (
    catalog,
    config,
    final_videos_state,
    keys,
    read,
    records,
    state_messages_as_input,
    truth,
    videos_state,
)

HANDLES = ["nasa.fan", "daily.vlogger", "cook_with_kim", "one.video"]


def author_ids(emulator, handles) -> Dict[str, str]:
    return {h: emulator.videos(h)[0]["details"]["author"]["id"] for h in handles}


def videos_requests(emulator):
    return [r for r in emulator.requests if r.route == "videos"]


def test_given_a_first_sync_then_ids_are_learnt_free_and_the_next_sync_sends_them_with_no_lookup(emulator):
    first = read(config(emulator.base_url, HANDLES), catalog("incremental"))
    charged = emulator.credits_charged()
    assert final_videos_state(first)["user_ids"] == author_ids(emulator, HANDLES)
    assert charged == len([r for r in videos_requests(emulator) if r.status == 200]), "learning cost nothing"

    emulator.clear_requests()
    second = read(config(emulator.base_url, HANDLES), catalog("incremental"), state_messages_as_input(first))

    sent = videos_requests(emulator)
    assert sent and all(r.user_id_sent and not r.lookup for r in sent)
    assert all(r.query["userId"] == author_ids(emulator, [r.handle])[r.handle] for r in sent)
    assert final_videos_state(second)["user_ids"] == author_ids(emulator, HANDLES)


@pytest.mark.parametrize("concurrency", [1, 32])
def test_given_wrong_ids_in_the_state_then_one_extra_request_per_handle_nothing_lost_and_ids_relearnt(
        emulator, caplog, concurrency):
    wrong = {h: "1" + str(i) * 18 for i, h in enumerate(HANDLES)}
    state = videos_state({}, user_ids=wrong)

    output = read(config(emulator.base_url, HANDLES, concurrency=concurrency), catalog("incremental"), state)

    assert keys(records(output)) == truth(emulator, HANDLES)
    refused = [r for r in videos_requests(emulator) if r.status == 400]
    assert sorted(r.handle for r in refused) == sorted(HANDLES), "one refused request per handle"
    assert all(r.query["userId"] == wrong[r.handle] for r in refused)
    assert final_videos_state(output)["user_ids"] == author_ids(emulator, HANDLES)
    assert caplog.text.count("refused the handle's saved TikTok user id") == len(HANDLES)
    assert not output.errors


def test_given_trim_then_ids_come_from_the_profiles_stream(emulator):
    handles = ["nasa.fan", "one.video"]
    output = read(config(emulator.base_url, handles, trim=True), catalog("incremental", profiles=True))

    profiles = {r["handle"]: r["profile"]["platformUserId"] for r in records(output, "profiles")}
    assert final_videos_state(output)["user_ids"] == profiles == author_ids(emulator, handles)


def test_given_handles_no_longer_configured_then_their_ids_drop_out(emulator):
    state = videos_state({}, user_ids={"gone.handle": "42", "one.video": author_ids(emulator, ["one.video"])["one.video"]})

    output = read(config(emulator.base_url, ["one.video"]), catalog("incremental"), state)

    assert final_videos_state(output)["user_ids"] == author_ids(emulator, ["one.video"])
