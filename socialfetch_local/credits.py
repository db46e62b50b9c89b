"""Credits: the total from the free `GET /v1/balance` before and after a sync, and per handle from
the connector's own log lines (`videos nasa: completed; 3 pages, 90 records, 3 credits in 0.2s`)."""

from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import requests

# The line the connector logs when it is done with a handle (source_socialfetch_tiktok/sync_run.py).
HANDLE_LINE = re.compile(
    r"^(?P<stream>videos|profiles) (?P<handle>\S+): (?P<outcome>completed|incomplete|waiting|failed)"
    r"(?:: (?P<reason>.*?))?; (?P<pages>\d+) pages, (?P<records>\d+) records, (?P<credits>\d+) credits in "
)
SYNC_LINE = re.compile(r"^Sync used (?P<credits>\d+) credits")
EMPTY_LINE = re.compile(r"^videos (?P<handle>\S+): the API returned no videos at all; (?P<why>.*)$")


@dataclass
class HandleCredits:
    credits: int = 0
    outcome: Dict[str, str] = field(default_factory=dict)  # stream -> outcome (with its reason)
    note: str = ""


class ConnectorLogTap(logging.Handler):
    """A logging handler on PyAirbyte's per-connector logger (`airbyte.<connector name>`), which
    receives every LOG message the connector sends; it keeps only the lines counted here."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self._lock = threading.Lock()
        self.handles: Dict[str, HandleCredits] = defaultdict(HandleCredits)
        self.records: Dict[str, int] = defaultdict(int)  # stream -> records the connector read
        self.connector_total: Optional[int] = None
        self.lines: List[str] = []
        self.errors: List[str] = []  # PyAirbyte logs the connector's error TRACE messages at ERROR

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break the sync
            return
        with self._lock:
            if record.levelno >= logging.ERROR:
                self.errors.append(message)
            else:
                self._take(message)

    def _take(self, message: str) -> None:
        match = HANDLE_LINE.match(message)
        if match:
            entry = self.handles[match["handle"]]
            entry.credits += int(match["credits"])
            self.records[match["stream"]] += int(match["records"])
            reason = f": {match['reason']}" if match["reason"] else ""
            entry.outcome[match["stream"]] = match["outcome"] + reason
            return
        match = SYNC_LINE.match(message)
        if match:
            self.connector_total = int(match["credits"])
            return
        match = EMPTY_LINE.match(message)
        if match:
            self.handles[match["handle"]].note = match["why"]
        if record_worthy(message):
            self.lines.append(message)


def record_worthy(message: str) -> bool:
    """Warnings the user should see after the sync (budget reached, handles failing)."""
    return message.startswith("The credit budget was reached")


def fetch_balance(base_url: str, api_key: str, timeout: float = 15.0) -> Optional[int]:
    """The key's credits from the free balance route; None when it cannot be read (never raises)."""
    try:
        response = requests.get(f"{base_url}/v1/balance", headers={"x-api-key": api_key}, timeout=timeout,
                                allow_redirects=False)
        if response.status_code != 200:
            return None
        credits = response.json().get("data", {}).get("credits")
    except (requests.RequestException, ValueError, AttributeError):
        return None
    return credits if isinstance(credits, int) and not isinstance(credits, bool) else None
