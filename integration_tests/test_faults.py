"""Transient faults cost time, never records; permanent faults cost one handle, never the others.

Every case runs the real entrypoint in-process (harness.read validates every record against the
discovered schema) against the emulator over loopback, with 4 small handles of 2-4 pages each.
"""

from __future__ import annotations

import re

import pytest
from airbyte_cdk.models import FailureType

from integration_tests.faultkit.shapes import Shapes
from integration_tests.faultkit.worlds import SMALL, newest_cursors, parsed, populate
from integration_tests.harness import catalog, config, cursors, keys, read, records, truth
from socialfetch_emulator import Emulator

TRANSIENT = ["429", "500", "503", "502", "timeout", "drop", "nonjson", "truncated", "no_videos"]
# (handle, skip): the page each handle's fault hits: 1, 2, 3 and 2
WHERE = [("alpha.one", 0), ("bravo.two", 1), ("charlie.three", 2), ("delta.four", 1)]
HANDLES = list(SMALL)


def _fault_options(kind: str) -> dict:
    if kind in ("429", "503"):
        return {"retry_after": 1}
    if kind == "timeout":
        return {"delay_ms": 3_000}  # longer than request_timeout_seconds=1
    return {}


def _cfg(emu: Emulator, handles=HANDLES, **extra):
    return config(emu.base_url, handles, **{"concurrency": len(handles), "request_timeout_seconds": 1, **extra})


@pytest.fixture(scope="module")
def baseline():
    """A fault-free incremental read of the same world: the records and state every case must match."""
    with Emulator(dataset="empty") as emu:
        populate(emu)
        output = read(_cfg(emu), catalog("incremental"))
        return keys(records(output)), cursors(output)


@pytest.fixture
def world(make_emulator):
    emu = make_emulator(dataset="empty")
    populate(emu)
    return emu


def _errors(output):
    return [m.trace.error for m in output.errors]


@pytest.mark.parametrize("kind", TRANSIENT)
def test_given_transient_fault_on_pages_1_to_3_of_every_handle_then_records_and_state_equal_a_fault_free_run(
        world, baseline, kind, no_backoff):
    faults = [world.inject(kind, handle=h, skip=skip, times=1, **_fault_options(kind)) for h, skip in WHERE]
    # A 1 s time-out only where the fault is a stall: elsewhere a loaded machine must not add retries.
    output = read(_cfg(world, request_timeout_seconds=1 if kind == "timeout" else 30), catalog("incremental"))

    assert [f.fired for f in faults] == [1] * len(WHERE), "every injected fault must have fired"
    if kind != "timeout":
        assert len(no_backoff.waits) == len(WHERE), "one retry per fault"
    if kind in ("429", "503"):
        assert no_backoff.waits == [1.0] * len(WHERE), "each wait is the Retry-After the API sent"
    assert not _errors(output)
    assert keys(records(output)) == baseline[0] == truth(world, HANDLES)
    assert cursors(output) == baseline[1]
    assert parsed(cursors(output)) == newest_cursors(world, HANDLES)


def test_given_a_different_fault_on_successive_pages_of_a_handle_then_nothing_lost(world, baseline, no_backoff):
    """charlie.three (4 pages): page 2 meets a 503, page 3 a dropped connection, page 4 a truncated
    body and then an HTML page (two in a row: the backoff grows); alpha.one's page 2 fails twice."""
    # A fault counts only the calls that reach it (the first fault that fires wins), so the skips
    # below put them on charlie's calls 2, 4, 6 and 7 (calls 3, 5 and 8 are the successful retries).
    world.inject("503", handle="charlie.three", skip=1, times=1, retry_after=1)
    world.inject("drop", handle="charlie.three", skip=2, times=1)
    world.inject("truncated", handle="charlie.three", skip=3, times=1)
    world.inject("nonjson", handle="charlie.three", skip=3, times=1)
    world.inject("500", handle="alpha.one", skip=1, times=2)
    output = read(_cfg(world), catalog("incremental"))
    charlie = [(r.status, r.fault) for r in world.requests if r.handle == "charlie.three"]
    assert [f for _, f in charlie] == [None, "503", None, "drop", None, "truncated", "nonjson", None]
    assert all(f.fired == f.times for f in world.faults)
    assert keys(records(output)) == baseline[0]
    assert cursors(output) == baseline[1]


def test_given_429_with_retry_after_then_the_next_attempt_waits_at_least_that_long(world):
    """The one test that really waits for a Retry-After; the others count retries (no_backoff)."""
    world.inject("429", handle="alpha.one", skip=1, times=1, retry_after=1)
    output = read(_cfg(world, ["alpha.one"]), catalog("incremental"))
    calls = [r for r in world.requests if r.route == "videos"]
    assert [r.status for r in calls] == [200, 429, 200]
    assert calls[2].started - calls[1].started >= 1.0
    assert keys(records(output)) == truth(world, ["alpha.one"]), "nothing lost"


def test_canary_no_backoff_retries_at_once_and_records_the_wait(world, no_backoff):
    """The `no_backoff` fixture (root conftest) leans on the CDK sleeping in rate_limiting.py: if
    a retry here waits again, the CDK moved its sleep and the fixture must follow."""
    world.inject("503", handle="alpha.one", skip=1, times=1, retry_after=30)
    read(_cfg(world, ["alpha.one"]), catalog("incremental"))
    calls = [r for r in world.requests if r.route == "videos"]
    assert [r.status for r in calls] == [200, 503, 200]
    assert no_backoff.waits == [30.0], "the wait the connector decided"
    assert no_backoff.skipped == [pytest.approx(1.001)], "the CDK's sleep (the wait given plus its second) was skipped"
    assert calls[2].started - calls[1].started < 20, "nobody waited the 30 s"


@pytest.mark.slow
def test_given_exhausted_retries_on_several_handles_then_others_are_checkpointed_and_the_sync_ends_transient(
        make_emulator, monkeypatch, no_backoff):
    """One sync, several handles failing for good in parallel (5 retries each, at once here: in
    production ~37 s of backoff, 1+2+4+8+16 s plus the CDK's 1 s per retry), two good handles read meanwhile.
    `bad.deep`, details nested 2,000 levels, is read meanwhile (such pages used to be retried as
    'not JSON' and the handle lost)."""
    emu = make_emulator(dataset="empty")
    Shapes(monkeypatch).deep_details("bad.deep", 2000)
    good = ["good.one", "good.two"]
    broken = {  # handle: (fault, what the final error must say about it)
        "bad.five.hundred": ("500", "internal error (500)"),
        "bad.lookup": ("502", "502 lookup_failed"),
        "bad.unavailable": ("503", "unavailable (503)"),
        "bad.rate": ("429", "rate limit"),
        "bad.timeout": ("timeout", "timed out"),
        "bad.drop": ("drop", "connection"),
        "bad.html": ("nonjson", "not json"),
        "bad.novideos": ("no_videos", "no data"),
    }
    populate(emu, {**{h: 65 for h in good}, **{h: 40 for h in broken}, "bad.deep": 40})
    for handle, (kind, _) in broken.items():
        options = {"delay_ms": 1_500} if kind == "timeout" else _fault_options(kind)
        emu.inject(kind, handle=handle, skip=1, times=None, **options)
    handles = good + list(broken) + ["bad.deep"]
    output = read(_cfg(emu, handles), catalog("incremental"), expect_failure=True)

    got = keys(records(output))
    assert {k: v for k, v in got.items() if k[0] in good} == truth(emu, good)
    completed = good + ["bad.deep"]
    assert set(cursors(output)) == set(completed), "only completed handles are checkpointed"
    assert parsed(cursors(output)) == newest_cursors(emu, completed)
    assert {k: v for k, v in got.items() if k[0] == "bad.deep"} == truth(emu, ["bad.deep"])
    assert all(n == 1 for n in got.values()), "nothing emitted twice"
    final = _errors(output)[-1]
    assert final.failure_type == FailureType.transient_error
    assert "bad.deep" not in final.message
    for handle, (kind, reason) in broken.items():
        named = re.search(re.escape(handle) + r" \(videos: ([^;]*)\)", final.message)
        assert named, f"{handle} not named in: {final.message}"
        assert reason in named.group(1).lower(), f"{handle}: {reason!r} missing from {named.group(1)!r}"
        failed_calls = [r for r in emu.requests if r.handle == handle and r.fault == kind and r.route == "videos"]
        assert 2 <= len(failed_calls) <= 6, f"{handle}: {len(failed_calls)} attempts (retried, at most 5 times)"


def test_given_400_on_one_handle_then_it_fails_as_config_error_naming_it_and_the_others_complete(world):
    world.inject("400", handle="charlie.three", skip=1, times=None)
    output = read(_cfg(world), catalog("incremental"), expect_failure=True)
    good = [h for h in HANDLES if h != "charlie.three"]
    assert set(cursors(output)) == set(good)
    assert {k: v for k, v in keys(records(output)).items() if k[0] in good} == truth(world, good)
    final = _errors(output)[-1]
    assert final.failure_type == FailureType.config_error
    assert "charlie.three" in final.message and "400" in final.message
    asked = [(r.status, r.user_id_sent) for r in world.requests if r.handle == "charlie.three"]
    # The 400 came on a request that carried the handle's userId (learnt from page 1): the page is
    # asked once more without it, and then not retried.
    assert asked == [(200, False), (400, True), (400, False)]


def test_given_401_mid_sync_then_the_sync_stops_with_config_error_and_no_handle_reads_further(make_emulator):
    emu = make_emulator(dataset="empty")
    handles = populate(emu, {"k.one": 95, "k.two": 95, "k.three": 95, "k.four": 95, "k.five": 95, "k.six": 95})
    emu.inject("401", route="videos", skip=3, times=None)  # the key is revoked after 3 pages
    output = read(config(emu.base_url, handles, concurrency=2), catalog("incremental"), expect_failure=True)
    final = _errors(output)[-1]
    assert final.failure_type == FailureType.config_error
    assert "api_key" in final.message
    after = [r for r in emu.requests if r.route == "videos" and r.status == 401]
    assert 1 <= len(after) <= 2, "at most one refused call per worker in flight"
    touched = {r.handle for r in emu.requests if r.route == "videos"}
    assert len(touched) <= 3, f"handles started after the 401: {touched}"


def test_given_a_stalled_server_then_the_read_times_out_within_the_configured_seconds_and_is_retried(
        world, no_backoff):
    world.inject("timeout", handle="alpha.one", times=1, delay_ms=30_000)  # holds the request 30 s
    output = read(_cfg(world, ["alpha.one"]), catalog("incremental"))  # request_timeout_seconds=1
    calls = [r for r in world.requests if r.handle == "alpha.one"]
    assert [r.status for r in calls] == [0, 200, 200], "the stalled call is given up, then retried"
    # Given up after the 1 s time-out, not after the 30 s stall (a wide margin for a loaded machine).
    assert 1.0 <= calls[1].started - calls[0].started < 20.0
    assert keys(records(output)) == truth(world, ["alpha.one"])


def test_given_429_until_the_retries_run_out_then_the_handle_fails_saying_so_and_the_others_complete(
        world, no_backoff):
    """The CDK words an exhausted 429 differently from other exhausted retries ("API rate limit
    exceeded."): the decision does not read that wording, only the resolution noted for the request."""
    world.inject("429", handle="bravo.two", skip=1, times=None)
    output = read(_cfg(world), catalog("incremental"), expect_failure=True)
    good = [h for h in HANDLES if h != "bravo.two"]
    assert set(cursors(output)) == set(good)
    final = _errors(output)[-1]
    assert final.failure_type == FailureType.transient_error
    assert "bravo.two (videos: gave up after retries: Social Fetch rate limit reached (429).)" in final.message
    assert len([r for r in world.requests if r.handle == "bravo.two" and r.status == 429]) == 6, "5 retries"
