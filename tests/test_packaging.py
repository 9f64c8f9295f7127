"""Built wheels: namespace hygiene, versions, and each distribution installed alone.

Each install goes into a fresh venv from the wheels built here, and the installed set must be
exactly the distribution, its siblings it names, and the closure of their declared
dependencies: nothing of another surface, no pydantic or boto3 where none is declared.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = ("core", "integration", "auth", "cache", "secrets", "s3")
LEAVES = {"core": {"core", "provider", "_runtime", "_build", "_cli"}}

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


def _venv_with(
    requirement: str, wheels: Path, root: Path, *, interpreter: str = sys.executable
) -> Path:
    uv = shutil.which("uv")
    assert uv is not None
    venv = root / re.sub(r"\W", "_", requirement)
    subprocess.run(
        [uv, "venv", "--quiet", "--python", interpreter, str(venv)], check=True, timeout=120
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


# -- what a PyPI page needs -------------------------------------------------------------------

REPOSITORY_URL = "https://github.com/valon-technologies/gestalt-python"
PYTHONS = ("3.11", "3.12", "3.13")


def _metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode()


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_license_ships_in_wheel_and_sdist(wheels: Path, sdists: Path, dist: str) -> None:
    import tarfile

    license_text = (REPO / "LICENSE").read_bytes()
    assert b"Apache License" in license_text
    assert b"Version 2.0, January 2004" in license_text
    assert (REPO / "packages" / f"gestalt-{dist}" / "LICENSE").read_bytes() == license_text
    with zipfile.ZipFile(_wheel(wheels, dist)) as archive:
        licenses = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licenses) == 1
        assert archive.read(licenses[0]) == license_text
    (sdist,) = sdists.glob(f"gestalt_{dist}-*.tar.gz")
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/LICENSE"))
        assert member.isfile()  # a real file: a symlink would escape the sdist
        extracted = archive.extractfile(member)
        assert extracted is not None
        assert extracted.read() == license_text


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_metadata_has_license_urls_authors_and_tested_pythons(wheels: Path, dist: str) -> None:
    metadata = _metadata(_wheel(wheels, dist))
    assert "License-Expression: Apache-2.0" in metadata
    assert "Author: The Gestalt Python SDK authors" in metadata
    urls = re.findall(r"^Project-URL: [^,]+, (\S+)$", metadata, re.MULTILINE)
    assert urls
    assert all(url.startswith(REPOSITORY_URL) for url in urls), urls
    for version in PYTHONS:
        assert f"Classifier: Programming Language :: Python :: {version}" in metadata
    assert "Requires-Python: >=3.11" in metadata


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_readme_links_work_on_pypi(dist: str) -> None:
    # PyPI shows the README without the repository around it: links must be absolute.
    readme = (REPO / "packages" / f"gestalt-{dist}" / "README.md").read_text()
    targets = re.findall(r"\]\(([^)]+)\)", readme)
    assert all(target.startswith(("https://", "#")) for target in targets), targets
    assert "pip install --find-links dist" in readme  # not on PyPI yet: no bare pip line
    for target in targets:
        if target.startswith(f"{REPOSITORY_URL}/"):
            kind, _, path = target.removeprefix(f"{REPOSITORY_URL}/").partition("/main/")
            assert kind in ("blob", "tree"), target
            assert (REPO / path).exists(), f"{target} names no file of the repository"


def _interpreter(version: str) -> str | None:
    """A Python of this version on the machine: on PATH, or one of pyenv's."""
    found = shutil.which(f"python{version}")
    pyenv = shutil.which("pyenv")
    if pyenv is not None:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        candidates = sorted(Path(root.stdout.strip()).glob(f"versions/{version}.*/bin/python3"))
        found = str(candidates[-1]) if candidates else found
    if found is None:
        return None
    probe = subprocess.run(
        [found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found if probe.stdout.strip() == version else None


@pytest.mark.parametrize("version", PYTHONS)
def test_serves_on_every_python_it_claims(
    version: str, wheels: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The classifiers' Pythons, each serving a cache provider from the wheels alone."""
    from gestalt.core.testing import launch
    from gestalt.provider.v1 import cache_pb2

    python = _interpreter(version)
    if python is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Python {version} (uv cannot download it offline)")
        pytest.skip(f"no Python {version} on this machine")
    interpreter = str(
        _venv_with("gestalt-cache", wheels, tmp_path_factory.mktemp("venvs"), interpreter=python)
    )
    root = tmp_path_factory.mktemp("provider")
    (root / "ready.py").write_text(READY_PROVIDERS["gestalt-cache"][1])
    with launch(root, "cache", target="ready:provider", python=interpreter) as proc:
        proc.cache.Set(cache_pb2.CacheSetRequest(key="k", value=b"v"), timeout=10)
        assert proc.cache.Get(cache_pb2.CacheGetRequest(key="k"), timeout=10).value == b"v"
    assert proc.result is not None
    assert proc.result.exit_code == 0
