"""Learned TikTok user ids: where they come from, how a malformed state is repaired, and that a
refused id is not learned again in the same sync."""

from __future__ import annotations

import logging

import pytest

from source_socialfetch_tiktok.state.user_ids import USER_IDS_KEY, UserIds, author_id, valid_user_id

LOGGER = logging.getLogger("airbyte")


def video(unique_id: object, user_id: object) -> dict:
    return {"id": "1", "details": {"author": {"uniqueId": unique_id, "id": user_id}}}


def test_given_the_handles_own_video_then_its_author_id_is_learnt() -> None:
    assert author_id(video("Nasa", "6800000000000000001"), "nasa") == "6800000000000000001"
    assert author_id(video("nasa", 6800000000000000001), "nasa") == "6800000000000000001"


@pytest.mark.parametrize("page_video", [video("someone.else", "1"), {"id": "1"}, {"details": None}, video("nasa", "a/b")])
def test_given_no_usable_author_then_nothing_is_learnt(page_video: dict) -> None:
    assert author_id(page_video, "nasa") is None


@pytest.mark.parametrize("value", [None, 3.5, True, "", "x" * 65, "id with space", "a?b", [], {}])
def test_given_a_value_no_id_can_be_then_invalid(value: object) -> None:
    assert valid_user_id(value) is None


def test_given_a_malformed_user_ids_state_then_repaired_with_a_warning(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="airbyte")
    raw = {USER_IDS_KEY: {"nasa": "680", "bad": ["x"], "num": 7, "gone": "123"}}

    ids = UserIds.from_state(raw, ["nasa", "bad", "num"], LOGGER)

    assert ids.snapshot(["nasa", "bad", "num"]) == {USER_IDS_KEY: {"nasa": "680", "num": "7"}}
    assert "malformed" in caplog.text


def test_given_user_ids_not_an_object_then_rebuilt_with_a_warning(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="airbyte")

    assert UserIds.from_state({USER_IDS_KEY: "680"}, ["nasa"], LOGGER).snapshot(["nasa"]) == {}
    assert "not an object" in caplog.text


def test_given_a_refused_id_then_dropped_and_not_learnt_again_this_sync() -> None:
    ids = UserIds({"nasa": "680"})

    ids.refuse("nasa", "680")
    ids.learn("nasa", "680")
    assert ids.get("nasa") is None
    ids.learn("nasa", "681")
    assert ids.get("nasa") == "681"


def test_given_handles_no_longer_configured_then_they_drop_out_of_the_snapshot() -> None:
    ids = UserIds({"nasa": "680", "old": "1"})

    assert ids.snapshot(["nasa"]) == {USER_IDS_KEY: {"nasa": "680"}}
