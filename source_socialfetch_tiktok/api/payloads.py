"""Decode each response body once (the error handler checks a page and the stream reads it), under
one rule for nesting, applied here and nowhere else:

A page may nest at most MAX_DEPTH levels. orjson writes at most 254 levels, and a record line nests
at most one level deeper than the page it came from (a profile's `profile` sits at level 3 of its
page and level 4 of its RECORD line), so every record of such a page can be written by orjson.
Deeper parts are cut when the page is decoded: a video field that held one (an open-ended
`details`, in practice) becomes null and the stream names the video in a warning; a cut anywhere
else makes the page unusable. The cut is an iterative scan of the bytes: no recursion limit is
read or changed, and the result is the same whatever other threads are doing.
"""

from __future__ import annotations

import re
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

import orjson
import requests

MAX_DEPTH = 253
# What a cut subtree is replaced with before decoding: a string no API answer contains.
_CUT = f"socialfetch-cut-{uuid.uuid4().hex}"
_CUT_JSON = orjson.dumps(_CUT)
# A JSON string (skipped whole, escapes included), or a bracket: the only bytes that change depth.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


@dataclass
class Page:
    """A decoded body: `body` is None when it is not a JSON object (HTML, truncated, a list...)."""

    body: Optional[Dict[str, Any]]
    nulled: List[Tuple[int, str]] = field(default_factory=list)  # (index in data.videos, field) set to null
    unusable: bool = False  # nested too deep outside any video's fields


_cache: weakref.WeakKeyDictionary[requests.Response, Page] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def page_of(response: requests.Response) -> Page:
    with _lock:
        cached = _cache.get(response)
    if cached is None:
        cached = decode(response.content)
        with _lock:
            _cache[response] = cached
    return cached


def json_body(response: requests.Response) -> Optional[Mapping[str, Any]]:
    """The response body as a JSON object, or None when it is not one."""
    return page_of(response).body


def decode(content: bytes) -> Page:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return _decode_deep(content)  # not JSON, or deeper than orjson reads (1,024): the scan says
    if not isinstance(body, dict):
        return Page(None)
    try:
        orjson.dumps([body])  # one level more than the page: fails exactly when it is deeper than MAX_DEPTH
    except orjson.JSONEncodeError:
        return _decode_deep(content)
    return Page(body)


def _decode_deep(content: bytes) -> Page:
    try:
        body = orjson.loads(_cut(content))
    except orjson.JSONDecodeError:
        return Page(None)
    if not isinstance(body, dict):
        return Page(None)
    page = Page(body)
    data = body.get("data")
    videos = data.get("videos") if isinstance(data, dict) else None
    for index, video in enumerate(videos if isinstance(videos, list) else []):
        if not isinstance(video, dict):
            continue
        for name, value in video.items():
            if isinstance(value, (dict, list)) and _CUT_JSON in orjson.dumps(value):
                video[name] = None
                page.nulled.append((index, name))
    page.unusable = _CUT_JSON in orjson.dumps(body)
    return page


def _cut(content: bytes) -> bytes:
    """`content` with every object or array that opens deeper than MAX_DEPTH replaced by _CUT."""
    out: List[bytes] = []
    depth, kept_until, cut_from = 0, 0, -1
    for token in _TOKEN.finditer(content):
        char = content[token.start()]
        if char == 0x22:  # a string
            continue
        if char in (0x7B, 0x5B):  # { [
            depth += 1
            if depth == MAX_DEPTH + 1 and cut_from < 0:
                cut_from = token.start()
        else:
            if depth == MAX_DEPTH + 1 and cut_from >= 0:
                out += [content[kept_until:cut_from], _CUT_JSON]
                kept_until, cut_from = token.end(), -1
            depth -= 1
    out.append(content[kept_until:])
    return b"".join(out)


def error_code(response: requests.Response) -> Optional[str]:
    """`error.code` of an error envelope, when the body has one."""
    body = json_body(response)
    error = body.get("error") if body else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def credits_charged(body: Mapping[str, Any]) -> int:
    """`meta.creditsCharged`, or 1 (the documented price of a page) when the API did not say."""
    meta = body.get("meta")
    charged = meta.get("creditsCharged") if isinstance(meta, dict) else None
    if isinstance(charged, int) and not isinstance(charged, bool) and charged >= 0:
        return charged
    return 1
