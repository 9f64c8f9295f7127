"""The interpreter gestaltd would pick for a provider directory (HOST.md 1.3)."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

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
