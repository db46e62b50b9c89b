"""PartWalk.coverage: what a part's recorded facts let it claim, and nothing more."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from source_socialfetch_tiktok.read.part import Ending, Outcome, Part, PartWalk

T0 = datetime(2026, 11, 20, tzinfo=timezone.utc)
DAY = timedelta(days=1)
ANSWERED = T0 + timedelta(seconds=3)  # the first page's answer came after its request was sent at T0


def part(**facts) -> PartWalk:
    read = PartWalk("videos", "nasa", kind=facts.pop("kind", Part.INCREMENTAL))
    for name, value in facts.items():
        setattr(read, name, value)
    return read


def read_pages(read: PartWalk, pages: int, newest_on_first: datetime, newest: datetime, oldest: datetime) -> PartWalk:
    for _ in range(pages):
        read.request_sent(T0 if read.first_request_at is None else ANSWERED)
        read.page_read(ANSWERED, newest_on_first)
        read.pages += 1
    read.videos_seen = 30 * pages
    read.note_bounds(newest, oldest)
    return read


def test_a_part_that_read_no_page_or_listed_nothing_claims_nothing() -> None:
    assert part().coverage() == (None, None)
    assert read_pages(part(), 1, T0 - DAY, T0 - DAY, T0 - 2 * DAY).coverage() != (None, None)
    empty = part(pages=1, videos_seen=0, reached_end=True, first_request_at=T0, last_page_at=ANSWERED)
    assert empty.coverage() == (None, None)


def test_from_the_top_it_covers_from_its_first_request_instant_down_to_its_oldest_video() -> None:
    read = read_pages(part(), 2, T0 - DAY, T0 - DAY, T0 - 5 * DAY)
    assert read.coverage() == (T0 - 5 * DAY, T0)


def test_from_a_saved_position_it_covers_from_its_first_pages_newest_video_when_the_sync_read_the_top() -> None:
    read = read_pages(part(began_at="cursor", top_read_in_sync=True), 2, T0 - 3 * DAY, T0 - 3 * DAY, T0 - 9 * DAY)
    assert read.coverage() == (T0 - 9 * DAY, T0 - 3 * DAY)


def test_the_end_of_the_list_covers_everything_older_unless_a_date_bound_left_a_video_out() -> None:
    whole = read_pages(part(reached_end=True), 1, T0 - DAY, T0 - DAY, T0 - 2 * DAY)
    assert whole.coverage() == (None, T0)
    cut = read_pages(part(reached_end=True, cut_by_date=True), 1, T0 - DAY, T0 - DAY, T0 - 2 * DAY)
    assert cut.coverage() == (T0 - 2 * DAY, T0)


def test_a_part_that_emitted_no_dated_regular_video_claims_nothing_unless_it_read_the_whole_list() -> None:
    read = part(pages=1, videos_seen=3, first_request_at=T0, last_page_at=ANSWERED, cut_by_date=True)
    assert read.coverage() == (None, None)


def test_popular_order_claims_only_a_list_read_whole_on_one_page() -> None:
    one = read_pages(part(kind=Part.FULL_REFRESH, date_ordered=False, reached_end=True), 1, T0, T0, T0 - DAY)
    assert one.coverage() == (None, T0)
    many = read_pages(part(kind=Part.FULL_REFRESH, date_ordered=False, reached_end=True), 3, T0, T0, T0 - DAY)
    assert many.coverage() == (None, None)


def test_from_a_saved_position_without_the_top_read_in_the_same_sync_it_claims_nothing() -> None:
    """A video pinned since the last read is listed on the first page only: no part saw it."""
    read = read_pages(part(began_at="cursor", reached_end=True), 2, T0 - 3 * DAY, T0 - 3 * DAY, T0 - 9 * DAY)
    assert read.coverage() == (None, None)


def test_a_part_that_began_mid_list_never_claims_everything_older_even_at_the_end_of_the_list() -> None:
    read = read_pages(part(began_at="cursor", reached_end=True, top_read_in_sync=True), 2, T0 - 3 * DAY, T0 - 3 * DAY, T0 - 9 * DAY)
    assert read.coverage() == (T0 - 9 * DAY, T0 - 3 * DAY)


def test_a_walk_ends_with_one_frozen_result_that_carries_its_coverage_and_positions() -> None:
    walk = read_pages(part(reached_end=True), 2, T0 - DAY, T0 - DAY, T0 - 5 * DAY)
    walk.resume_cursor = "next"
    walk.end(Ending.COMPLETED, "end")
    result = walk.result()

    assert (result.covered_from, result.covered_to) == walk.coverage() == (None, T0)
    assert (result.ending, result.outcome, result.pages, result.resume_cursor) == (Ending.COMPLETED, Outcome.COMPLETED, 2, "next")
    assert not hasattr(result, "__dict__"), "a result per part: __slots__, no dict"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.pages = 3  # type: ignore[misc]


def test_each_ending_says_one_cursor_outcome_and_one_of_the_contracts_five_words() -> None:
    assert {ending.word for ending in Ending} == {"completed", "budget", "capped", "failed", "empty"}
    assert Ending.CAPPED.outcome is Outcome.COMPLETED and Ending.CAPPED_GOES_ON.outcome is Outcome.WAITING
    assert (Ending.GUARD.outcome, Ending.GUARD.word) == (Outcome.INCOMPLETE, "failed")
    assert (Ending.STOPPED.outcome, Ending.STOPPED.word) == (Outcome.WAITING, "failed")
