"""hashtags, mentions and music on `videos`, read through the CDK's entrypoint from the emulator,
checked against what the emulator's creators typed (not against the connector's own parser)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from integration_tests.harness import catalog, config, read, records
from socialfetch_emulator import Emulator

HANDLES = ["unicode.creator", "nulls.creator", "cook_with_kim", "daily.vlogger"]


def lowered(words: List[str]) -> List[str]:
    seen: List[str] = []
    for word in words:
        if word.lower() not in seen:
            seen.append(word.lower())
    return seen


def expected(truth: Dict[str, Any], api_music: Optional[Dict[str, Any]], trim: bool) -> Dict[str, Any]:
    challenges = None if trim else truth["challenges"]
    music = None if trim or api_music is None else {k: api_music[k] for k in ("id", "title", "authorName", "original")}
    return {"hashtags": lowered(challenges) if challenges else lowered(truth["tags"]),
            "mentions": None if truth["caption"] is None else lowered(truth["mentions"]),
            "music": music}


@pytest.mark.parametrize("trim", [False, True])
def test_given_typed_captions_when_read_then_the_parsed_fields_match_what_was_typed(emulator: Emulator, trim: bool) -> None:
    output = read(config(emulator.base_url, HANDLES, trim=trim), catalog())
    rows = records(output)
    assert len(rows) == sum(len(emulator.videos(h)) for h in HANDLES)
    kinds = {"challenges": 0, "caption_tags": 0, "mentions": 0, "no_music": 0, "null_caption": 0, "mixed_case": 0}
    for row in rows:
        truth = emulator.written(row["handle"])[row["id"]]
        api = emulator.video(row["handle"], row["id"])
        assert api is not None
        music = (api.get("details") or {}).get("music")
        assert {k: row[k] for k in ("hashtags", "mentions", "music")} == expected(truth, music, trim), row["caption"]
        kinds["challenges"] += bool(truth["challenges"]) and not trim
        kinds["caption_tags"] += bool(truth["tags"]) and (trim or not truth["challenges"])
        kinds["mentions"] += bool(truth["mentions"])
        kinds["no_music"] += not truth["music"]
        kinds["null_caption"] += truth["caption"] is None
        kinds["mixed_case"] += any(t != t.lower() for t in truth["tags"])
    # the read met every case the contract names, or the test proves nothing about it
    assert all(count > 0 for name, count in kinds.items() if not (trim and name == "challenges")), kinds
    unicode_tags = {t for row in rows if row["handle"] == "unicode.creator" for t in row["hashtags"]}
    assert {"नमस्ते", "美食", "café"} <= unicode_tags


def test_the_discovered_schema_types_the_parsed_fields_for_typed_warehouses() -> None:
    from integration_tests.harness import discovered_schemas

    props = discovered_schemas()["videos"]["properties"]
    assert props["hashtags"] == {**props["hashtags"], "type": "array", "items": {"type": "string"}}
    assert props["mentions"]["type"] == ["null", "array"] and props["mentions"]["items"] == {"type": "string"}
    music = props["music"]
    assert music["type"] == ["null", "object"] and "additionalProperties" not in music  # the CDK refuses a closed object
    assert {k: v["type"] for k, v in music["properties"].items()} == {
        "id": ["null", "string"], "title": ["null", "string"], "authorName": ["null", "string"],
        "original": ["null", "boolean"]}
