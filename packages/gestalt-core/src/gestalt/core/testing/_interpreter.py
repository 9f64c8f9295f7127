"""Which Python runs a provider: the emulator's own, or the one gestaltd would pick."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from gestalt.core.testing._host_contract import EmulatorError

_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def go_platform() -> tuple[str, str]:
    """This machine as Go spells it: (``linux``, ``amd64``) and the like."""
    goos = {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(
        sys.platform, sys.platform
    )
    machine = platform.machine().lower()
    return goos, _GOARCH.get(machine, "arm" if machine.startswith("arm") else machine)


def find_interpreter(root: Path, environ: Mapping[str, str] | None = None) -> str:
    """The first usable interpreter in the host's candidate order.

    Raises:
        FileNotFoundError: None of the candidates exists.
    """
    env = os.environ if environ is None else environ
    goos, goarch = go_platform()
    platform_var = f"GESTALT_PYTHON_{goos}_{goarch}".upper().replace("-", "_").replace(".", "_")
    candidates = [
        env.get(platform_var, ""),
        str(root / f".venv-{goos}-{goarch}" / "bin" / "python"),
        str(root / f"venv-{goos}-{goarch}" / "bin" / "python"),
        str(root / ".venv" / f"{goos}-{goarch}" / "bin" / "python"),
        str(root / "venv" / f"{goos}-{goarch}" / "bin" / "python"),
        env.get("GESTALT_PYTHON", ""),
        str(root / ".venv" / "bin" / "python"),
        str(root / "venv" / "bin" / "python"),
        "python3",
        "python",
    ]
    for candidate in candidates:
        if not candidate:
            continue
        if os.path.isabs(candidate):
            if os.path.exists(candidate) and not os.path.isdir(candidate):
                return candidate
            continue
        found = shutil.which(candidate, path=env.get("PATH"))
        if found:
            return found
    raise FileNotFoundError(
        "detect Python interpreter: executable file not found "
        f"(set {platform_var} or GESTALT_PYTHON)"
    )


def choose_interpreter(root: Path, python: str | None, host_python: bool) -> str:
    """The interpreter to launch with.

    Args:
        root: The provider directory.
        python: An explicit interpreter; wins when given.
        host_python: Pick as gestaltd does (:func:`find_interpreter`), to check a
            deployment; otherwise the interpreter running the emulator (``sys.executable``),
            the one whose environment the tests were installed into.

    Raises:
        EmulatorError: Both ``python`` and ``host_python`` given, or gestaltd's order finds
            nothing.
    """
    if python is not None and host_python:
        raise EmulatorError("give python or host_python, not both")
    if python is not None:
        return python
    if not host_python:
        return sys.executable
    try:
        return find_interpreter(root)
    except FileNotFoundError as error:
        raise EmulatorError(str(error)) from None
