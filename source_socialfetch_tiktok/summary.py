"""The end of a sync: one summary in the log, and the error the sync ends with, if any.

The summary's last LOG line is `RESULT_PREFIX` followed by one JSON object, a stable interface
for tools that run the connector (socialfetch_local reads it; README "The sync result line"):
{"version": 1, "handles": [{"stream", "handle", "outcome", "reason", "pages", "records",
"credits", "note"}], "totals": {"credits", "budget", "budget_reached", "stopped", "records",
"pages", "seconds"}, "warnings": [...], "shard": {"index", "count"} or null}.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import orjson
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils import AirbyteTracedException

from .api.errors_handlers import BAD_KEY, OUT_OF_CREDITS, Kind
from .cancellation import CANCELLED_MESSAGE
from .config import ConfigError, SocialFetchConfig
from .read.part import Ending
from .read.partitions import REFRESH
from .read.sync_run import Outcome, PartTally, SyncRun
from .shard import Shard
from .state.cursor import PerHandleCursor
from .state.store import VideosStateStore
from .timeutil import format_instant

_LISTED = 20
RESULT_PREFIX = "Sync result: "
RESULT_VERSION = 1
# The failure a user must act on wins: a config error is not fixed by retrying the sync.
_SEVERITY = [FailureType.config_error, FailureType.transient_error, FailureType.system_error]


def log_refresh_plan(logger: logging.Logger, store: VideosStateStore, config: SocialFetchConfig) -> None:
    """One line at the start of an incremental read: what it is expected to read and cost."""
    handles = store.handles
    plans = store.refresh.plan(handles, {h: store.cursor(h) is not None for h in handles})
    incremental = sum(p.incremental_pages or 1 for p in plans)
    refresh = sum(p.refresh_pages or 0 for p in plans)
    due = [p for p in plans if p.due]
    unknown = sum(1 for p in plans if p.pages is None)
    expected = f"{incremental + refresh} credits ({incremental} incremental pages + {refresh} refresh pages)"
    if unknown:
        expected = f"at least {expected}; {unknown} handles have no known page count yet"
    if store.refresh.enabled:
        resuming = sum(1 for p in due if p.resumes)
        logger.info(
            f"Stats refresh plan: {len(handles)} handles, {len(due)} due for a refresh"
            + (f" ({resuming} going on from an earlier sync)" if resuming else "")
            + f", every {config.stats_refresh_days} days"
            + (f" down to {config.stats_refresh_max_age_days} days back" if config.stats_refresh_max_age_days else "")
            + f"; expected {expected}"
        )
    else:
        logger.info(f"Sync plan: {len(handles)} handles; expected {expected}")


def _names(handles: List[str]) -> str:
    shown = ", ".join(handles[:_LISTED])
    return shown + (f" and {len(handles) - _LISTED} more" if len(handles) > _LISTED else "")


class SyncSummary:
    def __init__(self, run: SyncRun, elapsed: float, cursor: Optional[PerHandleCursor], shard: Optional[Shard] = None):
        self._run = run
        self._elapsed = elapsed
        self._cursor = cursor
        self._shard = shard

    def log(self, logger: logging.Logger) -> None:
        run = self._run
        for stream in ("videos", "profiles"):
            reads = run.tallies(stream)
            if not reads:
                continue
            counts = {o: sum(1 for r in reads if r.outcome is o) for o in Outcome}
            logger.info(
                f"Sync summary for {stream}{f' ({self._shard.label})' if self._shard else ''}: "
                f"{counts[Outcome.COMPLETED]} handles completed, "
                f"{counts[Outcome.FAILED]} failed, {counts[Outcome.WAITING]} waiting, "
                f"{counts[Outcome.INCOMPLETE]} ended early; {sum(r.records for r in reads)} records, "
                f"{sum(r.pages for r in reads)} pages, {sum(r.credits for r in reads)} credits"
            )
        self._log_refreshes(logger)
        budget = run.budget
        logger.info(
            f"Sync used {budget.spent} credits"
            + (f" of a budget of {budget.limit}" if budget.limit else "")
            + f" in {self._elapsed:.1f}s"
            + (f"; {self._cursor.states_emitted} state checkpoints" if self._cursor else "")
        )
        notes = {r.handle: self._why_empty(r) for r in run.tallies("videos") if self._empty(r)}
        for handle, note in notes.items():
            logger.warning(f"videos {handle}: the API returned no videos at all; {note}")
        warnings = []
        if budget.exhausted and run.stop_kind is None:
            warnings.append(f"The credit budget was reached: {budget.spent} credits used of {budget.limit}. "
                            + self._waiting_for_budget())
        for warning in warnings:
            logger.warning(warning)
        logger.info(RESULT_PREFIX + orjson.dumps(self.result(notes, warnings)).decode())

    def _waiting_for_budget(self) -> str:
        """Who waits for the next sync: handles not (fully) read, and stats refreshes cut short or
        not reached (which can be all that waits when the credits ran out in the refresh phase)."""
        run = self._run
        waiting = run.handles_with("videos", Outcome.WAITING) or run.handles_with("profiles", Outcome.WAITING)
        refreshes = [r.handle for r in run.tallies("videos", REFRESH) if r.outcome is Outcome.WAITING]
        parts = []
        if waiting:
            parts.append(f"{len(waiting)} handles wait for the next sync, which reads them first: {_names(waiting)}")
        if refreshes:
            parts.append(f"The stats refresh of {len(refreshes)} handles waits for the next sync: {_names(refreshes)}")
        return ". ".join(parts) if parts else "Nothing waits for the next sync"

    def result(self, notes: Dict[str, str], warnings: List[str]) -> Dict[str, Any]:
        """The sync's outcome as data: what the result line carries."""
        run, budget = self._run, self._run.budget
        reads = run.tallies() + run.tallies(part=REFRESH)  # a handle's stats refresh is an entry of its own
        handles = [
            {"stream": r.stream, "handle": r.handle, "part": r.part or "read",
             "outcome": r.outcome.value if r.outcome else None,
             "reason": r.reason, "pages": r.pages, "records": r.records, "credits": r.credits,
             "note": notes.get(r.handle) if r.stream == "videos" else None}
            for r in reads
        ]
        records: Dict[str, int] = {}
        for read in reads:
            records[read.stream] = records.get(read.stream, 0) + read.records
        totals = {
            "credits": budget.spent, "budget": budget.limit, "budget_reached": budget.exhausted,
            "stopped": run.stop_kind.value if run.stop_kind else None, "records": records,
            "pages": sum(r.pages for r in reads), "seconds": round(self._elapsed, 3),
        }
        shard = self._shard.as_result() if self._shard else None
        return {"version": RESULT_VERSION, "handles": handles, "totals": totals, "warnings": warnings, "shard": shard}

    @staticmethod
    def _empty(read: PartTally) -> bool:
        return read.ending is Ending.EMPTY  # completed, and the API listed no video at all

    def _log_refreshes(self, logger: logging.Logger) -> None:
        store = self._cursor.store if self._cursor else None
        if store is None or not store.refresh.enabled:
            return
        reads = self._run.tallies("videos")
        due = [r.handle for r in reads if store.refresh.was_due(r.handle)]
        done = {r.handle for r in reads if r.refresh_done}
        done |= {r.handle for r in self._run.tallies("videos", REFRESH) if r.outcome is Outcome.COMPLETED}
        waiting = [h for h in due if h not in done]
        next_due = store.refresh.next_due()
        logger.info(
            f"Stats refresh: {len(done)} of {len(due)} due handles refreshed"
            + (f"; {len(waiting)} wait for the next sync (cut short or not reached): {_names(waiting)}" if waiting else "")
            + (f"; next due {format_instant(next_due)}" if next_due else "")
        )

    def _why_empty(self, read: PartTally) -> str:
        status = self._run.profile_status(read.handle)
        if status == "private":
            return "the profile is private"
        if status == "not_found":
            return "no TikTok profile has this handle"
        if status == "found":
            return "the profile exists but lists no videos"
        return "the profile may be private, unknown or empty (select the profiles stream to know which)"

    def error(self) -> Optional[AirbyteTracedException]:
        run = self._run
        if run.stop_kind is Kind.BAD_KEY:
            return ConfigError(BAD_KEY.error_message or "")
        reads = run.tallies("videos") + run.tallies("videos", REFRESH) + run.tallies("profiles")
        failed = [r for r in reads if r.outcome is Outcome.FAILED]
        if run.stop_kind is Kind.CANCELLED:
            return self._cancelled(failed)
        if run.stop_kind is Kind.OUT_OF_CREDITS:
            message = (
                f"{OUT_OF_CREDITS.error_message} The progress of every completed handle was saved. "
                f"{self._waiting_for_budget()}."
            )
            if failed:
                message += " Also failed: " + self._failures(failed)
            return ConfigError(message)
        if not failed:
            return None
        kinds = {r.failure_type for r in failed}
        failure_type = next((k for k in _SEVERITY if k in kinds), FailureType.system_error)
        message = f"{len(failed)} handle(s) failed, the others were read and saved: " + self._failures(failed)
        return AirbyteTracedException(message=message, internal_message=message, failure_type=failure_type)

    def _cancelled(self, failed: List[PartTally]) -> AirbyteTracedException:
        """Transient: the same sync, run again, goes on where this one stopped."""
        run = self._run
        completed = run.handles_with("videos", Outcome.COMPLETED) or run.handles_with("profiles", Outcome.COMPLETED)
        waiting = run.handles_with("videos", Outcome.WAITING) or run.handles_with("profiles", Outcome.WAITING)
        message = (
            f"{CANCELLED_MESSAGE}: {len(completed)} handles completed and were saved; {len(waiting)} wait for the "
            f"next sync, which goes on from the page each one stopped at: {_names(waiting)}."
        )
        if failed:
            message += " Also failed: " + self._failures(failed)
        return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.transient_error)

    @staticmethod
    def _failures(failed: List[PartTally]) -> str:
        parts = [f"{r.handle} ({r.stream}{' ' + r.part if r.part else ''}: {r.reason})" for r in failed[:_LISTED]]
        more = f"; and {len(failed) - _LISTED} more" if len(failed) > _LISTED else ""
        return "; ".join(parts) + more
