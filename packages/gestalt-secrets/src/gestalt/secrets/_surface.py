"""The secrets surface: how ``python -m gestalt._runtime ROOT TARGET secrets`` serves.

Protocol 5 renamed the service ``SecretsProvider`` to ``Secrets``; its messages are the same.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from gestalt.core import InvalidArgumentError, ProviderKind
from gestalt.core.serving import Context, Runtime, ServicerSurface, guard

if TYPE_CHECKING:  # the request type, for checking; the same fields on both protocols
    from gestalt.provider.v1 import secrets_pb2


class SecretsServicer:
    """``GetSecret`` over a provider object."""

    def __init__(self, provider: object, runtime: Runtime, messages: ModuleType) -> None:
        self._get = runtime.to_async(provider.get_secret)  # type: ignore[attr-defined]
        self._pb = messages

    # redact: a secrets provider's exception text may hold the value it was handling.
    @guard("get secret", redact=True)
    async def GetSecret(self, request: secrets_pb2.GetSecretRequest, context: Context) -> Any:
        if not request.name:
            raise InvalidArgumentError("secret name is required")
        value = await self._get(request.name)
        if not isinstance(value, str):
            raise TypeError(f"get_secret returned {type(value).__name__}, not str")
        return self._pb.GetSecretResponse(value=value)


surface = ServicerSurface(
    ProviderKind.SECRETS,
    ("get_secret",),
    "a secrets provider (an object with get_secret(name))",
    SecretsServicer,
    {2: ("secrets", "SecretsProvider"), 5: ("secrets", "Secrets")},
)
