"""Turn the host's command line and environment into a loaded provider, or one line
that says what to fix."""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import sys
import traceback
from collections.abc import Mapping
from types import ModuleType

from gestalt.core._kinds import ProviderKind
from gestalt.core._pyproject import (
    TargetSyntaxError,
    check_target,
    explain_missing_target,
    target_from_pyproject,
)
from gestalt.core._surface import LoadedProvider, Surface, TargetError
from gestalt.core._wire import HOST_VARIABLES

USAGE = "usage: python -m gestalt._runtime ROOT [TARGET [KIND]]"
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_KIND_HINT = (
    "; no KIND was given, so it is served as an integration: if TARGET is another kind of "
    "provider, add its kind word after TARGET (auth or identity, cache, secrets, s3)"
)


class LaunchError(Exception):
    """A start that cannot work; the message is the one line printed to stderr."""


@dataclasses.dataclass(frozen=True, slots=True)
class Launch:
    """Everything the host's launch says: what to serve, and where.

    Attributes:
        root: ROOT, absolute.
        target: TARGET as given (``module`` or ``module:attribute``).
        module: TARGET's module.
        attribute: TARGET's attribute, or ``None``.
        kind: KIND, as the surface's word (``identity`` reads ``auth``, ``app``
            ``integration``).
        protocol: The host's protocol version, from the variables it set: 2 for
            ``GESTALT_PLUGIN_*``, 5 for ``GESTALT_PROVIDER_SOCKET``/``GESTALT_APP_*``.
        socket_path: The Unix socket to serve on ("" in catalog-export mode, or on TCP).
        tcp_address: ``HOST:PORT`` to serve on instead, from a protocol-5
            ``tcp://HOST:PORT`` ("" else).
        parent_pid: The host's pid (``GESTALT_PLUGIN_PARENT_PID`` or
            ``GESTALT_APP_PARENT_PID``), or ``None`` when unset.
        catalog_path: Catalog-export mode (``GESTALT_PLUGIN_WRITE_CATALOG`` or
            ``GESTALT_APP_WRITE_CATALOG``): write the catalog there and exit.
        plugin_name: A release bundle's name for the provider ("" else).
        kind_defaulted: No KIND was given, so KIND is ``integration`` (as the
            ``gestalt run . TARGET`` of a protocol-5 manifest asks).
    """

    root: str
    target: str
    module: str
    attribute: str | None
    kind: str
    protocol: int = 2
    socket_path: str = ""
    tcp_address: str = ""
    parent_pid: int | None = None
    catalog_path: str = ""
    plugin_name: str = ""
    kind_defaulted: bool = False


def read_launch(argv: list[str], environ: Mapping[str, str]) -> Launch:
    """Read ``ROOT [TARGET [KIND]]`` and the host's variables.

    TARGET defaults to ROOT's ``[tool.gestalt]`` entry. With no arguments inside a
    PyInstaller bundle, ``gestalt-runtime.json`` in the bundle gives TARGET, KIND and the
    provider's name (a release build). Catalog-export mode is checked first: the host sets
    no socket for it. The variables' names tell the host's protocol: a protocol-2 host
    sets ``GESTALT_PLUGIN_*``, a protocol-5 host ``GESTALT_PROVIDER_SOCKET`` and
    ``GESTALT_APP_*``.
    """
    root, target, kind, plugin_name = (
        _bundle_args() if not argv and getattr(sys, "frozen", False) else (*_args(argv), "")
    )
    try:
        module, attribute = check_target(target)
    except TargetSyntaxError as error:
        raise LaunchError(str(error)) from None
    launch = Launch(
        root,
        target,
        module,
        attribute,
        kind,
        plugin_name=plugin_name,
        kind_defaulted=len(argv) in (1, 2),
    )
    catalog = _one_of(environ, "write_catalog")
    if catalog is not None:
        protocol, catalog_path = catalog
        return dataclasses.replace(launch, protocol=protocol, catalog_path=catalog_path)
    found = _one_of(environ, "socket")
    if found is None:
        raise LaunchError(
            "GESTALT_PROVIDER_SOCKET (protocol-5 gestaltd) or GESTALT_PLUGIN_SOCKET "
            "(protocol 2) must be set: the runtime is meant to be started by gestaltd (or "
            "gestalt.core.testing); set one to the Unix socket path to serve on"
        )
    protocol, endpoint = found
    socket_path, tcp_address = _endpoint(endpoint) if protocol == 5 else (endpoint, "")
    variable = HOST_VARIABLES[protocol].parent_pid
    raw_pid = environ.get(variable, "").strip()
    try:
        parent_pid = int(raw_pid) if raw_pid else None
    except ValueError:
        raise LaunchError(f"{variable}={raw_pid[:40]!r} is not a process id") from None
    return dataclasses.replace(
        launch,
        protocol=protocol,
        socket_path=socket_path,
        tcp_address=tcp_address,
        parent_pid=parent_pid,
    )


def _one_of(environ: Mapping[str, str], role: str) -> tuple[int, str] | None:
    """``(protocol, value)`` of the one generation's variable for ``role`` that is set.

    Raises:
        LaunchError: Both generations' variables are set: which host is this?
    """
    found = [
        (protocol, getattr(variables, role), environ.get(getattr(variables, role), ""))
        for protocol, variables in HOST_VARIABLES.items()
    ]
    found = [item for item in found if item[2]]
    if len(found) > 1:
        names = " and ".join(f"{name} (protocol {protocol})" for protocol, name, _ in found)
        raise LaunchError(f"both {names} are set; unset the one your host does not use")
    return (found[0][0], found[0][2]) if found else None


def _endpoint(value: str) -> tuple[str, str]:
    """``(socket_path, tcp_address)`` of a protocol-5 endpoint: a path, ``unix://PATH`` or
    ``tcp://HOST:PORT``.

    Raises:
        LaunchError: Another scheme, or nothing after the scheme.
    """
    scheme, sep, rest = value.partition("://")
    if not sep:
        return value, ""
    if scheme == "unix" and rest:
        return rest, ""
    if scheme == "tcp" and rest.rpartition(":")[2].isdigit() and rest.rpartition(":")[0]:
        return "", rest
    raise LaunchError(
        f"GESTALT_PROVIDER_SOCKET={value[:80]!r}: expected a socket path, unix://PATH or "
        "tcp://HOST:PORT"
    )


def _args(argv: list[str]) -> tuple[str, str, str]:
    if not 1 <= len(argv) <= 3:
        raise LaunchError(f"expected 1 to 3 arguments, got {len(argv)}; {USAGE}")
    # Relative to the cwd the host gave us, resolved before anything else. os.path rather
    # than pathlib: pathlib costs the cold start of kinds that never need it about 4 ms.
    root = os.path.realpath(argv[0])
    if not os.path.isdir(root):
        raise LaunchError(f"ROOT {argv[0]!r} is not a directory; {USAGE}")
    kind = _surface_word(argv[2] if len(argv) == 3 else "integration")
    if not _KIND.match(kind):
        raise LaunchError(
            f"KIND {kind[:40]!r} is not a kind word (integration or app, auth or identity, "
            "cache, secrets, s3)"
        )
    target = argv[1].strip() if len(argv) >= 2 else ""
    if not target:
        found = target_from_pyproject(root, kind)
        if found is None:
            raise LaunchError(f"no TARGET given: {explain_missing_target(root, kind)}")
        target = found
    return root, target, kind


def _bundle_args() -> tuple[str, str, str, str]:
    import json  # a release bundle's start only

    bundle = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
    try:
        with open(os.path.join(bundle, "gestalt-runtime.json"), encoding="utf-8") as handle:
            spec = json.load(handle)
        kind = _surface_word(str(spec.get("runtime_kind") or "integration"))
        # plugin_name from our builds and upstream's protocol-2 ones, app_name from v5 ones
        name = spec.get("plugin_name") or spec.get("app_name") or ""
        return bundle, str(spec["target"]), kind, str(name)
    except (OSError, ValueError, KeyError) as error:
        raise LaunchError(
            f"bundled gestalt-runtime.json is unreadable ({error}); rebuild the provider"
        ) from None


def _surface_word(word: str) -> str:
    """The surface's word for a KIND word: protocol 5's ``identity`` is ``auth``, ``app``
    is ``integration``; any other word is kept as it is."""
    word = word.strip().lower()
    try:
        return ProviderKind.from_word(word).value
    except ValueError:
        return word


def load_provider(launch: Launch) -> tuple[Surface, LoadedProvider]:
    """Import KIND's surface and TARGET, and let the surface prepare the provider."""
    surface = _load_surface(launch.kind)
    target = _load_target(launch)
    try:
        loaded = surface.load(target, launch.protocol)
    except TargetError as error:
        # Without KIND a cache (say) is taken for an integration: say how to name its kind.
        hint = _KIND_HINT if launch.kind_defaulted else ""
        if isinstance(target, ModuleType):
            raise LaunchError(
                f"TARGET {launch.target!r} (KIND {launch.kind!r}) names no object: module "
                f"{launch.module!r} has none of {', '.join(_candidates(launch.kind))}; "
                f"use TARGET 'module:attribute'{hint}"
            ) from None
        raise LaunchError(
            f"TARGET {launch.target!r} (KIND {launch.kind!r}): {error}{hint}"
        ) from None
    if launch.plugin_name and loaded.rename is not None:
        loaded.rename(launch.plugin_name)  # the release's name wins, as upstream's does
    return surface, loaded


def _load_surface(kind: str) -> Surface:
    name = f"gestalt.{kind}._surface"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        # Only a missing surface means "not installed"; a missing dependency inside it
        # (boto3 in gestalt.s3, say) is a different bug and must surface as itself.
        if error.name not in (f"gestalt.{kind}", name):
            raise
        raise LaunchError(
            f"KIND {kind!r}: no such surface installed (module {name} not found); "
            f"install it with: pip install gestalt-{kind}"
        ) from None
    surface = getattr(module, "surface", None)
    if surface is None or getattr(getattr(surface, "kind", None), "value", None) != kind:
        raise LaunchError(f"{name} does not define a surface for KIND {kind!r}")
    return surface  # type: ignore[no-any-return]


def _load_target(launch: Launch) -> object:
    """The object TARGET names, imported with ROOT first on ``sys.path``.

    ``module`` alone names the module's ``plugin``/``provider`` (``<kind>``/``provider``
    for the other kinds) or, when it has none, the module itself: a surface may find its
    provider there (an integration module that uses module-level decorators does).
    """
    module = _import_module(launch)
    if launch.attribute is not None:
        if not hasattr(module, launch.attribute):
            raise LaunchError(
                f"TARGET {launch.target!r} (KIND {launch.kind!r}): module {launch.module!r} "
                f"has no attribute {launch.attribute!r}"
            )
        return getattr(module, launch.attribute)
    for name in _candidates(launch.kind):
        if hasattr(module, name):
            return getattr(module, name)
    return module


def _candidates(kind: str) -> tuple[str, str]:
    return ("plugin", "provider") if kind == "integration" else (kind, "provider")


def _import_module(launch: Launch) -> ModuleType:
    sys.path.insert(0, launch.root)
    try:
        return importlib.import_module(launch.module)
    except ModuleNotFoundError as error:
        missing = error.name
        if missing is not None and (
            launch.module == missing or launch.module.startswith(missing + ".")
        ):
            raise LaunchError(
                f"TARGET {launch.target!r} (KIND {launch.kind!r}): no module named "
                f"{launch.module!r} in ROOT {launch.root}; check TARGET or [tool.gestalt]"
            ) from None
        raise _import_failure(launch, error) from None
    except Exception as error:
        raise _import_failure(launch, error) from None


def _import_failure(launch: Launch, error: BaseException) -> LaunchError:
    traceback.print_exception(error, file=sys.stderr)
    hint = ""
    # "import gestalt; gestalt.operation" and "from gestalt import operation": upstream's
    # single-package API against our namespace.
    if re.search(
        r"module 'gestalt(\.\w+)?' has no attribute|cannot import name '\w+' from 'gestalt'",
        str(error),
    ):
        hint = (
            "; this is the upstream 'import gestalt; gestalt.X' API: import from the surface "
            "instead, e.g. 'from gestalt import integration as gestalt' (docs/migrating.md)"
        )
    return LaunchError(
        f"TARGET {launch.target!r} (KIND {launch.kind!r}): importing {launch.module!r} raised "
        f"{type(error).__name__}: {error}{hint}"
    )
