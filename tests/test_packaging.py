"""Built wheels: namespace hygiene, versions, and each distribution installed alone.

Each install goes into a fresh venv from the wheels built here, and the installed set must be
exactly the distribution, its siblings it names, and the closure of their declared
dependencies: nothing of another surface, no pydantic or boto3 where none is declared.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = ("core", "integration", "auth", "cache", "secrets", "s3")
LEAVES = {"core": {"core", "provider", "_runtime"}}

# Which requirement roots each install may bring, beyond their own dependency closure.
ROOTS = {
    "gestalt-core": {"gestalt-core"},
    "gestalt-cache": {"gestalt-cache", "gestalt-core"},
    "gestalt-secrets": {"gestalt-secrets", "gestalt-core"},
    "gestalt-auth": {"gestalt-auth", "gestalt-core"},
    "gestalt-integration": {"gestalt-integration", "gestalt-core", "pydantic"},
    "gestalt-s3": {"gestalt-s3", "gestalt-core"},
    "gestalt-s3[boto3]": {"gestalt-s3", "gestalt-core", "boto3"},
}
FORBIDDEN = {
    "gestalt-core": {"pydantic", "boto3", "gestalt-sdk"},
    "gestalt-cache": {"pydantic", "boto3"},
    "gestalt-secrets": {"pydantic", "boto3"},
    "gestalt-auth": {"pydantic", "boto3"},
    "gestalt-integration": {"boto3"},
    "gestalt-s3": {"pydantic", "boto3"},
    "gestalt-s3[boto3]": {"pydantic"},
}

# The dependency closure, computed inside the target venv from installed metadata. A
# requirement behind an extra counts only when that extra was asked for; other markers
# (python_version, ...) need no evaluation: only what is installed has to be explained.
CLOSURE = r"""
import json, re, sys
from importlib.metadata import distribution, distributions
def norm(name): return re.sub(r"[-_.]+", "-", name).lower()
installed = {norm(d.metadata["Name"]) for d in distributions()} - {"pip", "setuptools", "wheel"}
extras = {norm(k): set(v) for k, v in json.loads(sys.argv[2]).items()}
todo, seen = [norm(r) for r in json.loads(sys.argv[1])], set()
while todo:
    name = todo.pop()
    if name in seen:
        continue
    seen.add(name)
    for req in distribution(name).requires or []:
        base, _, marker = req.partition(";")
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)", marker)
        if extra and extra.group(1) not in extras.get(name, set()):
            continue
        dep = norm(re.split(r"[\s\[<>=!~;(]", base.strip(), maxsplit=1)[0])
        if dep in installed:
            todo.append(dep)
print(json.dumps({"installed": sorted(installed), "closure": sorted(seen)}))
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    assert uv is not None, "uv builds the wheels"
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [uv, "build", "--all-packages", "--wheel", "--no-sources", "--quiet", "-o", str(out)],
        cwd=REPO,
        check=True,
        timeout=600,
    )
    return out


def _wheel(wheels: Path, dist: str) -> Path:
    found = sorted(wheels.glob(f"gestalt_{dist}-*.whl"))
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_wheel_has_no_namespace_init_and_typed_leaves(wheels: Path, dist: str) -> None:
    names = zipfile.ZipFile(_wheel(wheels, dist)).namelist()
    assert "gestalt/__init__.py" not in names
    assert "gestalt/py.typed" not in names
    leaves = {n.split("/")[1] for n in names if n.startswith("gestalt/") and n.count("/") >= 2}
    assert leaves == LEAVES.get(dist, {dist})
    for leaf in leaves:
        assert f"gestalt/{leaf}/py.typed" in names, leaf


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_wheel_version_is_the_version_module(wheels: Path, dist: str) -> None:
    source = (
        REPO / "packages" / f"gestalt-{dist}" / "src" / "gestalt" / dist / "_version.py"
    ).read_text()
    match = re.search(r'__version__ = "([^"]+)"', source)
    assert match is not None
    assert _wheel(wheels, dist).name.startswith(f"gestalt_{dist}-{match.group(1)}-")


def _venv_with(requirement: str, wheels: Path, root: Path) -> Path:
    uv = shutil.which("uv")
    assert uv is not None
    venv = root / re.sub(r"\W", "_", requirement)
    subprocess.run(
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "--find-links",
            str(wheels),
            requirement,
        ],
        check=True,
        timeout=600,
    )
    return python


@pytest.mark.parametrize("requirement", sorted(ROOTS))
def test_installed_alone_pulls_only_what_it_declares(
    requirement: str, wheels: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = _venv_with(requirement, wheels, tmp_path_factory.mktemp("venvs"))
    extras = {"gestalt-s3": ["boto3"]} if requirement.endswith("[boto3]") else {}
    done = subprocess.run(
        [str(python), "-c", CLOSURE, json.dumps(sorted(ROOTS[requirement])), json.dumps(extras)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    installed, closure = set(report["installed"]), set(report["closure"])
    assert installed == closure, f"installed but not declared: {sorted(installed - closure)}"
    assert not installed & FORBIDDEN[requirement]
    others = {f"gestalt-{d}" for d in DISTRIBUTIONS} - ROOTS[requirement]
    assert not installed & others


READY_PROVIDERS = {
    "gestalt-secrets": (
        "secrets",
        "from gestalt.secrets import EnvSecretsProvider\nprovider = EnvSecretsProvider()\n",
    ),
    "gestalt-cache": ("cache", "from gestalt.cache import MemoryCache\nprovider = MemoryCache()\n"),
}


@pytest.mark.parametrize("requirement", sorted(READY_PROVIDERS))
def test_ready_provider_serves_from_a_venv_with_only_its_distribution(
    requirement: str, wheels: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from gestalt.core.testing import launch

    kind, source = READY_PROVIDERS[requirement]
    python = _venv_with(requirement, wheels, tmp_path_factory.mktemp("venvs"))
    root = tmp_path_factory.mktemp("provider")
    (root / "ready.py").write_text(source)
    with launch(root, kind, target="ready:provider", python=str(python)) as proc:
        assert proc.identity is not None
        assert proc.identity.kind in (4, 6)
        if kind == "cache":
            from gestalt.provider.v1 import cache_pb2

            proc.cache.Set(cache_pb2.CacheSetRequest(key="k", value=b"\x00v"), timeout=10)
            assert proc.cache.Get(cache_pb2.CacheGetRequest(key="k"), timeout=10).value == b"\x00v"
    assert proc.result is not None
    assert proc.result.exit_code == 0
