"""The secrets surface: how ``python -m gestalt._runtime ROOT TARGET secrets`` serves."""

from __future__ import annotations

import logging
import traceback

import grpc
import grpc.aio

from gestalt.core import (
    Context,
    GestaltError,
    Hooks,
    InvalidArgumentError,
    LoadedProvider,
    ProviderKind,
    Runtime,
    resolve_target,
)
from gestalt.provider.v1 import secrets_pb2, secrets_pb2_grpc

log = logging.getLogger("gestalt.secrets")


def _is_provider(candidate: object) -> bool:
    return not isinstance(candidate, type) and callable(getattr(candidate, "get_secret", None))


class SecretsServicer(secrets_pb2_grpc.SecretsProviderServicer):
    """``SecretsProvider.GetSecret`` over a provider object."""

    def __init__(self, provider: object, runtime: Runtime) -> None:
        self._get = runtime.to_async(provider.get_secret)  # type: ignore[attr-defined]

    async def GetSecret(
        self, request: secrets_pb2.GetSecretRequest, context: Context
    ) -> secrets_pb2.GetSecretResponse:
        # Not the core `unary` wrapper: a secrets provider's exception text may hold the
        # value it was handling, so the log gets the type and the frames, never the text.
        try:
            if not request.name:
                raise InvalidArgumentError("secret name is required")
            value = await self._get(request.name)
            if not isinstance(value, str):
                raise TypeError(f"get_secret returned {type(value).__name__}, not str")
        except grpc.aio.AbortError:
            raise
        except GestaltError as error:
            await context.abort(error.grpc_code, error.message)
        except Exception as error:
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error(
                "get secret %r failed with %s (message withheld: it may hold the secret)\n%s",
                request.name,
                type(error).__name__,
                frames,
            )
            await context.abort(grpc.StatusCode.UNKNOWN, "get secret: internal error")
        return secrets_pb2.GetSecretResponse(value=value)


class SecretsSurface:
    """Serves ``SecretsProvider`` (and core's ``ProviderLifecycle``) for KIND ``secrets``."""

    kind = ProviderKind.SECRETS

    def load(self, target: object) -> LoadedProvider:
        """Accept an object with ``get_secret``, or a class/factory that makes one."""
        provider = resolve_target(
            target, _is_provider, expected="a secrets provider (an object with get_secret(name))"
        )

        def register(server: grpc.aio.Server, runtime: Runtime) -> None:
            secrets_pb2_grpc.add_SecretsProviderServicer_to_server(
                SecretsServicer(provider, runtime), server
            )

        return LoadedProvider(provider, Hooks.find(provider), register)


surface = SecretsSurface()
