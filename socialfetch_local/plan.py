"""`socialfetch-local-sync --plan`: what the next sync will read and cost, without spending a credit.

It reads only the state PyAirbyte saved in the destination and the free `GET /v1/balance`, and
asks the connector's own code what it will do with that state (`VideosStateStore`,
`RefreshSchedule.plan`, and `log_refresh_plan` for the connector's start-of-sync line), so the
plan and the sync cannot disagree about the rules. Steady monthly cost (docs/fresh-stats.md):

    S = 30 days / cadence                      syncs a month
    P = ceil(D / cadence) x cadence            a handle's refresh period (refreshed at the first
                                               sync at or after its due instant, next due D days
                                               after that sync began)
    incremental = S x handles                  one page per handle per sync
    refresh     = sum over handles of (pages - 1) x 30 days / P
    full refresh every cadence = S x sum over handles of pages
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional

from socialfetch_local.credits import fetch_balance
from socialfetch_local.destinations import Destination
from socialfetch_local.errors import LocalSyncError
from source_socialfetch_tiktok.config import ConfigError, SocialFetchConfig, parse_config
from source_socialfetch_tiktok.estimates import estimate_for
from source_socialfetch_tiktok.state.refresh import DUE_KEY
from source_socialfetch_tiktok.state.sharded import shard_state
from source_socialfetch_tiktok.state.store import VideosStateStore
from source_socialfetch_tiktok.summary import log_refresh_plan
from source_socialfetch_tiktok.timeutil import parse_instant, utc_now

MONTH = timedelta(days=30)
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_every(text: str) -> timedelta:
    """A sync cadence such as `1d`, `12h`, `30m`, `1w`."""
    match = _EVERY.match(text or "")
    if not match:
        raise ValueError(f"--every {text!r}: give a number and a unit (m, h, d or w), e.g. 1d or 12h")
    every = float(match[1]) * _UNITS[match[2]]
    if every < timedelta(minutes=1) or every > MONTH:
        raise ValueError(f"--every {text!r}: the cadence must be between 1m and 30d")
    return every


@dataclass(frozen=True)
class HandleCost:
    handle: str
    newest: Optional[str]  # the saved cursor: the newest video the destination has
    history_pages: Optional[int]  # pages of the last deep read (None: not known yet)
    incremental_pages: Optional[int]
    refresh_pages: Optional[int]
    due: bool
    resumes: bool
    next_due: Optional[str]
    profile_credits: int

    @property
    def credits(self) -> Optional[int]:
        if self.incremental_pages is None or (self.due and self.refresh_pages is None):
            return None
        return self.incremental_pages + (self.refresh_pages or 0) + self.profile_credits


@dataclass(frozen=True)
class MonthlyCost:
    every: timedelta
    syncs: float
    incremental: float
    refresh: float
    profiles: float
    full_refresh: float
    refresh_period: Optional[timedelta]
    unknown: int  # handles left out: no known page count

    @property
    def total(self) -> float:
        return self.incremental + self.refresh + self.profiles


@dataclass
class SyncPlan:
    destination: str
    config: SocialFetchConfig
    full_refresh: bool
    has_state: bool
    handles: List[HandleCost]
    connector_line: str  # the line the connector itself logs at the start of that sync
    balance: Optional[int]
    monthly: MonthlyCost
    warnings: List[str] = field(default_factory=list)
    expected_records: Optional[int] = None  # the connector's first ESTIMATE of videos records

    @property
    def known_credits(self) -> int:
        return sum(h.credits or 0 for h in self.handles)

    @property
    def unknown(self) -> List[str]:
        return [h.handle for h in self.handles if h.credits is None]


def monthly_cost(
    pages: Mapping[str, Optional[int]], every: timedelta, refresh_days: Optional[int], with_profiles: bool = False,
) -> MonthlyCost:
    """The steady cost a month of syncing every `every` with the given page counts (docs/fresh-stats.md)."""
    syncs = MONTH / every
    known = [p for p in pages.values() if p is not None]
    period: Optional[timedelta] = None
    refresh = 0.0
    if refresh_days:
        period = math.ceil(timedelta(days=refresh_days) / every - 1e-9) * every
        refresh = sum(max(p - 1, 0) for p in known) * (MONTH / period)
    return MonthlyCost(
        every=every, syncs=syncs, incremental=syncs * len(pages), refresh=refresh,
        profiles=syncs * len(pages) if with_profiles else 0.0,
        full_refresh=syncs * (sum(known) + (len(pages) if with_profiles else 0)),
        refresh_period=period, unknown=len(pages) - len(known),
    )


def saved_videos_state(cache: Any, source_name: str) -> Optional[Dict[str, Any]]:
    """The `videos` stream state PyAirbyte keeps in the cache's state table (None: never synced)."""
    provider = cache.get_state_provider(source_name=source_name)
    message = provider.get_stream_state("videos", not_found=None)
    if message is None or message.stream is None or message.stream.stream_state is None:
        return None
    blob = message.stream.stream_state
    state = blob.model_dump(mode="json") if hasattr(blob, "model_dump") else dict(blob)
    return state if isinstance(state, dict) else None


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.infos: List[str] = []
        self.warnings: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        (self.warnings if record.levelno >= logging.WARNING else self.infos).append(record.getMessage())


def make_plan(
    config: Mapping[str, Any], destination: Destination, *, every: timedelta, with_profiles: bool = False,
    full_refresh: bool = False, now: Optional[datetime] = None,
) -> SyncPlan:
    """The plan of the next sync of `config` into `destination`; spends nothing."""
    from socialfetch_local.sync import CONNECTOR, _open_cache

    try:
        parsed = parse_config(config)
    except ConfigError as error:
        raise LocalSyncError(f"Bad config: {error.message}", exit_code=2) from None
    raw: Optional[Dict[str, Any]] = None
    if destination.kind != "duckdb" or (destination.path is not None and destination.path.exists()):
        raw = saved_videos_state(_open_cache(destination), CONNECTOR)  # a missing DuckDB file is not created
    # The connector's own logger is a standalone one here: nothing process-wide is touched.
    logger = logging.Logger("socialfetch_local.plan")
    lines = _Lines()
    logger.addHandler(lines)
    raw = shard_state(raw, parsed.shard, logger)  # as the connector sees it: this shard's handles only
    state = {} if full_refresh else (raw or {})
    refresh_days = None if full_refresh else parsed.stats_refresh_days
    store = VideosStateStore.from_state(state, parsed.handles, logger, refresh_days, now or utc_now())
    schedule = store.refresh
    due_at = schedule.snapshot(parsed.handles).get(DUE_KEY, {})
    # Page counts are known from the saved state even for a full refresh, which reads them all.
    pages = VideosStateStore.from_state(raw or {}, parsed.handles, logger).refresh
    profile_credits = 1 if with_profiles else 0
    rows: List[HandleCost] = []
    for plan in schedule.plan(parsed.handles, {h: store.cursor(h) is not None for h in parsed.handles}):
        cursor = store.cursor(plan.handle)
        incremental = pages.pages_of(plan.handle) if full_refresh else plan.incremental_pages
        rows.append(HandleCost(
            handle=plan.handle, newest=cursor.text if cursor else None, history_pages=pages.pages_of(plan.handle),
            incremental_pages=incremental, refresh_pages=plan.refresh_pages, due=plan.due, resumes=plan.resumes,
            next_due=None if plan.due else due_at.get(plan.handle), profile_credits=profile_credits,
        ))
    if not full_refresh:
        log_refresh_plan(logger, store, parsed)
    connector_line = lines.infos[-1] if lines.infos and not full_refresh else ""
    monthly = monthly_cost({h.handle: h.history_pages for h in rows}, every, parsed.stats_refresh_days, with_profiles)
    return SyncPlan(
        destination=destination.describe(), config=parsed, full_refresh=full_refresh, has_state=raw is not None,
        handles=rows, connector_line=connector_line, balance=fetch_balance(parsed.base_url, parsed.api_key),
        monthly=monthly, warnings=list(dict.fromkeys(lines.warnings)),
        expected_records=estimate_for(parsed, store, raw, not full_refresh, now or utc_now(), ["videos"]).planned,
    )


# --- rendering --------------------------------------------------------------------------------
HEADERS = ("handle", "newest video (UTC)", "pages known", "incremental", "refresh", "due", "credits")


def _n(value: Optional[int]) -> str:
    return "?" if value is None else f"{value:,}"


def _instant(text: Optional[str]) -> str:
    instant = parse_instant(text) if text else None
    return instant.strftime("%Y-%m-%d %H:%M") if instant else "-"


def _due(row: HandleCost, plan: SyncPlan) -> str:
    if plan.full_refresh:
        return "-"
    if row.due:
        return "due, going on" if row.resumes else "due"
    if plan.config.stats_refresh_days is None:
        return "-"
    return f"next {_instant(row.next_due)}" if row.next_due else "placed by the sync"


def _every(every: timedelta) -> str:
    for unit, size in (("w", _UNITS["w"]), ("d", _UNITS["d"]), ("h", _UNITS["h"])):
        if every % size == timedelta(0):
            return f"{every // size}{unit}"
    return f"{int(every / _UNITS['m'])}m"


def render_plan(plan: SyncPlan) -> str:
    config = plan.config
    kind = "full-refresh" if plan.full_refresh else "incremental"
    shard = (f" of {config.shard.label}: {len(config.handles):,} of the {config.configured_handles:,} handles"
             if config.shard else "")
    out = [f"Plan of the next {kind} sync{shard} into {plan.destination}"
           + ("" if plan.has_state else " (no saved state: a first sync reads every page)")
           + "; nothing was spent to make it."]
    if plan.connector_line:
        out.append(f"The connector will log: {plan.connector_line}")
    rows = [
        (h.handle, _instant(h.newest), _n(h.history_pages), _n(h.incremental_pages),
         _n(h.refresh_pages) if h.due else "0", _due(h, plan), _n(h.credits))
        for h in plan.handles
    ]
    total = f"{plan.known_credits:,}" + (f" + {len(plan.unknown)} x ?" if plan.unknown else "")
    rows.append(("total", "", "", "", "", "", total))
    widths = [max(len(str(c)) for c in column) for column in zip(HEADERS, *rows, strict=True)]
    right = {2, 3, 4, 6}

    def line(cells: Any) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out += [line(HEADERS), line(["-" * w for w in widths])] + [line(r) for r in rows[:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1])]
    out.append("credits: pages the sync is expected to read (1 credit a page"
               + (", + 1 for the profile" if any(h.profile_credits for h in plan.handles) else "")
               + "); pages known: the handle's pages at its last deep read; ?: not known until a sync reads it whole")
    if plan.unknown:
        out.append(f"{len(plan.unknown)} handle(s) have no known page count (never read whole): {', '.join(plan.unknown[:10])}"
                   + (" ..." if len(plan.unknown) > 10 else ""))
    if config.max_credits_per_sync and plan.known_credits > config.max_credits_per_sync:
        out.append(f"max_credits_per_sync {config.max_credits_per_sync:,} caps it: the rest waits for the following sync")
    if plan.expected_records is not None:
        out.append(f"records expected: about {plan.expected_records:,} videos (and as many video_stats), the ESTIMATE "
                   "the connector sends before its first record")
    out.append("balance: " + ("unknown (GET /v1/balance did not answer)" if plan.balance is None
                              else f"{plan.balance:,} credits (GET /v1/balance, free)"))
    out += _monthly_lines(plan)
    out += [f"warning: {w}" for w in plan.warnings]
    return "\n".join(out)


def _monthly_lines(plan: SyncPlan) -> List[str]:
    m, config = plan.monthly, plan.config
    every = _every(m.every)
    out = [f"Steady cost a month, one sync every {every} ({m.syncs:,.1f} syncs in 30 days), from the page counts above:"]
    out.append(f"  new videos   {m.incremental:>10,.0f}  ({len(plan.handles)} handles x 1 page x {m.syncs:,.1f} syncs)")
    if config.stats_refresh_days and m.refresh_period is not None:
        days = m.refresh_period / timedelta(days=1)
        scope = f"videos of the last {config.stats_refresh_max_age_days} days" if config.stats_refresh_max_age_days else "whole history"
        out.append(f"  refresh      {m.refresh:>10,.0f}  (stats_refresh_days {config.stats_refresh_days}, {scope}: each handle's "
                   f"pages - 1, every {days:g} days)")
    else:
        out.append("  refresh               0  (stats_refresh_days not set: older videos' stats freeze after the lookback window)")
    if m.profiles:
        out.append(f"  profiles     {m.profiles:>10,.0f}")
    out.append(f"  total        {m.total:>10,.0f}  credits a month; stats at most "
               + (f"{m.refresh_period / timedelta(days=1):g} days old" if m.refresh_period else "as old as the lookback window left them"))
    out.append(f"  full refresh every {every}: {m.full_refresh:,.0f} credits a month")
    if m.unknown:
        out.append(f"  ({m.unknown} handle(s) without a known page count count 1 page for new videos and nothing else)")
    return out
