"""TikTok handle normalisation: the one gate between user input and a URL path segment."""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Tuple
from urllib.parse import urlsplit

MAX_HANDLE_LENGTH = 64
# TikTok usernames are letters, digits, '_' and '.', and never end with '.'. The API takes 1..64
# characters. Refusing everything else also keeps '/', '?', '#', '%' and '..' out of the path.
_HANDLE = re.compile(r"^[a-z0-9._]{1,64}$")
_PROFILE_HOSTS = {"tiktok.com", "www.tiktok.com", "m.tiktok.com"}
_TIKTOK_HOST_AND_PATH = re.compile(r"^(www\.|m\.)?tiktok\.com/", re.IGNORECASE)
_HELP = "use 'name', '@name' or 'https://www.tiktok.com/@name'"


class InvalidHandle(ValueError):
    """A configured value that cannot be a TikTok handle; the message names it."""


def normalise_handle(raw: object, secret: Optional[str] = None) -> str:
    """Return the lower-case handle of `name`, `@name` or a TikTok profile URL, or raise InvalidHandle.

    A value holding `secret` (the API key, in any case) is refused without being quoted: it
    would otherwise be lower-cased, logged and sent in a URL path.
    """
    if not isinstance(raw, str):
        text = repr(raw) if not secret else repr(raw).replace(secret, "****")  # masked before it is cut
        raise InvalidHandle(f"{text[:60]}{'...' if len(text) > 60 else ''} is not a string; {_HELP}")
    if secret and secret.lower() in raw.lower():
        raise InvalidHandle("this value holds the API key (not shown); paste the TikTok username here, not the key")
    text = raw.strip()
    shown = repr(text)
    if not text:
        raise InvalidHandle(f"an empty value is not a TikTok handle; {_HELP}")
    candidate = _handle_from_url(text) if _looks_like_url(text) else text
    if candidate.startswith("@"):
        candidate = candidate[1:]
    if not candidate.isascii():  # before lower(): the Kelvin sign would otherwise become 'k'
        raise InvalidHandle(f"{shown} is not a TikTok handle: a handle is ASCII letters, digits, '_' and '.'; {_HELP}")
    handle = candidate.lower()
    if len(handle) > MAX_HANDLE_LENGTH:
        raise InvalidHandle(
            f"{shown} is {len(handle)} characters long; a TikTok handle has at most {MAX_HANDLE_LENGTH}"
        )
    if not _HANDLE.match(handle) or handle.endswith("."):
        raise InvalidHandle(
            f"{shown} is not a TikTok handle: a handle has letters, digits, '_' and '.' "
            f"(not ending with '.'); {_HELP}"
        )
    return handle


def normalise_handles(values: Iterable[object], secret: Optional[str] = None) -> Tuple[List[str], List[str]]:
    """Normalise every value, dropping duplicates in first-seen order.

    Returns (handles, problems): one problem per bad value, each naming it and its position.
    """
    handles: List[str] = []
    seen = set()
    problems: List[str] = []
    for index, value in enumerate(values):
        try:
            handle = normalise_handle(value, secret)
        except InvalidHandle as error:
            problems.append(f"handles[{index}]: {error}")
            continue
        if handle not in seen:
            seen.add(handle)
            handles.append(handle)
    return handles, problems


def _looks_like_url(text: str) -> bool:
    """A URL has a scheme, or is a TikTok host followed by a path. `tiktok.comedy` and `www.fan`
    are valid usernames (letters and dots), not hosts: a dotted name alone is never a URL."""
    return "://" in text or _TIKTOK_HOST_AND_PATH.match(text) is not None


def _handle_from_url(text: str) -> str:
    url = text if "://" in text else f"https://{text}"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or host not in _PROFILE_HOSTS:
        raise InvalidHandle(f"{text!r} is not a TikTok profile URL; {_HELP}")
    segments = [s for s in parts.path.split("/") if s]
    first: Optional[str] = segments[0] if segments else None
    if first is None or not first.startswith("@") or len(segments) > 1:
        raise InvalidHandle(f"{text!r} is not a TikTok profile URL (expected /@name); {_HELP}")
    return first
