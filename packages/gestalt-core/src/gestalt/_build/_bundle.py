"""Bundle a provider with PyInstaller into one executable that serves with no arguments."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

from gestalt._build._platform import PlatformError, pyinstaller_target_arch
from gestalt.core._pyproject import TargetSyntaxError, check_target

_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
INSTALL_HINT = "pip install 'gestalt-core[build]'"
# The bundle's script. It is written into the build's own directory: PyInstaller puts the
# script's top-level directory on its search path, which for a file inside gestalt/ would
# make gestalt's subpackages importable as top-level modules (and shadow a provider.py).
ENTRY_SCRIPT = """\
from gestalt._runtime.__main__ import main

raise SystemExit(main())
"""


_IMPORT_CHECK = (
    "import importlib, sys; sys.path.insert(0, sys.argv[1]); importlib.import_module(sys.argv[2])"
)
_NEVER_SERVED = ("gestalt.core.testing", "grpc_tools", "pytest", "_pytest", "hypothesis", "mypy")


class BuildError(Exception):
    """A build that cannot work or did not work; the message is one line."""


@dataclasses.dataclass(frozen=True, slots=True)
class BuildRequest:
    """The seven arguments of ``python -m gestalt._build``.

    Attributes:
        root: The provider directory.
        target: ``module`` or ``module:attribute``, as in ``[tool.gestalt]``.
        output: Where the executable must be after a successful build.
        plugin_name: The provider's name, bundled in ``gestalt-runtime.json`` (as
            ``plugin_name`` and ``app_name``).
        kind: ``integration``, ``auth``, ``cache``, ``secrets`` or ``s3``.
        goos: Go's OS word (``linux``, ``darwin``, ``windows``).
        goarch: Go's architecture word (``amd64``, ``arm64``, ...).
    """

    root: str
    target: str
    output: str
    plugin_name: str
    kind: str
    goos: str
    goarch: str


def build(request: BuildRequest) -> None:
    """Build ``request.output``, or raise :class:`BuildError` saying what to fix."""
    try:
        target_arch = pyinstaller_target_arch(request.goos, request.goarch)
    except PlatformError as error:
        raise BuildError(str(error)) from None
    if importlib.util.find_spec("PyInstaller") is None:
        raise BuildError(f"PyInstaller is not installed in this Python; {INSTALL_HINT}")
    root = os.path.realpath(request.root)
    module_name = _check_sources(request, root)
    with tempfile.TemporaryDirectory(prefix="gestalt-build-") as work:
        runtime_json = os.path.join(work, "gestalt-runtime.json")
        with open(runtime_json, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    # plugin_name for protocol-2 bundles (upstream's), app_name for
                    # protocol-5 ones; the runtime reads either.
                    "app_name": request.plugin_name,
                    "plugin_name": request.plugin_name,
                    "runtime_kind": request.kind,
                    "target": request.target,
                },
                handle,
                sort_keys=True,
            )
        command = _pyinstaller_command(request, root, module_name, runtime_json, work)
        if target_arch is not None:
            command += ["--target-arch", target_arch]
        env = dict(os.environ)
        # A private config/cache dir: no state shared with other builds or users, and
        # a fixed hash seed so that set ordering during analysis is the same every time.
        env["PYINSTALLER_CONFIG_DIR"] = os.path.join(work, "config")
        env.setdefault("PYTHONHASHSEED", "0")
        done = subprocess.run(command, cwd=work, env=env, check=False)
    if done.returncode != 0:
        raise BuildError(
            f"PyInstaller failed (exit status {done.returncode}); see its output above"
        )
    if not os.path.isfile(request.output):
        raise BuildError(f"PyInstaller succeeded but wrote no file at {request.output}")


def _check_sources(request: BuildRequest, root: str) -> str:
    """Fail before PyInstaller on what would only fail when the binary starts."""
    if not os.path.isdir(root):
        raise BuildError(f"ROOT {request.root[:200]!r} is not a directory")
    if not _KIND.match(request.kind):
        raise BuildError(f"RUNTIME_KIND {request.kind[:40]!r} is not a kind word")
    try:
        module_name, _ = check_target(request.target)
    except TargetSyntaxError as error:
        raise BuildError(str(error)[:300]) from None
    surface = f"gestalt.{request.kind}._surface"
    if not _module_exists(surface):
        raise BuildError(
            f"RUNTIME_KIND {request.kind!r}: module {surface} is not installed in this Python; "
            f"pip install gestalt-{request.kind}"
        )
    problem = _import_problem(root, module_name)
    if problem:
        raise BuildError(
            f"TARGET {request.target!r}: importing {module_name!r} from ROOT fails in this "
            f"Python ({problem}); install the provider's dependencies, or fix TARGET"
        )
    return module_name


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a parent package that is missing or fails to import
        return False


def _import_problem(root: str, module_name: str) -> str:
    """The last line of the error importing TARGET's module, or "" when it imports.

    PyInstaller only warns about a module it cannot find and builds anyway; the binary would
    then fail when the host starts it. Importing in a child keeps the provider's code out of
    this process.
    """
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK, root, module_name],
        cwd=root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return ""
    lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
    return lines[-1][:300]


def _pyinstaller_command(
    request: BuildRequest, root: str, module_name: str, runtime_json: str, work: str
) -> list[str]:
    output = os.path.abspath(request.output)
    name = os.path.basename(output)
    if request.goos == "windows" and name.endswith(".exe"):
        name = name[: -len(".exe")]
    entry = os.path.join(work, "gestalt_release.py")
    with open(entry, "w", encoding="utf-8") as handle:
        handle.write(ENTRY_SCRIPT)
    kind_package = f"gestalt.{request.kind}"
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--onefile",
        "--noconfirm",
        "--clean",
        "--noupx",
        "--log-level",
        "WARN",
        "--name",
        name,
        "--distpath",
        os.path.dirname(output),
        "--workpath",
        os.path.join(work, "build"),
        "--specpath",
        work,
        "--paths",
        root,
        "--add-data",
        f"{runtime_json}{os.pathsep}.",
        # The runtime imports TARGET and the surface by name, and a surface package exports
        # lazily (importlib, by name): no import statement PyInstaller could follow.
        "--hidden-import",
        module_name,
        "--hidden-import",
        f"{kind_package}._surface",
        "--collect-submodules",
        kind_package,
        # Both protocols' stubs, imported by name once the host's protocol is known: one
        # build serves a protocol-2 and a protocol-5 host.
        "--collect-submodules",
        "gestalt.provider",
        # What a build environment often has but a provider never runs.
        *(f"--exclude-module={name}" for name in _NEVER_SERVED),
        "--copy-metadata",
        "gestalt-core",
        "--copy-metadata",
        f"gestalt-{request.kind}",
        entry,
    ]
    return command
