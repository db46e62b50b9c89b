"""Opaque, signed pagination cursors. Standard base64 that always holds `+`, `/` and `=`, so a
client that puts a cursor into a query string without URL-encoding it gets a 400 (a raw `+`
arrives as a space); a truncated HMAC so only cursors this emulator issued are accepted."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Optional

MAGIC = b"\xfb\xff\xbf"  # encodes as "+/+/": every cursor carries both characters
MAC_BYTES = 9


class CursorError(ValueError):
    """A cursor this emulator did not issue, or one issued for another handle or order."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after `key` (latest order) or at `offset` (other orders).
    `key` None under latest means "from the top, pinned videos included"."""

    handle: str
    sort: str
    key: Optional[tuple[int, int]] = None
    offset: int = 0


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._secret = hashlib.sha256(("socialfetch-emulator:" + secret).encode()).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:MAC_BYTES]

    def encode(self, cursor: Cursor) -> str:
        body = {"h": cursor.handle, "s": cursor.sort, "k": list(cursor.key) if cursor.key else None, "o": cursor.offset}
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        while (len(MAGIC) + MAC_BYTES + len(payload)) % 3 == 0:
            payload += b" "  # a length that is not a multiple of 3 forces "=" padding
        return base64.b64encode(MAGIC + self._mac(payload) + payload).decode("ascii")

    def decode(self, text: str, handle: str, sort: str) -> Cursor:
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise CursorError("cursor is not valid base64 (was it URL-encoded?)") from exc
        mac, payload = raw[len(MAGIC):len(MAGIC) + MAC_BYTES], raw[len(MAGIC) + MAC_BYTES:]
        if not raw.startswith(MAGIC) or not hmac.compare_digest(mac, self._mac(payload)):
            raise CursorError("cursor was not issued by this API")
        body = json.loads(payload)
        if body["h"] != handle or body["s"] != sort:
            raise CursorError("cursor belongs to another handle or sort order")
        key = tuple(body["k"]) if body["k"] is not None else None
        return Cursor(handle=handle, sort=sort, key=(int(key[0]), int(key[1])) if key else None, offset=int(body["o"]))
