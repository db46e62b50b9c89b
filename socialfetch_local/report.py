"""The per-handle summary table printed after a sync."""

from __future__ import annotations

from typing import List, Optional, Sequence

from socialfetch_local.sync import SyncReport

HEADERS = ("handle", "videos", "newest video (UTC)", "total views", "credits", "status")


def _number(value: Optional[int]) -> str:
    return "-" if value is None else f"{value:,}"


def render(report: SyncReport, title: str = "") -> str:
    rows: List[Sequence[str]] = [
        (h.handle, _number(h.videos), h.newest or "-", _number(h.views), _number(h.credits), h.status or "-")
        for h in report.handles
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(HEADERS, *rows, strict=True)]
    right = {1, 3, 4}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    mode = "incremental" if report.incremental else "full refresh"
    read = ", ".join(f"{n} {s}" for s, n in report.records_read.items())
    out = [title] if title else []
    out.append(f"{report.destination}: {mode} sync of {', '.join(report.streams)} in {report.seconds:.1f}s; "
               f"records read this sync: {read}")
    out += [line(HEADERS), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append("videos, newest video and total views: what the destination holds now; credits and status: this sync")
    out.append(_credits_line(report))
    out += [f"warning: {w}" for w in report.warnings]
    return "\n".join(out)


def _credits_line(report: SyncReport) -> str:
    per_handle = sum(h.credits or 0 for h in report.handles)
    if report.credits_used is None:
        total = "credits used: unknown (GET /v1/balance did not answer)"
    else:
        total = (f"credits used: {report.credits_used:,} (balance {report.balance_before:,} -> "
                 f"{report.balance_after:,}, from GET /v1/balance)")
    detail = f"; per handle: {per_handle:,} in all, from the connector's result line (videos + profiles)"
    if report.credits_used is not None and report.connector_credits is not None and report.connector_credits != report.credits_used:
        detail += (f"; the connector counted {report.connector_credits:,}: the difference was spent by "
                   "something else using this key meanwhile")
    return total + detail
