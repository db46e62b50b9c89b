"""The `/v1` routes: authentication, validation, faults, credits, then the documented payloads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple
from urllib.parse import parse_qs, unquote

from socialfetch_emulator import growth, render
from socialfetch_emulator.accounts import OK, UNKNOWN, Accounts
from socialfetch_emulator.cursors import Cursor, CursorCodec, CursorError
from socialfetch_emulator.envelopes import Reply, RequestIds, error, ok
from socialfetch_emulator.faults import ERROR_KINDS, SERVES_DATA, Fault, FaultBook
from socialfetch_emulator.model import Video
from socialfetch_emulator.paging import DEFAULT, SORTS, LatestOrder, Page, latest_page, offset_page
from socialfetch_emulator.world import World, handle_key

PROFILES = "/v1/tiktok/profiles/"
METERED = ("videos", "profile")
RENDER_CACHE_SIZE = 500_000
NONJSON_BODY = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


class BadRequest(Exception):
    pass


@dataclass
class Call:
    """One parsed request: which route, which handle (URL-decoded once), which query."""

    method: str
    raw_path: str
    path: str
    route: str
    handle: Optional[str]
    query: Dict[str, str]
    api_key: Optional[str]
    handle_error: Optional[str] = None


def parse_call(method: str, raw_path: str, api_key: Optional[str]) -> Call:
    raw, _, query_string = raw_path.partition("?")
    query = {k: v[0] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
    route, handle_raw = "unknown", None
    if raw == "/v1/whoami":
        route = "whoami"
    elif raw == "/v1/balance":
        route = "balance"
    elif raw.startswith(PROFILES):
        rest = raw[len(PROFILES):]
        route, handle_raw = ("videos", rest[: -len("/videos")]) if rest.endswith("/videos") else ("profile", rest)
    handle, problem = None, None
    if handle_raw is not None:
        try:
            handle = unquote(handle_raw, errors="strict")
        except UnicodeDecodeError:
            handle, problem = handle_raw, "handle is not valid UTF-8 once URL-decoded"
        if problem is None and not 1 <= len(handle) <= 64:
            problem = "handle must have 1 to 64 characters"
        elif problem is None and "/" in handle:
            problem = "handle must not contain '/'"
    return Call(method, raw_path, unquote(raw), route, handle, query, api_key, problem)


@dataclass
class Settings:
    page_size: int = 30
    latency_ms: int = 0
    handle_latency_ms: Dict[str, int] = field(default_factory=dict)
    lookup_latency_ms: int = 0  # added to a videos call without cursor and userId: the handle lookup


def needs_lookup(call: Call) -> bool:
    """A videos call the API must first resolve to a user id: neither a cursor nor a userId carries it."""
    return call.route == "videos" and "cursor" not in call.query and "userId" not in call.query


class Api:
    def __init__(self, world: World, accounts: Accounts, faults: FaultBook, codec: CursorCodec, ids: RequestIds,
                 settings: Settings, stopping: threading.Event) -> None:
        self.world, self.accounts, self.faults, self.codec = world, accounts, faults, codec
        self.ids, self.settings, self.stopping = ids, settings, stopping
        self._render_cache: Dict[Tuple[int, int, str, bool], dict] = {}
        self._render_cache_now: Optional[int] = None  # the clock the cached items were rendered at

    def serve(self, call: Call) -> Reply:
        rid = self.ids.next()
        if call.route == "unknown":
            return error(404, "not_found", f"no route for {call.method} {call.path}", rid)
        if call.method != "GET":
            return error(405, "bad_request", f"{call.route} takes GET", rid, {"Allow": "GET"})
        fault = self.faults.take(call.route, call.handle)
        if fault is not None:
            early = self._fault_reply(fault, rid)
            if early is not None:
                return early
        reply = self._serve(call, rid, fault)
        if fault is not None:
            reply.fault = fault.kind
            if fault.kind == "truncated" and reply.status == 200:
                reply.transport = "truncated"
        return reply

    def _fault_reply(self, fault: Fault, rid: str) -> Optional[Reply]:
        """Replies for faults that do not need the real answer; None lets the call go on."""
        if fault.kind in ERROR_KINDS:
            status, code = ERROR_KINDS[fault.kind]
            headers = {"Retry-After": _seconds(fault.retry_after)} if fault.retry_after is not None else {}
            message = {429: "Too many requests, slow down", 503: "Upstream busy, retry later",
                       502: "TikTok lookup failed", 500: "Internal error"}.get(status, "Injected error")
            reply = error(status, code, message, rid, headers)
        elif fault.kind == "drop":
            reply = Reply(0, transport="drop", request_id=rid)
        elif fault.kind == "timeout":
            reply = Reply(0, transport="timeout", hold_seconds=(fault.delay_ms or 0) / 1000, request_id=rid)
        elif fault.kind == "nonjson":
            reply = Reply(200, NONJSON_BODY, {"Content-Type": "text/html; charset=utf-8"}, request_id=rid)
        elif fault.kind == "latency":
            self.stopping.wait((fault.delay_ms or 0) / 1000)
            return None
        else:
            return None
        reply.fault = fault.kind
        return reply

    def _serve(self, call: Call, rid: str, fault: Optional[Fault]) -> Reply:
        status = self.accounts.check(call.api_key)
        if status != OK:
            code = 401 if status == UNKNOWN else 403
            text = "missing or unknown x-api-key" if status == UNKNOWN else "this API key was revoked"
            return error(code, "unauthorized", text, rid)
        if call.route == "whoami":
            return ok({"user": self.accounts.user(call.api_key or "")}, rid, 0)
        if call.route == "balance":
            return ok({"credits": self.accounts.balance(call.api_key)}, rid, 0)
        try:
            if call.handle_error:
                raise BadRequest(call.handle_error)
            prepared = self._prepare_videos(call) if call.route == "videos" else None
        except BadRequest as exc:
            return error(400, "bad_request", str(exc), rid)
        self._sleep(call)
        free = fault is not None and fault.kind not in SERVES_DATA
        if not free and not self.accounts.charge(call.api_key or ""):
            return error(402, "insufficient_credits", "not enough credits for this call", rid)
        credits = 0 if free else 1
        handle = call.handle or ""
        if call.route == "profile":
            with self.world.lock:
                creator = self.world.creator(handle)
                reply = ok(render.profile(creator, self.world.totals(creator) if creator else None), rid, credits)
                reply.tick = self.world.tick
                return reply
        assert prepared is not None
        sort, cursor, trim = prepared
        return self._videos(handle, sort, cursor, trim, rid, credits, call, fault)

    def _prepare_videos(self, call: Call) -> tuple[str, Optional[Cursor], bool]:
        q = call.query
        for name in ("sortBy", "cursor", "userId", "region", "trim"):
            if name in q and q[name] == "":
                raise BadRequest(f"{name} must not be empty")
        sort = q.get("sortBy", DEFAULT)
        if "sortBy" in q and sort not in SORTS:
            raise BadRequest(f"sortBy must be one of {', '.join(SORTS)}")
        trim_text = q.get("trim", "false").lower()
        if trim_text not in ("true", "false", "1", "0"):
            raise BadRequest("trim must be a boolean")
        if "userId" in q:
            with self.world.lock:
                creator = self.world.creator(call.handle or "")
                if creator is None or creator.user_id != q["userId"]:
                    raise BadRequest("userId does not belong to this handle")
        cursor = None
        if "cursor" in q:
            try:
                cursor = self.codec.decode(q["cursor"], handle_key(call.handle or ""), sort)
            except CursorError as exc:
                raise BadRequest(f"invalid cursor: {exc}") from exc
        return sort, cursor, trim_text in ("true", "1")

    def _videos(self, handle: str, sort: str, cursor: Optional[Cursor], trim: bool, rid: str, credits: int,
                call: Call, fault: Optional[Fault]) -> Reply:
        key = handle_key(handle)
        with self.world.lock:
            if self._render_cache_now != self.world.now_ms:
                self._render_cache.clear()
                self._render_cache_now = self.world.now_ms
            tick = self.world.tick
            creator = self.world.visible(handle)
            if creator is None:
                videos, next_cursor = [], None
            else:
                order = self.world.order(creator, sort)
                size = self.settings.page_size
                page = (latest_page(key, order, cursor, size) if isinstance(order, LatestOrder)
                        else offset_page(key, sort, order, cursor.offset if cursor else 0, size))
                videos = [self._rendered(creator, v, trim) for v in page.videos]
                next_cursor = self.codec.encode(page.next) if page.next else None
                if self.world.waiting_takedown(key):
                    self.world.page_served(key, page.videos, _ahead(key, order, page))
        has_more = next_cursor is not None
        kind = fault.kind if fault else None
        if kind == "repeat_cursor":
            next_cursor = call.query.get("cursor") or self.codec.encode(Cursor(key, sort, key=None, offset=0))
            has_more = True
        elif kind == "hasmore_null":
            next_cursor, has_more = None, True
        data: dict = {"videos": videos, "page": {"nextCursor": next_cursor, "hasMore": has_more}}
        if kind == "no_videos":
            del data["videos"]
        reply = ok(data, rid, credits)
        reply.tick = tick
        return reply

    def _rendered(self, creator: Any, video: Any, trim: bool) -> dict:
        """A video's JSON item, rendered once per version of its creator and instant of the clock (the
        cache is emptied when the clock moves): rendering is most of the emulator's CPU, done under
        the world's lock, and would otherwise serialise concurrent pages (and count against the
        connector in the latency benchmark)."""
        key = (id(creator), creator.version, video.id, trim)
        item = self._render_cache.get(key)
        if item is None:
            if len(self._render_cache) >= RENDER_CACHE_SIZE:
                self._render_cache.clear()
            item = self._render_cache[key] = render.video(creator, growth.at(video, self.world.now_ms), trim)
        return item

    def _sleep(self, call: Call) -> None:
        ms = self.settings.handle_latency_ms.get(handle_key(call.handle or ""), self.settings.latency_ms)
        if needs_lookup(call):
            ms += self.settings.lookup_latency_ms
        if ms > 0:
            self.stopping.wait(ms / 1000)


def _ahead(key: str, order: Any, page: Page) -> Optional[Video]:
    """The video the next page would start with (None on the last page)."""
    if page.next is None:
        return None
    if isinstance(order, LatestOrder):
        following = latest_page(key, order, page.next, 1).videos
        return following[0] if following else None
    return order[page.next.offset] if page.next.offset < len(order) else None


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)

