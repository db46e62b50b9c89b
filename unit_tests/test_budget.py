"""The credit budget: a page is asked for only once its price is reserved, so the limit holds exactly."""

from __future__ import annotations

import random
import threading
from typing import Callable, List

from source_socialfetch_tiktok.read.budget import CreditBudget

THREADS = 16


def hammer(budget: CreditBudget, on_reserved: Callable[[int, random.Random], None]) -> List[int]:
    """16 threads reserve until refused; returns how many reservations each thread got."""
    start = threading.Barrier(THREADS)
    granted = [0] * THREADS

    def worker(index: int) -> None:
        rng = random.Random(index)
        start.wait()
        while (price := budget.try_reserve()) is not None:
            granted[index] += 1
            on_reserved(price, rng)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    return granted


def test_given_16_threads_settling_every_page_when_the_budget_runs_out_then_exactly_the_limit_is_spent() -> None:
    budget = CreditBudget(limit=2000)

    granted = hammer(budget, lambda price, _: budget.settle(price, 1))

    assert sum(granted) == 2000
    assert budget.spent == 2000
    assert budget.exhausted


def test_given_16_threads_settling_or_releasing_when_hammered_then_spent_never_exceeds_the_limit() -> None:
    budget = CreditBudget(limit=500)
    settled = [0]
    lock = threading.Lock()

    def settle_or_release(price: int, rng: random.Random) -> None:
        if rng.random() < 0.3:
            budget.release(price)
        else:
            budget.settle(price, 1)
            with lock:
                settled[0] += 1

    hammer(budget, settle_or_release)

    assert budget.spent == settled[0] <= 500
    assert budget.exhausted


def test_given_a_reservation_released_when_reserving_again_then_its_credits_are_available() -> None:
    budget = CreditBudget(limit=1)
    price = budget.try_reserve()
    assert price == 1
    assert budget.try_reserve() is None

    budget.release(price)

    assert budget.try_reserve() == 1
    assert budget.spent == 0


def test_given_a_page_charged_2_when_reserving_next_then_the_price_is_2() -> None:
    budget = CreditBudget(limit=4)
    budget.settle(budget.try_reserve() or 0, 2)

    assert budget.try_reserve() == 2
    budget.settle(2, 2)
    assert budget.spent == 4
    assert budget.try_reserve() is None


def test_given_a_learnt_price_of_2_when_only_1_credit_is_left_then_the_page_is_refused() -> None:
    budget = CreditBudget(limit=3)
    budget.settle(budget.try_reserve() or 0, 2)

    assert budget.try_reserve() is None
    assert budget.spent == 2


def test_given_a_free_page_when_settled_then_nothing_is_spent_and_the_price_stays_1() -> None:
    budget = CreditBudget(limit=1)
    budget.settle(budget.try_reserve() or 0, 0)

    assert budget.spent == 0
    assert budget.try_reserve() == 1


def test_given_no_refusal_yet_when_asked_then_the_budget_is_not_exhausted() -> None:
    budget = CreditBudget(limit=2)
    budget.settle(budget.try_reserve() or 0, 1)
    budget.settle(budget.try_reserve() or 0, 1)

    assert not budget.exhausted
    assert budget.try_reserve() is None
    assert budget.exhausted


def test_given_no_limit_when_reserving_many_pages_then_none_is_refused_and_all_are_counted() -> None:
    budget = CreditBudget(limit=None)

    for _ in range(10_000):
        price = budget.try_reserve()
        assert price == 1
        budget.settle(price, 1)

    assert budget.spent == 10_000
    assert not budget.exhausted
    assert budget.limit is None
