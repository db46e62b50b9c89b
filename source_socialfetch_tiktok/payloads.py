"""Decode each response body once: the error handler checks a page and the stream reads it."""

from __future__ import annotations

import threading
import weakref
from typing import Any, Mapping, Optional

import orjson
import requests

_NOT_JSON = object()
_cache: weakref.WeakKeyDictionary[requests.Response, Any] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def json_body(response: requests.Response) -> Optional[Mapping[str, Any]]:
    """The response body as a JSON object, or None when it is not one (HTML, truncated, a list...)."""
    with _lock:
        cached = _cache.get(response)
    if cached is None:
        cached = _decode(response.content)
        with _lock:
            _cache[response] = cached
    return cached if isinstance(cached, dict) else None


def _decode(content: bytes) -> Any:
    """orjson, which also refuses more than 1,024 levels of nesting: such a page is not one the
    connector can use (the standard library gives up even sooner), and the handle fails clearly."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return _NOT_JSON


def error_code(response: requests.Response) -> Optional[str]:
    """`error.code` of an error envelope, when the body has one."""
    body = json_body(response)
    error = body.get("error") if body else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def error_message(response: requests.Response) -> Optional[str]:
    body = json_body(response)
    error = body.get("error") if body else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else None


def credits_charged(body: Mapping[str, Any]) -> int:
    """`meta.creditsCharged`, or 1 (the documented price of a page) when the API did not say."""
    meta = body.get("meta")
    charged = meta.get("creditsCharged") if isinstance(meta, dict) else None
    if isinstance(charged, int) and not isinstance(charged, bool) and charged >= 0:
        return charged
    return 1
