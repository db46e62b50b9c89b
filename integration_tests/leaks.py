"""The one key-leak scanner: does a text hold an API key, whole or in part, in any spelling?

A leak is rarely the whole key verbatim: it is URL-encoded in a logged URL, upper- or lower-cased
by a normaliser, or cut short by a message that quotes its first characters. So the scanner looks,
case-insensitively and also after URL-decoding, for every run of `WINDOW` characters of the key's
secret part (what follows the public `sfk_` prefix).
"""

from __future__ import annotations

from typing import List, Set
from urllib.parse import unquote

PUBLIC_PREFIX = "sfk_"
WINDOW = 10  # long enough that no ordinary text holds it by chance


def key_forms(key: str) -> Set[str]:
    """The lower-cased pieces of `key` whose presence in a text is a leak."""
    secret = key[len(PUBLIC_PREFIX):] if key.startswith(PUBLIC_PREFIX) else key
    if len(secret) <= WINDOW:
        return {secret.lower()}
    return {secret[i:i + WINDOW].lower() for i in range(len(secret) - WINDOW + 1)}


def leaked_forms(key: str, *texts: str) -> List[str]:
    """The pieces of `key` that appear in `texts`, sorted; empty when none does."""
    blob = "\n".join(texts).lower()
    decoded = unquote(blob)
    return sorted(form for form in key_forms(key) if form in blob or form in decoded)


def assert_no_key(key: str, *texts: str) -> None:
    found = leaked_forms(key, *texts)
    assert not found, f"the API key leaked ({len(found)} pieces, e.g. {found[0]!r})"
