"""Which Python the emulator launches: its own by default, gestaltd's choice on request."""

from __future__ import annotations

import shutil
import stat
import sys
from pathlib import Path

import pytest

from gestalt.core.testing import EmulatorError, launch
from gestalt.core.testing.__main__ import main

PROBE = Path(__file__).parent / "providers" / "runtime_probe"


@pytest.fixture
def root_with_venv(tmp_path: Path) -> Path:
    """A copy of the probe provider whose ``.venv/bin/python`` runs our interpreter."""
    root = tmp_path / "probe"
    shutil.copytree(PROBE, root, ignore=shutil.ignore_patterns("__pycache__"))
    venv_python = root / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    venv_python.chmod(venv_python.stat().st_mode | stat.S_IXUSR)
    return root


def test_default_is_the_interpreter_running_the_emulator(root_with_venv: Path) -> None:
    with launch(root_with_venv, "secrets") as proc:
        assert proc.python == sys.executable


def test_host_python_takes_roots_venv_first(root_with_venv: Path) -> None:
    with launch(root_with_venv, "secrets", host_python=True) as proc:
        assert proc.python == str(root_with_venv / ".venv" / "bin" / "python")
        assert proc.identity is not None


def test_python_and_host_python_exclude_each_other() -> None:
    with pytest.raises(EmulatorError, match="give python or host_python, not both"):
        launch(PROBE, "secrets", python=sys.executable, host_python=True)


def test_host_python_with_no_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("GESTALT_PYTHON", raising=False)
    with pytest.raises(EmulatorError, match="detect Python interpreter: executable file not found"):
        launch(PROBE, "secrets", host_python=True)


@pytest.mark.parametrize(
    ("flags", "origin"),
    [
        ([], f"{sys.executable} (the emulator's own; --host-python for gestaltd's choice)"),
        (["--host-python"], "/.venv/bin/python (gestaltd's choice, --host-python)"),
    ],
)
def test_cli_prints_the_interpreter(
    root_with_venv: Path, flags: list[str], origin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(root_with_venv), "--kind", "secrets", *flags]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("interpreter: "))
    assert line.endswith(origin)
