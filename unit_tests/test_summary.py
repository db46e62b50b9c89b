"""SyncSummary: the error a sync ends with (CONNECTOR_CONTRACT "Behaviour under errors"), and its log."""

from __future__ import annotations

import json
import logging
from typing import List, Optional, Tuple

import pytest
from airbyte_cdk.models import FailureType

from source_socialfetch_tiktok.api.errors_handlers import Kind
from source_socialfetch_tiktok.config import ConfigError
from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.read.part import Ending
from source_socialfetch_tiktok.read.sync_run import SyncRun
from source_socialfetch_tiktok.summary import RESULT_PREFIX, SyncSummary
from unit_tests.conftest import API_KEY

LOGGER = logging.getLogger("test_summary")
Failure = Tuple[str, Ending, str, Optional[FailureType]]


def summarise(reads: List[Failure], stop: Optional[Tuple[Kind, str]] = None, limit: Optional[int] = None,
              stream: str = "videos") -> Tuple[SyncSummary, SyncRun]:
    run = SyncRun(LOGGER, CreditBudget(limit))
    for handle, ending, reason, failure_type in reads:
        walk = run.begin(stream, handle)
        walk.end(ending, reason, failure_type)
        run.end(walk)
    if stop:
        run.stop(*stop)
    return SyncSummary(run, 1.0, None), run


def test_given_every_handle_completed_when_ending_then_no_error() -> None:
    summary, _ = summarise([("a", Ending.COMPLETED, "end", None), ("b", Ending.COMPLETED, "boundary", None)])

    assert summary.error() is None


def test_given_handles_waiting_for_budget_without_a_stop_when_ending_then_no_error() -> None:
    summary, _ = summarise([("a", Ending.COMPLETED, "", None), ("b", Ending.BUDGET, "budget", None)], limit=1)

    assert summary.error() is None


def test_given_out_of_credits_when_ending_then_a_config_error_says_top_up_and_names_the_waiting_handles() -> None:
    summary, _ = summarise(
        [("a", Ending.COMPLETED, "", None), ("b", Ending.BUDGET, "stopped", None), ("c", Ending.BUDGET, "", None)],
        stop=(Kind.OUT_OF_CREDITS, "402"),
    )

    error = summary.error()

    assert isinstance(error, ConfigError)
    assert error.failure_type == FailureType.config_error
    assert "credits" in (error.message or "")
    assert "top up" in (error.message or "").lower()
    assert "b, c" in (error.message or "")


def test_given_out_of_credits_and_a_failed_handle_when_ending_then_the_failure_is_also_named() -> None:
    summary, _ = summarise([("bad", Ending.FAILED, "400 bad_request", FailureType.config_error)],
                           stop=(Kind.OUT_OF_CREDITS, "402"))

    error = summary.error()

    assert isinstance(error, ConfigError)
    assert "bad" in (error.message or "") and "400 bad_request" in (error.message or "")


def test_given_a_bad_key_when_ending_then_a_config_error_about_the_key_without_the_key() -> None:
    summary, _ = summarise([("a", Ending.BUDGET, "", None)], stop=(Kind.BAD_KEY, "rejected"))

    error = summary.error()

    assert isinstance(error, ConfigError)
    assert "api_key" in (error.message or "")
    assert API_KEY not in str(error.message) + str(error.internal_message)


def test_given_a_failed_handle_when_ending_then_the_error_names_the_handle_and_the_reason() -> None:
    summary, _ = summarise([("a", Ending.COMPLETED, "", None),
                            ("broken", Ending.FAILED, "gave up after retries: lookup_failed", FailureType.transient_error)])

    error = summary.error()

    assert error is not None
    assert "broken" in (error.message or "")
    assert "gave up after retries: lookup_failed" in (error.message or "")
    assert "a (" not in (error.message or "")
    assert error.failure_type == FailureType.transient_error


@pytest.mark.parametrize(
    "types, expected",
    [
        ([FailureType.system_error, FailureType.config_error, FailureType.transient_error], FailureType.config_error),
        ([FailureType.system_error, FailureType.transient_error], FailureType.transient_error),
        ([FailureType.system_error], FailureType.system_error),
        ([None], FailureType.system_error),
    ],
)
def test_given_failures_of_several_types_when_ending_then_the_one_the_user_must_act_on_wins(
    types: List[Optional[FailureType]], expected: FailureType
) -> None:
    summary, _ = summarise([(f"h{i}", Ending.FAILED, "why", t) for i, t in enumerate(types)])

    error = summary.error()

    assert error is not None and error.failure_type == expected


def test_given_a_failed_profile_lookup_when_ending_then_it_is_named_too() -> None:
    summary, _ = summarise([("ghost", Ending.FAILED, "400 bad_request", FailureType.config_error)], stream="profiles")

    error = summary.error()

    assert error is not None and "ghost (profiles" in (error.message or "")


@pytest.mark.parametrize(
    "status, explanation",
    [("private", "private"), ("not_found", "no TikTok profile"), ("found", "lists no videos"),
     (None, "select the profiles stream")],
)
def test_given_a_handle_with_no_videos_when_logging_then_the_profile_status_explains_why(
    status: Optional[str], explanation: str, caplog: pytest.LogCaptureFixture
) -> None:
    summary, run = summarise([("quiet", Ending.EMPTY, "end", None)])
    if status is not None:
        run.note_profile_status("quiet", status)

    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        summary.log(LOGGER)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "quiet" in warnings[0] and explanation in warnings[0]


def test_given_the_budget_reached_when_logging_then_a_warning_gives_credits_used_and_waiting_handles(
    caplog: pytest.LogCaptureFixture,
) -> None:
    summary, run = summarise([("a", Ending.COMPLETED, "", None)], limit=1)
    run.budget.settle(run.budget.try_reserve() or 0, 1)
    late = run.begin("videos", "late")
    assert not run.reserve(late)
    run.end(late)

    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        summary.log(LOGGER)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "1 credits used of 1" in warnings[0]
    assert "late" in warnings[0]


def test_given_a_sync_when_logging_then_the_last_line_is_the_result_as_json(caplog: pytest.LogCaptureFixture) -> None:
    run = SyncRun(LOGGER, CreditBudget(1))
    summary = SyncSummary(run, 1.0, None)
    listed_nothing = run.begin("videos", "a")
    assert run.reserve(listed_nothing)
    run.settle(listed_nothing, 1)
    listed_nothing.end(Ending.EMPTY, "end")
    run.end(listed_nothing)
    failed = run.begin("videos", "b")
    failed.end(Ending.FAILED, "400", FailureType.config_error)
    run.end(failed)
    late = run.begin("videos", "late")
    assert not run.reserve(late)
    run.end(late)

    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        summary.log(LOGGER)

    last = caplog.records[-1].getMessage()
    assert last.startswith(RESULT_PREFIX)
    result = json.loads(last[len(RESULT_PREFIX):])
    assert result["version"] == 1
    assert [(h["handle"], h["outcome"], h["reason"], h["credits"]) for h in result["handles"]] == [
        ("a", "completed", "end", 1), ("b", "failed", "400", 0), ("late", "waiting", "waiting for budget (max_credits_per_sync reached)", 0)]
    assert result["handles"][0]["note"] == "the profile may be private, unknown or empty (select the profiles stream to know which)"
    assert result["totals"] == {"credits": 1, "budget": 1, "budget_reached": True, "stopped": None,
                                "records": {"videos": 0}, "pages": 1, "seconds": 1.0}
    assert result["warnings"] and result["warnings"][0].startswith("The credit budget was reached")
