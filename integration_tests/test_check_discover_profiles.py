"""`check`, `discover` and the `profiles` stream against the emulator."""

from __future__ import annotations

import jsonschema
import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test import entrypoint_wrapper

from integration_tests.harness import catalog, config, format_checker, read, records
from source_socialfetch_tiktok import SourceSocialfetchTiktok


def _check(cfg):
    return SourceSocialfetchTiktok().check(__import__("logging").getLogger("test"), cfg)


def test_check_succeeds_without_spending_credits(emulator):
    status = _check(config(emulator.base_url, ["nasa.fan", "@Other_One"]))
    assert status.status == Status.SUCCEEDED
    assert [r.route for r in emulator.requests] == ["whoami"]
    assert emulator.credits_charged() == 0


@pytest.mark.parametrize("key", ["sfk_wrong", "sfk_revoked"])
def test_check_with_a_bad_key_fails_with_a_message_without_the_key(emulator, key):
    emulator.add_key("sfk_revoked", 10)
    emulator.revoke_key("sfk_revoked")
    status = _check(config(emulator.base_url, ["nasa.fan"], api_key=key))
    assert status.status == Status.FAILED
    assert "api_key" in status.message and key not in status.message


def test_discover_declares_both_streams_with_keys_cursor_and_modes(emulator):
    output = entrypoint_wrapper.discover(SourceSocialfetchTiktok(), config(emulator.base_url, ["nasa.fan"]))
    streams = {s.name: s for s in output.catalog.catalog.streams}
    videos, profiles = streams["videos"], streams["profiles"]
    assert videos.source_defined_primary_key == [["handle"], ["id"]]
    assert videos.default_cursor_field == ["createdAt"] and videos.source_defined_cursor
    assert {m.value for m in videos.supported_sync_modes} == {"full_refresh", "incremental"}
    assert profiles.source_defined_primary_key == [["handle"]]
    assert [m.value for m in profiles.supported_sync_modes] == ["full_refresh"]
    fields = set(videos.json_schema["properties"])
    assert {"id", "caption", "createdAt", "url", "thumbnailUrl", "durationMs", "pinned", "isAd", "stats", "media",
            "details", "handle"} <= fields
    assert videos.json_schema["properties"]["createdAt"]["format"] == "date-time"
    # Every record the tests read is validated against this schema (harness.validate_records):
    # it must refuse a record that breaks it, or that validation vouches for nothing.
    jsonschema.Draft7Validator.check_schema(videos.json_schema)
    checker = format_checker()
    good = records(read(config(emulator.base_url, ["nasa.fan"]), catalog()))[0]
    jsonschema.validate(good, videos.json_schema, format_checker=checker)
    for broken in ({"createdAt": "yesterday"}, {"durationMs": "long"}, {"stats": "many"}, {"id": None}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, **broken}, videos.json_schema, format_checker=checker)


def test_profiles_stream_reports_found_private_and_not_found(emulator):
    output = read(config(emulator.base_url, ["@Nasa.Fan", "private.person", "ghost.account"]), catalog(videos=None, profiles=True))
    by_handle = {r["handle"]: r for r in records(output, "profiles")}
    assert {h: r["lookupStatus"] for h, r in by_handle.items()} == {
        "nasa.fan": "found", "private.person": "private", "ghost.account": "not_found"}
    assert by_handle["ghost.account"]["profile"] is None and by_handle["ghost.account"]["metrics"] is None
    assert by_handle["nasa.fan"]["metrics"]["followers"] >= 0
    assert not [r for r in emulator.requests if r.route == "videos"], "only the selected stream is read"


def test_videos_only_catalog_never_calls_the_profile_route(emulator):
    read(config(emulator.base_url, ["one.video"]), catalog())
    assert {r.route for r in emulator.requests} == {"videos"}
