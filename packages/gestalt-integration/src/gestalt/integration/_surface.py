"""The integration surface: how ``python -m gestalt._runtime ROOT TARGET integration`` serves
``IntegrationProvider`` (protocol 2) or ``AppProvider`` (protocol 5)."""

from __future__ import annotations

import types
from pathlib import Path

import grpc.aio

from gestalt.core import ProviderKind
from gestalt.core.serving import Hooks, LoadedProvider, Runtime, TargetError, provider_from_target
from gestalt.integration._catalog import catalog_to_proto, write_catalog_file
from gestalt.integration._generation import generation
from gestalt.integration._module import check_implicit_plugins, module_plugin
from gestalt.integration._plugin import Plugin
from gestalt.integration._servicer import IntegrationServicer


def _is_plugin(candidate: object) -> bool:
    return isinstance(candidate, Plugin)


class IntegrationSurface:
    """Serves KIND ``integration`` (``app`` on protocol 5) and writes its static catalog."""

    kind = ProviderKind.INTEGRATION

    def load(self, target: object, protocol: int) -> LoadedProvider:
        """Accept a :class:`Plugin`, a class/factory that makes one, or a module holding one.

        A module's plugin is its ``plugin``/``provider`` attribute, which the module-level
        decorators (``@gestalt.operation``) set when the module has none. Only the
        service of ``protocol`` is registered, from that protocol's stubs.

        Raises:
            TargetError: ``target`` is none of these, the plugin declares no operation,
                or ``protocol`` is not served.
        """
        if isinstance(target, types.ModuleType):
            plugin: object = module_plugin(target)
            if plugin is None:
                raise TargetError(
                    f"module {target.__name__!r} has no integration plugin: declare operations "
                    "with @gestalt.operation (from gestalt import integration as gestalt) or "
                    "set plugin = Plugin('name')"
                )
        else:
            plugin = provider_from_target(
                target,
                _is_plugin,
                expected="a gestalt.integration.Plugin (plugin = Plugin('name'))",
            )
        assert isinstance(plugin, Plugin)
        check_implicit_plugins()
        if not plugin.operations:
            # The host refuses a catalog without operations ; say so at start.
            raise TargetError(
                f"plugin {plugin.name!r} declares no operation; add one with @plugin.operation"
            )

        try:
            wire = generation(protocol)
        except KeyError:
            raise TargetError(
                f"integration providers are not served on protocol {protocol}"
            ) from None

        def register(server: grpc.aio.Server, runtime: Runtime) -> None:
            wire.add_servicer(IntegrationServicer(plugin, runtime, wire), server)

        def write_catalog(path: Path) -> None:
            write_catalog_file(catalog_to_proto(plugin.catalog(), wire.messages), path)

        # Hooks are built explicitly: Plugin.configure is the decorator, not the hook.
        hooks = Hooks(configure=plugin.configure_hook, close=plugin.close_hook)
        handlers = [op.handler for op in plugin.operations.values()]
        # Only the hooks this protocol's rpcs call (PostConnect on 2, HTTP subject on 5).
        served = (
            plugin.session_catalog_hook,
            plugin.post_connect_hook if wire.post_connect else None,
            plugin.http_subject_hook if wire.http_subject else None,
        )
        handlers += [hook[0] for hook in served if hook]

        def rename(name: str) -> None:
            plugin.name = name

        return LoadedProvider(
            plugin, hooks, register, write_catalog, tuple(handlers), unary=True, rename=rename
        )


surface = IntegrationSurface()
