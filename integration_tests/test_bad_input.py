"""Bad input never crashes the connector, never reaches the API unvalidated, and always names
what is wrong: configs (nasty cases and hypothesis properties), saved states, and API pages."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict

import pytest
from airbyte_cdk.models import FailureType, Status
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from integration_tests.faultkit.shapes import Shapes
from integration_tests.harness import (
    catalog,
    catalog_json,
    config,
    cursors,
    keys,
    read,
    records,
    truth,
    videos_state,
)
from integration_tests.launcher import launch
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.timeutil import parse_instant, utc_now

SAFE_PATH = re.compile(r"^/v1/tiktok/profiles/[a-z0-9._]{1,64}(/videos)?(\?|$)")
VALID_HANDLE = re.compile(r"^[a-z0-9._]{0,63}[a-z0-9_]$")
DROP = object()
LOGGER = logging.getLogger("airbyte")


@pytest.fixture(scope="module")
def emu():
    with Emulator(dataset="demo") as emulator:
        yield emulator


def _cfg(emu: Emulator, **patch: Any) -> Dict[str, Any]:
    """The base config with `patch` applied (DROP removes a key)."""
    merged = {**config(emu.base_url, ["one.video"]), **patch}
    return {key: value for key, value in merged.items() if value is not DROP}


def _check(cfg):
    """`check` in-process: it must answer, never raise."""
    return SourceSocialfetchTiktok().check(LOGGER, cfg)


# --- bad configs: a list of nasty cases -------------------------------------------------------

NASTY = [
    # (id, patch, a word the message must contain)
    ("no key", {"api_key": DROP}, "api_key"),
    ("empty key", {"api_key": ""}, "api_key"),
    ("blank key", {"api_key": "   "}, "api_key"),
    ("key not a string", {"api_key": 12345}, "api_key"),
    ("no handles field", {"handles": DROP}, "handles"),
    ("no handles", {"handles": []}, "handles"),
    ("handles not a list", {"handles": "one.video"}, "handles"),
    ("handle not a string", {"handles": [42]}, "handles[0]"),
    ("empty handle", {"handles": ["one.video", ""]}, "handles[1]"),
    ("space", {"handles": ["one video"]}, "'one video'"),
    ("slash", {"handles": ["a/b"]}, "'a/b'"),
    ("dot dot", {"handles": [".."]}, "'..'"),
    ("dot dot slash", {"handles": ["../whoami"]}, "'../whoami'"),
    ("encoded slash", {"handles": ["a%2Fb"]}, "'a%2Fb'"),
    ("encoded only", {"handles": ["%2F"]}, "'%2F'"),
    ("question mark", {"handles": ["a?cursor=x"]}, "'a?cursor=x'"),
    ("hash", {"handles": ["a#b"]}, "'a#b'"),
    ("unicode", {"handles": ["créateur"]}, "'créateur'"),
    ("cjk", {"handles": ["创作者"]}, "'创作者'"),
    ("emoji", {"handles": ["nasa🚀"]}, "'nasa🚀'"),
    ("instagram url", {"handles": ["https://www.instagram.com/nasa"]}, "instagram"),
    ("x url", {"handles": ["https://x.com/@nasa"]}, "x.com"),
    ("video url", {"handles": ["https://www.tiktok.com/@nasa/video/123"]}, "tiktok.com/@nasa/video"),
    ("tiktok lookalike", {"handles": ["https://tiktok.com.evil.example/@nasa"]}, "evil"),
    ("65 chars", {"handles": ["a" * 65]}, "65 characters"),
    ("double at", {"handles": ["@@nasa"]}, "@@nasa"),
    ("10001 handles", {"handles": [f"h.{i}" for i in range(10_001)]}, "10001 given, at most 10000"),
    ("start_date word", {"start_date": "yesterday"}, "start_date"),
    ("start_date us", {"start_date": "01/02/2026"}, "start_date"),
    ("start_date 30 feb", {"start_date": "2026-02-30"}, "start_date"),
    ("start_date month 13", {"start_date": "2026-13-01T00:00:00Z"}, "start_date"),
    ("start_date number", {"start_date": 20260101}, "start_date"),
    ("lookback negative", {"lookback_window_days": -1}, "lookback_window_days"),
    ("lookback huge", {"lookback_window_days": 10**20}, "lookback_window_days"),
    ("lookback string", {"lookback_window_days": "7"}, "lookback_window_days"),
    ("concurrency zero", {"concurrency": 0}, "concurrency"),
    ("concurrency negative", {"concurrency": -4}, "concurrency"),
    ("concurrency huge", {"concurrency": 10**18}, "concurrency"),
    ("concurrency bool", {"concurrency": True}, "concurrency"),
    ("max videos zero", {"max_videos_per_handle": 0}, "max_videos_per_handle"),
    ("max videos negative", {"max_videos_per_handle": -1}, "max_videos_per_handle"),
    ("credits zero", {"max_credits_per_sync": 0}, "max_credits_per_sync"),
    ("credits float", {"max_credits_per_sync": 1.5}, "max_credits_per_sync"),
    ("timeout zero", {"request_timeout_seconds": 0}, "request_timeout_seconds"),
    ("timeout huge", {"request_timeout_seconds": 10**9}, "request_timeout_seconds"),
    ("region long", {"region": "USA"}, "region"),
    ("sort unknown", {"sort_by": "oldest"}, "sort_by"),
    ("http remote", {"base_url": "http://api.socialfetch.dev"}, "base_url"),
    ("http private ip", {"base_url": "http://10.0.0.1"}, "base_url"),
    ("http loopback lookalike", {"base_url": "http://127.0.0.1.nip.io"}, "base_url"),
    ("ftp", {"base_url": "ftp://api.socialfetch.dev"}, "base_url"),
    ("credentials in url", {"base_url": "https://user:pw@api.socialfetch.dev"}, "base_url"),
    ("not a url", {"base_url": "api socialfetch dev"}, "base_url"),
]


@pytest.mark.parametrize("patch, word", [pytest.param(p, w, id=i) for i, p, w in NASTY])
def test_given_a_nasty_config_then_check_and_read_fail_with_a_config_error_naming_it_and_send_nothing(emu, patch, word):
    cfg = _cfg(emu, **patch)
    emu.clear_requests()
    status = _check(cfg)
    assert status.status == Status.FAILED
    assert word in status.message, status.message
    assert "Traceback" not in status.message
    output = read(cfg, catalog("incremental"), expect_failure=True)
    error = output.errors[-1].trace.error
    assert error.failure_type == FailureType.config_error
    assert word in error.message
    assert not records(output)
    assert emu.requests == [], "an invalid config must not reach the API at all"


def test_given_1000_valid_handles_then_the_config_is_accepted(emu):
    emu.clear_requests()
    status = _check(_cfg(emu, handles=[f"creator.{i}" for i in range(1000)]))
    assert status.status == Status.SUCCEEDED, status.message
    assert [r.route for r in emu.requests] == ["whoami"], "check costs nothing: only whoami"


@pytest.mark.parametrize("key", [
    pytest.param("sfk_abc\r\nX-Injected: 1", id="crlf"),
    pytest.param("sfk_ключ", id="non-latin-1"),
])
def test_given_a_key_with_control_or_non_latin_characters_then_check_answers_a_config_error(emu, key):
    status = _check(_cfg(emu, api_key=key))
    assert status.status == Status.FAILED and "api_key" in status.message


# --- bad configs: properties ------------------------------------------------------------------

FRAGMENTS = ["/", "..", "%2F", "%2e%2e", "?", "#", " ", "\t", "\n", "@", "é", "🚀", "\\", "https://", "www.", "%"]
handle_values = st.one_of(
    st.text(max_size=70),
    st.from_regex(r"@?[A-Za-z0-9._]{1,66}", fullmatch=True),
    st.builds(lambda a, f, b: a + f + b, st.from_regex(r"[a-z0-9._]{0,5}", fullmatch=True),
              st.sampled_from(FRAGMENTS), st.from_regex(r"[a-z0-9._]{0,5}", fullmatch=True)),
    st.builds(lambda host, name: f"https://{host}/@{name}",
              st.sampled_from(["www.tiktok.com", "tiktok.com", "m.tiktok.com", "www.instagram.com", "evil.example"]),
              st.from_regex(r"[a-z0-9._]{1,10}", fullmatch=True)),
)


def _expected_handle(value: str):
    """An independent reading of the contract: the handle, or None when invalid."""
    text = value.strip()
    m = re.fullmatch(r"(?:https?://)?(?:www\.|m\.)?tiktok\.com/(@[^/?#]+)/?", text, flags=re.IGNORECASE)
    if m:
        text = m.group(1)
    elif "://" in text or re.match(r"(?:www\.|m\.)?tiktok\.com/", text, flags=re.IGNORECASE):
        return None  # a URL (a scheme, or a TikTok host and a path) that is not a profile's
    name = (text[1:] if text.startswith("@") else text).lower()
    return name if len(name) <= 64 and VALID_HANDLE.match(name) else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(handles=st.lists(handle_values, min_size=1, max_size=4))
def test_property_any_handle_list_is_accepted_exactly_when_every_handle_is_valid_and_bad_ones_are_named(emu, handles):
    emu.clear_requests()
    status = _check(_cfg(emu, handles=handles))
    expected = [_expected_handle(h) for h in handles]
    if all(expected):
        assert status.status == Status.SUCCEEDED, (handles, status.message)
        assert [r.route for r in emu.requests] == ["whoami"]
    else:
        assert status.status == Status.FAILED
        for index, handle in enumerate(expected):
            if handle is None and index < 10:
                assert f"handles[{index}]" in status.message, (handles, status.message)
        assert emu.requests == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(handles=st.lists(st.one_of(st.from_regex(r"@?[A-Za-z0-9._]{1,64}", fullmatch=True),
                                  st.sampled_from(["one.video", "@Full.Page", "https://www.tiktok.com/@ADS.creator"])),
                        min_size=1, max_size=3))
def test_property_a_valid_config_only_ever_requests_validated_encoded_paths(emu, handles):
    assume(all(_expected_handle(h) for h in handles))
    emu.clear_requests()
    read(_cfg(emu, handles=handles, max_videos_per_handle=5), catalog(profiles=True))
    assert emu.requests
    for request in emu.requests:
        assert SAFE_PATH.match(request.raw_path), request.raw_path
        assert request.handle in {_expected_handle(h) for h in handles}


FIELDS = {  # field: (lowest valid, highest valid or None)
    "lookback_window_days": (0, 365),
    "max_videos_per_handle": (1, 1_000_000_000),
    "concurrency": (1, 32),
    "max_credits_per_sync": (1, 1_000_000_000),
    "request_timeout_seconds": (1, 600),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(FIELDS)), value=st.one_of(st.integers(-10**30, 10**30), st.integers(-3, 40)))
def test_property_integer_fields_are_accepted_exactly_within_their_documented_range(emu, field, value):
    low, high = FIELDS[field]
    emu.clear_requests()
    status = _check(_cfg(emu, **{field: value}))
    if value >= low and (high is None or value <= high):
        assert status.status == Status.SUCCEEDED, status.message
    else:
        assert status.status == Status.FAILED and field in status.message, status.message
        assert emu.requests == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(max_size=30), st.dates().map(str), st.datetimes().map(lambda d: d.isoformat() + "Z")))
def test_property_start_date_is_a_date_or_a_config_error_naming_it(emu, value):
    status = _check(_cfg(emu, start_date=value))
    if parse_instant(value) is not None and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        assert status.status == Status.SUCCEEDED, (value, status.message)
    else:
        assert status.status == Status.FAILED and "start_date" in status.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=6, max_size=40))
def test_property_a_wrong_printable_key_fails_check_without_echoing_it(emu, key):
    status = _check(_cfg(emu, api_key="sfk_" + key))
    assert status.status == Status.FAILED
    assert "sfk_" + key not in status.message


# --- bad state --------------------------------------------------------------------------------

def test_given_a_far_future_cursor_then_it_is_clamped_to_now_with_a_warning(emu):
    output = read(config(emu.base_url, ["one.video"]), catalog("incremental"),
                  state=videos_state({"one.video": "2999-01-01T00:00:00Z"}))
    assert any("in the future" in m.log.message for m in output.logs)
    assert parse_instant(cursors(output)["one.video"]) <= utc_now()


def test_given_state_entries_without_partition_or_with_a_non_date_cursor_then_skipped_with_a_warning(emu):
    from airbyte_cdk.test.state_builder import StateBuilder

    blob = {"states": [
        {"cursor": {"createdAt": "2026-10-01T00:00:00Z"}},
        {"partition": {"handle": "one.video"}, "cursor": {"createdAt": "last tuesday"}},
        {"partition": {"handle": "unknown.creator"}, "cursor": {"createdAt": "2026-01-01T00:00:00Z"}},
        "not even an object",
    ]}
    output = read(config(emu.base_url, ["one.video"]), catalog("incremental"),
                  state=StateBuilder().with_stream_state("videos", blob).build())
    warnings = " ".join(m.log.message for m in output.logs)
    assert "no partition.handle" in warnings and "last tuesday" in warnings
    assert keys(records(output)) == truth(emu, ["one.video"]), "the skipped handle is read from the start"
    assert cursors(output)["unknown.creator"] == "2026-01-01T00:00:00Z", "an unknown handle's state is kept"


def test_given_a_malformed_state_file_then_the_console_script_fails_clearly_without_traceback(emu, tmp_path):
    run = launch(tmp_path, "read", config(emu.base_url, ["one.video"]), catalog_json(),
                 raw={"state": '[{"type": "STREAM", "stream": '})
    assert run.returncode != 0
    assert not run.records()
    error = run.errors()[-1]
    assert "state" in error["message"].lower(), error["message"]
    assert "Traceback" not in run.shown()


# --- bad responses ----------------------------------------------------------------------------

@pytest.fixture
def shaped(monkeypatch):
    return Shapes(monkeypatch)


def test_given_counts_as_strings_negative_or_null_and_unknown_fields_then_records_stay_valid(make_emulator, shaped):
    emu = make_emulator(dataset="empty")
    emu.add_handle("odd.counts", 40, seed=3)

    def odd(item):
        item = dict(item, stats=dict(item["stats"]), brandNewField={"x": [1, 2]}, anotherOne=None)
        item["stats"].update(views=str(item["stats"]["views"]), likes=-5, comments=None, shares=2.0, saves="many")
        item["durationMs"] = "12000"
        item["stats"]["futureCounter"] = 7
        return item

    shaped.videos["odd.counts"] = odd
    output = read(config(emu.base_url, ["odd.counts"]), catalog("incremental"))  # validates every record
    rows = records(output)
    assert keys(rows) == truth(emu, ["odd.counts"])
    sample = rows[0]
    assert isinstance(sample["stats"]["views"], int) and sample["stats"]["likes"] is None
    assert sample["durationMs"] == 12000
    assert "brandNewField" in sample, "unknown fields are kept, as the API sent them"


# Deeply nested `details`: integration_tests/test_deep_details.py


def test_given_oversized_pages_of_2000_videos_then_every_video_is_read_once(make_emulator):
    emu = make_emulator(dataset="empty", page_size=2000)
    emu.add_handle("huge.pages", 2150, seed=6)
    output = read(config(emu.base_url, ["huge.pages"], trim=True), catalog("incremental"))
    assert keys(records(output)) == truth(emu, ["huge.pages"])
    assert len([r for r in emu.requests if r.route == "videos"]) == 2
