"""The secrets surface: how ``python -m gestalt._runtime ROOT TARGET secrets`` serves."""

from __future__ import annotations

from gestalt.core import InvalidArgumentError, ProviderKind
from gestalt.core.serving import Context, Runtime, ServicerSurface, guard
from gestalt.provider.v1 import secrets_pb2, secrets_pb2_grpc


class SecretsServicer(secrets_pb2_grpc.SecretsProviderServicer):
    """``SecretsProvider.GetSecret`` over a provider object."""

    def __init__(self, provider: object, runtime: Runtime) -> None:
        self._get = runtime.to_async(provider.get_secret)  # type: ignore[attr-defined]

    # redact: a secrets provider's exception text may hold the value it was handling.
    @guard("get secret", redact=True)
    async def GetSecret(
        self, request: secrets_pb2.GetSecretRequest, context: Context
    ) -> secrets_pb2.GetSecretResponse:
        if not request.name:
            raise InvalidArgumentError("secret name is required")
        value = await self._get(request.name)
        if not isinstance(value, str):
            raise TypeError(f"get_secret returned {type(value).__name__}, not str")
        return secrets_pb2.GetSecretResponse(value=value)


surface = ServicerSurface(
    ProviderKind.SECRETS,
    ("get_secret",),
    "a secrets provider (an object with get_secret(name))",
    SecretsServicer,
    secrets_pb2_grpc.add_SecretsProviderServicer_to_server,
)
