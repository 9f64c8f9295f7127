"""The compatibility matrix: each surface distribution, installed from its wheel into a venv
of its own, serves through the host emulator both at the floors its metadata admits and at
the newest versions.

"floors": ``uv pip install --resolution lowest-direct`` with gestalt-core, grpcio, protobuf
(and the surface's own dependencies) named directly, so each sits at the lowest version the
declared ranges admit; the test then checks the installed versions ARE the declared floors.
"newest": a plain install. The floors of gestalt-core are those of the stub generator
(tests/test_generated.py); this file proves that the code works there too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gestalt.core.serving import dict_to_struct
from gestalt.core.testing import ProviderProcess, launch
from gestalt.provider.v1 import cache_pb2, plugin_pb2, s3_pb2, secrets_pb2

REPO = Path(__file__).resolve().parent.parent
PROVIDERS = Path(__file__).resolve().parent / "providers"

# requirement -> (provider directory, its direct dependencies besides gestalt-core)
SURFACES = {
    "gestalt-integration": (REPO / "examples" / "weather", ("pydantic",)),
    "gestalt-auth": (PROVIDERS / "auth_basic", ()),
    "gestalt-cache": (PROVIDERS / "cache_memory", ()),
    "gestalt-secrets": (PROVIDERS / "secrets_basic", ()),
    "gestalt-s3": (PROVIDERS / "s3_memory", ()),
    "gestalt-s3[boto3]": (PROVIDERS / "s3_boto3", ("boto3",)),
}
CORE_DEPENDENCIES = ("grpcio", "protobuf")
VERSIONS = (
    "import json, importlib.metadata as m; "
    "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
)


def _floors(distribution: str, extras: tuple[str, ...] = ()) -> dict[str, str]:
    """``name -> lowest admitted version`` of a distribution's dependencies and extras'."""
    pyproject = REPO / "packages" / distribution / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text())["project"]
    floors = {}
    optional = project.get("optional-dependencies", {})
    for requirement in [*project["dependencies"], *(d for e in extras for d in optional[e])]:
        match = re.match(r"^([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match is not None, f"{distribution}: {requirement} has no floor"
        floors[match.group(1).lower()] = match.group(2)
    return floors


def _venv(wheels: Path, root: Path, requirements: list[str], *, lowest: bool) -> Path:
    uv = shutil.which("uv")
    assert uv is not None
    subprocess.run(
        [uv, "venv", "--quiet", "--python", sys.executable, str(root)], check=True, timeout=120
    )
    python = root / "bin" / "python"
    install = [uv, "pip", "install", "--quiet", "--python", str(python), "--find-links"]
    resolution = ["--resolution", "lowest-direct"] if lowest else []
    subprocess.run(
        [*install, str(wheels), *resolution, *requirements],
        check=True,
        timeout=600,
    )
    return python


def _one_call(proc: ProviderProcess, surface: str) -> None:
    """A call that goes through the surface's generated stubs both ways."""
    if surface == "integration":
        params = dict_to_struct({"city": "Oslo", "days": 1})
        response = proc.integration.Execute(
            plugin_pb2.ExecuteRequest(operation="forecast", params=params), timeout=10
        )
        assert response.status == 200, response.body
    elif surface == "cache":
        proc.cache.Set(cache_pb2.CacheSetRequest(key="k", value=b"v"), timeout=10)
        assert proc.cache.Get(cache_pb2.CacheGetRequest(key="k"), timeout=10).value == b"v"
    elif surface == "secrets":
        answer = proc.secrets.GetSecret(secrets_pb2.GetSecretRequest(name="db/password"))
        assert answer.value == "hunter2-VALUE"
    elif surface == "s3":  # an empty listing from moto (boto3) or the memory store
        listing = proc.s3.ListObjects(s3_pb2.ListObjectsRequest(bucket="bkt"), timeout=30)
        assert not listing.objects
    else:  # auth: the start-up calls (identity, configure, session settings) are the check
        assert proc.identity is not None


@pytest.mark.parametrize("resolution", ["floors", "newest"])
@pytest.mark.parametrize("requirement", sorted(SURFACES))
def test_surface_serves_at_floors_and_newest(
    requirement: str, resolution: str, wheels: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    root, own = SURFACES[requirement]
    distribution, _, extra = requirement.partition("[")
    surface = distribution.removeprefix("gestalt-")
    lowest = resolution == "floors"
    requirements = [requirement]
    if lowest:
        requirements += ["gestalt-core", *CORE_DEPENDENCIES, *own]
    python = _venv(wheels, tmp_path / "venv", requirements, lowest=lowest)
    installed = json.loads(
        subprocess.run(
            [str(python), "-c", VERSIONS], capture_output=True, text=True, check=True
        ).stdout
    )
    if lowest:
        expected = _floors("gestalt-core")
        declared = _floors(distribution, (extra.rstrip("]"),) if extra else ())
        expected.update({k: v for k, v in declared.items() if k in own})
        for name, floor in expected.items():
            # 2.7 admits 2.7.0: compare release numbers padded to the same length.
            assert installed[name].split(".")[: len(floor.split("."))] == floor.split("."), (
                name,
                installed[name],
                floor,
            )
    config: dict[str, object] = {}
    if "boto3" in own:
        config = {
            "endpoint": request.getfixturevalue("moto_endpoint"),
            "region": "us-east-1",
            "access_key_id": "test",
            "secret_access_key": "test",
        }
    with launch(root, surface, python=str(python), config=config) as proc:
        _one_call(proc, surface)
    assert proc.result is not None
    assert proc.result.exit_code == 0, installed
