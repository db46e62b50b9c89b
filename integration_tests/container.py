"""Running the connector image the way the README prints it: its `docker` lines, read out of the
README and docs/docker.md and run with bash in a folder laid out like the project, through the
`docker` on PATH (here tools/container/bin/docker, podman with this machine's settings)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[1]
ENGINE_BIN = ROOT / "tools" / "container" / "bin"
IMAGE = "airbyte/source-socialfetch-tiktok:dev"
BASE_IMAGE = "docker.io/library/python:3.11-slim"
STAND_IN_LABEL = "io.socialfetch.stand-in-for"
README_DOCKER_SECTION = "## With Docker, as in CI"
README_UI_SECTION = "## In the Airbyte UI (custom connector)"
# What the README's commands touch, besides the build context (.dockerignore lets in only that).
PROJECT_FILES = ["Dockerfile", ".dockerignore", "setup.py", "main.py", "source_socialfetch_tiktok",
                 "integration_tests/configured_catalog.json"]


def engine_environment() -> Dict[str, str]:
    """This process's environment with the engine's `docker` first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{ENGINE_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def shell_commands(markdown: str) -> List[str]:
    """The commands of a markdown text's ```bash blocks: continuation lines joined, a heredoc kept
    with its body, comments and blank lines dropped."""
    commands: List[str] = []
    for indent, block in re.findall(r"^( *)```bash\n(.*?)^ *```", markdown, flags=re.S | re.M):
        lines = [line[len(indent):] if line.startswith(indent) else line for line in block.splitlines()]
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            command = line
            while command.endswith("\\") and i < len(lines):
                command += "\n" + lines[i]
                i += 1
            heredoc = re.search(r"<<'?(\w+)'?", command)
            if heredoc:
                while i < len(lines):
                    command += "\n" + lines[i]
                    i += 1
                    if lines[i - 1].strip() == heredoc.group(1):
                        break
            commands.append(command)
    return commands


def readme_section_commands(title: str) -> List[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return shell_commands(text[start:end if end >= 0 else len(text)])


def readme_docker_commands() -> List[str]:
    return readme_section_commands(README_DOCKER_SECTION)


def docs_docker_commands() -> List[str]:
    return shell_commands((ROOT / "docs" / "docker.md").read_text())


def the_command(commands: List[str], *words: str, without: str = "\0") -> str:
    """The one command that contains every word (and not `without`)."""
    found = [c for c in commands if all(w in c for w in words) and without not in c]
    assert len(found) == 1, f"expected one command with {words}, found {len(found)}: {found}"
    return found[0]


def make_project(folder: Path) -> Path:
    """A folder laid out like the project, where the README's lines run (they write secrets/ and
    messages.jsonl beside the Dockerfile)."""
    for name in PROJECT_FILES:
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    (folder / "secrets").mkdir(exist_ok=True)
    return folder


def bash(command: str, cwd: Path, timeout: float = 300, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    """`command` as a user types it: bash, in `cwd`, with the engine's docker on PATH."""
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=env or engine_environment(),
                          capture_output=True, text=True, timeout=timeout)


def docker(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(["docker", *args], env=engine_environment(), capture_output=True, text=True, timeout=timeout)
    if check:
        assert run.returncode == 0, f"docker {' '.join(args)}: {run.stderr[-2000:]}"
    return run


@dataclass
class Messages:
    """The Airbyte messages of a run's stdout. Every line must be one JSON object: a partial or
    foreign line fails here."""

    lines: List[Dict[str, Any]]

    @classmethod
    def parse(cls, stdout: str) -> Messages:
        parsed = []
        for number, line in enumerate(stdout.splitlines(), 1):
            try:
                message = json.loads(line)
            except ValueError:
                raise AssertionError(f"stdout line {number} is not JSON: {line[:300]!r}") from None
            assert isinstance(message, dict) and "type" in message, f"stdout line {number} is no Airbyte message: {line[:300]!r}"
            parsed.append(message)
        return cls(parsed)

    def of(self, kind: str) -> List[Dict[str, Any]]:
        return [m for m in self.lines if m["type"] == kind]

    def records(self, stream: str = "videos") -> List[Dict[str, Any]]:
        return [m["record"]["data"] for m in self.of("RECORD") if m["record"]["stream"] == stream]

    def states(self, stream: str = "videos") -> List[Dict[str, Any]]:
        return [m["state"] for m in self.of("STATE") if m["state"]["stream"]["stream_descriptor"]["name"] == stream]

    def errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of("TRACE") if m["trace"].get("type") == "ERROR"]

    def result(self) -> Dict[str, Any]:
        """The sync's result line (README "The sync result line")."""
        prefix = "Sync result: "
        found = [m["log"]["message"][len(prefix):] for m in self.of("LOG") if m["log"]["message"].startswith(prefix)]
        assert found, "no sync result line"
        return json.loads(found[-1])  # type: ignore[no-any-return]

    def handles_with(self, outcome: str, stream: str = "videos") -> List[str]:
        return [h["handle"] for h in self.result()["handles"] if h["stream"] == stream and h["outcome"] == outcome
                and h["part"] == "read"]


def state_handles(state: Dict[str, Any]) -> Iterator[str]:
    for entry in state["stream"]["stream_state"].get("states", []):
        yield entry["partition"]["handle"]
