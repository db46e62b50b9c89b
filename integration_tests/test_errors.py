"""Errors end the right things: a handle, or the whole sync, always with a message that names them."""

from __future__ import annotations

from airbyte_cdk.models import FailureType

from integration_tests.harness import catalog, config, cursors, keys, newest, read, records, truth
from source_socialfetch_tiktok.timeutil import parse_instant


def _errors(output):
    return [m.trace.error for m in output.errors]


def test_given_wrong_key_when_read_then_stops_at_once_with_a_config_error(emulator):
    handles = ["pinned.creator", "nasa.fan", "cook_with_kim", "daily.vlogger", "ads.creator", "big.creator"]
    cfg = config(emulator.base_url, handles, api_key="sfk_wrong", concurrency=2)
    output = read(cfg, catalog(), expect_failure=True)
    assert not records(output)
    assert FailureType.config_error in [e.failure_type for e in _errors(output)]
    assert len([r for r in emulator.requests if r.route == "videos"]) <= 4


def test_given_one_handle_rejected_and_one_lookup_broken_then_others_complete_and_both_are_named(emulator, no_backoff):
    emulator.inject("400", handle="nasa.fan", times=None)
    emulator.inject("502", handle="cook_with_kim", times=None)
    good = ["one.video", "pinned.creator"]
    output = read(config(emulator.base_url, good + ["nasa.fan", "cook_with_kim"]), catalog("incremental"), expect_failure=True)
    assert keys(records(output)) == truth(emulator, good)
    assert {h: parse_instant(c) for h, c in cursors(output).items()} == {h: newest(emulator.videos(h)) for h in good}
    final = _errors(output)[-1]
    assert "nasa.fan" in final.message and "cook_with_kim" in final.message
    assert "400" in final.message and "lookup_failed" in final.message


def test_given_credits_run_out_mid_sync_then_config_error_after_checkpointing_completed_handles(emulator):
    emulator.set_balance(3)
    handles = ["one.video", "full.page", "pinned.creator"]
    output = read(config(emulator.base_url, handles, concurrency=1), catalog("incremental"), expect_failure=True)
    errors = _errors(output)
    assert errors[-1].failure_type == FailureType.config_error and "credits" in errors[-1].message
    assert set(cursors(output)) == {"one.video", "full.page"}
    after = [r for r in emulator.requests if r.status == 402]
    assert len(after) == 1


def test_given_a_budget_then_never_exceeded_and_sync_succeeds_with_a_warning(emulator):
    handles = ["pinned.creator", "nasa.fan", "cook_with_kim", "daily.vlogger"]
    output = read(config(emulator.base_url, handles, max_credits_per_sync=5, concurrency=4), catalog("incremental"))
    assert emulator.credits_charged() <= 5
    assert not output.errors
    assert any("budget" in m.log.message for m in output.logs if m.log.level.value == "WARN")


def test_given_private_and_unknown_handles_then_the_log_says_why_they_are_empty(emulator):
    output = read(config(emulator.base_url, ["private.person", "ghost.account"]), catalog(profiles=True))
    lines = [m.log.message for m in output.logs]
    assert any("private.person" in line and "the profile is private" in line for line in lines), lines
    assert any("ghost.account" in line and "no TikTok profile" in line for line in lines), lines
