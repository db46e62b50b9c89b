"""parse_config: defaults from the contract, and a ConfigError naming the field for every bad value."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from hypothesis import given
from hypothesis import strategies as st

from source_socialfetch_tiktok.config import ConfigError, parse_config
from unit_tests.conftest import API_KEY, raw_config


def config_error(**overrides: Any) -> str:
    """The message of the ConfigError that parse_config raises for the minimal config with `overrides`."""
    with pytest.raises(ConfigError) as caught:
        parse_config(raw_config(**overrides))
    assert caught.value.failure_type == FailureType.config_error
    return caught.value.message or ""


def test_given_only_the_required_fields_when_parsed_then_the_contract_defaults_apply() -> None:
    config = parse_config(raw_config())

    assert config.api_key == API_KEY
    assert config.handles == ["nasa"]
    assert config.start_date is None
    assert config.sort_by == "latest"
    assert config.lookback_window_days == 7
    assert config.max_videos_per_handle is None
    assert config.region is None
    assert config.trim is False
    assert config.concurrency == 4
    assert config.max_credits_per_sync is None
    assert config.base_url == "https://api.socialfetch.dev"


def test_given_every_field_when_parsed_then_each_is_kept() -> None:
    config = parse_config(
        raw_config(
            handles=["@NASA", "https://www.tiktok.com/@zachking"],
            sort_by="popular",
            lookback_window_days=0,
            max_videos_per_handle=500,
            region="gb",
            trim=True,
            concurrency=32,
            max_credits_per_sync=1,
        )
    )

    assert config.handles == ["nasa", "zachking"]
    assert (config.sort_by, config.lookback_window_days, config.max_videos_per_handle) == ("popular", 0, 500)
    assert (config.region, config.trim, config.concurrency, config.max_credits_per_sync) == ("GB", True, 32, 1)


@pytest.mark.parametrize(
    "field, value",
    [
        ("concurrency", 0),
        ("concurrency", 33),
        ("lookback_window_days", -1),
        ("lookback_window_days", 366),
        ("max_videos_per_handle", 0),
        ("max_credits_per_sync", 0),
        ("sort_by", "views"),
        ("region", "USA"),
        ("start_date", "yesterday"),
        ("start_date", "2026-13-45"),
        ("handles", []),
        ("handles", "nasa"),
        ("trim", "yes"),
        ("concurrency", "4"),
    ],
)
def test_given_a_bad_value_when_parsed_then_the_config_error_names_the_field(field: str, value: Any) -> None:
    assert field in config_error(**{field: value})


def test_given_10001_handles_when_parsed_then_the_error_names_handles_and_the_limit() -> None:
    message = config_error(handles=[f"h{i}" for i in range(10_001)])

    assert "handles" in message
    assert "10000" in message


def test_given_10000_handles_when_parsed_then_all_are_kept() -> None:
    assert len(parse_config(raw_config(handles=[f"h{i}" for i in range(10_000)])).handles) == 10_000


def test_given_no_api_key_when_parsed_then_the_error_names_api_key() -> None:
    assert "api_key" in config_error(api_key=None)


@pytest.mark.parametrize("key", ["", "   "])
def test_given_an_empty_api_key_when_parsed_then_the_error_names_api_key(key: str) -> None:
    assert "api_key" in config_error(api_key=key)


def test_given_an_api_key_with_spaces_around_when_parsed_then_they_are_stripped() -> None:
    assert parse_config(raw_config(api_key=f"  {API_KEY}\n")).api_key == API_KEY


@pytest.mark.parametrize("url, word", [
    ("http://api.example.com", "https"), ("ftp://x", ""), ("https://", ""), ("api.socialfetch.dev", ""),
    ("https://user:pw@api.socialfetch.dev", ""), ("https://api.socialfetch.dev?x=1", ""),
    ("http://api.socialfetch.dev", "https"), ("http://192.168.1.10", "https"), ("http://localhost.evil.example", "https"),
    ("http://0.0.0.0:9", "https"),
    ("http://127.0.0.1:99999", "port"), ("http://127.0.0.1:abc", "port"), ("http://127.0.0.1:-1", "port"),
    ("http://127.0.0.1:0", "port"), ("https://api.socialfetch.dev/api", "path"), ("https://api.socialfetch.dev/v1/", "path"),
    ("https://api.socialfetch.dev/v1", "path"), ("http://[::1", "port"), ("https://api.social fetch.dev", "spaces"),
    (f"https://{API_KEY}.example", "API key"), (f"https://apikey:{API_KEY}@api.socialfetch.dev", ""),
    (f"http://127.0.0.1:9/?api_key={API_KEY}", ""),
])
def test_given_a_base_url_that_can_never_work_when_parsed_then_the_error_names_base_url_and_not_the_key(
        url: str, word: str) -> None:
    message = config_error(base_url=url)
    assert "base_url" in message and word in message
    assert API_KEY not in message


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1", "http://[::1]:9", "http://127.0.0.5:80",
                                 "http://127.8.9.10:9", "http://localhost:9"])
def test_given_a_plain_http_loopback_base_url_when_parsed_then_it_is_accepted(url: str) -> None:
    assert parse_config(raw_config(base_url=url)).base_url == url


def test_given_a_base_url_with_a_trailing_slash_when_parsed_then_the_slash_is_stripped() -> None:
    assert parse_config(raw_config(base_url="https://proxy.example.com/")).base_url == "https://proxy.example.com"


@pytest.mark.parametrize("bad", ["a b", "a/b", "../x", "x?y", "#tag", "toolong_" + "x" * 57, "https://example.com/@x"])
def test_given_a_bad_handle_when_parsed_then_the_error_lists_the_handle_and_its_index(bad: str) -> None:
    message = config_error(handles=["nasa", bad, "ok"])

    assert "handles[1]" in message
    assert bad[:20].lower() in message.lower()


def test_given_a_date_only_start_date_when_parsed_then_it_is_midnight_utc() -> None:
    assert parse_config(raw_config(start_date="2026-01-01")).start_date == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_given_a_start_date_with_an_offset_when_parsed_then_it_is_the_same_instant_in_utc() -> None:
    parsed = parse_config(raw_config(start_date="2026-01-01T02:00:00+02:00")).start_date

    assert parsed == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parsed is not None and parsed.utcoffset() is not None


@pytest.mark.parametrize("raw", ["not a mapping", ["api_key"], None])
def test_given_a_config_that_is_not_an_object_when_parsed_then_it_is_a_config_error(raw: Any) -> None:
    with pytest.raises(ConfigError):
        parse_config(raw)


_keys = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=40).map(
    lambda s: "sfk_" + s
)
_bad_fields = st.sampled_from(
    [
        {"concurrency": 0},
        {"sort_by": "views"},
        {"handles": []},
        {"handles": ["a b"]},
        {"start_date": "yesterday"},
        {"base_url": "http://api.example.com"},
        {"region": "USA"},
        {"handles": None},
    ]
)


@given(_keys, _bad_fields)
def test_given_any_api_key_when_the_config_is_bad_then_no_error_message_contains_the_key(
    key: str, bad: dict
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw_config(api_key=key, **bad))

    assert key not in str(caught.value.message)
    assert key not in str(caught.value.internal_message)
    assert key.strip() not in str(caught.value)


@given(st.one_of(st.integers(), st.lists(st.text(min_size=8), min_size=1), st.dictionaries(st.text(), st.text())))
def test_given_an_api_key_of_the_wrong_type_when_parsed_then_the_message_does_not_echo_it(key: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw_config(api_key=key))

    assert "api_key" in str(caught.value.message)
    assert repr(key) not in str(caught.value.message)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stats_refresh_days", 0),
        ("stats_refresh_days", 366),
        ("stats_refresh_days", "30"),
        ("stats_refresh_days", 7.5),
        ("stats_refresh_max_age_days", 0),
        ("stats_refresh_max_age_days", 3651),
        ("stats_refresh_max_age_days", True),
    ],
)
def test_given_a_bad_stats_refresh_option_then_the_error_names_it(field: str, value: object) -> None:
    assert field in config_error(**{field: value})


def test_given_stats_refresh_options_then_they_are_kept() -> None:
    parsed = parse_config(raw_config(stats_refresh_days=30, stats_refresh_max_age_days=90))

    assert (parsed.stats_refresh_days, parsed.stats_refresh_max_age_days) == (30, 90)
    assert parse_config(raw_config()).stats_refresh_days is None
