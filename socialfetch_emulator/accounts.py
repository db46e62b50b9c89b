"""API keys and their credit balances. The check and the charge happen under one lock, so
concurrent requests can never take a balance below zero."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Dict, Optional

UNKNOWN = "unknown"
REVOKED = "revoked"
OK = "ok"


@dataclass
class Account:
    key: str
    credits: int
    revoked: bool = False

    @property
    def user(self) -> dict:
        digest = hashlib.sha256(self.key.encode()).hexdigest()
        name = self.key.removeprefix("sfk_") or None
        return {"id": "usr_" + digest[:16], "username": name, "email": f"{name}@example.com" if name == "demo" else None}


class Accounts:
    def __init__(self, default_key: str, credits: int) -> None:
        self.default_key = default_key
        self._lock = threading.Lock()
        self._accounts: Dict[str, Account] = {default_key: Account(default_key, credits)}

    def check(self, key: Optional[str]) -> str:
        with self._lock:
            account = self._accounts.get(key or "")
            if account is None:
                return UNKNOWN
            return REVOKED if account.revoked else OK

    def user(self, key: str) -> dict:
        with self._lock:
            return self._accounts[key].user

    def charge(self, key: str, credits: int = 1) -> bool:
        """Take `credits` if the balance covers them; False (nothing taken) otherwise."""
        with self._lock:
            account = self._accounts[key]
            if account.credits < credits:
                return False
            account.credits -= credits
            return True

    def balance(self, key: Optional[str] = None) -> int:
        with self._lock:
            return self._accounts[key or self.default_key].credits

    def set_balance(self, credits: int, key: Optional[str] = None) -> None:
        with self._lock:
            self._accounts[key or self.default_key].credits = credits

    def add(self, key: str, credits: int) -> None:
        with self._lock:
            self._accounts[key] = Account(key, credits)

    def revoke(self, key: str) -> None:
        with self._lock:
            self._accounts.setdefault(key, Account(key, 0)).revoked = True
