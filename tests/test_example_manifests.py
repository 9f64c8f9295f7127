"""Every example's manifest.yaml, read as gestaltd reads it, names a provider that exists.

A manifest with a ``run`` command (a protocol-5 host's) is run the way that host exports a
catalog: its command, in the example's directory, with ``GESTALT_APP_WRITE_CATALOG`` set
(``uv run gestalt`` stands for this environment's ``gestalt``). A manifest without one (a
protocol-2 host's) must name a kind whose ``[tool.gestalt]`` target imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gestalt._cli._kind import manifest_kind
from gestalt.core._pyproject import check_target, target_from_pyproject

EXAMPLES = sorted(
    path
    for path in (Path(__file__).resolve().parent.parent / "examples").iterdir()
    if (path / "pyproject.toml").is_file()
)
UV_RUN_GESTALT = ["uv", "run", "gestalt"]


def _manifest(example: Path) -> dict[str, Any]:
    data = yaml.safe_load((example / "manifest.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GESTALT_")}
    return subprocess.run(
        command,
        cwd=cwd,
        env={**clean, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_has_a_manifest_named_by_its_directory(example: Path) -> None:
    manifest = _manifest(example)
    assert manifest["source"].rsplit("/", 1)[-1] == example.name
    assert manifest_kind(str(example)) is not None


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if "run" in _manifest(example)],
    ids=lambda path: path.name,
)
def test_the_run_command_serves_what_it_names(example: Path, tmp_path: Path) -> None:
    manifest = _manifest(example)
    assert manifest["kind"] == "app"
    assert manifest["install"] == {"command": ["uv", "sync", "--frozen"]}
    assert manifest["build"] == {"command": [*UV_RUN_GESTALT, "build"]}
    command = manifest["run"]["command"]
    assert command[:5] == [*UV_RUN_GESTALT, "run", "."]
    assert len(command) == 6, "an app takes no kind word"
    catalog = tmp_path / "catalog.yaml"
    done = _run(
        [sys.executable, "-m", "gestalt._cli", *command[3:]],
        example,
        GESTALT_APP_WRITE_CATALOG=str(catalog),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(catalog.read_text())["name"] == example.name


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if "run" not in _manifest(example)],
    ids=lambda path: path.name,
)
def test_a_manifest_without_run_names_an_importable_target(example: Path) -> None:
    kind = manifest_kind(str(example))
    assert kind is not None
    target = target_from_pyproject(example, kind)
    assert target is not None
    module, attribute = check_target(target)
    code = f"import {module} as m; assert hasattr(m, {attribute or kind!r})"
    done = _run([sys.executable, "-c", code], example)
    assert done.returncode == 0, done.stderr[-2000:]
