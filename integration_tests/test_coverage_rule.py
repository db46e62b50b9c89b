"""The two `handle_reads` rules added in 0.4.0 (CONNECTOR_CONTRACT.md, `handle_reads`):

- a part that began below the top of the list claims coverage only when a part of the same sync
  read the handle's first page in the same order (a video pinned since the last read is listed
  there only);
- `startedAt` is the instant the part's first request was sent, not when its answer came.

Both are checked the way a destination sees them: the contract's rule applied as written
(`availability_oracle.Oracle`, no condition of its own) over the records of every sync."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List

import pytest
from airbyte_cdk.test import entrypoint_wrapper

from integration_tests.availability_oracle import Oracle
from integration_tests.harness import config, validate_records
from integration_tests.http_relay import pass_on
from integration_tests.syncs import Syncs, assert_claims_hold, reads_catalog, reads_of, rows
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.timeutil import parse_instant

HANDLE = "resumed.creator"


def test_given_a_budget_cut_then_a_pin_then_a_resume_then_the_rule_as_written_marks_nothing(make_emulator: Any) -> None:
    """The review's repro of 0.3.0: sync 3 goes on mid-list from where sync 2's budget stopped, after
    an old video was pinned (so listed on the first page only, which sync 3 never reads)."""
    emu = make_emulator(dataset="empty", page_size=10)
    emu.add_handle(HANDLE, 60)
    syncs = Syncs(emu, [HANDLE], lookback_window_days=365, concurrency=1)
    oracle = Oracle()

    def apply(sync: int, output: Any) -> List[Any]:
        return oracle.apply(sync, rows(output, "video_stats"), rows(output, "handle_reads"), [])

    first = syncs.sync()  # 1. reads all
    assert reads_of(first)[0]["outcome"] == "completed" and not apply(1, first)

    emu.advance(2)  # 2. time moves, videos are published
    emu.publish(HANDLE, 4)
    syncs.config["max_credits_per_sync"] = 1  # 3. cut by the budget after page 1
    second = syncs.sync()
    cut = reads_of(second)[0]
    assert (cut["outcome"], cut["pages"]) == ("budget", 1)
    assert not apply(2, second)

    listed = emu.listed(HANDLE)
    old = listed[30]  # 4. an old video is pinned: listed on page 1 only, before the others
    emu.pin(HANDLE, old["id"])
    del syncs.config["max_credits_per_sync"]
    third = syncs.sync()  # 5. sync 3 goes on from where sync 2 stopped
    resumed = reads_of(third)[0]
    seen = {s["id"] for s in rows(third, "video_stats")}
    assert resumed["outcome"] == "completed" and resumed["pages"] < (len(emu.listed(HANDLE)) + 9) // 10
    assert old["id"] not in seen, "the resumed read must not have listed the pinned video, or this proves nothing"

    # No part of sync 3 read the first page: it claims nothing, so the rule marks nothing.
    assert (resumed["coveredFrom"], resumed["coveredTo"]) == (None, None)
    assert apply(3, third) == [], "the rule as written marks a listed video unavailable"

    fourth = syncs.sync()  # from the top again: a claim, and still nothing marked
    assert reads_of(fourth)[0]["coveredTo"] == reads_of(fourth)[0]["startedAt"]
    assert apply(4, fourth) == []


@pytest.fixture
def publish_in_flight(make_emulator: Any) -> Iterator[tuple[Emulator, str]]:
    """The emulator behind a relay that, on the first videos request, moves the clock a day on and
    publishes a video before passing the request on: the video is published while the first page is
    in flight, and is on it."""
    emu = make_emulator(dataset="empty", page_size=10)
    emu.add_handle(HANDLE, 25)
    first = threading.Event()

    class Relay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if "/videos" in self.path and not first.is_set():
                first.set()
                emu.advance(1)
                emu.publish(HANDLE, 1)
            pass_on(self, emu.base_url + self.path, {"x-api-key": self.headers["x-api-key"]})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield emu, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_started_at_is_when_the_first_request_was_sent_not_when_its_answer_came(publish_in_flight) -> None:
    emu, relay = publish_in_flight
    sent = emu.now
    # The connector's clock is the emulator's, read live: it moves while the first page is in flight.
    output = entrypoint_wrapper.read(SourceSocialfetchTiktok(clock=lambda: emu.now), config(relay, [HANDLE]),
                                     reads_catalog())
    validate_records(output)
    read = reads_of(output)[0]
    published = emu.listed(HANDLE)[0]
    assert published["id"] in {s["id"] for s in rows(output, "video_stats")}, "the new video is on the first page"

    assert parse_instant(read["startedAt"]) == sent < parse_instant(published["createdAt"])
    assert read["coveredTo"] == read["startedAt"] and read["coveredFrom"] is None
    assert parse_instant(read["endedAt"]) > parse_instant(read["startedAt"])  # the answer came a day later
    assert assert_claims_hold(emu, output) > 0
