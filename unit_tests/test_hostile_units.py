"""Unit properties behind the hostile inputs: instants that overflow, the per-sync cap, handles that look
like hosts, base_url and api_key checks, the state repair, and the key mask."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional

import pytest
from airbyte_cdk.utils.airbyte_secrets_utils import update_secrets

from source_socialfetch_tiktok.api.masking import key_spellings, mask_line, shown
from source_socialfetch_tiktok.config import ConfigError, parse_config
from source_socialfetch_tiktok.handles import InvalidHandle, normalise_handle
from source_socialfetch_tiktok.read.pagination import HandlePager
from source_socialfetch_tiktok.state.store import (
    MAX_RESUME_CURSOR_LENGTH,
    parse_resume_positions,
    parse_videos_state,
    repair_videos_state,
)
from source_socialfetch_tiktok.timeutil import EARLIEST, format_instant, minus_days, parse_instant

from .conftest import API_KEY, raw_config

LOGGER = logging.getLogger("test_hostile_units")
UTC = timezone.utc


# -- instants ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_given_an_instant_with_no_utc_equivalent_when_parsed_then_it_is_not_a_date(text: str) -> None:
    assert parse_instant(text) is None


def test_given_the_earliest_instant_minus_a_lookback_then_it_saturates() -> None:
    earliest = parse_instant("0001-01-01T00:00:00Z")
    assert earliest is not None
    assert minus_days(earliest, 7) == EARLIEST
    assert minus_days(datetime(2026, 1, 8, tzinfo=UTC), 7) == datetime(2026, 1, 1, tzinfo=UTC)


def test_given_year_1_when_formatted_then_it_parses_back() -> None:
    assert format_instant(EARLIEST) == "0001-01-01T00:00:00Z"
    assert parse_instant(format_instant(EARLIEST)) == EARLIEST


# -- the per-sync cap -------------------------------------------------------------------------------

def _page(cursor: Optional[str], has_more: bool = True) -> Dict[str, Any]:
    return {"page": {"nextCursor": cursor, "hasMore": has_more}}


def test_given_a_resumable_walk_when_the_cap_is_reached_then_the_page_ends_and_the_next_cursor_is_kept() -> None:
    walk = HandlePager("nasa", boundary=None, newest_first=True, max_videos=2, resumable=True)
    assert [walk.accept({"id": str(i)}) for i in range(4)] == [True] * 4, "the page is read to its end"
    assert walk.next_cursor(_page("c2")) is None
    assert (walk.end, walk.capped_at, walk.complete) == ("max_videos", "c2", False)


def test_given_a_resumable_walk_when_the_cap_falls_on_the_last_page_then_the_walk_is_complete() -> None:
    walk = HandlePager("nasa", boundary=None, newest_first=True, max_videos=2, resumable=True)
    walk.accept({"id": "a"})
    walk.accept({"id": "b"})
    assert walk.next_cursor(_page(None, has_more=False)) is None
    assert walk.complete and walk.capped_at is None


# -- handles --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["tiktok.comedy", "www.fan", "m.fan", "www.tiktok.com", "tiktok.com"])
def test_given_a_dotted_username_that_looks_like_a_host_then_it_is_a_handle(value: str) -> None:
    assert normalise_handle(value) == value


@pytest.mark.parametrize("value", [API_KEY, API_KEY.upper() + "/x", f"@{API_KEY}"])
def test_given_a_value_holding_the_key_then_it_is_refused_without_quoting_it(value: str) -> None:
    with pytest.raises(InvalidHandle) as error:
        normalise_handle(value, secret=API_KEY)
    assert API_KEY.lower() not in str(error.value).lower()


# -- config ---------------------------------------------------------------------------------------

def test_given_an_api_key_over_512_characters_then_a_config_error_without_it() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(raw_config(api_key="sfk_" + "k" * 600))
    assert "api_key" in error.value.message and "k" * 20 not in error.value.message
    assert parse_config(raw_config(api_key="sfk_" + "k" * 508)).api_key


@pytest.mark.parametrize("field, value", [("start_date", API_KEY), ("region", API_KEY), ("sort_by", API_KEY)])
def test_given_the_key_in_any_field_then_the_message_masks_it(field: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(raw_config(**{field: value}))
    assert field in error.value.message and API_KEY not in error.value.message


# -- state repair ------------------------------------------------------------------------------------

def _deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


def test_given_unknown_and_deep_keys_when_repaired_then_only_known_shallow_ones_are_kept() -> None:
    raw = {"states": [{"partition": {"handle": "nasa"}, "cursor": {"createdAt": "2026-01-01T00:00:00Z"}},
                      {"partition": {"handle": "amy"}, "cursor": {"createdAt": _deep(600)}}],
           "nasa": {"createdAt": "2026-11-01T00:00:00Z"}, "extra": _deep(5000), "user_ids": {"nasa": "1"}}
    repaired = repair_videos_state(raw, LOGGER)
    assert set(repaired) == {"states", "user_ids"}
    assert [e["partition"]["handle"] for e in repaired["states"]] == ["nasa"]


def test_given_400k_waiting_handles_when_parsed_then_it_is_linear_and_keeps_configured_ones() -> None:
    waiting = [f"h{i % 200_000}" for i in range(400_000)] + ["nasa"]
    started = time.monotonic()
    _, parsed = parse_videos_state({"states": [], "waiting_for_budget": waiting}, LOGGER, handles=["nasa", "h7"])
    assert parsed == ["h7", "nasa"]
    assert time.monotonic() - started < 60  # linear: about a second; a quadratic parse would take hours


def test_given_a_resume_cursor_over_the_limit_when_parsed_then_it_is_dropped() -> None:
    raw = {"resume_positions": {"nasa": {"cursor": "c" * (MAX_RESUME_CURSOR_LENGTH + 1), "newest": None},
                                "amy": {"cursor": "c" * MAX_RESUME_CURSOR_LENGTH, "newest": "2026-01-01T00:00:00Z"},
                                "bad": {"cursor": "c", "newest": "9999-12-31T23:59:59-23:59"},
                                "a/b": {"cursor": "c", "newest": None}}}
    assert set(parse_resume_positions(raw, LOGGER)) == {"amy"}


def test_given_an_invalid_handle_in_states_when_parsed_then_the_entry_is_dropped() -> None:
    raw = {"states": [{"partition": {"handle": "a" * 70_000}, "cursor": {"createdAt": "2026-01-01T00:00:00Z"}}]}
    assert parse_videos_state(raw, LOGGER) == ({}, [])


# -- the key mask ------------------------------------------------------------------------------------

@pytest.fixture
def secrets() -> Any:
    update_secrets(key_spellings(" " + API_KEY + " "))
    yield
    update_secrets([])


def test_given_a_key_then_its_spellings_include_the_stripped_encoded_and_case_folded_forms() -> None:
    forms = key_spellings(" Sfk_A+B ")
    # Upper-case too: a config value holding the key upper-cased is quoted by the CDK's spec check.
    assert {"Sfk_A+B", "sfk_a+b", "SFK_A+B", "Sfk_A%2BB", " Sfk_A+B "} <= set(forms)
    assert key_spellings(None) == [] and key_spellings("  ") == []


def test_given_lines_holding_the_key_when_masked_then_they_stay_valid_messages_without_it(secrets: Any) -> None:
    status = {"type": "CONNECTION_STATUS", "connectionStatus": {"status": "FAILED", "message": f"bad {API_KEY}/x"}}
    record = {"type": "RECORD", "record": {"stream": "videos", "data": {"caption": API_KEY.lower(), API_KEY: [1]},
                                           "emitted_at": 1}}
    for message in (status, record):
        masked = mask_line(json.dumps(message))
        assert API_KEY.lower() not in masked.lower()
        assert json.loads(masked)["type"] == message["type"]
    plain = json.dumps({"type": "LOG", "log": {"level": "INFO", "message": "nothing secret"}})
    assert mask_line(plain) is plain


def test_given_a_long_value_holding_the_key_when_shown_then_it_is_masked_before_it_is_cut(secrets: Any) -> None:
    text = shown("x" * 50 + API_KEY, limit=60)
    assert API_KEY[:10] not in text
