"""Admin routes under /_emulator/, outside the API: they let another process (the README demo,
`make demo`) change the world, inject faults and read the request log. No API key, not logged."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple
from urllib.parse import parse_qs

from socialfetch_emulator.envelopes import JSON, Reply, dumps

if TYPE_CHECKING:
    from socialfetch_emulator.emulator import Emulator

Action = Callable[["Emulator", Dict[str, Any]], Any]


def _fault(emu: Emulator, a: Dict[str, Any]) -> Any:
    kind = a.pop("kind")
    return {"fault": emu.inject(str(kind), **a).to_dict()}


def _ack(effect: Callable[[Emulator, Dict[str, Any]], object], answer: Callable[[Dict[str, Any]], Any]) -> Action:
    """An action run for its effect, answered from its arguments."""

    def action(emu: Emulator, a: Dict[str, Any]) -> Any:
        effect(emu, a)
        return answer(a)

    return action


def rfc3339(moment: datetime) -> str:
    """UTC with a Z; milliseconds only when there are some."""
    text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    ms = moment.microsecond // 1000
    return text + (f".{ms:03d}Z" if ms else "Z")


def _clock(emu: Emulator) -> Dict[str, Any]:
    return {"now": rfc3339(emu.now), "anchor": rfc3339(emu.anchor),
            "days": (emu.now - emu.anchor).total_seconds() / 86400}


def _advance(emu: Emulator, a: Dict[str, Any]) -> Any:
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
}


def _answer(status: int, payload: Any) -> Reply:
    return Reply(status, dumps(payload), {"Content-Type": JSON})


def handle_admin(emu: Emulator, method: str, raw_path: str, body: bytes) -> Reply:
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
