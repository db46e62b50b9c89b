"""Every answer of the emulator matches the JSON Schemas written from the vendor's pages
(socialfetch_emulator/tests/contract/), checked over real HTTP for every page of every demo handle."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Dict

import jsonschema
import pytest
from referencing import Registry, Resource

from socialfetch_emulator import Emulator
from socialfetch_emulator.client import ApiClient

CONTRACT = Path(__file__).parent / "contract"
SCHEMAS: Dict[str, Dict[str, Any]] = {p.stem: json.loads(p.read_text()) for p in CONTRACT.glob("*.json")}
REGISTRY: Registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values())
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value: object) -> bool:
    """jsonschema skips date-time without rfc3339-validator installed: check it ourselves."""
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


def validate(body: Any, schema: str) -> None:
    validator = jsonschema.Draft7Validator(SCHEMAS[schema], registry=REGISTRY, format_checker=FORMATS)
    validator.validate(body)


@pytest.fixture(scope="module")
def shared() -> Any:
    """One emulator for the whole walk: these tests only read."""
    with Emulator(dataset="demo") as emu:
        yield ApiClient(emu)


def test_schemas_are_valid_draft_7() -> None:
    for schema in SCHEMAS.values():
        jsonschema.Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("sort", ["latest", "popular", None])
@pytest.mark.parametrize("trim", [None, True])
def test_every_page_of_every_demo_handle_matches_the_videos_contract(shared: ApiClient, sort: Any, trim: Any) -> None:
    for handle in shared.emu.handles() + ["nobody.here"]:
        for body in shared.pages(handle, sort, trim):
            validate(body, "videos")
            assert body["meta"]["creditsCharged"] == 1
            for video in body["data"]["videos"]:
                assert ("details" in video) is (not trim)


@pytest.mark.parametrize("handle", ["big.creator", "@nasa.fan", "private.person", "empty.profile", "nobody.here"])
def test_profile_answers_match_the_profile_contract(shared: ApiClient, handle: str) -> None:
    response = shared.get(f"/v1/tiktok/profiles/{handle}")
    assert response.status_code == 200
    validate(response.json(), "profile")


def test_free_routes_match_their_contracts(shared: ApiClient) -> None:
    validate(shared.get("/v1/whoami").json(), "whoami")
    validate(shared.get("/v1/balance").json(), "balance")


def test_error_answers_match_the_error_contract(shared: ApiClient) -> None:
    emu = shared.emu
    emu.inject("429", handle="one.video", retry_after=0)
    bodies = [
        shared.videos("x" * 65, sortBy="latest"),
        shared.session.get(emu.base_url + "/v1/whoami", headers={"x-api-key": "sfk_wrong"}),
        shared.videos("one.video", sortBy="latest"),
        shared.get("/v1/nothing/here"),
    ]
    assert [r.status_code for r in bodies] == [400, 401, 429, 404]
    for response in bodies:
        validate(response.json(), "error")


def test_contract_rejects_what_the_docs_forbid() -> None:
    """The schemas are not vacuous: a negative count, a missing field, a wrong version fail."""
    good = {"data": {"videos": [], "page": {"nextCursor": None, "hasMore": False}},
            "meta": {"requestId": "req_1", "creditsCharged": 1, "version": "v1"}}
    validate(good, "videos")
    video = {"id": "7", "caption": None, "createdAt": "2026-10-01T00:00:00Z", "url": None, "thumbnailUrl": None,
             "durationMs": None, "pinned": False, "isAd": False, "media": {"downloadUrl": None, "downloadWithoutWatermarkUrl": None},
             "stats": {"views": 0, "likes": 0, "comments": 0, "shares": 0, "saves": 0}}
    validate({**good, "data": {**good["data"], "videos": [video]}}, "videos")
    for broken in (
        {**good, "meta": {**good["meta"], "version": "v2"}},
        {**good, "data": {"page": good["data"]["page"]}},
        {**good, "data": {**good["data"], "videos": [{"id": "1"}]}},
        {**good, "data": {**good["data"], "videos": [{**video, "createdAt": "yesterday"}]}},
        {**good, "data": {**good["data"], "videos": [{**video, "stats": {**video["stats"], "views": -1}}]}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken, "videos")
    with pytest.raises(jsonschema.ValidationError):
        validate({"data": {"lookupStatus": "not_found", "profile": {}, "metrics": None},
                  "meta": good["meta"]}, "profile")
