"""A local emulator of the Social Fetch REST API (the routes the connector uses), written from the
vendor's documentation: real HTTP on loopback, deterministic data, credits, cursors and faults."""

from __future__ import annotations

from integration_tests.emulator.dataset import ANCHOR, CreatorSpec, Dataset
from integration_tests.emulator.emulator import Emulator
from integration_tests.emulator.faults import KINDS as FAULT_KINDS
from integration_tests.emulator.faults import Fault
from integration_tests.emulator.requests_log import ServedRequest

__all__ = ["ANCHOR", "FAULT_KINDS", "CreatorSpec", "Dataset", "Emulator", "Fault", "ServedRequest"]
