"""A local emulator of the Social Fetch REST API (the routes the connector uses), written from the
vendor's documentation: real HTTP on loopback, deterministic data, credits, cursors and faults.

    with Emulator(dataset="demo") as emu:      # or: python -m socialfetch_emulator --port 8080
        emu.base_url                           # http://127.0.0.1:PORT, key "sfk_demo"
        emu.publish("nasa.fan", 2); emu.inject("503", handle="nasa.fan"); emu.requests
        emu.advance(1); emu.now; emu.stats("nasa.fan")  # the clock: counts grow with age (growth.py)

Admin routes for other processes live under /_emulator/ (see admin.py)."""

from __future__ import annotations

from socialfetch_emulator.dataset import ANCHOR, CreatorSpec, Dataset
from socialfetch_emulator.emulator import Emulator
from socialfetch_emulator.faults import KINDS as FAULT_KINDS
from socialfetch_emulator.faults import Fault
from socialfetch_emulator.requests_log import ServedRequest

__all__ = ["ANCHOR", "FAULT_KINDS", "CreatorSpec", "Dataset", "Emulator", "Fault", "ServedRequest"]
