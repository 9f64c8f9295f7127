"""``ProviderLifecycle``: identity, configuration and health, served for every kind."""

from __future__ import annotations

from google.protobuf import empty_pb2

from gestalt.core._guard import Context, guard
from gestalt.core._kinds import PROTOCOL_VERSION
from gestalt.core._serving import Runtime
from gestalt.provider.v1 import runtime_pb2, runtime_pb2_grpc


class LifecycleServicer(runtime_pb2_grpc.ProviderLifecycleServicer):
    """Answers the host's start-up sequence from the runtime's state."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @guard("provider identity")
    async def GetProviderIdentity(
        self, request: empty_pb2.Empty, context: Context
    ) -> runtime_pb2.ProviderIdentity:
        meta = await self._runtime.metadata()
        return runtime_pb2.ProviderIdentity(
            kind=self._runtime.kind.wire_value,
            name=meta.name,
            display_name=meta.display_name,
            description=meta.description,
            version=meta.version,
            warnings=meta.warnings,
            min_protocol_version=PROTOCOL_VERSION,
            max_protocol_version=PROTOCOL_VERSION,
        )

    @guard("configure provider")
    async def ConfigureProvider(
        self, request: runtime_pb2.ConfigureProviderRequest, context: Context
    ) -> runtime_pb2.ConfigureProviderResponse:
        config = request.config if request.HasField("config") else None
        await self._runtime.configure(request.name, config, request.protocol_version)
        return runtime_pb2.ConfigureProviderResponse(protocol_version=PROTOCOL_VERSION)

    @guard("health check")
    async def HealthCheck(
        self, request: empty_pb2.Empty, context: Context
    ) -> runtime_pb2.HealthCheckResponse:
        ready, message = await self._runtime.health()
        return runtime_pb2.HealthCheckResponse(ready=ready, message=message)
