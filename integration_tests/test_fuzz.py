"""A seeded fuzz of hostile configs, states and catalogs, through the console script against the
emulator. Every input is a valid config/state/catalog with one to three mutations
(types, nesting, huge strings, control and non-latin characters, the key embedded in values,
out-of-range numbers, far instants, unknown keys, GLOBAL/LEGACY state shapes, catalogs with
unknown or no streams), and every run must hold these invariants:

- it exits within 30 s;
- stdout holds only valid Airbyte messages (each line loads with the CDK's serializer);
- a refusal is a `config_error` (or a FAILED check) whose message names the field, handle or
  file, with no traceback in stderr, LOG lines or the error's message;
- the API key appears in no output, in no spelling;
- no request reaches the emulator for a refused input;
- a corrupted state never silently skips a video: every video at or after the saved cursor is
  read, unless the mutated state holds another valid, later instant;
- the next sync after an accepted input, from the state it emitted, succeeds.

Profiles: the default one (`SEED`, `DEFAULT_INPUTS` inputs, two at a time) runs in `make test`;
`pytest -m fuzz_long` runs `LONG_INPUTS` inputs. `FUZZ_SEED` picks another seed.
"""

from __future__ import annotations

import copy
import json
import os
import queue
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer

from integration_tests.harness import catalog_json
from integration_tests.launcher import Run, launch
from integration_tests.leaks import leaked_forms
from socialfetch_emulator import Emulator

SEED = int(os.environ.get("FUZZ_SEED", "14"))
DEFAULT_INPUTS = 36
LONG_INPUTS = 400
WORKERS = 2
TIMEOUT_SECONDS = 30
KEY = "sfk_fuzz_S3CRET_k3y_0xC0FFEE"
HANDLES = ["one.video", "full.page"]
DEEP = "__DEEP_NESTING_5000__"

FAR_INSTANTS = ["0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "9999-12-31T23:59:59-23:59",
                "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "2026-02-30",
                "1970-01-01T00:00:00Z", "2026-11-20T08:15:00.123456789Z", ""]
STRANGE_STRINGS = ["", " ", "\x00", "a\r\nb", "\u202e", "créateur", "创作者", "🚀" * 5, "a" * 70_000, "../../v1/whoami",
                   "%2F", "?x=1#y", "tiktok.comedy", "www.fan", "@NASA", "https://www.tiktok.com/@nasa"]
KEYED_STRINGS = [KEY, KEY.upper(), f"{KEY}/x", f"https://apikey:{KEY}@api.socialfetch.dev",
                 f"http://127.0.0.1:9/?api_key={KEY}", f"x{KEY}x"]
NUMBERS = [0, -1, 1, 2**63, -(10**30), 10**30, 1.5, 1e308, True, False]
CONFIG_FIELDS = ["api_key", "handles", "start_date", "sort_by", "lookback_window_days", "max_videos_per_handle",
                 "region", "trim", "concurrency", "max_credits_per_sync", "base_url", "request_timeout_seconds"]


# --- inputs -------------------------------------------------------------------------------------

@dataclass
class Case:
    index: int
    command: str  # check | read
    config: Any
    catalog: Any
    state: Any
    target: str  # config | state | catalog
    names: Set[str]  # one of them must appear in a refusal's message
    mutations: List[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"case {self.index} ({self.command}, {self.target}): " + "; ".join(self.mutations)


def base_config(base_url: str) -> Dict[str, Any]:
    return {"api_key": KEY, "handles": list(HANDLES), "base_url": base_url, "lookback_window_days": 0}


def base_catalog() -> Dict[str, Any]:
    return catalog_json()


def base_state(cursors: Dict[str, str]) -> List[Dict[str, Any]]:
    blob = {"states": [{"partition": {"handle": h}, "cursor": {"createdAt": c}} for h, c in cursors.items()],
            "waiting_for_budget": []}
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "videos"}, "stream_state": blob}}]


def hostile_value(rng: random.Random) -> Any:
    kind = rng.choice(["string", "keyed", "number", "instant", "type", "deep", "nested"])
    if kind == "string":
        return rng.choice(STRANGE_STRINGS)
    if kind == "keyed":
        return rng.choice(KEYED_STRINGS)
    if kind == "number":
        return rng.choice(NUMBERS)
    if kind == "instant":
        return rng.choice(FAR_INSTANTS)
    if kind == "type":
        return rng.choice([None, [], {}, [1, "a"], {"a": {"b": None}}, 0, "x"])
    if kind == "deep":
        return DEEP
    value: Any = "x"
    for _ in range(rng.choice([50, 300, 600])):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def paths(value: Any, prefix: Tuple[Any, ...] = ()) -> Iterator[Tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key in value:
            yield from paths(value[key], prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def set_at(root: Any, path: Tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return root


def mutate(rng: random.Random, root: Any, notes: List[str]) -> Any:
    all_paths = [p for p in paths(root) if len(p) <= 8]
    path = rng.choice(all_paths)
    action = rng.random()
    target = root
    for step in path:
        target = target[step]
    if action < 0.15 and isinstance(target, dict):
        key = rng.choice(["extra", "__proto__", "states", "Handles", "x" * 300, KEY])
        target[key] = hostile_value(rng)
        notes.append(f"add {key[:20]!r} at {list(path)[:6]}")
        return root
    if action < 0.25 and isinstance(target, dict) and target:
        key = rng.choice(list(target))
        del target[key]
        notes.append(f"delete {str(key)[:20]!r} at {list(path)[:6]}")
        return root
    value = hostile_value(rng)
    notes.append(f"set {list(path)[:6]} = {_short(value)}")
    return set_at(root, path, value)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, (list, dict)) else f"{type(value).__name__}(...)"
    return text[:40]


def state_shape(rng: random.Random, state: List[Dict[str, Any]], notes: List[str]) -> Any:
    blob = state[0]["stream"]["stream_state"]
    shape = rng.choice(["global", "global_shared", "legacy", "object", "flat", "two_streams", "no_type", "waiting_big",
                        "resume"])
    notes.append(f"shape {shape}")
    if shape == "global":
        return [{"type": "GLOBAL", "global": {"stream_states": [state[0]["stream"]]}}]
    if shape == "global_shared":
        return [{"type": "GLOBAL", "global": {"shared_state": {"a": 1}, "stream_states": [state[0]["stream"]]}}]
    if shape == "legacy":
        return [{"type": "LEGACY", "data": {"videos": blob}}]
    if shape == "object":
        return {"videos": blob}
    if shape == "flat":
        state[0]["stream"]["stream_state"] = {s["partition"]["handle"]: {"createdAt": s["cursor"]["createdAt"]}
                                              for s in blob["states"]}
        return state
    if shape == "two_streams":
        return state + [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "foo"}, "stream_state": {"a": 1}}}]
    if shape == "no_type":
        return [{"stream": state[0]["stream"]}]
    if shape == "waiting_big":
        blob["waiting_for_budget"] = [f"h{i}" for i in range(50_000)] + HANDLES
        return state
    blob["resume_positions"] = {rng.choice(HANDLES): {"cursor": rng.choice(["x" * 70_000, "bogus", "", 5]),
                                                      "newest": rng.choice(FAR_INSTANTS + [None, 3])}}
    return state


def catalog_shape(rng: random.Random, catalog: Dict[str, Any], notes: List[str]) -> Tuple[Any, Set[str]]:
    shape = rng.choice(["empty", "foo", "upper", "videos_and_foo", "profiles", "duplicate", "bad_mode", "not_object"])
    notes.append(f"catalog {shape}")
    stream = catalog["streams"][0]
    renamed = lambda name: dict(stream, stream=dict(stream["stream"], name=name))  # noqa: E731
    if shape == "empty":
        return {"streams": []}, set()
    if shape == "foo":
        return {"streams": [renamed("foo")]}, {"foo"}
    if shape == "upper":
        return {"streams": [renamed("VIDEOS")]}, {"VIDEOS"}
    if shape == "videos_and_foo":
        return {"streams": [stream, renamed("foo")]}, {"foo"}
    if shape == "profiles":
        profiles = dict(renamed("profiles"), sync_mode="full_refresh")
        profiles["stream"]["supported_sync_modes"] = ["full_refresh"]
        return {"streams": [profiles]}, set()
    if shape == "duplicate":
        return {"streams": [stream, stream]}, set()
    if shape == "bad_mode":
        return {"streams": [dict(stream, sync_mode="sometimes")]}, set()
    return [stream], set()


def generate(rng: random.Random, count: int, base_url: str, cursors: Dict[str, str]) -> List[Case]:
    cases = []
    for index in range(count):
        config, catalog, state = base_config(base_url), base_catalog(), base_state(cursors)
        target = rng.choice(["config", "config", "state", "state", "catalog"])
        notes: List[str] = []
        names: Set[str] = {target}
        command = "read"
        if target == "config":
            command = rng.choice(["check", "read"])
            for _ in range(rng.randint(1, 2)):
                fieldname = rng.choice(CONFIG_FIELDS + ["unknown_option"])
                if rng.random() < 0.1:
                    config = hostile_value(rng) if rng.random() < 0.5 else DEEP
                    notes.append("whole config replaced")
                    continue
                if isinstance(config, dict):
                    sub = {fieldname: copy.deepcopy(config.get(fieldname, "x"))}
                    sub = mutate(rng, sub, notes)
                    config.update(sub if isinstance(sub, dict) else {fieldname: sub})
                    names.update({fieldname, "api_key"} if fieldname == "api_key" else {fieldname})
                    names.update(str(k) for k in (sub if isinstance(sub, dict) else {}))
            names.update(CONFIG_FIELDS if notes and "whole" in notes[-1] else set())
        elif target == "state":
            if rng.random() < 0.35:
                state = state_shape(rng, state, notes)
            for _ in range(rng.randint(1, 3)):
                state = mutate(rng, state, notes)
        else:
            if rng.random() < 0.6:
                catalog, extra = catalog_shape(rng, catalog, notes)
                names.update(extra)
            else:
                catalog = mutate(rng, catalog, notes)
        cases.append(Case(index, command, config, catalog, state, target, names, notes))
    return cases


def dump(value: Any) -> str:
    text = json.dumps(value)
    return text.replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000)


# --- running and judging --------------------------------------------------------------------------

def run(case: Case, directory: Path, state: Any = None) -> Run:
    """The case through the console script; `state` in place of the case's own."""
    raw = {"config": dump(case.config), "catalog": dump(case.catalog),
           "state": dump(case.state if state is None else state)}
    return launch(directory, case.command, raw=raw, timeout=TIMEOUT_SECONDS)


def later_instant_in(value: Any, than: datetime) -> bool:
    """Whether the mutated state holds a valid instant after `than` (an independent reading)."""
    for path in paths(value):
        item = value
        for step in path:
            item = item[step]
        if isinstance(item, str):
            try:
                parsed = datetime.fromisoformat(item.replace("Z", "+00:00").replace("z", "+00:00"))
                parsed = parsed.replace(tzinfo=parsed.tzinfo or timezone.utc).astimezone(timezone.utc)
            except (ValueError, OverflowError):
                continue
            if parsed > than:
                return True
    return False


def judge(case: Case, result: Run, emu: Emulator, cursors: Dict[str, str], directory: Path) -> List[str]:
    problems: List[str] = []
    leaked = leaked_forms(KEY, result.printed)
    if leaked:
        problems.append(f"the key leaked, e.g. as {leaked[0]!r}")
    for line in result.lines:
        try:
            AirbyteMessageSerializer.load(json.loads(line))
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            problems.append(f"not an Airbyte message ({type(error).__name__}): {line[:120]!r}")
    errors = [t["error"] for t in result.traces() if t.get("type") == "ERROR"]
    statuses = [m["connectionStatus"] for m in result.messages if m["type"] == "CONNECTION_STATUS"]
    shown = "\n".join(result.logs() + [e.get("message") or "" for e in errors]
                      + [e.get("internal_message") or "" for e in errors]) + result.stderr
    if "Traceback" in shown:
        problems.append("a traceback in stderr, a LOG line or an error message")
    refusal: Optional[str] = None
    if case.command == "check" and statuses and statuses[-1]["status"] == "FAILED":
        refusal = statuses[-1].get("message") or ""
    elif result.returncode != 0:
        if not errors:
            problems.append(f"exit {result.returncode} without a TRACE error")
            return problems
        if errors[-1].get("failure_type") != "config_error":
            problems.append(f"a refusal that is not a config_error: {errors[-1]}")
        refusal = errors[-1].get("message") or ""
    if case.command == "check" and not statuses and refusal is None:
        problems.append("check wrote no CONNECTION_STATUS")
    if refusal is not None:
        if not any(name and str(name)[:80] in refusal for name in case.names | {"file"}):
            problems.append(f"the refusal names none of {sorted(map(str, case.names))[:8]}: {refusal[:200]!r}")
        # A well-formed key the API does not know (`x<KEY>x`) is refused by the API, not the connector.
        if emu.requests and not all(r.status == 401 for r in emu.requests):
            problems.append(f"{len(emu.requests)} requests reached the API for a refused input")
        return problems
    if case.command == "check":
        return problems
    if case.target == "state":
        problems += skipped_videos(case, result, emu, cursors)
    final = [s for s in result.states() if s.get("stream", {}).get("stream_descriptor", {}).get("name") == "videos"]
    if final:
        emu.clear_requests()
        follow = run(case, directory / "next", state=[final[-1]])
        if follow.returncode != 0:
            problems.append(f"the next sync failed: {[t.get('error', {}).get('message') for t in follow.traces()]}")
    return problems


def skipped_videos(case: Case, result: Run, emu: Emulator, cursors: Dict[str, str]) -> List[str]:
    emitted = {(r["handle"], r["id"]) for r in result.records()}
    problems = []
    for handle, cursor in cursors.items():
        since = datetime.fromisoformat(cursor.replace("Z", "+00:00"))
        if later_instant_in(case.state, since):
            continue
        due = {(handle, v["id"]) for v in emu.videos(handle)
               if v["createdAt"] and datetime.fromisoformat(v["createdAt"].replace("Z", "+00:00")) >= since}
        missing = due - emitted
        if missing:
            problems.append(f"{len(missing)} videos of {handle} at or after its saved cursor were skipped")
    return problems


def fuzz(count: int, tmp_path: Path) -> Tuple[int, List[str]]:
    emulators = [Emulator(dataset="demo").start() for _ in range(WORKERS)]
    try:
        for emu in emulators:
            emu.add_key(KEY, 10_000_000)
        videos = sorted(emulators[0].videos("full.page"), key=lambda v: v["createdAt"], reverse=True)
        cursors = {"one.video": emulators[0].videos("one.video")[0]["createdAt"], "full.page": videos[4]["createdAt"]}
        rng = random.Random(SEED)
        cases = generate(rng, count, "BASE_URL", cursors)
        pool: queue.Queue[Emulator] = queue.Queue()
        for emu in emulators:
            pool.put(emu)

        def one(case: Case) -> List[str]:
            emu = pool.get()
            try:
                case = _with_base_url(case, emu.base_url)
                emu.clear_requests()
                directory = tmp_path / f"case{case.index}"
                try:
                    result = run(case, directory)
                except Exception as error:  # noqa: BLE001 - a hang (TimeoutExpired) is the finding
                    return [f"{case.describe()}: did not finish: {type(error).__name__}"]
                return [f"{case.describe()}: {p}" for p in judge(case, result, emu, cursors, directory)]
            finally:
                pool.put(emu)

        with ThreadPoolExecutor(WORKERS) as executor:
            found = [p for problems in executor.map(one, cases) for p in problems]
        return len(cases), found
    finally:
        for emu in emulators:
            emu.stop()


def _with_base_url(case: Case, base_url: str) -> Case:
    """The placeholder base URL replaced by the worker's emulator, wherever it is."""
    replace: Callable[[Any], Any] = lambda text: json.loads(json.dumps(text).replace("BASE_URL", base_url))  # noqa: E731
    return Case(case.index, case.command, replace(case.config), case.catalog, case.state, case.target, case.names,
                case.mutations)


# 36 inputs and their next syncs, each a console-script process (about 70 s of CPU): 303 s under a
# load average of 12 on 2 cores, past pytest.ini's 300 s. A hang still fails its input after
# TIMEOUT_SECONDS.
@pytest.mark.timeout(600)
def test_fuzz_default_profile_holds_every_invariant(tmp_path: Path) -> None:
    tried, found = fuzz(DEFAULT_INPUTS, tmp_path)
    assert tried == DEFAULT_INPUTS
    assert not found, "\n".join(found)


@pytest.mark.fuzz_long
def test_fuzz_long_profile_holds_every_invariant(tmp_path: Path) -> None:
    tried, found = fuzz(LONG_INPUTS, tmp_path)
    assert tried == LONG_INPUTS
    assert not found, "\n".join(found)
