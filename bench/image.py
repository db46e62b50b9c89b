"""`python -m bench.image`: the image's health, side by side with the console script in this venv.

- size: the image, its base, what the connector's layers add over the base, against what
  `pip install airbyte-cdk` alone adds to the same base (a reference image built here), and the
  largest packages that the CDK brings;
- `spec` start-up: `docker run --rm IMAGE spec` against the venv's console script, alternated;
- a read of 64 handles x 3 pages at 200 ms a page through the container against the venv's,
  alternated in one run.

Needs the engine (`make container-engine`) and the image (`make image`); `make bench` runs it with
tools/container/bin first on PATH. Writes its section of bench/results.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from bench.run import EmulatorProcess, Measured, catalog, handles, measure, med
from bench.sections import ROOT, load_note, write_section

IMAGE = "airbyte/source-socialfetch-tiktok:dev"
CDK_REFERENCE = "localhost/socialfetch-bench/cdk-only:latest"
CONSOLE_SCRIPT = str(Path(sys.executable).parent / "source-socialfetch-tiktok")
MB = 1_000_000
TARGET_LAYER_OVER_CDK_MB = 5.0
TARGET_SPEC_SECONDS = 0.3
TARGET_READ_RATIO = 1.05


def docker(*args: str, timeout: float = 1200) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=True).stdout


def image_size(name: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", name).strip())


def base_image() -> str:
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            return line.split()[1]
    raise RuntimeError("the Dockerfile has no FROM")


def cdk_requirement() -> str:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MAIN_REQUIREMENTS" for t in node.targets):
            requirements = ast.literal_eval(node.value)
            return next(r for r in requirements if r.startswith("airbyte-cdk"))
    raise RuntimeError("setup.py has no MAIN_REQUIREMENTS")


def build_cdk_reference(base: str) -> None:
    """The base plus `pip install airbyte-cdk` alone, with the image's pip settings (no cache)."""
    with tempfile.TemporaryDirectory() as context:
        (Path(context) / "Dockerfile").write_text(
            f"FROM {base}\nENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1\nRUN pip install '{cdk_requirement()}'\n"
        )
        docker("build", "-q", "-t", CDK_REFERENCE, context)


def largest_packages(image: str, count: int = 10) -> List[Tuple[str, float]]:
    script = f"du -s -k /usr/local/lib/python3*/*-packages/* | sort -rn | head -n {count}"
    out = docker("run", "--rm", "--entrypoint", "sh", image, "-c", script)
    rows = []
    for line in out.splitlines():
        kilobytes, path = line.split(None, 1)
        rows.append((Path(path).name, int(kilobytes) * 1024 / MB))
    return rows


def sizes(out: List[str]) -> Dict[str, float]:
    base = base_image()
    build_cdk_reference(base)
    image, base_size, cdk = image_size(IMAGE), image_size(base), image_size(CDK_REFERENCE)
    stand_in = docker("image", "inspect", "--format", '{{index .Config.Labels "io.socialfetch.stand-in-for"}}', base).strip()
    which = "the real image" if stand_in in ("", "<no value>") else "a local stand-in (tools/container/stand-in-base.sh)"

    over, cdk_over = (image - base_size) / MB, (cdk - base_size) / MB
    history = json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", IMAGE))
    out += [
        "### Image size",
        "",
        "| image | size | over the base | target |",
        "|---|---|---|---|",
        f"| base `{base}`: {which} | {base_size / MB:.0f} MB | - | - |",
        f"| base + `pip install {cdk_requirement()}` alone (reference) | {cdk / MB:.0f} MB | {cdk_over:.1f} MB | - |",
        f"| connector image `{IMAGE}` | {image / MB:.0f} MB | {over:.1f} MB "
        f"({over - cdk_over:+.1f} MB vs the CDK alone) | <= CDK + {TARGET_LAYER_OVER_CDK_MB:.0f} MB |",
        "",
        f"{len(history)} layers in all. What the CDK brings (the reference image's largest installed packages):",
        "",
        "| package | MB |",
        "|---|---|",
        *[f"| {name} | {mb:.1f} |" for name, mb in largest_packages(CDK_REFERENCE)],
        "",
    ]
    return {"image_mb": image / MB, "over_base_mb": over, "cdk_over_base_mb": cdk_over}


def alternate(runs: int, first: Callable[[], Measured], second: Callable[[], Measured]) -> Tuple[List[Measured], List[Measured]]:
    """Runs of two commands alternated, so the shared machine's load falls on both alike."""
    a: List[Measured] = []
    b: List[Measured] = []
    for _ in range(runs):
        a.append(first())
        b.append(second())
    return a, b


def side_by_side(title: str, image_column: str, comparison: str, row: List[str]) -> List[str]:
    """A one-row table of a venv/image pair: the two figures, how they compare, the target."""
    return [f"### {title}", "", f"| venv console script | {image_column} | {comparison} | target |", "|---|---|---|---|",
            "| " + " | ".join(row) + " |", ""]


def spec(runs: int, out: List[str]) -> Dict[str, float]:
    venv, image = alternate(runs, lambda: measure([CONSOLE_SCRIPT, "spec"]),
                            lambda: measure(["docker", "run", "--rm", IMAGE, "spec"]))
    venv_s, image_s = med([m.wall for m in venv]), med([m.wall for m in image])
    out += side_by_side(f"`spec` start-up, median of {runs} alternated runs", "`docker run --rm` the image", "difference",
                        [f"{venv_s:.2f} s", f"{image_s:.2f} s", f"{image_s - venv_s:+.2f} s", f"<= +{TARGET_SPEC_SECONDS} s"])
    return {"spec_venv_s": venv_s, "spec_image_s": image_s}


def read(runs: int, out: List[str]) -> Dict[str, float]:
    names = handles(64)
    with EmulatorProcess("gen:64x90", latency_ms=200) as emulator, tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        folder.chmod(0o755)  # the image's user (uid 1000) reads the mounted files
        (folder / "config.json").write_text(json.dumps({"api_key": "sfk_demo", "handles": names, "base_url": emulator.base_url}))
        (folder / "catalog.json").write_text(json.dumps(catalog("full_refresh")))
        venv_argv = [CONSOLE_SCRIPT, "read", "--config", str(folder / "config.json"), "--catalog", str(folder / "catalog.json")]
        # Mounted where the README's `docker run` lines mount them.
        image_argv = ["docker", "run", "--rm", "-v", f"{folder}:/secrets:ro", IMAGE, "read",
                      "--config", "/secrets/config.json", "--catalog", "/secrets/catalog.json"]
        venv, image = alternate(runs, lambda: measure(venv_argv), lambda: measure(image_argv))
    for m in venv + image:
        assert m.returncode == 0 and m.records == 64 * 90, (m.returncode, m.records, m.errors)
    venv_s, image_s = med([m.wall for m in venv]), med([m.wall for m in image])
    out += side_by_side(f"Read: 64 handles x 3 pages, 200 ms a page (default concurrency), median of {runs} alternated runs",
                        "the image", "ratio",
                        [f"{venv_s:.2f} s", f"{image_s:.2f} s", f"{image_s / venv_s:.3f}", f"<= {TARGET_READ_RATIO}"])
    return {"read_venv_s": venv_s, "read_image_s": image_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="alternated runs of each command")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    args = parser.parse_args()
    started = time.monotonic()
    out: List[str] = []
    figures: Dict[str, Any] = {}
    figures.update(sizes(out))
    figures.update(spec(args.runs, out))
    figures.update(read(max(3, args.runs // 2 + 1), out))
    header = [
        "## The image (`python -m bench.image`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load_note()}; "
        f"{time.monotonic() - started:.0f} s in all.",
        "",
    ]
    text = "\n".join(header + out)
    print(text)
    print(json.dumps(figures))
    if not args.no_write:
        write_section("bench.image", text)


if __name__ == "__main__":
    main()
