"""Syncs of one connection against the emulator, with the `handle_reads` claims of each checked
against the emulator's truth: every video the API lists with `createdAt` in [coveredFrom, coveredTo]
(all of them, undated ones included, when coveredFrom is null) is in the sync's `video_stats`
records of the handle."""

from __future__ import annotations

import collections
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.models import AirbyteStateMessage, ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from integration_tests.harness import config, state_messages_as_input, validate_records
from socialfetch_emulator import Emulator
from source_socialfetch_tiktok import SourceSocialfetchTiktok
from source_socialfetch_tiktok.timeutil import parse_instant

PAGE = 30


def reads_catalog(videos: Optional[str] = "incremental", stats: bool = True, reads: bool = True) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    if videos:
        builder = builder.with_stream("videos", SyncMode(videos))
    if stats:
        builder = builder.with_stream("video_stats", SyncMode.full_refresh)
    if reads:
        builder = builder.with_stream("handle_reads", SyncMode.full_refresh)
    built = builder.build()
    for configured in built.streams:
        if configured.sync_mode == SyncMode.incremental:
            configured.cursor_field = ["createdAt"]
    return built


class Syncs:
    """Syncs of one connection, carrying the state like the platform; the connector's clock is the
    emulator's, and the emulator's listing after each sync is the truth its claims are checked on."""

    def __init__(self, emu: Emulator, handles: List[str], **options: Any):
        self.emu = emu
        self.handles = handles
        self.config = config(emu.base_url, handles, **options)
        self.state: Optional[List[AirbyteStateMessage]] = None

    def sync(self, catalog: Optional[ConfiguredAirbyteCatalog] = None, expect_failure: bool = False,
             check: bool = True, sort: str = "latest") -> EntrypointOutput:
        self.emu.clear_requests()
        now = self.emu.now
        output = entrypoint_wrapper.read(
            SourceSocialfetchTiktok(clock=lambda: now), self.config, catalog or reads_catalog(), self.state,
            expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS,
        )
        validate_records(output)
        if output.state_messages:
            self.state = state_messages_as_input(output)
        if check:
            assert_claims_hold(self.emu, output, sort)
        return output

    def pages(self) -> collections.Counter:
        return collections.Counter(r.handle for r in self.emu.requests if r.route == "videos" and r.status == 200)


def rows(output: EntrypointOutput, stream: str) -> List[Dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


def covers(read: Mapping[str, Any], created: Optional[datetime]) -> bool:
    covered_from, covered_to = parse_instant(read["coveredFrom"]), parse_instant(read["coveredTo"])
    if covered_to is None:
        return False
    if covered_from is None:
        return created is None or created <= covered_to
    return created is not None and covered_from <= created <= covered_to


def assert_claims_hold(emu: Emulator, output: EntrypointOutput, sort: str = "latest") -> int:
    """Every claim of every `handle_reads` record against the emulator's listing; the number of
    (video, read) pairs checked, so a test can tell its claims were not empty."""
    seen = {(s["handle"], s["id"]) for s in rows(output, "video_stats")}
    checked = 0
    for read in rows(output, "handle_reads"):
        if read["coveredTo"] is None:
            assert read["coveredFrom"] is None, read
            continue
        for video in emu.videos(read["handle"], sort):
            if covers(read, parse_instant(video.get("createdAt"))):
                assert (read["handle"], video["id"]) in seen, (read, video["id"], video.get("createdAt"))
                checked += 1
    return checked


def reads_of(output: EntrypointOutput, handle: Optional[str] = None) -> List[Dict[str, Any]]:
    return [r for r in rows(output, "handle_reads") if handle is None or r["handle"] == handle]


def three_creators(emu: Emulator) -> Emulator:
    """Creators of 1, 3 and 6 full pages (no pinned videos) in `emu`."""
    for handle, pages in (("one.page", 1), ("three.pages", 3), ("six.pages", 6)):
        emu.add_handle(handle, pages * PAGE - 5)
    return emu
