"""A provider that cannot start: launch(), export_catalog() and the CLI give the runtime's
one-line reason first, then the provider's output."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from gestalt.core.testing import EmulatorError, export_catalog, launch
from gestalt.core.testing.__main__ import main

PROVIDERS = Path(__file__).parent / "providers"
PROBE = PROVIDERS / "runtime_probe"
BROKEN = PROVIDERS / "runtime_broken"
INTEGRATION = PROVIDERS / "integration_main"


def first_line(error: pytest.ExceptionInfo[EmulatorError]) -> str:
    return str(error.value).splitlines()[0]


@pytest.fixture
def python_without_sdk(tmp_path: Path) -> str:
    """An interpreter that cannot import gestalt: ours without site-packages (-S)."""
    wrapper = tmp_path / "python-no-site"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


@pytest.mark.parametrize(
    ("root", "kind", "target", "reason"),
    [
        pytest.param(PROBE, "cache", "probe:provider", "is not a cache provider", id="wrong-kind"),
        pytest.param(
            PROBE,
            "secrets",
            "probe:providr",
            "module 'probe' has no attribute 'providr'",
            id="attribute-typo",
        ),
        pytest.param(
            BROKEN, "secrets", "broken:not_a_provider", "is not a secrets provider", id="not-one"
        ),
        pytest.param(
            BROKEN,
            "secrets",
            "explodes",
            "importing 'explodes' raised RuntimeError: boom at import",
            id="import-raises",
        ),
    ],
)
def test_launch_names_the_runtime_reason(root: Path, kind: str, target: str, reason: str) -> None:
    with pytest.raises(EmulatorError) as error:
        launch(root, kind, target=target, python=sys.executable)
    line = first_line(error)
    assert line.startswith("plugin process exited before serving gRPC (exit status 2): ")
    assert "gestalt runtime: " in line
    assert reason in line
    assert "--- provider output ---" in str(error.value)


def test_import_traceback_follows_in_the_output() -> None:
    with pytest.raises(EmulatorError) as error:
        launch(BROKEN, "secrets", target="explodes", python=sys.executable)
    output = str(error.value).split("--- provider output ---\n", 1)[1]
    assert output.startswith("Traceback (most recent call last):")


def test_interpreter_without_the_sdk(python_without_sdk: str) -> None:
    with pytest.raises(EmulatorError) as error:
        launch(PROBE, "secrets", python=python_without_sdk)
    line = first_line(error)
    assert "exit status 1" in line
    assert "No module named 'gestalt'" in line
    assert f"{python_without_sdk} cannot import the SDK" in line


def test_interpreter_that_does_not_exist(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-python")
    with pytest.raises(EmulatorError, match=r"cannot run the interpreter '.*no-python': No such"):
        launch(PROBE, "secrets", python=missing)
    with pytest.raises(EmulatorError, match=r"cannot run the interpreter '.*no-python': No such"):
        export_catalog(INTEGRATION, python=missing, path=tmp_path / "catalog.yaml")


def test_catalog_export_names_the_runtime_reason(tmp_path: Path) -> None:
    with pytest.raises(EmulatorError) as error:
        export_catalog(
            INTEGRATION, target="provider:plugn", python=sys.executable, path=tmp_path / "c.yaml"
        )
    line = first_line(error)
    assert line.startswith("generate static catalog: exit status 2: gestalt runtime: ")
    assert "module 'provider' has no attribute 'plugn'" in line


def test_cli_prints_the_runtime_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [str(PROBE), "--kind", "secrets", "--target", "probe:providr", "--python", sys.executable]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("emulator: plugin process exited before serving gRPC (exit status 2): ")
    assert "module 'probe' has no attribute 'providr'" in err.splitlines()[0]


def test_launch_explains_a_missing_target(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.gestalt]\nsecret = "probe:provider"\n')
    with pytest.raises(EmulatorError) as error:
        launch(tmp_path, "secrets")
    assert str(error.value) == (
        f"no TARGET for KIND 'secrets': [tool.gestalt] in {tmp_path}/pyproject.toml has no "
        "'secrets' key; did you mean 'secrets' for 'secret'?"
    )


def test_launch_without_a_pyproject() -> None:
    with pytest.raises(EmulatorError, match=r"pyproject.toml does not exist; create it"):
        launch(PROVIDERS, "secrets")
