"""The validated, normalised connector configuration.

Every config error names the field (and the handle) at fault and carries `config_error`, so the
platform tells the user to fix the config instead of retrying a sync that cannot work.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, List, Mapping, Optional
from urllib.parse import urlsplit

import jsonschema
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils import AirbyteTracedException

from .handles import normalise_handles
from .shard import MAX_SHARDED_HANDLES, Shard, ShardProblem, parse_shard, select
from .timeutil import parse_instant

DEFAULT_BASE_URL = "https://api.socialfetch.dev"
_MAX_LISTED_PROBLEMS = 10
# Social Fetch keys are a few dozen characters; servers refuse header lines of several KB (HTTP
# 431) and the key is sent on every request. Anything longer is a paste error, refused up front.
MAX_API_KEY_LENGTH = 512


class ConfigError(AirbyteTracedException):
    """A config the user must fix; the message is shown as-is in the Airbyte UI."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)


@dataclass(frozen=True)
class SocialFetchConfig:
    api_key: str
    handles: List[str]
    start_date: Optional[datetime] = None
    sort_by: str = "latest"
    lookback_window_days: int = 7
    max_videos_per_handle: Optional[int] = None
    region: Optional[str] = None
    trim: bool = False
    concurrency: int = 4
    max_credits_per_sync: Optional[int] = None
    base_url: str = DEFAULT_BASE_URL
    request_timeout_seconds: int = 60
    stats_refresh_days: Optional[int] = None
    stats_refresh_max_age_days: Optional[int] = None
    # With `shard`, `handles` holds only this shard's handles, of `configured_handles` in the list.
    shard: Optional[Shard] = None
    configured_handles: int = 0


def connection_specification() -> Mapping[str, Any]:
    spec = json.loads(resources.files(__package__).joinpath("spec.json").read_text(encoding="utf-8"))
    return spec  # type: ignore[no-any-return]


def parse_config(raw: Mapping[str, Any]) -> SocialFetchConfig:
    """Validate `raw` against the spec, then normalise it; raise ConfigError naming what is wrong.

    No message quotes the key: a value that holds it (a handle, a base_url, a start_date) is
    refused, and whatever a message quotes is masked here, before it reaches `check`'s status.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError("The config must be a JSON object.")
    key = raw.get("api_key")
    try:
        return _parse(raw)
    except ConfigError as error:
        if isinstance(key, str) and key.strip() and key.strip() in (error.message or ""):
            raise ConfigError((error.message or "").replace(key.strip(), "****")) from None
        raise


def _parse(raw: Mapping[str, Any]) -> SocialFetchConfig:
    _validate_against_spec(raw)
    api_key = raw["api_key"].strip()
    if not api_key:
        raise ConfigError("api_key: the Social Fetch API key is empty.")
    if len(api_key) > MAX_API_KEY_LENGTH:
        raise ConfigError(
            f"api_key: {len(api_key)} characters is not a Social Fetch API key (at most {MAX_API_KEY_LENGTH}); "
            "copy it again from the Social Fetch dashboard."
        )
    if not (api_key.isascii() and api_key.isprintable()) or any(c.isspace() for c in api_key):
        # http.client would refuse it with an error that quotes the key: refuse it here, unquoted.
        raise ConfigError(
            "api_key: the API key holds spaces, line breaks or non-ASCII characters, which an HTTP "
            "header cannot carry; copy it again from the Social Fetch dashboard."
        )
    all_handles, problems = normalise_handles(raw["handles"], secret=api_key)
    if problems:
        listed = "; ".join(problems[:_MAX_LISTED_PROBLEMS])
        more = len(problems) - _MAX_LISTED_PROBLEMS
        raise ConfigError(f"{listed}" + (f" (and {more} more bad handles)" if more > 0 else ""))
    try:
        shard = parse_shard(raw.get("shard"))
        handles = select(all_handles, shard)
    except ShardProblem as problem:
        raise ConfigError(str(problem)) from None
    start_date = None
    if raw.get("start_date") not in (None, ""):
        start_date = parse_instant(raw["start_date"])
        if start_date is None:
            raise ConfigError(
                f"start_date: {raw['start_date']!r} is not a date between 0001-01-01 and 9999-12-31 UTC; "
                "use YYYY-MM-DD or an ISO-8601 date-time."
            )
    region = raw.get("region") or None
    return SocialFetchConfig(
        api_key=api_key,
        handles=handles,
        start_date=start_date,
        sort_by=raw.get("sort_by") or "latest",
        lookback_window_days=_whole(raw, "lookback_window_days", 7),
        max_videos_per_handle=_optional_whole(raw, "max_videos_per_handle"),
        region=region.upper() if region else None,
        trim=bool(raw.get("trim", False)),
        concurrency=_whole(raw, "concurrency", 4),
        max_credits_per_sync=_optional_whole(raw, "max_credits_per_sync"),
        base_url=validate_base_url(raw.get("base_url") or DEFAULT_BASE_URL, api_key),
        request_timeout_seconds=_whole(raw, "request_timeout_seconds", 60),
        stats_refresh_days=_optional_whole(raw, "stats_refresh_days"),
        stats_refresh_max_age_days=_optional_whole(raw, "stats_refresh_max_age_days"),
        shard=shard,
        configured_handles=len(all_handles),
    )


def validate_base_url(value: str, api_key: str = "") -> str:
    """Return the origin without a trailing slash; plain http only for loopback hosts.

    Everything that can never work is refused before any request: a port that is not a number
    in 1..65535, a path (the connector appends `/v1/...` itself: `.../api` would 404 on every
    handle), credentials, a query, spaces or control characters, and the API key anywhere in it.
    """
    text = value.strip()
    if api_key and api_key.lower() in text.lower():
        raise ConfigError("base_url: it holds the API key (not shown); give the API origin only, such as "
                          f"{DEFAULT_BASE_URL}; the key goes in api_key.")
    shown = repr(text) if len(text) <= 200 else repr(text[:200]) + "..."
    if not (text.isascii() and text.isprintable()) or any(c.isspace() for c in text):
        raise ConfigError(f"base_url: {shown} holds spaces, control or non-ASCII characters; "
                          f"give an origin such as {DEFAULT_BASE_URL}.")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ConfigError(f"base_url: {shown} is not a URL with a valid host and port (1-65535).") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"base_url: {shown} is not an http(s) URL.")
    if port == 0:
        raise ConfigError(f"base_url: {shown} has port 0; give a port in 1-65535.")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError(f"base_url: {shown} must be a plain origin such as {DEFAULT_BASE_URL}.")
    if parts.path not in ("", "/"):
        raise ConfigError(
            f"base_url: {shown} has a path ({parts.path[:100]!r}); give the origin only, such as "
            f"{DEFAULT_BASE_URL}: the connector adds /v1/... itself."
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"base_url: {shown} uses plain http; https:// is required except for loopback hosts "
            "(localhost, 127.0.0.1, ::1), so that the API key is never sent in clear text."
        )
    return text.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _whole(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = _optional_whole(raw, key)
    return default if value is None else value


def _optional_whole(raw: Mapping[str, Any], key: str) -> Optional[int]:
    """An integer property as an int. The spec has already bounded it, and JSON Schema counts
    `4.0` as an integer: it is used as 4, never as a float."""
    value = raw.get(key)
    return None if value is None else int(value)


@functools.lru_cache(maxsize=2)
def _spec_validator(sharded: bool) -> jsonschema.Draft7Validator:
    """The spec's validator, without the per-item check of `handles`: `normalise_handles` checks and
    names every handle itself, and jsonschema's check costs about 14 us an item (1.4 s for the
    100,000 handles a sharded list may hold). With `shard`, the list may hold up to
    MAX_SHARDED_HANDLES (each shard reads at most the spec's 10,000: `shard.select`)."""
    schema = copy.deepcopy(connection_specification()["connectionSpecification"])
    schema["properties"]["handles"].pop("items", None)
    if sharded:
        schema["properties"]["handles"]["maxItems"] = MAX_SHARDED_HANDLES
    return jsonschema.Draft7Validator(schema)


def _validate_against_spec(raw: Mapping[str, Any]) -> None:
    validator = _spec_validator(raw.get("shard") is not None)
    schema = validator.schema
    errors = sorted(validator.iter_errors(raw), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return
    # A missing property is named from the schema, not from the error's message text.
    messages = [f"{name}: is required" for name in schema.get("required", []) if name not in raw]
    errors = [e for e in errors if e.absolute_path or e.validator != "required"]
    for error in errors[: max(_MAX_LISTED_PROBLEMS - len(messages), 0)]:
        field = _field_name(error)
        # Never echo the key, even in a type error.
        detail = "has the wrong type or is missing" if field == "api_key" else _describe(error)
        messages.append(f"{field}: {detail}")
    raise ConfigError("Invalid config: " + "; ".join(dict.fromkeys(messages)))


def _field_name(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    name = str(path[0]) if path else "config"
    for part in path[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        if isinstance(error.instance, Mapping) and isinstance(error.validator_value, list):
            missing = [name for name in error.validator_value if name not in error.instance]
            if missing:
                return f"{' and '.join(map(str, missing))} {'is' if len(missing) == 1 else 'are'} required"
        return "is required"
    if error.validator == "pattern" and isinstance(error.schema, dict) and error.schema.get("pattern_descriptor"):
        return f"{error.instance!r} does not match {error.schema['pattern_descriptor']}"
    if error.validator == "maxItems":
        return f"{len(error.instance)} given, at most {error.validator_value} allowed"
    if error.validator == "minItems":
        return f"give at least {error.validator_value}"
    text = error.message
    return text if len(text) <= 200 else text[:200] + "..."
