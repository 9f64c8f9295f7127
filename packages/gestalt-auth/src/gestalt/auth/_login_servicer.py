"""``AuthProvider`` (protocol 2) over an auth provider object.

Imported only when a protocol-2 host starts an auth provider.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from types import ModuleType
from typing import Any

from google.protobuf import empty_pb2

from gestalt.auth._surface import LOGIN_EXPECTED, LOGIN_METHODS
from gestalt.auth._types import (
    AuthenticatedUser,
    BeginLoginRequest,
    BeginLoginResponse,
    CompleteLoginRequest,
)
from gestalt.core import InternalError, NotFoundError, ProviderKind, UnimplementedError
from gestalt.core.serving import Context, Runtime, ServicerSurface, guard
from gestalt.provider.v1 import auth_pb2, auth_pb2_grpc

NIL_RESPONSE = "auth provider returned nil response"
NIL_USER = "auth provider returned nil user"
NOT_RECOGNIZED = "token not recognized"


def _optional(provider: object, name: str) -> Callable[..., Any] | None:
    found = getattr(provider, name, None)
    return found if callable(found) else None


def _user_message(user: object, label: str) -> auth_pb2.AuthenticatedUser:
    """The wire form of a returned user, or an ``INTERNAL`` error that says what is wrong."""
    if user is None:
        raise InternalError(NIL_USER)
    if isinstance(user, auth_pb2.AuthenticatedUser):
        message = user
    elif isinstance(user, AuthenticatedUser):
        claims: object = user.claims
        if not isinstance(claims, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in claims.items()
        ):
            raise InternalError(f"{label}: AuthenticatedUser.claims must map str to str")
        fields: tuple[object, ...] = (user.subject, user.email, user.display_name, user.avatar_url)
        if not all(isinstance(value, str) for value in fields):
            raise InternalError(
                f"{label}: AuthenticatedUser subject, email, display_name and avatar_url "
                "must be str"
            )
        message = auth_pb2.AuthenticatedUser(
            subject=user.subject,
            email=user.email,
            email_verified=bool(user.email_verified),
            display_name=user.display_name,
            avatar_url=user.avatar_url,
            claims=dict(claims),
        )
    else:
        raise InternalError(
            f"{label}: provider returned {type(user).__name__}, not AuthenticatedUser"
        )
    if not message.email.strip():
        raise InternalError(
            f"{label}: the authenticated user has no email; the host keys users by email, "
            "so return the identity provider's email (request the 'email' scope)"
        )
    return message


def _ttl_seconds(value: object) -> int:
    """Whole seconds for a ``session_ttl()`` result; negatives clamp to 0."""
    if value is None:
        return 0
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise InternalError(
            f"session settings: session_ttl() returned {type(value).__name__}, "
            "not timedelta or seconds"
        )
    if math.isnan(seconds):
        raise InternalError("session settings: session_ttl() returned NaN")
    if seconds <= 0:
        return 0
    return int(min(seconds, 2**63 - 1))


def _check_authorization_url(url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.netloc:
        raise InternalError("begin login: authorization_url must be an absolute URL")


class AuthServicer(auth_pb2_grpc.AuthProviderServicer):
    """The four ``AuthProvider`` rpcs over a provider object; optional ones decided once.

    Every rpc is guarded with ``redact``: auth code handles codes and tokens, and exception
    texts (an HTTP library's error, a JSON decoder's excerpt) may carry them, so only a
    ``GestaltError``'s message, written by the author for the host, is ever shown.
    """

    def __init__(self, provider: object, runtime: Runtime, messages: ModuleType) -> None:
        self._begin: Callable[[BeginLoginRequest], Awaitable[Any]] = runtime.to_async(
            provider.begin_login  # type: ignore[attr-defined]
        )
        self._complete: Callable[[CompleteLoginRequest], Awaitable[Any]] = runtime.to_async(
            provider.complete_login  # type: ignore[attr-defined]
        )
        validate = _optional(provider, "validate_external_token")
        ttl = _optional(provider, "session_ttl")
        self._validate = runtime.to_async(validate) if validate is not None else None
        self._ttl = runtime.to_async(ttl) if ttl is not None else None

    @guard("begin login", redact=True)
    async def BeginLogin(
        self, request: auth_pb2.BeginLoginRequest, context: Context
    ) -> auth_pb2.BeginLoginResponse:
        answer = await self._begin(
            BeginLoginRequest(
                callback_url=request.callback_url,
                host_state=request.host_state,
                scopes=tuple(request.scopes),
                options=dict(request.options),
            )
        )
        if answer is None:
            raise InternalError(NIL_RESPONSE)
        if not isinstance(answer, BeginLoginResponse | auth_pb2.BeginLoginResponse):
            raise InternalError(
                f"begin login: provider returned {type(answer).__name__}, not BeginLoginResponse"
            )
        url: object = answer.authorization_url
        state: object = answer.provider_state
        if not isinstance(url, str) or not isinstance(state, bytes | bytearray):
            raise InternalError(
                "begin login: authorization_url must be str and provider_state bytes"
            )
        _check_authorization_url(url)
        return auth_pb2.BeginLoginResponse(authorization_url=url, provider_state=bytes(state))

    @guard("complete login", redact=True)
    async def CompleteLogin(
        self, request: auth_pb2.CompleteLoginRequest, context: Context
    ) -> auth_pb2.AuthenticatedUser:
        user = await self._complete(
            CompleteLoginRequest(
                query=dict(request.query),
                provider_state=request.provider_state,
                callback_url=request.callback_url,
            )
        )
        return _user_message(user, "complete login")

    @guard("validate external token", redact=True)
    async def ValidateExternalToken(
        self, request: auth_pb2.ValidateExternalTokenRequest, context: Context
    ) -> auth_pb2.AuthenticatedUser:
        if self._validate is None:
            raise UnimplementedError("external token validation is not implemented")
        user = await self._validate(request.token)
        if user is None:
            raise NotFoundError(NOT_RECOGNIZED)
        return _user_message(user, "validate external token")

    @guard("session settings", redact=True)
    async def GetSessionSettings(
        self, request: empty_pb2.Empty, context: Context
    ) -> auth_pb2.AuthSessionSettings:
        if self._ttl is None:
            raise UnimplementedError("session settings are not implemented")
        seconds = _ttl_seconds(await self._ttl())
        return auth_pb2.AuthSessionSettings(session_ttl_seconds=seconds)


#: Serves a provider with ``begin_login`` and ``complete_login`` to a protocol-2 host.
surface = ServicerSurface(
    ProviderKind.AUTH,
    LOGIN_METHODS,
    LOGIN_EXPECTED,
    AuthServicer,
    {2: ("auth", "AuthProvider")},
    optional=("validate_external_token", "session_ttl"),
)
