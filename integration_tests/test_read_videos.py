"""Full-refresh reads of `videos` against the emulator, through the connector's real entrypoint."""

from __future__ import annotations

import urllib.parse

from integration_tests.harness import catalog, config, keys, read, records, truth, video_requests
from source_socialfetch_tiktok.records.topics import FIELDS as PARSED
from source_socialfetch_tiktok.timeutil import parse_instant

DEMO = ["pinned.creator", "nulls.creator", "unicode.creator", "ads.creator", "one.video", "full.page",
        "empty.profile", "private.person"]


def test_given_demo_handles_when_full_refresh_then_records_equal_the_api_exactly(emulator):
    output = read(config(emulator.base_url, DEMO, concurrency=4), catalog())
    rows = records(output)
    assert keys(rows) == truth(emulator, DEMO)
    for row in rows:
        expected = dict(emulator.video(row["handle"], row["id"]), handle=row["handle"])
        api_fields = {k: v for k, v in row.items() if k not in PARSED}
        assert api_fields == expected and set(PARSED) <= set(row)  # same JSON types, nulls kept, emoji intact
    assert any(r["caption"] is None for r in rows) and any(r["createdAt"] is None for r in rows)


def test_given_handle_forms_when_read_then_one_partition_per_normalised_handle(emulator):
    output = read(config(emulator.base_url, ["@Pinned.Creator", "https://www.tiktok.com/@pinned.creator", "PINNED.CREATOR"]), catalog())
    assert keys(records(output)) == truth(emulator, ["pinned.creator"])
    assert {r.handle for r in emulator.requests if r.route == "videos"} == {"pinned.creator"}
    assert len(video_requests(emulator)) == -(-len(emulator.videos("pinned.creator")) // 30)


def test_every_request_sends_sort_by_region_trim_and_an_encoded_cursor(emulator):
    read(config(emulator.base_url, ["big.creator"], region="us", trim=True, sort_by="popular", max_videos_per_handle=100), catalog())
    pages = video_requests(emulator)
    assert len(pages) == 4  # 100 videos at 30 a page
    assert all(p.query.get("sortBy") == "popular" and p.query.get("region") == "US" and p.query.get("trim") == "true" for p in pages)
    assert all("cursor" in p.query for p in pages[1:])
    for page in pages[1:]:  # the emulator's cursors hold '+', '/' or '='; they must arrive intact
        assert "cursor=" + urllib.parse.quote(page.query["cursor"], safe="") in page.raw_path, page.raw_path
    assert any(set(p.query["cursor"]) & set("+/=") for p in pages[1:]), "no cursor needed encoding"


def test_given_max_videos_when_read_then_each_handle_stops_there(emulator):
    output = read(config(emulator.base_url, ["big.creator", "one.video"], max_videos_per_handle=45), catalog())
    counts = keys(records(output))
    assert sum(1 for k in counts if k[0] == "big.creator") == 45
    assert sum(1 for k in counts if k[0] == "one.video") == 1


def test_given_start_date_when_latest_then_old_pinned_videos_neither_emitted_nor_stop_paging(emulator):
    videos = emulator.videos("pinned.creator")
    regular = [v for v in videos if not v["pinned"] and v["createdAt"]]
    start = parse_instant(regular[45]["createdAt"])  # inside page 2
    output = read(config(emulator.base_url, ["pinned.creator"], start_date=start.isoformat()), catalog())
    expected = truth(emulator, ["pinned.creator"], lambda v: v["createdAt"] is not None and parse_instant(v["createdAt"]) >= start)
    assert keys(records(output)) == expected
    assert len(video_requests(emulator)) == 2, "paging stops on the page where the boundary appears"


def test_given_start_date_when_popular_then_records_filtered_but_every_page_read(emulator):
    videos = emulator.videos("pinned.creator")
    start = parse_instant(sorted(v["createdAt"] for v in videos if v["createdAt"])[len(videos) // 2])
    output = read(config(emulator.base_url, ["pinned.creator"], start_date=start.isoformat(), sort_by="popular"), catalog())
    expected = truth(emulator, ["pinned.creator"], lambda v: v["createdAt"] is not None and parse_instant(v["createdAt"]) >= start)
    assert keys(records(output)) == expected
    assert len(video_requests(emulator)) == -(-len(videos) // 30)


def test_given_repeating_cursor_when_read_then_handle_ends_with_warning_and_no_duplicates(emulator):
    emulator.inject("repeat_cursor", handle="big.creator", times=None, skip=1)
    emulator.inject("hasmore_null", handle="pinned.creator", times=None, skip=1)
    output = read(config(emulator.base_url, ["big.creator", "pinned.creator", "full.page"]), catalog())
    counts = keys(records(output))
    assert all(c == 1 for c in counts.values())
    assert {k for k in counts if k[0] == "full.page"} == set(truth(emulator, ["full.page"]))
    assert len(video_requests(emulator, "big.creator")) <= 3
    warnings = [m.log.message for m in output.logs if m.log.level.value == "WARN"]
    assert any("big.creator" in w and "cursor" in w for w in warnings)
    assert any("pinned.creator" in w and "nextCursor" in w for w in warnings)


def test_a_long_handle_logs_progress_and_the_sync_ends_with_a_summary(emulator, monkeypatch):
    from source_socialfetch_tiktok.read import sync_run

    monkeypatch.setattr(sync_run, "PROGRESS_INTERVAL_SECONDS", 0.0)
    output = read(config(emulator.base_url, ["big.creator", "one.video"]), catalog())
    logs = [m.log.message for m in output.logs]
    progress = [line for line in logs if line.startswith("videos big.creator:") and "so far" in line]
    assert len(progress) >= 39, "one progress line per page when the interval is 0"
    assert "40 pages, 1200 records, 40 credits so far" in progress[-1]
    assert any(line.startswith("Sync summary for videos: 2 handles completed, 0 failed") for line in logs)
    assert any(line.startswith("Sync used 41 credits") for line in logs)
