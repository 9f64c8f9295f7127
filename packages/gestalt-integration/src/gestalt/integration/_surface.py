"""The integration surface: how ``python -m gestalt._runtime ROOT TARGET integration`` serves."""

from __future__ import annotations

import types
from pathlib import Path

import grpc.aio

from gestalt.core import ProviderKind
from gestalt.core.serving import Hooks, LoadedProvider, Runtime, TargetError, provider_from_target
from gestalt.integration._catalog import catalog_to_proto, write_catalog_file
from gestalt.integration._module import check_implicit_plugins, module_plugin
from gestalt.integration._plugin import Plugin
from gestalt.integration._servicer import IntegrationServicer
from gestalt.provider.v1 import plugin_pb2_grpc


def _is_plugin(candidate: object) -> bool:
    return isinstance(candidate, Plugin)


class IntegrationSurface:
    """Serves ``IntegrationProvider`` for KIND ``integration`` and writes its static catalog."""

    kind = ProviderKind.INTEGRATION

    def load(self, target: object, protocol: int = 2) -> LoadedProvider:
        """Accept a :class:`Plugin`, a class/factory that makes one, or a module holding one.

        A module's plugin is its ``plugin``/``provider`` attribute, which the module-level
        decorators (``@gestalt.operation``) set when the module has none.

        Raises:
            TargetError: ``target`` is none of these, or the plugin declares no operation.
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

        def register(server: grpc.aio.Server, runtime: Runtime) -> None:
            plugin_pb2_grpc.add_IntegrationProviderServicer_to_server(
                IntegrationServicer(plugin, runtime), server
            )

        def write_catalog(path: Path) -> None:
            write_catalog_file(catalog_to_proto(plugin.catalog()), path)

        # Hooks are built explicitly: Plugin.configure is the decorator, not the hook.
        hooks = Hooks(configure=plugin.configure_hook, close=plugin.close_hook)
        handlers = [op.handler for op in plugin.operations.values()]
        handlers += [
            hook[0] for hook in (plugin.session_catalog_hook, plugin.post_connect_hook) if hook
        ]

        def rename(name: str) -> None:
            plugin.name = name

        return LoadedProvider(
            plugin, hooks, register, write_catalog, tuple(handlers), unary=True, rename=rename
        )


surface = IntegrationSurface()
