"""The one way the tests launch the connector as a process: the console script, as the platform
runs it, with its config, catalog and state written to files; optionally SIGKILLed after it has
written N RECORD lines. The in-process entrypoint is `integration_tests.harness.read`.

By default the script's entry point runs in a process forked from a server that has imported the
CDK and the connector once (integration_tests/forkserver.py): the same command, exit code, streams
and signals, without the 2 s of CPU each start spends importing; `forked=False` runs the installed
script itself (test_cli.py: the command as typed).

`checkpoint_every_handle`: the connector emits STATE at most every 5 s, so a short sync emits
only its final STATE; with this knob the child process gets SOCIALFETCH_CHECKPOINT_INTERVAL_SECONDS=0
(source_socialfetch_tiktok/state/cursor.py) and so checkpoints after every completed handle, which is
what a long production sync looks like to a resume. Nothing else of the connector changes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence

from integration_tests.forkserver import Forked

# source_socialfetch_tiktok.state.cursor.CHECKPOINT_INTERVAL_ENV, spelt out: importing the connector would
# add the CDK's start-up to every run of the PyAirbyte wrapper (unit_tests/test_cursor.py checks it).
CHECKPOINT_INTERVAL_ENV = "SOCIALFETCH_CHECKPOINT_INTERVAL_SECONDS"
ROOT = Path(__file__).resolve().parents[1]
CONSOLE_SCRIPT = Path(sys.executable).parent / "source-socialfetch-tiktok"
# The files a command reads, in the order the CDK's parser takes them.
FILES = {"spec": (), "check": ("config",), "discover": ("config",), "read": ("config", "catalog", "state")}


def connector_env(checkpoint_every_handle: bool = False) -> Dict[str, str]:
    return {**os.environ, CHECKPOINT_INTERVAL_ENV: "0"} if checkpoint_every_handle else dict(os.environ)


def is_record(line: bytes) -> bool:
    head = line[:40].replace(b" ", b"")
    return head.startswith(b'{"type":"RECORD"')


@dataclass
class Run:
    """What one connector process wrote: its stdout lines, exit code and stderr."""

    lines: List[str]
    returncode: int
    stderr: str
    killed: bool
    messages: List[Dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.messages = [json.loads(line) for line in self.lines if line.strip().startswith("{")]

    @property
    def printed(self) -> str:
        """Everything the process wrote, stdout and stderr: what a key-leak scan reads."""
        return "\n".join(self.lines) + self.stderr

    def records(self, stream: str = "videos") -> List[Dict[str, Any]]:
        return [m["record"]["data"] for m in self.messages if m["type"] == "RECORD" and m["record"]["stream"] == stream]

    def states(self) -> List[Dict[str, Any]]:
        return [m["state"] for m in self.messages if m["type"] == "STATE"]

    def traces(self) -> List[Dict[str, Any]]:
        return [m["trace"] for m in self.messages if m["type"] == "TRACE"]

    def errors(self) -> List[Dict[str, Any]]:
        return [t["error"] for t in self.traces() if t.get("type") == "ERROR"]

    def logs(self) -> List[str]:
        return [m["log"]["message"] for m in self.messages if m["type"] == "LOG"]

    def statuses(self) -> List[Dict[str, Any]]:
        return [m["connectionStatus"] for m in self.messages if m["type"] == "CONNECTION_STATUS"]

    def shown(self) -> str:
        """What a user reads (LOG lines, error messages, stderr); a TRACE error's `stack_trace`
        is a protocol field for the platform's logs and is left out."""
        return "\n".join(self.logs() + [e.get("message") or "" for e in self.errors()]) + self.stderr


def pump(child: Any, out: Optional[IO[bytes]], kill_after: Optional[int], keep: List[bytes]) -> bool:
    """Forward the child's stdout; True when it was killed after `kill_after` records."""
    assert child.stdout is not None
    seen = 0
    for line in child.stdout:
        keep.append(line)
        if out is not None:
            out.write(line)
            out.flush()
        if kill_after is not None and is_record(line):
            seen += 1
            if seen >= kill_after:
                child.send_signal(signal.SIGKILL)
                child.wait()
                return True
    return False


def run_connector(args: Sequence[str], kill_after_records: Optional[int] = None, checkpoint_every_handle: bool = False,
                  timeout: float = 120, env: Optional[Mapping[str, str]] = None, forked: bool = True) -> Run:
    """Run the console script with `args`; kill it after N records. A run past `timeout` seconds
    is killed and raises subprocess.TimeoutExpired. `forked`: its entry point in a process forked
    from one that has imported the CDK (integration_tests/forkserver.py: the same command without
    the 2 s of CPU its imports take); False: the installed script, as typed."""
    child_env = {**connector_env(checkpoint_every_handle), **(env or {})}
    child: Any = (Forked(args, child_env, str(ROOT)) if forked else
                  subprocess.Popen([str(CONSOLE_SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=child_env, cwd=str(ROOT)))
    keep: List[bytes] = []
    try:
        killed = pump(child, None, kill_after_records, keep)
        _, err = child.communicate(timeout=timeout)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return Run([b.decode() for b in keep], child.returncode, err.decode(errors="replace"), killed)


def launch(directory: Path, command: str, config: Any = None, catalog: Any = None, state: Any = None,
           raw: Optional[Mapping[str, str]] = None, **options: Any) -> Run:
    """`command` with its files written to `directory`: each of config, catalog and state given as
    a value (written as JSON) or in `raw` as the file's text; a file neither gives is not passed.
    `options` go to run_connector (timeout, kill_after_records, checkpoint_every_handle, env)."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = {name: json.dumps(value) for name, value in (("config", config), ("catalog", catalog), ("state", state))
             if value is not None}
    texts.update(raw or {})
    args = [command]
    for name in FILES[command]:
        if name in texts:
            path = directory / f"{name}.json"
            path.write_text(texts[name])
            args += [f"--{name}", str(path)]
    return run_connector(args, **options)
