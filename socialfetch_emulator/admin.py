"""Admin routes under /_emulator/, outside the API: they let another process (the README demo,
`make demo`) change the world, inject faults, read the request log and ask what a handle listed
at any tick. No API key, not logged. They drive the emulator through `Controls`, the part of its
interface they need, so this module does not import the emulator (which imports the server)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple
from urllib.parse import parse_qs

from socialfetch_emulator.envelopes import JSON, Reply, dumps
from socialfetch_emulator.faults import Fault
from socialfetch_emulator.requests_log import ServedRequest
from socialfetch_emulator.world import Takedown


class Controls(Protocol):
    """What the admin routes may do to an emulator (Emulator implements it)."""

    @property
    def now(self) -> datetime: ...
    @property
    def anchor(self) -> datetime: ...
    @property
    def tick(self) -> int: ...
    @property
    def faults(self) -> List[Fault]: ...
    @property
    def requests(self) -> List[ServedRequest]: ...
    @property
    def takedowns(self) -> List[Takedown]: ...
    def advance(self, days: float) -> datetime: ...
    def handles(self) -> List[str]: ...
    def videos(self, handle: str, sort: Optional[str] = ...) -> List[dict]: ...
    def stats(self, handle: str) -> Dict[str, Dict[str, int]]: ...
    def listed(self, handle: str, tick: Optional[int] = ...) -> List[dict]: ...
    def listed_throughout(self, handle: str, first_tick: int, last_tick: int) -> List[dict]: ...
    def add_handle(self, handle: str, n_videos: int, *, pinned: int = ..., private: bool = ..., ads: int = ...,
                   null_created: int = ..., seed: Optional[int] = ...) -> None: ...
    def publish(self, handle: str, count: int = ...) -> List[dict]: ...
    def change_stats(self, handle: str, count: Optional[int] = ...) -> List[str]: ...
    def delete_video(self, handle: str, video_id: str) -> None: ...
    def delete_videos(self, handle: str, count: int = ..., which: str = ..., seed: int = ...) -> List[str]: ...
    def take_down_during_read(self, handle: str, after_pages: int = ..., where: str = ...,
                              video_id: Optional[str] = ...) -> Takedown: ...
    def pin(self, handle: str, video_id: str) -> None: ...
    def unpin(self, handle: str, video_id: str) -> None: ...
    def set_private(self, handle: str, private: bool = ...) -> None: ...
    def set_not_found(self, handle: str) -> None: ...
    def set_found(self, handle: str) -> None: ...
    def balance(self, api_key: Optional[str] = ...) -> int: ...
    def set_balance(self, n: int, api_key: Optional[str] = ...) -> None: ...
    def add_key(self, key: str, credits: int) -> None: ...
    def revoke_key(self, key: str) -> None: ...
    def set_latency(self, ms: int, handle: Optional[str] = ...) -> None: ...
    def set_lookup_latency(self, ms: int) -> None: ...
    def inject(self, kind: str, *, route: str = ..., handle: Optional[str] = ..., times: Optional[int] = ...,
               skip: int = ..., probability: Optional[float] = ..., seed: int = ..., retry_after: Optional[float] = ...,
               delay_ms: Optional[int] = ...) -> Fault: ...
    def clear_faults(self) -> None: ...
    def clear_requests(self) -> None: ...
    def credits_charged(self) -> int: ...


Action = Callable[[Controls, Dict[str, Any]], Any]


def _fault(emu: Controls, a: Dict[str, Any]) -> Any:
    kind = a.pop("kind")
    return {"fault": emu.inject(str(kind), **a).to_dict()}


def _ack(effect: Callable[[Controls, Dict[str, Any]], object], answer: Callable[[Dict[str, Any]], Any]) -> Action:
    """An action run for its effect, answered from its arguments."""

    def action(emu: Controls, a: Dict[str, Any]) -> Any:
        effect(emu, a)
        return answer(a)

    return action


def rfc3339(moment: datetime) -> str:
    """UTC with a Z; milliseconds only when there are some."""
    text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    ms = moment.microsecond // 1000
    return text + (f".{ms:03d}Z" if ms else "Z")


def _clock(emu: Controls) -> Dict[str, Any]:
    return {"now": rfc3339(emu.now), "anchor": rfc3339(emu.anchor),
            "days": (emu.now - emu.anchor).total_seconds() / 86400, "tick": emu.tick}


def _truth(emu: Controls, a: Dict[str, Any]) -> Any:
    """What a handle listed at `tick` (default now), or at every tick from `tick` to `until`."""
    tick = int(a["tick"]) if a.get("tick") is not None else emu.tick
    if a.get("until") is not None:
        return {"handle": a["handle"], "tick": tick, "until": int(a["until"]),
                "videos": emu.listed_throughout(a["handle"], tick, int(a["until"]))}
    return {"handle": a["handle"], "tick": tick, "videos": emu.listed(a["handle"], tick)}


def _takedown(emu: Controls, a: Dict[str, Any]) -> Any:
    armed = emu.take_down_during_read(a["handle"], int(a.get("after_pages", 1)), str(a.get("where", "ahead")),
                                      a.get("video_id"))
    return {"takedown": armed.to_dict()}


def _advance(emu: Controls, a: Dict[str, Any]) -> Any:
    emu.advance(float(a.get("days", 0)))
    return _clock(emu)


ROUTES: Dict[Tuple[str, str], Action] = {
    ("GET", "clock"): lambda emu, a: _clock(emu),
    ("POST", "clock"): _advance,
    ("POST", "publish"): lambda emu, a: {"videos": emu.publish(a["handle"], int(a.get("count", 1)))},
    ("POST", "change_stats"): lambda emu, a: {"ids": emu.change_stats(a["handle"], a.get("count"))},
    ("POST", "faults"): _fault,
    ("GET", "faults"): lambda emu, a: {"faults": [f.to_dict() for f in emu.faults]},
    ("DELETE", "faults"): _ack(lambda emu, a: emu.clear_faults(), lambda a: {"cleared": True}),
    ("GET", "requests"): lambda emu, a: {"requests": [r.to_dict() for r in emu.requests],
                                         "creditsCharged": emu.credits_charged()},
    ("DELETE", "requests"): _ack(lambda emu, a: emu.clear_requests(), lambda a: {"cleared": True}),
    ("GET", "balance"): lambda emu, a: {"credits": emu.balance(a.get("api_key"))},
    ("POST", "balance"): _ack(lambda emu, a: emu.set_balance(int(a["credits"]), a.get("api_key")),
                              lambda a: {"credits": int(a["credits"])}),
    ("POST", "keys"): _ack(lambda emu, a: emu.add_key(a["key"], int(a.get("credits", 0))), lambda a: {"key": a["key"]}),
    ("POST", "revoke"): _ack(lambda emu, a: emu.revoke_key(a["key"]), lambda a: {"revoked": a["key"]}),
    ("POST", "latency"): _ack(lambda emu, a: emu.set_latency(int(a["ms"]), a.get("handle")),
                              lambda a: {"latency_ms": int(a["ms"]), "handle": a.get("handle")}),
    ("POST", "lookup_latency"): _ack(lambda emu, a: emu.set_lookup_latency(int(a["ms"])),
                                     lambda a: {"lookup_latency_ms": int(a["ms"])}),
    ("GET", "stats"): lambda emu, a: {"stats": emu.stats(a["handle"]), "now": rfc3339(emu.now)},
    ("GET", "handles"): lambda emu, a: {"handles": emu.handles()},
    ("POST", "handles"): _ack(lambda emu, a: emu.add_handle(**a), lambda a: {"handle": a["handle"]}),
    ("GET", "videos"): lambda emu, a: {"videos": emu.videos(a["handle"], a.get("sort", "latest"))},
    ("POST", "delete_video"): _ack(lambda emu, a: emu.delete_video(a["handle"], a["video_id"]),
                                   lambda a: {"deleted": a["video_id"]}),
    ("POST", "pin"): _ack(lambda emu, a: emu.pin(a["handle"], a["video_id"]), lambda a: {"pinned": a["video_id"]}),
    ("POST", "unpin"): _ack(lambda emu, a: emu.unpin(a["handle"], a["video_id"]), lambda a: {"unpinned": a["video_id"]}),
    ("POST", "private"): _ack(lambda emu, a: emu.set_private(a["handle"], bool(a.get("private", True))),
                              lambda a: {"handle": a["handle"], "private": bool(a.get("private", True))}),
    ("POST", "not_found"): _ack(lambda emu, a: emu.set_not_found(a["handle"]), lambda a: {"handle": a["handle"]}),
    ("POST", "found"): _ack(lambda emu, a: emu.set_found(a["handle"]), lambda a: {"handle": a["handle"]}),
    ("POST", "delete_videos"): lambda emu, a: {"deleted": emu.delete_videos(
        a["handle"], int(a.get("count", 1)), str(a.get("which", "random")), int(a.get("seed", 0)))},
    ("POST", "takedown"): _takedown,
    ("GET", "takedowns"): lambda emu, a: {"takedowns": [t.to_dict() for t in emu.takedowns]},
    ("GET", "truth"): _truth,
}


def _answer(status: int, payload: Any) -> Reply:
    return Reply(status, dumps(payload), {"Content-Type": JSON})


def handle_admin(emu: Controls, method: str, raw_path: str, body: bytes) -> Reply:
    path, _, query = raw_path.partition("?")
    name = path[len("/_emulator/"):].strip("/")
    action: Optional[Action] = ROUTES.get((method, name))
    if action is None:
        return _answer(404, {"error": {"message": f"no admin route {method} /_emulator/{name}"}})
    try:
        args: Dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
        if body:
            parsed = json.loads(body)
            if not isinstance(parsed, dict):
                raise ValueError("the body must be a JSON object")
            args.update(parsed)
        return _answer(200, action(emu, args))
    except (KeyError, ValueError, TypeError) as exc:
        return _answer(400, {"error": {"message": f"{type(exc).__name__}: {exc}"}})
