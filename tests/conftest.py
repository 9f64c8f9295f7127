"""Shared fixtures for the cross-package tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PROVIDERS = Path(__file__).parent / "providers"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=[2, 5], ids=["v2", "v5"])
def protocol(request: pytest.FixtureRequest) -> int:
    """The host protocol a suite runs under: a module that asks for it runs once as a
    protocol-2 gestaltd would launch its providers and once as a protocol-5 one would
    (``launch(..., protocol=protocol)``)."""
    version: int = request.param
    return version


@pytest.fixture(scope="session")
def providers_dir() -> Path:
    """The folder of test provider directories."""
    return PROVIDERS


def _build_distributions(tmp_path_factory: pytest.TempPathFactory, form: str) -> Path:
    uv = shutil.which("uv")
    assert uv is not None, "uv builds the distributions"
    out = tmp_path_factory.mktemp(form.strip("-"))
    subprocess.run(
        [uv, "build", "--all-packages", form, "--no-sources", "--quiet", "-o", str(out)],
        cwd=REPO,
        check=True,
        timeout=600,
    )
    return out


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel per distribution, built from this checkout (packaging and compat tests)."""
    return _build_distributions(tmp_path_factory, "--wheel")


@pytest.fixture(scope="session")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sdist per distribution, built from this checkout."""
    return _build_distributions(tmp_path_factory, "--sdist")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's, on 127.0.0.1) with the buckets ``bkt`` and
    ``bkt2``, for the boto3 provider; one per test module."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in process-wide state, not per server: start every module
    # from an empty store, whatever an earlier module left behind.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    for bucket in ("bkt", "bkt2"):
        client.create_bucket(Bucket=bucket)
    client.close()
    yield endpoint
    server.stop()
