"""Decode each response body once: the error handler checks a page and the stream reads it."""

from __future__ import annotations

import json
import sys
import threading
import weakref
from typing import Any, Mapping, Optional

import orjson
import requests

_NOT_JSON = object()
TOO_DEEP = object()
MAX_DEPTH = 5_000
_deep_lock = threading.Lock()
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
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        if "depth" not in str(error):
            return _NOT_JSON
    return _decode_deep(content)


def _decode_deep(content: bytes) -> Any:
    """orjson refuses more than 1,024 levels of nesting, but such a page is still the API's data
    (only an open-ended `details` can nest like that): decode it with the standard library under
    a raised recursion limit, one page at a time, up to MAX_DEPTH levels. Past that, the page is
    TOO_DEEP and the handle fails at once with a message that says so."""
    with _deep_lock:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, MAX_DEPTH + 300))  # headroom for the frames below this one
        try:
            return json.loads(content)
        except RecursionError:
            return TOO_DEEP
        except ValueError:
            return _NOT_JSON
        finally:
            sys.setrecursionlimit(previous)


def too_deep(response: requests.Response) -> bool:
    json_body(response)
    with _lock:
        return _cache.get(response) is TOO_DEEP


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
