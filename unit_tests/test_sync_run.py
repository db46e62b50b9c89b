"""SyncRun: per-handle outcomes (the first word counts), the budget, and the sync-wide stop."""

from __future__ import annotations

import logging

from source_socialfetch_tiktok.api.errors_handlers import Kind
from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.read.part import Ending
from source_socialfetch_tiktok.read.sync_run import Outcome, SyncRun


def sync_run(limit: int | None = None) -> SyncRun:
    return SyncRun(logging.getLogger("test_sync_run"), CreditBudget(limit))


def test_given_an_ending_when_ended_again_then_the_first_ending_is_kept() -> None:
    run = sync_run()
    read = run.begin("videos", "nasa")

    read.end(Ending.BUDGET, "budget")
    read.end(Ending.COMPLETED, "end")

    assert read.outcome is Outcome.WAITING
    assert read.reason == "budget"
    result = run.end(read)
    assert (result.ending, result.outcome, result.ending.word) == (Ending.BUDGET, Outcome.WAITING, "budget")


def test_given_a_stop_when_reserving_then_refused_and_the_handle_waits_naming_the_stop() -> None:
    run = sync_run()
    read = run.begin("videos", "nasa")
    run.stop(Kind.OUT_OF_CREDITS, "no credits")

    assert run.reserve(read) is False
    assert read.outcome is Outcome.WAITING
    assert "out_of_credits" in read.reason
    assert run.budget.spent == 0


def test_given_two_stops_when_asked_then_the_first_is_kept() -> None:
    run = sync_run()

    run.stop(Kind.BAD_KEY, "key rejected")
    run.stop(Kind.OUT_OF_CREDITS, "no credits")

    assert run.stop_kind is Kind.BAD_KEY


def test_given_the_budget_spent_when_reserving_then_refused_and_the_handle_waits_for_budget() -> None:
    run = sync_run(limit=1)
    first, second = run.begin("videos", "a"), run.begin("videos", "b")
    assert run.reserve(first)
    run.settle(first, 1)

    assert run.reserve(second) is False
    assert second.outcome is Outcome.WAITING
    assert "budget" in second.reason
    run.end(first)
    run.end(second)
    assert run.handles_with("videos", Outcome.WAITING) == ["b"]


def test_given_a_settled_page_when_counted_then_the_read_and_the_budget_agree() -> None:
    run = sync_run(limit=10)
    read = run.begin("videos", "nasa")
    for charged in (1, 2):
        assert run.reserve(read)
        run.settle(read, charged)

    assert (read.pages, read.credits, read.reserved) == (2, 3, 0)
    assert run.budget.spent == 3


def test_given_an_unsettled_reservation_when_released_then_the_credit_returns_to_the_budget() -> None:
    run = sync_run(limit=1)
    read = run.begin("videos", "nasa")
    assert run.reserve(read)

    run.release(read)

    assert read.reserved == 0
    assert run.reserve(run.begin("videos", "other"))


def test_given_reads_of_two_streams_when_listed_then_each_stream_keeps_its_order() -> None:
    run = sync_run()
    for stream, handle in [("videos", "b"), ("profiles", "b"), ("videos", "a")]:
        walk = run.begin(stream, handle)
        walk.end(Ending.COMPLETED)
        run.end(walk)

    assert [r.handle for r in run.tallies("videos")] == ["b", "a"]
    assert [r.handle for r in run.tallies("profiles")] == ["b"]
    assert run.walking("videos") == []


def test_given_thousands_of_handles_then_completed_ones_are_summed_up_in_one_line_not_one_each(caplog) -> None:
    import logging as _logging

    from source_socialfetch_tiktok.read import sync_run as module

    caplog.set_level(_logging.DEBUG, logger="test_overall")
    run = module.SyncRun(_logging.getLogger("test_overall"), CreditBudget(None), handles=5_000)
    run._last_overall_log -= module.PROGRESS_INTERVAL_SECONDS  # the first line is due
    for index in range(5_000):
        read = run.begin("videos", f"h{index}")
        read.end(Ending.FAILED if index == 7 else Ending.COMPLETED, "end")
        run.log_finished(read)
        run.end(read)

    info = [r.getMessage() for r in caplog.records if r.levelno == _logging.INFO]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == _logging.WARNING]
    assert len(info) == 1 and "of 5,000 handles done" in info[0]
    assert len(warnings) == 1 and "h7" in warnings[0], "a failed handle still has its own line"


def test_given_an_ended_part_then_the_run_keeps_its_tally_and_hands_its_result_to_its_cursor_once() -> None:
    from airbyte_cdk.models import FailureType

    run = sync_run(limit=5)
    run.closed_by_cursor("videos")
    walk = run.begin("videos", "nasa")
    assert run.reserve(walk)
    run.settle(walk, 2)
    walk.records = 300
    walk.end(Ending.FAILED, "500 after retries", FailureType.transient_error)
    assert run.walking("videos") == [walk]

    result = run.end(walk)

    assert run.walking("videos") == []
    [tally] = run.tallies("videos")
    assert (tally.handle, tally.ending, tally.reason, tally.failure_type, tally.pages, tally.records, tally.credits) == (
        "nasa", Ending.FAILED, "500 after retries", FailureType.transient_error, 1, 300, 2)
    assert run.take_result("videos", "nasa") is result
    assert run.take_result("videos", "nasa") is None, "taken once: nothing of the part is kept for the sync"


def test_given_a_stream_without_a_cursor_then_its_results_are_not_kept() -> None:
    run = sync_run()
    walk = run.begin("profiles", "nasa")
    walk.end(Ending.COMPLETED)
    run.end(walk)

    assert run.take_result("profiles", "nasa") is None
    assert [t.handle for t in run.tallies("profiles")] == ["nasa"]
