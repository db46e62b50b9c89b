"""The API key never appears in anything the connector writes, and never leaves its origin.

Every run here uses a distinctive key and scans all it can capture (protocol messages, Python
logging at DEBUG, stdout/stderr, exception and status messages, the console script's output)
for the key, its URL-encoded form and its distinctive tail."""

from __future__ import annotations

import logging

import pytest
import requests
from airbyte_cdk.models import Status
from airbyte_cdk.test import entrypoint_wrapper

from integration_tests.faultkit.servers import WHOAMI, Recorder, TlsRecorder
from integration_tests.harness import catalog, catalog_json, config, read
from integration_tests.launcher import launch
from integration_tests.leaks import assert_no_key
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.api.transport import API_KEY_HEADER, build_session

KEY = "sfk_s3cr3t_DO_NOT_LEAK_42"
HANDLES = ["one.video", "full.page", "pinned.creator"]


def assert_clean(*texts: str) -> None:
    assert_no_key(KEY, *texts)


def _all_messages(output) -> str:
    return "\n".join(repr(m) for m in output.get_message_iterator())


@pytest.fixture
def captured(caplog, capsys):
    caplog.set_level(logging.DEBUG)

    def text() -> str:
        out, err = capsys.readouterr()
        return "\n".join([out, err, caplog.text] + [repr(r.args) for r in caplog.records])

    return text


@pytest.fixture
def keyed(emulator):
    emulator.add_key(KEY, 10_000)
    return emulator


def test_given_check_discover_and_a_read_with_faults_then_the_key_is_never_written(keyed, captured):
    cfg = config(keyed.base_url, HANDLES, api_key=KEY, request_timeout_seconds=1)
    status = SourceSocialfetchTiktok().check(logging.getLogger("airbyte"), cfg)
    assert status.status == Status.SUCCEEDED
    discovered = entrypoint_wrapper.discover(SourceSocialfetchTiktok(), cfg)
    keyed.inject("503", handle="full.page", times=1, retry_after=0)
    keyed.inject("drop", handle="pinned.creator", skip=1, times=1)
    keyed.inject("nonjson", handle="one.video", times=1)
    output = read(cfg, catalog("incremental", profiles=True))
    assert sum(f.fired for f in keyed.faults) == 3
    assert all(r.api_key == KEY for r in keyed.requests), "the key was sent to its own origin"
    assert_clean(str(status.message), _all_messages(discovered), _all_messages(output), captured())


def test_given_a_wrong_key_and_failing_handles_then_errors_never_carry_the_key(emulator, captured):
    wrong = config(emulator.base_url, HANDLES, api_key=KEY)  # not known to the emulator: 401
    status = SourceSocialfetchTiktok().check(logging.getLogger("airbyte"), wrong)
    assert status.status == Status.FAILED
    refused = read(wrong, catalog("incremental"), expect_failure=True)
    emulator.add_key(KEY, 10_000)
    emulator.inject("400", handle="full.page", times=None)
    emulator.inject("nonjson", handle="one.video", times=2)
    failing = read(config(emulator.base_url, HANDLES, api_key=KEY), catalog("incremental"), expect_failure=True)
    assert failing.errors
    assert_clean(str(status.message), _all_messages(refused), _all_messages(failing), captured())


def test_given_the_console_script_with_bad_configs_and_a_refused_key_then_nothing_it_prints_has_the_key(
        emulator, tmp_path):
    cases = {
        "bad_handles": config(emulator.base_url, ["a/b", "c d"], api_key=KEY),
        "key_wrong_type": {"api_key": [KEY], "handles": ["one.video"], "base_url": emulator.base_url},
        "http_remote": config("http://api.socialfetch.dev", ["one.video"], api_key=KEY),
        "refused_key": config(emulator.base_url, ["one.video"], api_key=KEY),
    }
    outputs = []
    runs = [("bad_handles", "check"), ("bad_handles", "read"), ("key_wrong_type", "read"), ("http_remote", "check"),
            ("refused_key", "read")]
    for name, command in runs:
        run = launch(tmp_path / f"{name}_{command}", command, cases[name], catalog_json())
        outputs.append(run.printed)
        assert "Traceback" not in run.shown(), f"{name} {command}: a traceback"
        if command == "read":
            assert run.returncode != 0 and run.errors()[-1]["failure_type"] == "config_error", (name, run.errors())
        else:
            assert [s["status"] for s in run.statuses()] == ["FAILED"], name
    assert_clean(*outputs)


def test_given_a_key_with_an_embedded_newline_then_it_is_refused_without_being_echoed(emulator, tmp_path):
    leaky = "sfk_s3cr3t\nDO_NOT_LEAK_42"
    run = launch(tmp_path, "check", config(emulator.base_url, ["one.video"], api_key=leaky))
    statuses = run.statuses()
    assert [s["status"] for s in statuses] == ["FAILED"], "the key with a newline was refused"
    assert "api_key" in statuses[-1]["message"]
    assert emulator.requests == [], "refused before any request"
    assert_no_key(leaky, run.printed)
    assert "Traceback" not in run.shown()


# --- the key never leaves its origin ------------------------------------------------------------

def test_given_a_redirect_to_another_host_then_the_connector_does_not_follow_it_and_the_key_stays_home(emulator):
    with Recorder(lambda seen: WHOAMI) as elsewhere:
        target = elsewhere.base_url.replace("127.0.0.1", "localhost")  # another host name, loopback
        with Recorder(lambda seen: (302, {"Location": target + seen.path}, b"")) as api:
            output = read(config(api.base_url, ["one.video"], api_key=KEY), catalog("incremental"), expect_failure=True)
            assert api.seen and api.seen[0].headers.get(API_KEY_HEADER) == KEY
        assert elsewhere.seen == [], "the stream does not follow redirects"
    assert output.errors and "302" in output.errors[-1].trace.error.message
    assert_clean(_all_messages(output))


def test_given_a_server_with_an_untrusted_certificate_then_check_fails_on_tls_and_never_sends_the_key(tmp_path):
    with TlsRecorder(tmp_path) as server:
        status = SourceSocialfetchTiktok().check(logging.getLogger("airbyte"), config(server.base_url, ["one.video"],
                                                                                      api_key=KEY))
        assert status.status == Status.FAILED
        assert "SSLError" in status.message
        assert server.seen == [], "no request completed over an unverified connection"
        with pytest.raises(requests.exceptions.SSLError):
            build_session(1).get(server.base_url + "/v1/whoami", timeout=3)
