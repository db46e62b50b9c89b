"""HandlePager: which videos are emitted, and whether another page is asked for (the guards live here)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from source_socialfetch_tiktok.read.pagination import HandlePager

BOUNDARY = datetime(2026, 11, 1, tzinfo=timezone.utc)
NEW = "2026-11-10T12:00:00Z"
OLD = "2026-10-01T12:00:00Z"


def video(video_id: str, created: Optional[str] = NEW, pinned: bool = False) -> Dict[str, Any]:
    return {"id": video_id, "createdAt": created, "pinned": pinned}


def page(next_cursor: Optional[str] = None, has_more: bool = True) -> Dict[str, Any]:
    return {"videos": [], "page": {"nextCursor": next_cursor, "hasMore": has_more}}


def pager(boundary: Optional[datetime] = BOUNDARY, newest_first: bool = True, max_videos: Optional[int] = None
          ) -> HandlePager:
    return HandlePager("nasa", boundary=boundary, newest_first=newest_first, max_videos=max_videos)


def accepted(walk: HandlePager, videos: List[Dict[str, Any]]) -> List[str]:
    return [v["id"] for v in videos if walk.accept(v)]


def test_given_videos_on_both_sides_of_the_boundary_when_filtered_then_only_newer_ones_are_emitted() -> None:
    walk = pager()

    assert accepted(walk, [video("a"), video("b", "2026-11-01T00:00:00Z"), video("c", OLD)]) == ["a", "b"]
    assert walk.emitted == 2


def test_given_the_boundary_spelled_with_an_offset_when_filtered_then_instants_are_compared() -> None:
    walk = pager()

    # 2026-11-01T01:00:00+02:00 is 2026-10-31T23:00Z, before the boundary though it sorts after it as text
    assert accepted(walk, [video("a", "2026-11-01T01:00:00+02:00")]) == []


def test_given_pinned_old_videos_first_when_latest_then_they_are_skipped_and_do_not_stop_paging() -> None:
    walk = pager()

    emitted = accepted(walk, [video("p1", OLD, pinned=True), video("p2", OLD, pinned=True), video("a"), video("b")])

    assert emitted == ["a", "b"]
    assert walk.next_cursor(page("c2")) == "c2"
    assert walk.end is None


def test_given_a_regular_older_video_when_latest_then_paging_ends_after_that_page_at_the_boundary() -> None:
    walk = pager()

    assert accepted(walk, [video("a"), video("old", OLD), video("b")]) == ["a", "b"]
    assert walk.next_cursor(page("c2")) is None
    assert walk.end == "boundary"
    assert walk.complete


def test_given_a_null_created_at_when_filtered_then_the_video_is_emitted() -> None:
    walk = pager()

    assert accepted(walk, [video("a", None), video("b", "not a date")]) == ["a", "b"]
    assert walk.next_cursor(page("c2")) == "c2"


def test_given_no_boundary_when_filtered_then_every_video_is_emitted_and_paging_goes_on() -> None:
    walk = pager(boundary=None)

    assert accepted(walk, [video("a", OLD), video("b", "2001-01-01T00:00:00Z")]) == ["a", "b"]
    assert walk.next_cursor(page("c2")) == "c2"


def test_given_a_video_seen_twice_when_filtered_then_it_is_emitted_once_and_counted_as_duplicate() -> None:
    walk = pager()

    first = accepted(walk, [video("a"), video("b")])
    walk.next_cursor(page("c2"))
    second = accepted(walk, [video("b"), video("c"), video("a")])

    assert first + second == ["a", "b", "c"]
    assert walk.duplicates == 2
    assert walk.emitted == 3


def test_given_max_videos_when_reached_then_later_videos_are_dropped_and_the_walk_is_complete() -> None:
    walk = pager(max_videos=2)

    assert accepted(walk, [video("a"), video("b"), video("c")]) == ["a", "b"]
    assert walk.next_cursor(page("c2")) is None
    assert walk.end == "max_videos"
    assert walk.complete


def test_given_max_videos_reached_on_the_last_video_of_a_page_when_paging_then_no_next_page() -> None:
    walk = pager(max_videos=2)
    accepted(walk, [video("a"), video("b")])

    assert walk.next_cursor(page("c2")) is None
    assert walk.complete


def test_given_has_more_false_when_paging_then_the_walk_ends_complete() -> None:
    walk = pager()
    accepted(walk, [video("a")])

    assert walk.next_cursor(page(None, has_more=False)) is None
    assert walk.end == "end"
    assert walk.complete


def test_given_a_page_without_page_info_when_paging_then_the_walk_ends() -> None:
    walk = pager()

    assert walk.next_cursor({"videos": []}) is None
    assert walk.complete


def test_given_has_more_without_a_next_cursor_when_paging_then_the_guard_ends_the_walk_incomplete() -> None:
    walk = pager()
    accepted(walk, [video("a")])

    assert walk.next_cursor(page(None)) is None
    assert (walk.end or "").startswith("paging stopped")
    assert not walk.complete
    assert "nextCursor" in (walk.end or "")


def test_given_a_repeated_cursor_when_paging_then_the_guard_ends_the_walk_incomplete() -> None:
    walk = pager()
    assert walk.next_cursor(page("c2")) == "c2"
    assert walk.next_cursor(page("c3")) == "c3"

    assert walk.next_cursor(page("c2")) is None
    assert (walk.end or "").startswith("paging stopped")
    assert not walk.complete


def test_given_the_boundary_passed_when_the_page_also_lacks_a_cursor_then_the_walk_is_complete() -> None:
    walk = pager()
    accepted(walk, [video("a"), video("old", OLD)])

    assert walk.next_cursor(page(None)) is None
    assert walk.end == "boundary"
    assert walk.complete


def test_given_popular_order_when_an_old_video_is_read_then_it_is_filtered_but_paging_goes_on() -> None:
    walk = pager(newest_first=False)

    assert accepted(walk, [video("old", OLD), video("a"), video("older", "2020-01-01T00:00:00Z")]) == ["a"]
    assert walk.next_cursor(page("c2")) == "c2"
    assert walk.next_cursor(page(None, has_more=False)) is None
    assert walk.end == "end"
