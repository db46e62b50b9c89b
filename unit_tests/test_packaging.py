"""The image and the registry entry, without a Docker engine: the Dockerfile is parsed and checked,
then its install and entrypoint are replayed in a fresh virtual environment; metadata.yaml is
validated with Airbyte's own model; versions agree across setup.py, the label and the tag."""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import subprocess
import venv
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from airbyte_connector_models.metadata.v0.connector_metadata_definition_v0 import ConnectorMetadataDefinitionV0
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[1]
WORKDIR = "/airbyte/integration_code"
NETWORK_TROUBLE = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
                   "Network is unreachable", "No route to host", "ProxyError")


def setup_version() -> str:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "VERSION" for t in node.targets):
            return str(ast.literal_eval(node.value))
    raise AssertionError("setup.py defines no VERSION")


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    return parser


@pytest.fixture(scope="module")
def metadata() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())  # type: ignore[no-any-return]


def instructions(parser: DockerfileParser, name: str) -> List[str]:
    return [i["value"] for i in parser.structure if i["instruction"] == name]


def copies(parser: DockerfileParser) -> List[Tuple[List[str], str]]:
    """Each COPY as (sources, destination), relative to the build context and the WORKDIR."""
    result = []
    for value in instructions(parser, "COPY"):
        parts = shlex.split(value)
        assert not any(p.startswith("--") for p in parts), f"COPY flags are not replayed: {value}"
        result.append((parts[:-1], parts[-1]))
    return result


def test_dockerfile_is_a_conventional_airbyte_python_image(dockerfile: DockerfileParser, metadata: Dict[str, Any]) -> None:
    assert dockerfile.baseimage == metadata["data"]["connectorBuildOptions"]["baseImage"]
    assert dockerfile.baseimage.endswith("python:3.11-slim") or "airbyte/python-connector-base:" in dockerfile.baseimage
    assert instructions(dockerfile, "WORKDIR") == [WORKDIR]
    assert any("pip install" in run and " ." in run for run in instructions(dockerfile, "RUN"))
    entry = f"python {WORKDIR}/main.py"
    assert dockerfile.envs["AIRBYTE_ENTRYPOINT"] == entry
    assert json.loads(instructions(dockerfile, "ENTRYPOINT")[-1]) == entry.split()
    assert dockerfile.labels["io.airbyte.name"] == metadata["data"]["dockerRepository"] == "airbyte/source-socialfetch-tiktok"
    users = instructions(dockerfile, "USER")
    assert users and users[-1] not in ("root", "0"), "the connector must not run as root"
    copied = {source for sources, _ in copies(dockerfile) for source in sources}
    assert {"setup.py", "main.py", "source_socialfetch_tiktok"} <= copied


def test_dockerignore_keeps_secrets_and_environments_out_of_the_context() -> None:
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", "deny everything, then allow what the Dockerfile copies"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"setup.py", "main.py", "source_socialfetch_tiktok"}


def test_versions_agree_across_setup_dockerfile_and_metadata(dockerfile: DockerfileParser, metadata: Dict[str, Any]) -> None:
    version = setup_version()
    assert dockerfile.labels["io.airbyte.version"] == version
    assert str(metadata["data"]["dockerImageTag"]) == version


def test_metadata_is_a_valid_community_source_definition(metadata: Dict[str, Any]) -> None:
    model = ConnectorMetadataDefinitionV0.model_validate(metadata)  # forbids unknown keys, checks the uuid
    data = model.data
    assert str(data.definition_id) == "cd075834-8082-42fc-8c51-14d1f8814c24"  # fixed forever: the platform keys on it
    assert (data.connector_type.value, data.connector_subtype.value) == ("source", "api")
    assert (data.release_stage.value, data.support_level.value if data.support_level else None) == ("alpha", "community")
    assert data.docker_repository == "airbyte/source-socialfetch-tiktok"
    assert data.github_issue_label == "source-socialfetch-tiktok"
    assert data.license == "MIT"
    assert set(data.tags or []) == {"language:python", "cdk:python"}
    assert data.allowed_hosts is not None and data.allowed_hosts.hosts == ["api.socialfetch.dev"]
    spec = json.loads((ROOT / "source_socialfetch_tiktok" / "spec.json").read_text())
    assert str(data.documentation_url) == spec["documentationUrl"]
    assert spec["connectionSpecification"]["properties"]["base_url"]["default"] == "https://" + data.allowed_hosts.hosts[0]


def test_icon_is_a_valid_svg(metadata: Dict[str, Any]) -> None:
    icon = ROOT / metadata["data"]["icon"]
    root = ElementTree.parse(icon).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")


@pytest.mark.slow
def test_given_dockerfile_when_install_and_entrypoint_replayed_then_spec_succeeds(
    dockerfile: DockerfileParser, tmp_path: Path
) -> None:
    """What `docker build` then `docker run IMAGE spec` do, in a fresh venv: copy exactly what the
    Dockerfile COPYs, `pip install .`, run the ENTRYPOINT from the WORKDIR."""
    workdir = tmp_path / "integration_code"
    workdir.mkdir()
    for sources, destination in copies(dockerfile):
        for source in sources:
            origin = ROOT / source
            target = workdir / (Path(destination) / Path(source).name if destination.endswith("/") else destination)
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # --no-compile: byte-compiling pandas and friends is half the time and changes nothing the test sees.
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-compile", "."], cwd=workdir, env=env,
                             capture_output=True, text=True, timeout=600)
    if install.returncode != 0 and any(t in install.stdout + install.stderr for t in NETWORK_TROUBLE):
        # Offline and nothing cached: the dependencies cannot be downloaded, so there is nothing to replay.
        pytest.skip("pip cannot reach the package index from here, so `pip install .` cannot be replayed: "
                    + (install.stderr.strip().splitlines() or ["no output"])[-1])
    assert install.returncode == 0, install.stderr[-3000:]

    entrypoint = json.loads(instructions(dockerfile, "ENTRYPOINT")[-1])
    assert entrypoint[0] == "python"
    command = [str(python), *entrypoint[1:]]
    command[1] = str(workdir / Path(entrypoint[1]).relative_to(WORKDIR))
    # As `docker run IMAGE spec` does (from the WORKDIR); then the installed console script from
    # elsewhere, which proves the installed package carries its data files (spec.json, schemas).
    for argv, cwd in ((command, workdir), ([str(environment / "bin" / "source-socialfetch-tiktok")], tmp_path)):
        run = subprocess.run([*argv, "spec"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-3000:]
        specs = [m for m in (json.loads(line) for line in run.stdout.splitlines() if line.startswith("{"))
                 if m.get("type") == "SPEC"]
        assert len(specs) == 1, run.stdout[-2000:]
        properties = specs[0]["spec"]["connectionSpecification"]["properties"]
        assert {"api_key", "handles", "start_date", "base_url"} <= set(properties)
        assert properties["api_key"]["airbyte_secret"] is True

    # Every console script the image's install created runs (a script whose module was not copied
    # would fail with ModuleNotFoundError).
    listed = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print('\\n'.join(e.name for e in "
         "m.distribution('source-socialfetch-tiktok').entry_points if e.group == 'console_scripts'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True)
    scripts = listed.stdout.split()
    assert scripts == ["source-socialfetch-tiktok"], "the image ships the connector's console script only"
    for script in scripts:
        run = subprocess.run([str(environment / "bin" / script), "--help"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0 and "Traceback" not in run.stderr, f"{script}: {run.stderr[-2000:]}"
