"""Upstream's module-level decorators: ``@gestalt.operation`` on an implicit per-module plugin.

A module that declares operations with ``@operation`` (no ``Plugin`` of its own) gets one
plugin, named as upstream names it (from ``manifest.yaml`` beside the module, see
:func:`gestalt.integration.Plugin.from_manifest`), stored as the module's ``plugin``
attribute so TARGET ``module`` and ``module:plugin`` both find it. A ``Plugin`` the module
already holds as ``plugin`` or ``provider`` wins.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, Unpack, overload

from gestalt.core.serving import TargetError
from gestalt.integration._manifest import manifest_name, slug
from gestalt.integration._operations import OperationOptions
from gestalt.integration._plugin import Plugin

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound=Callable[..., Any])

#: The module attributes that hold a module's plugin, in the order they are looked up.
PLUGIN_ATTRIBUTES = ("plugin", "provider")

#: The implicit plugins made so far, by module name: kept to notice one that a later
#: ``plugin = Plugin(...)`` in the same module replaced (its operations would be lost).
_IMPLICIT: dict[str, tuple[types.ModuleType, Plugin]] = {}


def module_plugin(module: types.ModuleType) -> Plugin | None:
    """The plugin of ``module``: its ``plugin``/``provider`` attribute, if one is a Plugin."""
    for name in PLUGIN_ATTRIBUTES:
        found = getattr(module, name, None)
        if isinstance(found, Plugin):
            return found
    return None


def _plugin_for(func: Callable[..., Any]) -> Plugin:
    module = sys.modules.get(getattr(func, "__module__", ""))
    if module is None:
        raise TypeError(
            f"{getattr(func, '__qualname__', func)!r}: its module is not imported; declare "
            "module-level operations at the top level of a module"
        )
    plugin = module_plugin(module)
    if plugin is None:
        plugin = Plugin(_implicit_name(module), module_name=module.__name__)
        _IMPLICIT[module.__name__] = (module, plugin)
        if not hasattr(module, "plugin"):
            setattr(module, "plugin", plugin)  # noqa: B010 (a module has no declared attributes)
    return plugin


def check_implicit_plugins() -> None:
    """Refuse to serve when a module replaced the implicit plugin its decorators made.

    Raises:
        TargetError: A module declared operations with ``@operation`` and then bound
            another ``Plugin`` to ``plugin``/``provider``; the message names the module.
    """
    for name, (module, implicit) in _IMPLICIT.items():
        # A module imported again (reload, tests) is a new module: skip the stale one.
        current = sys.modules.get(name) is module
        if current and module_plugin(module) not in (None, implicit):
            raise TargetError(
                f"module {name!r} declares operations with @gestalt.operation before it "
                "creates its own Plugin, which replaced them; create the Plugin first"
            )


def _implicit_name(module: types.ModuleType) -> str:
    file = getattr(module, "__file__", None)
    if file:
        return manifest_name(Path(file).resolve().parent / "manifest.yaml")
    return slug(module.__name__.rsplit(".", 1)[-1])


@overload
def operation(func: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def operation(
    **options: Unpack[OperationOptions],
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def operation(
    func: Callable[..., Any] | None = None, /, **options: Unpack[OperationOptions]
) -> Any:
    """Declare an operation on the calling module's plugin (upstream's ``@gestalt.operation``).

    Takes the same keywords as :meth:`Plugin.operation`.

    Args:
        func: The handler (bare use).
        **options: See :class:`OperationOptions`.
    """

    def declare(handler: Callable[..., Any]) -> Callable[..., Any]:
        return _plugin_for(handler).operation(**options)(handler)

    return declare if func is None else declare(func)


def session_catalog(func: C, /) -> C:
    """Declare the session-catalog hook of the module's plugin (:meth:`Plugin.session_catalog`)."""
    return _plugin_for(func).session_catalog(func)


def post_connect(func: C, /) -> C:
    """Declare the ``PostConnect`` hook of the module's plugin (:meth:`Plugin.post_connect`)."""
    return _plugin_for(func).post_connect(func)


def http_subject(func: C, /) -> C:
    """Declare the HTTP-subject hook of the module's plugin (:meth:`Plugin.http_subject`)."""
    return _plugin_for(func).http_subject(func)


def configure(func: C, /) -> C:
    """Declare the ``StartProvider`` hook of the module's plugin (:meth:`Plugin.configure`)."""
    return _plugin_for(func).configure(func)
