"""The credit budget of one sync: a page is requested only once its price is reserved."""

from __future__ import annotations

import threading
from typing import Optional


class CreditBudget:
    """Thread-safe reservations against `max_credits_per_sync` (None: no limit, but still counted).

    Reserving before each request, not counting after, is what keeps the budget exact with many
    handles in flight. The price of a page is what the API charged for one so far (1 documented).
    """

    def __init__(self, limit: Optional[int]):
        self._limit = limit
        self._spent = 0
        self._reserved = 0
        self._price = 1
        self._refused = False
        self._lock = threading.Lock()

    def try_reserve(self) -> Optional[int]:
        """Reserve the price of one request; None when the budget cannot afford it."""
        with self._lock:
            price = self._price
            if self._limit is not None and self._spent + self._reserved + price > self._limit:
                self._refused = True
                return None
            self._reserved += price
            return price

    def settle(self, reserved: int, charged: int) -> None:
        """A reserved request was answered and `charged` credits (from `meta.creditsCharged`)."""
        with self._lock:
            self._reserved -= reserved
            self._spent += charged
            self._price = max(self._price, charged)

    def release(self, reserved: int) -> None:
        """A reserved request was not charged (it failed, or was never sent)."""
        with self._lock:
            self._reserved -= reserved

    @property
    def spent(self) -> int:
        with self._lock:
            return self._spent

    @property
    def limit(self) -> Optional[int]:
        return self._limit

    @property
    def exhausted(self) -> bool:
        """True once a reservation was refused: the sync has handles waiting for budget."""
        with self._lock:
            return self._refused
