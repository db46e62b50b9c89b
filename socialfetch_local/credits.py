"""Credits: the total from the free `GET /v1/balance` before and after a sync, and per handle from
the connector's result line: its last LOG line, `Sync result: {json}` (source_socialfetch_tiktok/
summary.py, documented as a stable interface in docs/integrations/sources/socialfetch-tiktok.md)."""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import requests

from source_socialfetch_tiktok.summary import RESULT_PREFIX, RESULT_VERSION


@dataclass
class HandleCredits:
    credits: int = 0
    outcome: Dict[str, str] = field(default_factory=dict)  # stream -> outcome (with its reason)
    note: str = ""


class ConnectorLogTap(logging.Handler):
    """A logging handler on PyAirbyte's per-connector logger (`airbyte.<connector name>`), which
    receives every LOG message the connector sends; it reads the result line and the errors."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self._lock = threading.Lock()
        self.handles: Dict[str, HandleCredits] = defaultdict(HandleCredits)
        self.records: Dict[str, int] = defaultdict(int)  # stream -> records the connector read
        self.connector_total: Optional[int] = None
        self.lines: List[str] = []  # warnings the user should see after the sync (budget reached)
        self.errors: List[str] = []  # PyAirbyte logs the connector's error TRACE messages at ERROR

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break the sync
            return
        with self._lock:
            if record.levelno >= logging.ERROR:
                self.errors.append(message)
            elif message.startswith(RESULT_PREFIX):
                self._take(message[len(RESULT_PREFIX):])

    def _take(self, payload: str) -> None:
        try:
            result: Dict[str, Any] = json.loads(payload)
        except ValueError:
            return
        if not isinstance(result, dict) or result.get("version") != RESULT_VERSION:
            return
        for entry in result.get("handles", []):
            handle = self.handles[entry["handle"]]
            handle.credits += entry["credits"]
            if entry.get("part", "read") != "read":
                continue  # a stats refresh: its credits count, the handle's outcome is its read's
            reason = f": {entry['reason']}" if entry["reason"] else ""
            handle.outcome[entry["stream"]] = f"{entry['outcome']}{reason}"
            if entry.get("note"):
                handle.note = entry["note"]
        totals = result.get("totals", {})
        self.records.update(totals.get("records", {}))
        credits = totals.get("credits")
        if isinstance(credits, int):  # one sync may be two connector reads (see sync.run_sync): their sum
            self.connector_total = (self.connector_total or 0) + credits
        self.lines.extend(result.get("warnings", []))


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
