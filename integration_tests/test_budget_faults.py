"""`max_credits_per_sync` when requests fail: what is counted as spent, what happens when the
retry of a refused request cannot be afforded, and whether retries can overrun the budget.

The emulator charges only the calls that serve data; a real API may also charge a 200 the
connector cannot use, or a call whose answer never came. The connector counts such a request as
spent (the budget must hold whatever the API did), so its figure may be above the emulator's, by
exactly those requests."""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List

import pytest

from integration_tests.faultkit.servers import Recorder, SeenRequest
from integration_tests.faultkit.worlds import populate
from integration_tests.harness import catalog, config, final_videos_state, read, records, truth, videos_state
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok.read.budget import CreditBudget


@pytest.fixture(autouse=True)
def retries_at_once(no_backoff: Any) -> None:
    """These tests count requests and credits, not waits."""


def sync_result(output: Any) -> Dict[str, Any]:
    """The connector's own account of the sync (its `Sync result:` log line)."""
    lines = [m.log.message for m in output.logs if m.log.message.startswith("Sync result: ")]
    assert lines, "no Sync result line"
    return json.loads(lines[-1][len("Sync result: "):])


def credits_by_handle(output: Any) -> Dict[str, int]:
    totals: Dict[str, int] = {}
    for entry in sync_result(output)["handles"]:
        totals[entry["handle"]] = totals.get(entry["handle"], 0) + entry["credits"]
    return totals


def _unpaid_answers(emu: Emulator, handle: str) -> int:
    """The handle's requests the emulator did not charge but that a real API may have: answers
    that never came, and 200s that were not a page."""
    return sum(1 for r in emu.requests if r.handle == handle and r.route == "videos" and r.credits == 0
               and (r.status == 0 or (r.status == 200 and r.fault is not None)))


def test_given_a_budget_and_pages_that_may_have_been_charged_then_each_counts_as_spent_and_the_budget_holds(
        make_emulator: Any) -> None:
    emu = make_emulator(dataset="empty")
    populate(emu, {"alpha.one": 45, "bravo.two": 75, "charlie.three": 100})
    # bravo.two's page 2 never answers (a dropped connection, which the API may have charged);
    # charlie.three's page 2 answers 200 with HTML once, then the page.
    emu.inject("drop", handle="bravo.two", skip=1, times=None)
    emu.inject("nonjson", handle="charlie.three", skip=1, times=1)
    budget = 20
    output = read(config(emu.base_url, ["alpha.one", "bravo.two", "charlie.three"], concurrency=1,
                         max_credits_per_sync=budget), catalog("incremental"), expect_failure=True)

    charged: Dict[str, int] = {}
    for request in emu.requests:
        charged[request.handle or ""] = charged.get(request.handle or "", 0) + request.credits
    # Every attempt at bravo.two's page 2 (the library's retries ran out) and charlie.three's HTML
    # answer count as spent; the retry reserved after bravo.two's last attempt was never sent.
    assert _unpaid_answers(emu, "bravo.two") > 1 and _unpaid_answers(emu, "charlie.three") == 1
    counted = credits_by_handle(output)
    assert counted == {"alpha.one": charged["alpha.one"],
                       "bravo.two": charged["bravo.two"] + _unpaid_answers(emu, "bravo.two"),
                       "charlie.three": charged["charlie.three"] + 1}, (counted, charged)
    totals = sync_result(output)["totals"]
    assert totals["credits"] == sum(counted.values()) <= budget


def test_given_retries_of_pages_that_may_have_been_charged_when_the_budget_runs_out_then_none_is_sent_unpaid_and_the_page_waits(
        make_emulator: Any) -> None:
    emu = make_emulator(dataset="empty")
    populate(emu, {"alpha.one": 45, "bravo.two": 75})
    emu.inject("drop", handle="bravo.two", skip=1, times=None)  # page 2 never answers
    budget = 6
    output = read(config(emu.base_url, ["alpha.one", "bravo.two"], concurrency=1, max_credits_per_sync=budget),
                  catalog("incremental"))

    # alpha.one's 2 pages and bravo.two's page 1 are paid; the budget pays for 3 attempts at page 2.
    assert _unpaid_answers(emu, "bravo.two") == budget - 3
    assert sync_result(output)["totals"]["credits"] == budget
    assert not output.errors, "waiting for budget is not a failure"
    state = final_videos_state(output)
    assert state["waiting_for_budget"] == ["bravo.two"]
    # The next sync goes on from page 2, not from the top: page 1 is not paid again.
    emu.clear_faults()
    emu.clear_requests()
    after = read(config(emu.base_url, ["alpha.one", "bravo.two"], concurrency=1, max_credits_per_sync=budget),
                 catalog("incremental"), state=[m.state for m in output.state_messages][-1:])
    first = [r for r in emu.requests if r.route == "videos" and r.handle == "bravo.two"][0]
    assert "cursor" in first.query
    assert {(r["handle"], r["id"]) for r in records(output) + records(after)} >= set(truth(emu, ["bravo.two"]))


def refuse_reservations_after(monkeypatch: pytest.MonkeyPatch, fired: Any) -> List[bool]:
    """From the moment `fired()` is true, the budget refuses every reservation (as if other handles
    had just spent it); returns the answers given after that moment."""
    original = CreditBudget.try_reserve
    answers: List[bool] = []
    lock = threading.Lock()

    def try_reserve(self: CreditBudget) -> Any:
        if fired():
            with lock:
                answers.append(False)
            self._refused = True  # what a real refusal records: the sync has handles waiting
            return None
        return original(self)

    monkeypatch.setattr(CreditBudget, "try_reserve", try_reserve)
    return answers


def test_given_a_refused_user_id_when_the_page_asked_again_cannot_be_afforded_then_the_handle_waits(
        make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    emu: Emulator = make_emulator(dataset="empty")
    populate(emu, {"alpha.one": 45})
    user_id = final_videos_state(read(config(emu.base_url, ["alpha.one"]), catalog("incremental")))["user_ids"]["alpha.one"]
    emu.clear_requests()
    fault = emu.inject("400", handle="alpha.one", times=1)
    refused = refuse_reservations_after(monkeypatch, lambda: fault.fired >= 1)

    output = read(config(emu.base_url, ["alpha.one"], max_credits_per_sync=10), catalog("incremental"),
                  state=videos_state({}, user_ids={"alpha.one": user_id}))

    asked = [(r.status, r.user_id_sent) for r in emu.requests if r.route == "videos"]
    assert asked == [(400, True)], "the page is not asked again without a reservation"
    assert refused, "the reservation for the page asked again was refused"
    assert not output.errors, "waiting for budget is not a failure"
    state = final_videos_state(output)
    assert state["waiting_for_budget"] == ["alpha.one"]
    # Asking without the id never happened, so nothing shows the id was the cause: it is kept (dropped only
    # when asking without it helps), and the next sync asks with it again.
    assert state.get("user_ids", {}).get("alpha.one") == user_id
    assert sync_result(output)["totals"]["budget_reached"] is True


def test_given_a_refused_resume_position_when_the_restart_cannot_be_afforded_then_the_handle_waits_and_starts_over(
        make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    emu: Emulator = make_emulator(dataset="empty")
    populate(emu, {"alpha.one": 45})
    refused = refuse_reservations_after(monkeypatch, lambda: any(r.status == 400 for r in emu.requests))

    output = read(config(emu.base_url, ["alpha.one"], max_credits_per_sync=10), catalog("incremental"),
                  state=videos_state({}, resume_positions={"alpha.one": {"cursor": "not-a-cursor", "newest": "2026-01-01T00:00:00Z"}}))

    asked = [(r.status, r.query.get("cursor")) for r in emu.requests if r.route == "videos"]
    assert asked == [(400, "not-a-cursor")], "the restart is not asked without a reservation"
    assert refused
    assert not output.errors
    state = final_videos_state(output)
    assert state["waiting_for_budget"] == ["alpha.one"]
    assert "alpha.one" not in state.get("resume_positions", {}), "the refused position is not tried again"
    # The next sync, with budget, reads the handle from its first page.
    monkeypatch.undo()
    emu.clear_requests()
    after = read(config(emu.base_url, ["alpha.one"], max_credits_per_sync=10), catalog("incremental"),
                 state=[m.state for m in output.state_messages][-1:])
    assert "cursor" not in [r for r in emu.requests if r.route == "videos"][0].query
    assert set(truth(emu, ["alpha.one"])) == {(r["handle"], r["id"]) for r in records(after)}


def _charging_server(pages: int, malformed_first: int) -> Recorder:
    """A loopback API that charges every videos request it answers with a 200, usable or not, as a
    real API may: the first `malformed_first` answers are HTML, then `pages` pages of one video."""
    served = {"n": 0}

    def route(seen: SeenRequest) -> Any:
        if seen.path.startswith("/v1/whoami"):
            body: Dict[str, Any] = {"data": {"user": {"id": "u1"}}, "meta": {"creditsCharged": 0}}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        served["n"] += 1
        if served["n"] <= malformed_first:
            return 200, {"Content-Type": "text/html"}, b"<html>busy</html>"
        page = served["n"] - malformed_first
        video = {"id": f"v{page}", "createdAt": f"2026-01-{28 - page:02d}T00:00:00Z", "caption": "", "url": None}
        data = {"videos": [video], "page": {"nextCursor": f"c{page}" if page < pages else None, "hasMore": page < pages}}
        body = {"data": data, "meta": {"requestId": "r", "creditsCharged": 1, "version": "v1"}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    return Recorder(route)


def test_given_an_api_that_charges_unusable_pages_then_the_librarys_retries_never_overrun_the_budget() -> None:
    with _charging_server(pages=3, malformed_first=2) as server:
        output = read(config(server.base_url, ["alpha.one"], max_credits_per_sync=3), catalog("incremental"))
        charged = [p for p in server.paths if "/videos" in p]
    assert len(charged) <= 3, f"{len(charged)} charged requests for a budget of 3"
    assert sync_result(output)["totals"]["credits"] >= len(charged)
