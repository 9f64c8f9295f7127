"""Core never names a surface, and each kind's start path imports only what it needs."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gestalt.core.testing import launch

REPO = Path(__file__).resolve().parent.parent
SURFACES = ("integration", "auth", "cache", "secrets", "s3")
HEAVY = ("pydantic", "boto3", "botocore", "importlib.metadata", "yaml")


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_core_never_imports_a_surface() -> None:
    core_sources = sorted((REPO / "packages" / "gestalt-core" / "src").rglob("*.py"))
    assert core_sources
    offenders = []
    for path in core_sources:
        for module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] == "gestalt" and len(parts) > 1 and parts[1] in SURFACES:
                offenders.append(f"{path.relative_to(REPO)}: {module}")
            if (
                parts[0] in ("pydantic", "boto3", "botocore", "yaml")
                and "testing" not in path.parts
            ):
                offenders.append(f"{path.relative_to(REPO)}: {module}")
    assert offenders == []


@pytest.mark.parametrize("kind", ["secrets", "cache", "auth"])
def test_light_surfaces_import_no_heavy_module(kind: str) -> None:
    others = [f"gestalt.{s}" for s in SURFACES if s != kind]
    code = (
        f"import sys, gestalt.{kind}._surface, gestalt.{kind}; "
        f"print([m for m in {list(HEAVY) + others!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_integration_surface_imports_no_other_surface_nor_boto3() -> None:
    unwanted = ["boto3", "botocore", "yaml"] + [
        f"gestalt.{s}" for s in SURFACES if s != "integration"
    ]
    code = (
        "import sys, gestalt.integration._surface; "
        f"print([m for m in {unwanted!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_served_runtime_kind_loaded_only_its_own_surface_and_generation(protocol: int) -> None:
    with launch(
        REPO / "tests" / "providers" / "runtime_probe",
        "secrets",
        python=sys.executable,
        protocol=protocol,
    ) as proc:
        request = proc.stubs("secrets")[0].GetSecretRequest(name="modules")
        reply = proc.secrets.GetSecret(request, timeout=10)
    loaded = set(json.loads(reply.value))
    assert "gestalt.secrets" in loaded
    assert not loaded & {f"gestalt.{s}" for s in SURFACES if s != "secrets"}
    assert not loaded & set(HEAVY)
    # only the served generation's stubs: v1 for protocol 2, the private v5 copy for 5
    folder = {2: "v1", 5: "v5"}[protocol]
    stubs = {m for m in loaded if m.startswith("gestalt.provider.v") and m.endswith("_pb2")}
    assert stubs == {
        f"gestalt.provider.{folder}.runtime_pb2",
        f"gestalt.provider.{folder}.secrets_pb2",
    }


@pytest.mark.parametrize(
    ("env", "own", "other"),
    [
        ({"GESTALT_HOST_SERVICE_SOCKET": "unix:///tmp/h.sock"}, "v5", "v1"),
        ({"GESTALT_CACHE_SOCKET": "/tmp/c.sock", "GESTALT_S3_SOCKET": "/tmp/s.sock"}, "v1", "v5"),
    ],
)
def test_host_service_clients_import_only_their_hosts_stubs(
    env: dict[str, str], own: str, other: str
) -> None:
    # A client of a protocol-5 host uses only v5 stubs, one of a protocol-2 host only v2.
    code = (
        "import sys\n"
        "from gestalt.cache import AsyncCache, Cache\n"
        "from gestalt.s3 import S3\n"
        "Cache.connect('sessions').close()\n"
        "S3.connect().close()\n"
        "print(sorted(m for m in sys.modules if m.startswith('gestalt.provider.')))\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GESTALT_")}
    if own == "v1":
        env = {**env, "GESTALT_CACHE_SOCKET_SESSIONS": "/tmp/c.sock"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, **env},
    )
    loaded = ast.literal_eval(done.stdout.strip())
    assert f"gestalt.provider.{own}.s3_pb2_grpc" in loaded
    assert f"gestalt.provider.{own}.cache_pb2_grpc" in loaded
    assert not [m for m in loaded if m.startswith(f"gestalt.provider.{other}.")]


def test_s3_and_cache_modules_import_no_stubs_until_a_generation_is_chosen() -> None:
    # The servicer gets its generation's messages from the runtime, a client from the
    # host's environment: importing the modules loads neither generation.
    code = (
        "import sys, gestalt.s3._surface, gestalt.s3._client, gestalt.cache._client; "
        "print([m for m in sys.modules if m.startswith('gestalt.provider.')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
