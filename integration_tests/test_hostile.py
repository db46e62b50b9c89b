"""Every hostile input found by review, each showing the behaviour the issue asks for.
Console-script runs (`launch`) where the exit, stderr or a hang matter; the CDK's
entrypoint in-process otherwise."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from queue import Queue
from typing import Any, Dict, List, Optional

import pytest
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.sources.concurrent_source.concurrent_source import ConcurrentSource
from airbyte_cdk.sources.message.repository import InMemoryMessageRepository
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.faultkit.shapes import nested
from integration_tests.harness import (
    catalog,
    catalog_json,
    config,
    cursors,
    final_videos_state,
    keys,
    read,
    records,
    state_messages_as_input,
    truth,
    video_requests,
    videos_state,
)
from integration_tests.launcher import Run, launch
from integration_tests.leaks import assert_no_key
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok

KEY = "sfk_hostile_S3CRET_0042"


@pytest.fixture(scope="module")
def emu():
    with Emulator(dataset="demo") as emulator:
        emulator.add_key(KEY, 10_000_000)
        yield emulator


def cli(tmp_path: Path, command: str, cfg: Any, cat: Any = None, state: Any = None, raw: Optional[Dict[str, str]] = None
        ) -> Run:
    """The console script with these files (`raw` gives a file's text as-is); at most 30 s."""
    return launch(tmp_path, command, cfg, cat if cat is not None else catalog_json(), state, raw, timeout=30)


def assert_no_leak_nor_traceback(run: Run) -> None:
    assert_no_key(KEY, run.printed)
    assert "Traceback" not in run.shown()


def refusal(run: Run) -> str:
    assert_no_leak_nor_traceback(run)
    status = [m["connectionStatus"] for m in run.messages if m["type"] == "CONNECTION_STATUS"]
    if status:
        assert status[-1]["status"] == "FAILED"
        return str(status[-1]["message"])
    assert run.returncode != 0
    error = run.traces()[-1]["error"]
    assert error["failure_type"] == "config_error", error
    return str(error["message"])


def refused_in_process(command: str, cfg: Any, cat: Any = None, logs: str = "") -> str:
    """The same refusal through the CDK's entrypoint in this process (no process start, for the
    cases that need no console): its message, once nothing the connector wrote holds the key."""
    if command == "check":
        status = SourceSocialfetchTiktok().check(logging.getLogger("airbyte"), cfg)
        assert status.status == Status.FAILED
        assert_no_key(KEY, str(status.message), logs)
        return str(status.message)
    output = read(cfg, cat if cat is not None else catalog("incremental"), expect_failure=True)
    assert_no_key(KEY, "\n".join(repr(m) for m in output.get_message_iterator()), logs)
    error = output.errors[-1].trace.error
    assert error.failure_type == FailureType.config_error, error
    return str(error.message)


# --- 1. no hang whatever the catalog selects -----------------------------------------------------

def test_given_an_empty_catalog_then_read_ends_at_once_successfully_saying_so(emu, tmp_path):
    emu.clear_requests()
    run = cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=KEY), {"streams": []})
    assert run.returncode == 0
    assert any("selects no stream" in line for line in run.logs())
    assert emu.requests == []


@pytest.mark.parametrize("names, console", [(["foo"], True), (["VIDEOS"], False), (["videos", "foo"], False)])
def test_given_a_catalog_with_streams_the_connector_does_not_have_then_a_config_error_names_them(
        emu, tmp_path, names, console):
    emu.clear_requests()
    videos, unknown = ("incremental" if "videos" in names else None), [n for n in names if n != "videos"]
    cfg = config(emu.base_url, ["one.video"], api_key=KEY)
    if console:
        message = refusal(cli(tmp_path, "read", cfg, catalog_json(videos, names=unknown)))
    else:
        message = refused_in_process("read", cfg, catalog(videos, names=unknown))
    assert all(repr(n) in message for n in unknown) and "refresh the source schema" in message
    assert emu.requests == []


def test_canary_the_cdk_concurrent_source_still_hangs_on_no_streams():
    """Why `read` never hands ConcurrentSource an empty list: its `_consume_from_queue` waits on
    `queue.get()` for an item no stream will ever put (airbyte-cdk 7.39.1,
    airbyte_cdk/sources/concurrent_source/concurrent_source.py; no upstream issue found). When this
    test fails, upstream returns on no streams and the guard in source.py may go."""
    from airbyte_cdk.sources.utils.slice_logger import DebugSliceLogger

    queue: Queue = Queue()
    source = ConcurrentSource.create(1, 1, logging.getLogger("canary"), DebugSliceLogger(), InMemoryMessageRepository(),
                                     queue=queue)
    finished = threading.Event()
    reader = threading.Thread(target=lambda: (list(source.read([])), finished.set()), daemon=True)
    reader.start()
    try:
        assert not finished.wait(2.0), "ConcurrentSource.read([]) returned: the upstream hang is fixed"
    finally:
        # Leave no blocked thread nor pool behind: a falsy item ends its queue loop, and the read
        # then shuts its thread pool down.
        queue.put(None)
        reader.join(10)
    assert not reader.is_alive()


# --- 2 and 3. instants that overflow --------------------------------------------------------------

@pytest.mark.parametrize("saved", ["0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "9999-12-31T23:59:59-23:59",
                                   "0001-01-01T00:00:00+01:00"])
def test_given_a_far_or_overflowing_cursor_then_the_handle_is_read_in_full_and_the_next_sync_succeeds(emu, saved):
    cfg = config(emu.base_url, ["full.page"], api_key=KEY)
    first = read(cfg, catalog("incremental"), state=videos_state({"full.page": saved}))
    assert keys(records(first)) == truth(emu, ["full.page"]), "the whole handle is read"
    newest = max(v["createdAt"] for v in emu.videos("full.page"))
    assert cursors(first) == {"full.page": newest}, "the emitted state no longer holds the bad value"
    second = read(cfg, catalog("incremental"), state=state_messages_as_input(first))
    assert not second.errors


def test_given_an_overflowing_cursor_then_a_warning_says_the_handle_is_read_again(emu):
    output = read(config(emu.base_url, ["one.video"], api_key=KEY), catalog("incremental"),
                  state=videos_state({"one.video": "9999-12-31T23:59:59-23:59"}))
    assert any("not a date-time" in m.log.message and "one.video" in m.log.message for m in output.logs)


@pytest.mark.parametrize("newest", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"])
def test_given_a_resume_position_whose_newest_overflows_then_it_is_dropped_and_the_handle_read_from_the_top(emu, newest):
    emu.clear_requests()
    state = videos_state({}, resume_positions={"full.page": {"cursor": "some-cursor", "newest": newest}})
    output = read(config(emu.base_url, ["full.page"], api_key=KEY), catalog("incremental"), state=state)
    assert any("resume position of full.page" in m.log.message for m in output.logs)
    assert keys(records(output)) == truth(emu, ["full.page"])
    assert "cursor" not in video_requests(emu, "full.page")[0].query, "read from its first page"
    assert "resume_positions" not in final_videos_state(output)


@pytest.mark.parametrize("command", ["check", "read"])
def test_given_a_start_date_with_no_utc_equivalent_then_a_config_error_names_start_date(emu, command):
    emu.clear_requests()
    cfg = config(emu.base_url, ["one.video"], api_key=KEY, start_date="9999-12-31T23:59:59-01:00")
    assert "start_date" in refused_in_process(command, cfg)
    assert emu.requests == []


# --- 4. the key is never echoed -----------------------------------------------------------------

@pytest.mark.parametrize("patch, field", [
    ({"handles": [f"{KEY}/x"]}, "handles[0]"),
    ({"handles": [KEY]}, "handles[0]"),
    ({"handles": ["one.video", KEY.upper()]}, "handles[1]"),
    ({"base_url": f"https://apikey:{KEY}@api.socialfetch.dev"}, "base_url"),
    ({"base_url": "http://127.0.0.1:{port}/?api_key=" + KEY}, "base_url"),
    ({"start_date": KEY}, "start_date"),
])
@pytest.mark.parametrize("command", ["check", "read"])
def test_given_the_key_inside_a_config_value_then_check_and_read_refuse_it_without_printing_it(
        emu, tmp_path, caplog, patch, field, command):
    port = emu.base_url.rsplit(":", 1)[1]
    cfg = config(emu.base_url, ["one.video"], api_key=KEY)
    cfg.update({k: v.replace("{port}", port) if isinstance(v, str) else v for k, v in patch.items()})
    emu.clear_requests()
    # Both refuse it before anything runs: in-process for each value, and once from the console.
    caplog.set_level(logging.DEBUG)
    assert field in refused_in_process(command, cfg, logs=caplog.text)
    if patch == {"handles": [f"{KEY}/x"]}:
        assert field in refusal(cli(tmp_path, command, cfg))  # refusal() also asserts the key is absent
    assert_no_key(KEY, caplog.text)
    assert emu.requests == []


def test_given_the_key_in_a_state_key_then_the_warning_that_quotes_it_is_masked(emu, tmp_path):
    state = StateBuilder().with_stream_state("videos", {"states": [], KEY: 1}).build()
    as_json = [json.loads(json.dumps({"type": "STREAM", "stream": {"stream_descriptor": {"name": "videos"},
                                                                   "stream_state": s.stream.stream_state.__dict__}}))
               for s in state]
    run = cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=KEY), state=as_json)
    assert run.returncode == 0
    assert any("never writes ('****'" in line for line in run.logs()), run.logs()
    assert_no_leak_nor_traceback(run)


# --- 5. valid handles that look like host names -------------------------------------------------

def test_given_dotted_handles_that_look_like_hosts_then_they_are_handles(emu, tmp_path):
    emu.clear_requests()
    run = cli(tmp_path, "check", config(emu.base_url, ["tiktok.comedy", "www.fan", "www.tiktok.com"], api_key=KEY))
    assert [m["connectionStatus"]["status"] for m in run.messages if m["type"] == "CONNECTION_STATUS"] == ["SUCCEEDED"]
    emu.clear_requests()
    read(config(emu.base_url, ["tiktok.comedy", "www.fan"], api_key=KEY), catalog("incremental"))
    assert {r.handle for r in emu.requests} == {"tiktok.comedy", "www.fan"}


# --- 6. config errors instead of crashes ----------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "read"])
def test_given_a_base_url_that_can_never_work_then_check_and_read_refuse_it_naming_base_url(tmp_path, command):
    # The console's exit and output; every such base_url is unit_tests/test_config.py's.
    message = refusal(cli(tmp_path, command, config("http://127.0.0.1:99999", ["one.video"], api_key=KEY)))
    assert "base_url" in message and "port" in message


def test_given_a_100_kb_api_key_then_a_config_error_names_api_key_without_quoting_it(emu, tmp_path):
    emu.clear_requests()
    huge = "sfk_" + "k" * 100_000
    message = refusal(cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=huge)))
    assert "api_key" in message and "512" in message and "kkkkkkkk" not in message
    assert emu.requests == []


@pytest.mark.parametrize("which", ["config", "state", "catalog"])
def test_given_a_file_nested_5000_levels_then_a_config_error_names_the_file(emu, tmp_path, which):
    emu.clear_requests()
    run = cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=KEY), state=[], raw={which: nested(5000)})
    message = refusal(run)
    assert f"{which} file" in message and "nested too deeply" in message
    assert emu.requests == []


def _stream_state(blob_text: str) -> str:
    return '[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "videos"}, "stream_state": ' + blob_text + "}}]"


def test_given_a_600_level_extra_key_in_a_valid_state_then_it_is_dropped_and_the_sync_succeeds(emu, tmp_path):
    blob = '{"states": [{"partition": {"handle": "one.video"}, "cursor": {"createdAt": "2020-01-01T00:00:00Z"}}], ' \
           '"extra_key": ' + nested(600) + "}"
    run = cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=KEY), raw={"state": _stream_state(blob)})
    assert run.returncode == 0
    assert_no_leak_nor_traceback(run)
    assert keys(run.records()) == truth(emu, ["one.video"])
    assert "extra_key" not in run.states()[-1]["stream"]["stream_state"]
    assert any("'extra_key'" in line for line in run.logs())


def test_given_a_state_entry_nested_600_levels_then_only_that_entry_is_dropped_and_its_handle_read_again(emu, tmp_path):
    blob = '{"states": [{"partition": {"handle": "one.video"}, "cursor": {"createdAt": ' + nested(600) + "}}, " \
           '{"partition": {"handle": "full.page"}, "cursor": {"createdAt": "2999-01-01T00:00:00Z"}}]}'
    run = cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=KEY), raw={"state": _stream_state(blob)})
    assert run.returncode == 0
    assert keys(run.records()) == truth(emu, ["one.video"]), "read again"
    assert any("nested deeper" in line for line in run.logs())
    saved = run.states()[-1]["stream"]["stream_state"]["states"]
    assert [s["partition"]["handle"] for s in saved] == ["full.page", "one.video"], "the other entry is kept"


def test_given_a_global_state_with_shared_state_then_a_config_error_names_the_state_file(emu, tmp_path):
    emu.clear_requests()
    state = [{"type": "GLOBAL", "global": {"shared_state": {"a": 1}, "stream_states": []}}]
    message = refusal(cli(tmp_path, "read", config(emu.base_url, ["one.video"], api_key=KEY), state=state))
    assert "state file" in message and "GLOBAL" in message
    assert emu.requests == []


# --- 7. state that grows or hurts for ever --------------------------------------------------------

def test_given_100k_waiting_handles_then_the_state_is_read_fast_and_keeps_only_configured_ones(emu):
    waiting = [f"gone.{i}" for i in range(100_000)] + ["one.video"]
    started = time.monotonic()
    output = read(config(emu.base_url, ["one.video", "full.page"], api_key=KEY, max_credits_per_sync=1,
                         concurrency=1),
                  catalog("incremental"), state=videos_state({}, waiting_for_budget=waiting))
    assert time.monotonic() - started < 120  # a few seconds; a quadratic parse would take hours
    assert final_videos_state(output)["waiting_for_budget"] == ["full.page"], "one.video read first; gone.* dropped"


def test_given_a_70000_character_resume_cursor_then_it_is_dropped_at_parse_and_the_handle_read_from_the_top(emu):
    emu.clear_requests()
    state = videos_state({}, resume_positions={"full.page": {"cursor": "c" * 70_000, "newest": None}})
    output = read(config(emu.base_url, ["full.page"], api_key=KEY), catalog("incremental"), state=state)
    assert any("70000 characters" in m.log.message for m in output.logs)
    assert all("cursor" not in r.query for r in video_requests(emu, "full.page"))
    assert keys(records(output)) == truth(emu, ["full.page"])


# --- 8. max_videos_per_handle is a cap per sync that later syncs catch up on ---------------------

def test_given_max_videos_on_incremental_syncs_then_later_syncs_catch_up_and_nothing_is_skipped(make_emulator):
    emu = make_emulator(dataset="empty", page_size=10)
    emu.add_handle("long.history", 70, seed=9)
    cfg = config(emu.base_url, ["long.history"], max_videos_per_handle=5)
    seen: Dict[Any, int] = {}
    state: Optional[List[Any]] = None
    for sync in range(1, 9):
        output = read(cfg, catalog("incremental"), state=state)
        for key in keys(records(output)):
            seen[key] = seen.get(key, 0) + 1
        blob = final_videos_state(output)
        if sync < 7:
            assert blob["states"] == [], f"sync {sync}: the cursor waits until the history is read"
            assert "long.history" in blob["resume_positions"]
            assert any("max_videos_per_handle reached" in m.log.message for m in output.logs)
            assert len(records(output)) == 10, "stops at the end of the page on which it reached 5"
        state = state_messages_as_input(output)
    assert set(seen) == set(truth(emu, ["long.history"])), "every video of the history was read"
    newest = max(v["createdAt"] for v in emu.videos("long.history"))
    assert cursors(output) == {"long.history": newest}
    assert "resume_positions" not in final_videos_state(output)


def test_given_max_videos_on_a_full_refresh_then_the_newest_n_are_read(emulator):
    output = read(config(emulator.base_url, ["full.page"], max_videos_per_handle=5), catalog("full_refresh"))
    newest_five = sorted(emulator.videos("full.page"), key=lambda v: v["createdAt"], reverse=True)[:5]
    assert len(records(output)) == 5
    assert keys(records(output)) == keys(dict(v, handle="full.page") for v in newest_five)
