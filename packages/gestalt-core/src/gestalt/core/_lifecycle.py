"""``ProviderLifecycle``: identity, configuration, health and (protocol 5) start, served for
every kind."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from gestalt.core._guard import Context, guard
from gestalt.core._serving import Runtime
from gestalt.core._wire import stubs

if TYPE_CHECKING:
    import grpc.aio


class LifecycleServicer:
    """Answers the host's start-up sequence from the runtime's state.

    The messages of ``ProviderLifecycle`` are the same on both protocols; each is built
    from the served generation's stubs (``messages``). ``StartProvider`` exists on
    protocol 5 only, and only its stubs register it.
    """

    def __init__(self, runtime: Runtime, messages: ModuleType) -> None:
        self._runtime = runtime
        self._pb = messages

    @guard("provider identity")
    async def GetProviderIdentity(self, request: Any, context: Context) -> Any:
        meta = await self._runtime.metadata()
        version = self._runtime.protocol
        return self._pb.ProviderIdentity(
            kind=self._runtime.kind.wire_value,
            name=meta.name,
            display_name=meta.display_name,
            description=meta.description,
            version=meta.version,
            warnings=meta.warnings,
            min_protocol_version=version,
            max_protocol_version=version,
        )

    @guard("configure provider")
    async def ConfigureProvider(self, request: Any, context: Context) -> Any:
        config = request.config if request.HasField("config") else None
        await self._runtime.configure(request.name, config, request.protocol_version)
        return self._pb.ConfigureProviderResponse(protocol_version=self._runtime.protocol)

    @guard("health check")
    async def HealthCheck(self, request: Any, context: Context) -> Any:
        ready, message = await self._runtime.health()
        return self._pb.HealthCheckResponse(ready=ready, message=message)

    @guard("start provider")
    async def StartProvider(self, request: Any, context: Context) -> Any:
        await self._runtime.start()
        return self._pb.StartRuntimeProviderResponse(protocol_version=self._runtime.protocol)


def add_lifecycle(server: grpc.aio.Server, runtime: Runtime) -> None:
    """Serve ``ProviderLifecycle`` of the runtime's protocol on ``server``."""
    messages, services = stubs(runtime.protocol, "runtime")
    services.add_ProviderLifecycleServicer_to_server(LifecycleServicer(runtime, messages), server)
