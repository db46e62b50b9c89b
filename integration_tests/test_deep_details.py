"""Deeply nested `details`: one rule at decode time (payloads.MAX_DEPTH), the same whatever the timing.

A video whose `details` nests past the rule is emitted with `details: null` and named in a warning;
its documented fields survive. Every RECORD line is written by the connector's own serialiser.
"""

from __future__ import annotations

import json
from typing import Dict, List, Tuple

import pytest

from integration_tests.faultkit.shapes import Shapes
from integration_tests.harness import catalog, config, keys, read, records, truth
from source_socialfetch_tiktok.api.payloads import MAX_DEPTH
from source_socialfetch_tiktok.records.topics import FIELDS as PARSED
from source_socialfetch_tiktok.serialization import record_line

# Levels of a page above the objects that `Shapes.deep_details` nests: the page, data, videos,
# the video, `details` itself.
ABOVE = 5
KEPT = MAX_DEPTH - ABOVE  # the deepest `details` kept whole
DEPTHS = {"d.shallow": 40, "d.at.limit": KEPT, "d.past.limit": KEPT + 1, "d.orjson.max": 1_100, "d.abyss": 6_000}


def _deep_world(make_emulator, monkeypatch) -> Tuple[object, List[str]]:
    emu = make_emulator(dataset="empty")
    shapes = Shapes(monkeypatch)
    for index, (handle, levels) in enumerate(DEPTHS.items()):
        emu.add_handle(handle, 70, seed=10 + index)  # 3 pages each
        shapes.deep_details(handle, levels)
    plain = [f"plain.{i}" for i in range(11)]
    for index, handle in enumerate(plain):
        emu.add_handle(handle, 40, seed=40 + index)
    return emu, list(DEPTHS) + plain


def _details_by_video(output) -> Dict[Tuple[str, str], str]:
    """(handle, id) -> the RECORD line's `details`, as the connector wrote it."""
    lines = [json.loads(record_line(m)) for m in output.records if m.record.stream == "videos"]
    return {(r["record"]["data"]["handle"], r["record"]["data"]["id"]): json.dumps(r["record"]["data"]["details"])
            for r in lines}


def test_given_deep_details_on_many_pages_at_concurrency_16_then_each_read_emits_the_same_records(
    make_emulator, monkeypatch,
):
    emu, handles = _deep_world(make_emulator, monkeypatch)
    outputs = [read(config(emu.base_url, handles, concurrency=16), catalog("incremental")) for _ in range(3)]

    first = _details_by_video(outputs[0])
    assert keys(records(outputs[0])) == truth(emu, handles), "every video is emitted, deep or not"
    for other in outputs[1:]:
        assert _details_by_video(other) == first, "the result does not depend on timing"
    for (handle, _), details in first.items():
        nulled = details == "null"
        assert nulled == (DEPTHS.get(handle, 0) > KEPT), f"{handle}: details {'nulled' if nulled else 'kept'}"
    warned = " ".join(m.log.message for m in outputs[0].logs if m.log.level.value == "WARN")
    for handle, levels in DEPTHS.items():
        assert (f"videos {handle}: video" in warned) == (levels > KEPT)
    assert f"details nested deeper than {MAX_DEPTH} levels (set to null)" in warned


@pytest.mark.parametrize("handle", ["d.at.limit", "d.past.limit"])
def test_given_details_at_the_edge_of_the_rule_then_the_other_fields_are_emitted_as_the_api_sent_them(
    make_emulator, monkeypatch, handle,
):
    emu, _ = _deep_world(make_emulator, monkeypatch)
    output = read(config(emu.base_url, [handle]), catalog("incremental"))

    sent = {v["id"]: v for v in emu.videos(handle)}
    for row in records(output):
        expected = {k: v for k, v in sent[row["id"]].items() if k != "details"}
        assert {k: v for k, v in row.items() if k not in ("details", "handle", *PARSED)} == expected
