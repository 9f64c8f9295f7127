"""Turn the host's command line into a loaded provider, or one line that says what to fix."""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import sys
import traceback

from gestalt.core._pyproject import (
    TargetSyntaxError,
    check_target,
    target_from_pyproject,
    target_keys,
)
from gestalt.core._surface import Surface

USAGE = "usage: python -m gestalt._runtime ROOT [TARGET [KIND]]"
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


class LaunchError(Exception):
    """A start that cannot work; the message is the one line printed to stderr."""


@dataclasses.dataclass(frozen=True, slots=True)
class Launch:
    """What to serve: ROOT (absolute), TARGET and KIND."""

    root: str
    target: str
    kind: str


def parse_args(argv: list[str]) -> Launch:
    """Read ``ROOT [TARGET [KIND]]``; TARGET defaults to ROOT's ``[tool.gestalt]`` entry.

    With no arguments inside a PyInstaller bundle, ``gestalt-runtime.json`` in the bundle
    gives TARGET and KIND (the release flow of HOST.md 10).
    """
    if not argv and getattr(sys, "frozen", False):
        return _frozen_launch()
    if not 1 <= len(argv) <= 3:
        raise LaunchError(f"expected 1 to 3 arguments, got {len(argv)}; {USAGE}")
    # Relative to the cwd the host gave us, resolved before anything else. os.path rather
    # than pathlib: pathlib costs the cold start of kinds that never need it about 4 ms.
    root = os.path.realpath(argv[0])
    if not os.path.isdir(root):
        raise LaunchError(f"ROOT {argv[0]!r} is not a directory; {USAGE}")
    kind = argv[2] if len(argv) == 3 else "integration"
    if not _KIND.match(kind):
        raise LaunchError(
            f"KIND {kind!r} is not a kind word (integration, auth, cache, secrets, s3)"
        )
    target = argv[1].strip() if len(argv) >= 2 else ""
    if not target:
        found = target_from_pyproject(root, kind)
        if found is None:
            keys = " or ".join(repr(key) for key in target_keys(kind))
            pyproject = os.path.join(root, "pyproject.toml")
            raise LaunchError(
                f"no TARGET given and {pyproject} has no {keys} key under "
                f'[tool.gestalt]; pass TARGET or add e.g. {target_keys(kind)[0]} = "module:attr"'
            )
        target = found
    try:
        check_target(target)
    except TargetSyntaxError as error:
        raise LaunchError(str(error)) from None
    return Launch(root, target, kind)


def _frozen_launch() -> Launch:
    import json

    bundle = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
    try:
        with open(os.path.join(bundle, "gestalt-runtime.json"), encoding="utf-8") as handle:
            spec = json.load(handle)
        return Launch(bundle, str(spec["target"]), str(spec.get("runtime_kind") or "integration"))
    except (OSError, ValueError, KeyError) as error:
        raise LaunchError(
            f"bundled gestalt-runtime.json is unreadable ({error}); rebuild the provider"
        ) from None


def check_namespace() -> None:
    """Fail when a regular ``gestalt`` package (upstream gestalt-sdk) shadows our namespace."""
    import gestalt

    shadow = getattr(gestalt, "__file__", None)
    if shadow is not None:
        raise LaunchError(
            f"'gestalt' resolves to the regular package {shadow}, which hides the gestalt "
            "namespace of gestalt-core; uninstall gestalt-sdk (pip uninstall gestalt-sdk) "
            "and never name a provider package 'gestalt'"
        )


def load_surface(kind: str) -> Surface:
    """Import ``gestalt.<kind>._surface`` and return its ``surface``."""
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


def load_target(launch: Launch) -> object:
    """Import TARGET with ROOT first on ``sys.path`` and return the object it names."""
    module_name, attribute = check_target(launch.target)
    sys.path.insert(0, launch.root)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and (
            module_name == error.name or module_name.startswith(error.name + ".")
        ):
            raise LaunchError(
                f"TARGET {launch.target!r} (KIND {launch.kind!r}): no module named "
                f"{module_name!r} in ROOT {launch.root}; check TARGET or [tool.gestalt]"
            ) from None
        raise _import_failure(launch, module_name, error) from None
    except Exception as error:
        raise _import_failure(launch, module_name, error) from None
    if attribute is not None:
        if not hasattr(module, attribute):
            raise LaunchError(
                f"TARGET {launch.target!r} (KIND {launch.kind!r}): module {module_name!r} has "
                f"no attribute {attribute!r}"
            )
        return getattr(module, attribute)
    candidates = (
        ("plugin", "provider") if launch.kind == "integration" else (launch.kind, "provider")
    )
    for name in candidates:
        if hasattr(module, name):
            return getattr(module, name)
    raise LaunchError(
        f"TARGET {launch.target!r} (KIND {launch.kind!r}) names no object: module "
        f"{module_name!r} has none of {', '.join(candidates)}; use TARGET 'module:attribute'"
    )


def _import_failure(launch: Launch, module_name: str, error: BaseException) -> LaunchError:
    traceback.print_exception(error, file=sys.stderr)
    hint = ""
    if isinstance(error, AttributeError) and "module 'gestalt' has no attribute" in str(error):
        hint = (
            "; this is the upstream 'import gestalt; gestalt.X' API: import from the surface "
            "instead, e.g. 'from gestalt.integration import Plugin' (docs/migrating.md)"
        )
    return LaunchError(
        f"TARGET {launch.target!r} (KIND {launch.kind!r}): importing {module_name!r} raised "
        f"{type(error).__name__}: {error}{hint}"
    )
