"""Reshape what the emulator serves, without editing it: per-handle video rewriters, and raw JSON
text spliced into response bodies (for nesting deeper than the emulator's json.dumps can write).

The emulator has no public API for odd payloads (counts as strings, unknown fields, deep
`details`), so this patches its render/envelope functions in-process for one test."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict

from socialfetch_emulator import api as emulator_api
from socialfetch_emulator import envelopes as emulator_envelopes

DEEP_MARK = "__faultkit_deep__"


def nested(levels: int) -> str:
    return '{"d":' * levels + "1" + "}" * levels


class Shapes:
    def __init__(self, monkeypatch: Any) -> None:
        self.videos: Dict[str, Callable[[dict], dict]] = {}
        self.raw: Dict[str, str] = {}
        original_video = emulator_api.render.video
        original_dumps = emulator_envelopes.dumps

        def video(creator: Any, v: Any, trim: bool = False) -> dict:
            item = original_video(creator, v, trim)
            shaper = self.videos.get(creator.handle)
            return shaper(item) if shaper else item

        def dumps(payload: Any) -> bytes:
            body = original_dumps(payload)
            for mark, text in self.raw.items():
                body = body.replace(json.dumps(mark).encode(), text.encode())
            return body

        monkeypatch.setattr(emulator_api.render, "video", video)
        monkeypatch.setattr(emulator_envelopes, "dumps", dumps)

    def deep_details(self, handle: str, levels: int) -> None:
        """Every video of `handle` gets `details = {"deep": <levels nested objects>}`."""
        mark = f"{DEEP_MARK}{handle}"
        self.raw[mark] = nested(levels)
        self.videos[handle] = lambda item: dict(item, details={"deep": mark})
