"""Secrets providers through the real runtime and the host emulator (PROTOCOL.md 7), under a
protocol-2 host (SecretsProvider) and a protocol-5 one (Secrets)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest

from gestalt.core.testing import ProviderProcess, launch

ROOT = Path(__file__).parent / "providers" / "secrets_basic"
LEAKY = "LEAKED-VALUE-7f3a"


@pytest.fixture(scope="module")
def proc(protocol: int) -> Iterator[ProviderProcess]:
    with launch(ROOT, "secrets", python=sys.executable, protocol=protocol) as process:
        yield process


@pytest.fixture(scope="module")
def async_proc(protocol: int) -> Iterator[ProviderProcess]:
    target = "secrets_basic_provider:async_secrets"
    with launch(
        ROOT, "secrets", target=target, python=sys.executable, protocol=protocol
    ) as process:
        yield process


@pytest.fixture(scope="module")
def secret_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="gsec-"))
    (directory / "tls").mkdir()
    (directory / "tls" / "key.pem").write_text("PEM-BODY\n", encoding="utf-8")
    (directory / "blank").write_text("", encoding="utf-8")
    (directory / "two-newlines").write_text("v\n\n", encoding="utf-8")
    outside = directory.parent / f"{directory.name}-outside"
    outside.write_text("escaped", encoding="utf-8")
    yield directory
    outside.unlink()
    for path in sorted(directory.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    directory.rmdir()


@pytest.fixture(scope="module")
def env_proc(secret_dir: Path, protocol: int) -> Iterator[ProviderProcess]:
    env = {
        "APP_DB_PASSWORD": "from-env",
        "APP_API_KEY_V2": "k2",
        "APP_EMPTY": "",
        "APP_TLS_KEY_PEM": "env-wins",
    }
    with launch(
        ROOT,
        "secrets",
        target="secrets_basic_provider:env",
        python=sys.executable,
        env=env,
        config={"directory": str(secret_dir)},
        protocol=protocol,
    ) as process:
        yield process


def _request(proc: ProviderProcess, name: str) -> Any:
    return proc.stubs("secrets")[0].GetSecretRequest(name=name)


def _get(proc: ProviderProcess, name: str) -> str:
    value: str = proc.secrets.GetSecret(_request(proc, name), timeout=10).value
    return value


def _error(proc: ProviderProcess, name: str) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        _get(proc, name)
    error: Any = caught.value
    return error.code(), error.details()


def test_identity_is_secrets(proc: ProviderProcess) -> None:
    assert proc.identity is not None
    assert proc.identity.kind == 4  # PROVIDER_KIND_SECRETS


def test_get_secret(proc: ProviderProcess) -> None:
    assert _get(proc, "db/password") == "hunter2-VALUE"


def test_empty_value_is_a_value(proc: ProviderProcess) -> None:
    response = proc.secrets.GetSecret(_request(proc, "empty"), timeout=10)
    assert response.value == ""


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("missing/one", grpc.StatusCode.NOT_FOUND, "secret 'missing/one' not found"),
        ("", grpc.StatusCode.INVALID_ARGUMENT, "secret name is required"),
        ("denied", grpc.StatusCode.PERMISSION_DENIED, "vault refused access"),
        ("explode", grpc.StatusCode.UNKNOWN, "get secret: internal error"),
        ("wrongtype", grpc.StatusCode.UNKNOWN, "get secret: internal error"),
    ],
)
def test_error_mapping(
    proc: ProviderProcess, name: str, code: grpc.StatusCode, message: str
) -> None:
    assert _error(proc, name) == (code, message)


def test_value_never_leaks(proc: ProviderProcess, async_proc: ProviderProcess) -> None:
    for process in (proc, async_proc):
        code, message = _error(process, "explode")
        assert code == grpc.StatusCode.UNKNOWN
        assert LEAKY not in message
        output = process.output()
        assert re.search(r"get secret failed with \w+Error \(message withheld", output)
        assert LEAKY not in output
    _get(proc, "db/password")
    assert "hunter2-VALUE" not in proc.output()


def test_async_provider(async_proc: ProviderProcess) -> None:
    assert _get(async_proc, "db/password") == "hunter2-VALUE"
    assert _get(async_proc, "empty") == ""
    assert _error(async_proc, "nope")[0] == grpc.StatusCode.NOT_FOUND


def test_64_concurrent_sync(proc: ProviderProcess) -> None:
    with ThreadPoolExecutor(64) as pool:
        values = list(pool.map(lambda i: _get(proc, f"slow/v{i}"), range(64)))
    assert values == [f"v{i}" for i in range(64)]


def test_64_concurrent_async(async_proc: ProviderProcess) -> None:
    with ThreadPoolExecutor(64) as pool:
        values = list(pool.map(lambda _: _get(async_proc, "db/password"), range(64)))
    assert values == ["hunter2-VALUE"] * 64


# -- EnvSecretsProvider served as is ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("db/password", "from-env"),  # APP_ + DB_PASSWORD
        ("api-key.v2", "k2"),  # every non-alphanumeric becomes _
        ("empty", ""),  # an empty variable is a value
        ("tls/key.pem", "env-wins"),  # the variable comes before the file
        ("blank", ""),  # an empty file is a value
        ("two-newlines", "v\n"),  # exactly one trailing newline dropped
    ],
)
def test_env_naming_rule(env_proc: ProviderProcess, name: str, value: str) -> None:
    assert _get(env_proc, name) == value


def test_env_directory_mode(env_proc: ProviderProcess, secret_dir: Path) -> None:
    assert os.stat(secret_dir).st_mode & 0o777 == 0o700  # mkdtemp; the provider only reads
    assert _get(env_proc, "tls/key.pem") == "env-wins"
    os.remove(secret_dir / "two-newlines")
    assert _error(env_proc, "two-newlines")[0] == grpc.StatusCode.NOT_FOUND
    (secret_dir / "two-newlines").write_text("v\n\n", encoding="utf-8")


@pytest.mark.parametrize(
    "name", ["../" + "x", f"../{'gsec'}-outside", "/etc/hostname", "tls", "no-such-file"]
)
def test_env_directory_refuses(env_proc: ProviderProcess, name: str) -> None:
    assert _error(env_proc, name)[0] == grpc.StatusCode.NOT_FOUND


def test_env_outside_directory(env_proc: ProviderProcess, secret_dir: Path) -> None:
    name = f"../{secret_dir.name}-outside"
    assert _error(env_proc, name) == (grpc.StatusCode.NOT_FOUND, f"secret {name!r} not found")


def test_huge_name_gets_a_status_the_host_can_read(
    proc: ProviderProcess, env_proc: ProviderProcess
) -> None:
    """An 8 MiB name is accepted (the host may send it) and answered NOT_FOUND with a
    bounded message, readable by a client with the host's limits (4 MiB, 16 KiB of
    metadata); echoed whole, the host would drop the reply."""
    name = "n" * (8 * 1024 * 1024)
    for process in (proc, env_proc):
        with grpc.insecure_channel(
            f"unix:{process.socket_path}",
            options=[
                ("grpc.max_send_message_length", -1),
                ("grpc.max_receive_message_length", 4 * 1024 * 1024),
                ("grpc.max_metadata_size", 16 * 1024),
            ],
        ) as channel:
            stub = type(process.secrets)(channel)  # the host generation's client class
            with pytest.raises(grpc.RpcError) as caught:
                stub.GetSecret(_request(process, name), timeout=30)
        error: Any = caught.value
        assert error.code() == grpc.StatusCode.NOT_FOUND, error.details()
        assert error.details().endswith("...[cut]' not found")
        assert len(error.details()) < 300
