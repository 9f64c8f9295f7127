"""EnvSecretsProvider in process: the naming rule, the directory, the config keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestalt.secrets import EnvSecretsProvider, InvalidArgumentError, SecretNotFound


def test_naming_rule() -> None:
    provider = EnvSecretsProvider(prefix="APP_")
    assert provider.variable_for("db/password") == "APP_DB_PASSWORD"
    assert provider.variable_for("arn:aws:sm:x-1") == "APP_ARN_AWS_SM_X_1"
    assert provider.variable_for("Ünï") == "APP__N_"  # non-ASCII letters become _


def test_env_then_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "a").write_text("file-a\n", encoding="utf-8")
    (tmp_path / "b").write_text("file-b", encoding="utf-8")
    monkeypatch.setenv("S_A", "env-a")
    provider = EnvSecretsProvider(prefix="S_", directory=tmp_path)
    assert provider.get_secret("a") == "env-a"
    assert provider.get_secret("b") == "file-b"
    monkeypatch.delenv("S_A")
    assert provider.get_secret("a") == "file-a"


@pytest.mark.parametrize("name", ["missing", "../x", "/etc/passwd", "a\x00b", ""])
def test_not_found(tmp_path: Path, name: str) -> None:
    with pytest.raises(SecretNotFound) as caught:
        EnvSecretsProvider(prefix="NOPE_", directory=tmp_path).get_secret(name)
    assert caught.value.name == name
    assert caught.value.grpc_code.name == "NOT_FOUND"


def test_empty_directory_is_no_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "here").write_text("cwd file", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    provider = EnvSecretsProvider(prefix="NOPE_", directory="")
    assert provider.directory is None
    provider.configure("s", {"directory": ""})
    assert provider.directory is None
    with pytest.raises(SecretNotFound):
        provider.get_secret("here")


def test_configure_overrides(tmp_path: Path) -> None:
    provider = EnvSecretsProvider()
    provider.configure("s", {"prefix": "X_", "directory": str(tmp_path)})
    assert provider.prefix == "X_"
    assert provider.directory == tmp_path
    with pytest.raises(InvalidArgumentError):
        provider.configure("s", {"prefix": 3})
    with pytest.raises(InvalidArgumentError):
        provider.configure("s", {"directory": ["x"]})
