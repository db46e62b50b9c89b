"""The shard option: a stable hash of the normalised handle, its limits as config errors naming the
field, and a saved state as one shard sees it."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import pytest
from airbyte_cdk.models import FailureType

from source_socialfetch_tiktok.config import ConfigError, parse_config
from source_socialfetch_tiktok.shard import MAX_HANDLES, assignment, jump_hash, shard_of
from source_socialfetch_tiktok.state.sharded import shard_state
from unit_tests.conftest import raw_config

TEN_THOUSAND = [f"creator.{i:05d}" for i in range(10_000)]


def config_error(**overrides: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw_config(**overrides))
    assert caught.value.failure_type == FailureType.config_error
    return caught.value.message or ""


@pytest.mark.parametrize("count", [2, 4, 7, 32])
def test_given_10000_handles_when_one_is_added_then_no_other_handle_moves(count: int) -> None:
    before = assignment(TEN_THOUSAND, count)
    after = assignment(TEN_THOUSAND + ["a.new.creator"], count)

    moved = [h for h in TEN_THOUSAND if before[h] != after[h]]
    assert moved == []  # the number the docs quote: 0


def test_given_10000_handles_when_one_is_added_in_front_then_no_other_handle_moves() -> None:
    """Not a function of the position: the new handle first in the list moves nothing either."""
    first = {h: i for h, i in zip(TEN_THOUSAND, (shard_of(h, 4) for h in TEN_THOUSAND), strict=True)}
    config = parse_config(raw_config(handles=["a.new.creator"] + TEN_THOUSAND[:9_999], shard={"count": 4, "index": 1}))
    assert all(first[h] == 1 for h in config.handles if h != "a.new.creator")
    assert {h for h in TEN_THOUSAND[:9_999] if first[h] == 1} <= set(config.handles)


def test_given_3_shards_when_a_fourth_is_added_then_about_a_quarter_move_all_into_the_new_shard() -> None:
    three, four = assignment(TEN_THOUSAND, 3), assignment(TEN_THOUSAND, 4)
    moved = [h for h in TEN_THOUSAND if three[h] != four[h]]

    assert {four[h] for h in moved} == {3}
    assert 0.22 < len(moved) / len(TEN_THOUSAND) < 0.28


def test_given_10000_handles_then_each_of_4_shards_gets_a_quarter_within_5_percent() -> None:
    counts = [list(assignment(TEN_THOUSAND, 4).values()).count(i) for i in range(4)]
    assert all(abs(c - 2_500) < 125 for c in counts), counts


def test_the_hash_is_pinned_so_that_no_release_moves_a_handle() -> None:
    """A change of digest or of the jump function would move every handle of every user between
    their connections: this test fails first. (Values computed once, then pinned.)"""
    assert [jump_hash(k, 10) for k in (0, 1, 2**63, 2**64 - 1)] == [0, 6, 5, 9]
    assert {h: shard_of(h, 8) for h in ("nasa", "zachking", "khaby.lame", "cook_with_kim")} == {
        "nasa": 6, "zachking": 2, "khaby.lame": 6, "cook_with_kim": 5,
    }


def test_given_the_same_handle_spelled_three_ways_then_one_shard_reads_it_once() -> None:
    handles = ["NASA", "@nasa", "https://www.tiktok.com/@nasa"]
    read_by = [parse_config(raw_config(handles=handles, shard={"count": 3, "index": i})).handles for i in range(3)]
    assert sorted(read_by) == [[], [], ["nasa"]]


def test_given_a_shard_then_the_config_keeps_its_handles_in_order_and_the_list_size() -> None:
    config = parse_config(raw_config(handles=TEN_THOUSAND, shard={"count": 4, "index": 2}))
    assert config.handles == [h for h in TEN_THOUSAND if shard_of(h, 4) == 2]
    assert config.configured_handles == 10_000 and config.shard is not None and config.shard.index == 2


def test_given_100000_handles_in_12_shards_then_each_is_accepted() -> None:
    handles = [f"h.{i}" for i in range(100_000)]
    sizes = [len(parse_config(raw_config(handles=handles, shard={"count": 12, "index": i})).handles) for i in range(12)]
    assert sum(sizes) == 100_000 and max(sizes) <= MAX_HANDLES


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"shard": {"count": 4, "index": 4}}, "shard.index: 4 is not a shard of 4; indices go from 0 to 3"),
        ({"shard": {"count": 0, "index": 0}}, "shard.count: 0 is less than the minimum of 1"),
        ({"shard": {"count": 2, "index": -1}}, "shard.index: -1 is less than the minimum of 0"),
        ({"shard": {"count": 2}}, "shard: index is required"),
        ({"shard": {}}, "shard: count and index are required"),
        ({"shard": {"count": "2", "index": 0}}, "shard.count: '2' is not of type 'integer'"),
        ({"shard": 3}, "shard: 3 is not of type 'object'"),
        ({"handles": [f"h.{i}" for i in range(10_001)]}, "handles: 10001 given, at most 10000 allowed"),
        ({"handles": [f"h.{i}" for i in range(100_001)], "shard": {"count": 20, "index": 0}},
         "handles: 100001 given, at most 100000 allowed"),
        ({"handles": [f"h.{i}" for i in range(40_000)], "shard": {"count": 2, "index": 1}},
         "shard: shard 1 of 2 (indices 0 to 1) reads"),
    ],
)
def test_given_a_bad_shard_or_too_many_handles_then_a_config_error_names_the_field(
    overrides: Dict[str, Any], expected: str
) -> None:
    assert expected in config_error(**overrides)


def test_given_a_shard_too_full_then_the_error_says_how_many_shards_would_do() -> None:
    message = config_error(handles=[f"h.{i}" for i in range(40_000)], shard={"count": 2, "index": 0})
    assert "at most 10000 a shard; raise shard.count (about 5 shards" in message


def state_of(handles: List[str]) -> Dict[str, Any]:
    return {
        "states": [{"partition": {"handle": h}, "cursor": {"createdAt": "2026-11-20T08:15:00Z"}} for h in handles],
        "waiting_for_budget": list(handles),
        "resume_positions": {h: {"cursor": "c", "newest": "2026-11-20T08:15:00Z"} for h in handles},
        "refresh_due": {h: "2026-12-05T08:00:00Z" for h in handles},
        "history_pages": {h: 3 for h in handles},
        "user_ids": {h: "68" for h in handles},
        "paces": {h: {"per_day": 1.0, "read_at": "2026-11-20T09:00:00Z"} for h in handles},
    }


def test_given_an_unsharded_state_then_a_shard_keeps_its_handles_everywhere_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handles = TEN_THOUSAND[:300]
    shard = parse_config(raw_config(handles=handles, shard={"count": 3, "index": 1})).shard
    logger = logging.getLogger("test_shard")

    with caplog.at_level(logging.WARNING, logger="test_shard"):
        kept = shard_state(state_of(handles), shard, logger)

    mine = [h for h in handles if shard_of(h, 3) == 1]
    assert kept == state_of(mine)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and f"holds {300 - len(mine)} handle(s) that another shard reads" in warnings[0]


def test_given_a_0_1_0_state_then_a_shard_keeps_only_its_handles() -> None:
    handles = ["nasa", "zachking", "khaby.lame", "cook_with_kim", "daily.vlogger"]
    shard = parse_config(raw_config(handles=handles, shard={"count": 2, "index": 0})).shard
    old = {h: {"createdAt": "2026-11-20T08:15:00Z"} for h in handles}

    kept = shard_state(old, shard, logging.getLogger("test_shard"))

    assert kept == {h: v for h, v in old.items() if shard_of(h, 2) == 0}


def test_given_no_shard_then_the_state_is_untouched() -> None:
    state = state_of(["nasa"])
    assert shard_state(state, None, logging.getLogger("test_shard")) is state
