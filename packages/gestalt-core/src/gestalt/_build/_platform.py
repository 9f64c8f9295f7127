"""The build machine's platform in Go's spelling, since PyInstaller cannot cross-compile."""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping

# Go's GOOS/GOARCH words for what Python reports; anything else keeps Python's word.
_GOOS = {"linux": "linux", "darwin": "darwin", "win32": "windows", "cygwin": "windows"}
_GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv6l": "arm",
    "armv7l": "arm",
    "arm": "arm",
    "i386": "386",
    "i686": "386",
    "x86": "386",
}
# A macOS interpreter can target either architecture (universal2), as upstream's build does.
_DARWIN_TARGET_ARCH = {"amd64": "x86_64", "arm64": "arm64"}


class PlatformError(ValueError):
    """The requested GOOS/GOARCH is not one this machine's interpreter can build."""


def host_platform() -> tuple[str, str]:
    """This interpreter's platform as ``(GOOS, GOARCH)``."""
    goos = _GOOS.get(sys.platform, sys.platform.rstrip("0123456789"))
    machine = platform.machine().lower()
    return goos, _GOARCH.get(machine, machine)


def target_platform(environ: Mapping[str, str]) -> tuple[str, str]:
    """The platform to build for: ``GESTALT_TARGET_OS``/``GESTALT_TARGET_ARCH`` where set.

    A protocol-5 host sets both (in Go's spelling) for its build phase; whichever is unset
    is this machine's. :func:`pyinstaller_target_arch` then refuses another platform.
    """
    host_os, host_arch = host_platform()
    goos = environ.get("GESTALT_TARGET_OS", "").strip() or host_os
    goarch = environ.get("GESTALT_TARGET_ARCH", "").strip() or host_arch
    return goos, goarch


def pyinstaller_target_arch(goos: str, goarch: str) -> str | None:
    """Check GOOS/GOARCH against this machine; the ``--target-arch`` to pass, if any.

    Raises:
        PlatformError: The platform is not this machine's (no cross-compiling).
    """
    host_os, host_arch = host_platform()
    if goos == host_os == "darwin" and goarch in _DARWIN_TARGET_ARCH:
        return _DARWIN_TARGET_ARCH[goarch]
    if (goos, goarch) != (host_os, host_arch):
        raise PlatformError(
            f"cannot build {goos[:20]}/{goarch[:20]} on this {host_os}/{host_arch} machine: "
            "PyInstaller does not cross-compile; run the build with a Python of that platform"
        )
    return None
