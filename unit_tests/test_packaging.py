"""The image's recipe and the registry entry, read as files: the Dockerfile is parsed and checked,
metadata.yaml is validated with Airbyte's own model, versions agree across setup.py, the label and
the tag. The image itself is built and run in integration_tests/test_image.py."""

from __future__ import annotations

import ast
import json
import shlex
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from airbyte_connector_models.metadata.v0.connector_metadata_definition_v0 import ConnectorMetadataDefinitionV0
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[1]
WORKDIR = "/airbyte/integration_code"


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


def markdown_table_rows(text: str, heading: str) -> List[List[str]]:
    """The cells of each row of the first table after `heading` (the header and rule rows left out)."""
    after = text.split(heading, 1)[1]
    rows: List[List[str]] = []
    for line in after.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


def test_the_connector_page_lists_every_stream_and_the_version_first_in_its_changelog() -> None:
    from source_socialfetch_tiktok import SourceSocialfetchTiktok

    page = (ROOT / "docs" / "integrations" / "sources" / "socialfetch-tiktok.md").read_text()
    config = {"api_key": "k", "handles": ["nasa"]}
    discovered = {stream.name for stream in SourceSocialfetchTiktok().streams(config)}
    listed = {row[0].strip("`") for row in markdown_table_rows(page, "## Supported Streams")}
    assert listed == discovered
    changelog = markdown_table_rows(page, "## Changelog")
    assert changelog[0][0] == setup_version()
    assert [row[0] for row in changelog] == sorted((row[0] for row in changelog), key=lambda v: [int(p) for p in v.split(".")], reverse=True)
