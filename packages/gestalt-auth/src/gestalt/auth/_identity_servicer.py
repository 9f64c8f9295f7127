"""``Identity`` (protocol 5) over an identity provider object.

Imported only when a protocol-5 host starts an identity provider, with the protocol-5
stubs it builds its replies from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from gestalt.auth._identity_provider import AsyncIdentityProvider, IdentityProvider
from gestalt.auth._identity_types import (
    AuthorizeRequest,
    AuthorizeResponse,
    Caller,
    Grant,
    GrantScope,
    Introspection,
    IntrospectRequest,
    TokenRequest,
    TokenResponse,
    UserInfo,
)
from gestalt.auth._surface import IDENTITY_EXPECTED, IDENTITY_METHODS
from gestalt.auth._types import InvalidToken
from gestalt.core import InternalError, InvalidArgumentError, ProviderKind, UnimplementedError
from gestalt.core.serving import Context, Runtime, ServicerSurface, guard

if TYPE_CHECKING:
    from gestalt.provider.v5 import identity_pb2

T = TypeVar("T")

#: The metadata key the host puts the caller's bearer token in.
BEARER_METADATA = "x-gestalt-caller-bearer-token"
NIL_RESPONSE = "identity provider returned nil response"
#: The optional methods, and what a call answers when the provider has none.
_ABSENT = {
    "user_info": "user info is not implemented",
    "list_grants": "listing grants is not implemented",
    "get_grant": "getting a grant is not implemented",
    "revoke_grant": "revoking grants is not implemented",
}
OPTIONAL = tuple(_ABSENT)


def own_method(provider: object, name: str) -> Callable[..., Any] | None:
    """``provider``'s method ``name``, or ``None`` when it lacks one or has only the
    base classes' placeholder (which counts as not implemented)."""
    found: Callable[..., Any] | None = getattr(provider, name, None)
    if not callable(found):
        return None
    inherited = getattr(type(provider), name, None)
    if any(inherited is getattr(base, name) for base in (IdentityProvider, AsyncIdentityProvider)):
        return None
    return found


def is_identity_provider(candidate: object) -> bool:
    """Whether ``candidate`` is an instance with its own ``authorize``, ``token`` and
    ``introspect``."""
    return not isinstance(candidate, type) and all(
        own_method(candidate, name) is not None for name in IDENTITY_METHODS
    )


def caller(context: Context) -> Caller:
    """The caller the host named: the first bearer-token value, stripped ("" if none)."""
    for key, value in context.invocation_metadata() or ():
        if key == BEARER_METADATA:  # a key without "-bin": its values are str
            return Caller(str(value).strip())
    return Caller("")


def _answer(value: object, kind: type, label: str) -> Any:
    """``value`` when it is a ``kind``; ``INTERNAL`` that says what came back otherwise."""
    if value is None:
        raise InternalError(NIL_RESPONSE)
    if not isinstance(value, kind):
        raise InternalError(
            f"{label}: provider returned {type(value).__name__}, not {kind.__name__}"
        )
    return value


def _from_wire(kind: Callable[..., T], message: Any) -> T:
    """A request dataclass from the wire message whose fields have the same names."""
    fields = dataclasses.fields(cast(Any, kind))
    return kind(**{field.name: getattr(message, field.name) for field in fields})


def _texts(label: str, answer: object, *names: str) -> None:
    """``INTERNAL`` naming the first of ``answer``'s fields ``names`` that is not a ``str``."""
    for name in names:
        value: object = getattr(answer, name)
        if not isinstance(value, str):
            raise InternalError(
                f"{label}: {type(answer).__name__}.{name} must be str, not {type(value).__name__}"
            )


def _strings(value: object, label: str, what: str) -> list[str]:
    """A sequence of ``str`` as a list; ``INTERNAL`` for anything else (a lone ``str`` too)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InternalError(f"{label}: {what} must be a sequence of str")
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise InternalError(f"{label}: {what} must be a sequence of str")
    return items


def _seconds(value: object, label: str, what: str) -> int:
    """Whole seconds of a ``timedelta`` or an ``int``; negatives are refused."""
    if isinstance(value, timedelta):
        return _not_negative(int(value.total_seconds()), label, what)
    if isinstance(value, int) and not isinstance(value, bool):
        return _not_negative(value, label, what)
    raise InternalError(f"{label}: {what} must be a timedelta or whole seconds")


def unix_seconds(value: object, label: str, what: str) -> int:
    """Unix seconds of a timezone-aware ``datetime`` or an ``int``; ``None`` is 0."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise InternalError(
                f"{label}: {what} is a naive datetime; give it a timezone (e.g. UTC)"
            )
        return _not_negative(int(value.timestamp()), label, what)
    if isinstance(value, int) and not isinstance(value, bool):
        return _not_negative(value, label, what)
    raise InternalError(f"{label}: {what} must be a datetime or Unix seconds")


def _not_negative(seconds: int, label: str, what: str) -> int:
    """``seconds``, capped to an int64; ``INTERNAL`` when negative."""
    if seconds < 0:
        raise InternalError(f"{label}: {what} must not be negative")
    return min(seconds, 2**63 - 1)


def _grant_id(request: Any) -> str:
    if not request.grant_id:
        raise InvalidArgumentError("grant id is required")
    return str(request.grant_id)


class IdentityServicer:
    """The seven ``Identity`` rpcs over a provider object; optional ones decided once.

    Every rpc is guarded with ``redact``: identity code handles codes and tokens, and
    exception texts may carry them, so only a ``GestaltError``'s message, written by the
    author for the host, is ever shown. The caller's bearer token is passed to the
    handler and to nothing else.
    """

    def __init__(self, provider: object, runtime: Runtime, messages: ModuleType) -> None:
        self._pb = messages
        found = {name: own_method(provider, name) for name in IDENTITY_METHODS + OPTIONAL}
        self._handlers: dict[str, Callable[..., Awaitable[Any]] | None] = {
            name: runtime.to_async(method) if method is not None else None
            for name, method in found.items()
        }

    def _handler(self, name: str) -> Callable[..., Awaitable[Any]]:
        handler = self._handlers[name]
        if handler is None:
            raise UnimplementedError(_ABSENT[name])
        return handler

    @guard("authorize", redact=True)
    async def Authorize(self, request: identity_pb2.AuthorizeRequest, context: Context) -> Any:
        answer: AuthorizeResponse = _answer(
            await self._handler("authorize")(_from_wire(AuthorizeRequest, request)),
            AuthorizeResponse,
            "authorize",
        )
        _texts("authorize", answer, "redirect_uri")
        if not answer.redirect_uri:
            raise InternalError("authorize: AuthorizeResponse.redirect_uri must not be empty")
        return self._pb.AuthorizeResponse(redirect_uri=answer.redirect_uri)

    @guard("token", redact=True)
    async def Token(self, request: identity_pb2.TokenRequest, context: Context) -> Any:
        answer: TokenResponse = _answer(
            await self._handler("token")(_from_wire(TokenRequest, request)),
            TokenResponse,
            "token",
        )
        _texts("token", answer, "access_token", "token_type", "refresh_token", "scope", "grant_id")
        if not answer.access_token:
            raise InternalError("token: TokenResponse.access_token must not be empty")
        return self._pb.TokenResponse(
            access_token=answer.access_token,
            token_type=answer.token_type,
            expires_in=_seconds(answer.expires_in, "token", "TokenResponse.expires_in"),
            refresh_token=answer.refresh_token,
            scope=answer.scope,
            grant_id=answer.grant_id,
        )

    @guard("introspect", redact=True)
    async def Introspect(self, request: identity_pb2.IntrospectRequest, context: Context) -> Any:
        introspect = self._handler("introspect")
        try:
            found = await introspect(_from_wire(IntrospectRequest, request))
        except InvalidToken:
            # "Not recognized" is an answer here (RFC 7662), not a failure of the call.
            return self._pb.IntrospectResponse(active=False)
        answer: Introspection = _answer(found, Introspection, "introspect")
        if not answer.active:
            return self._pb.IntrospectResponse(active=False)
        _texts("introspect", answer, "subject", "scope", "client_id")
        if not answer.subject:
            raise InternalError(
                "introspect: an active token needs a subject (a Gestalt subject id such as "
                "'user:<id>')"
            )
        return self._pb.IntrospectResponse(
            active=True,
            subject=answer.subject,
            scope=answer.scope,
            client_id=answer.client_id,
            audience=_strings(answer.audience, "introspect", "Introspection.audience"),
        )

    @guard("userinfo", redact=True)
    async def UserInfo(self, request: identity_pb2.UserInfoRequest, context: Context) -> Any:
        user_info = self._handler("user_info")
        answer: UserInfo = _answer(await user_info(caller(context)), UserInfo, "userinfo")
        _texts("userinfo", answer, "subject_id", "email", "name")
        if not answer.subject_id:
            raise InternalError("userinfo: UserInfo.subject_id must not be empty")
        return self._pb.UserInfoResponse(
            subject_id=answer.subject_id, email=answer.email, name=answer.name
        )

    @guard("list grants", redact=True)
    async def ListGrants(self, request: identity_pb2.ListGrantsRequest, context: Context) -> Any:
        list_grants = self._handler("list_grants")
        found = await list_grants(caller(context))
        if found is None:
            raise InternalError(NIL_RESPONSE)
        return self._pb.ListGrantsResponse(grant_ids=_strings(found, "list grants", "grant ids"))

    @guard("get grant", redact=True)
    async def GetGrant(self, request: identity_pb2.GetGrantRequest, context: Context) -> Any:
        get_grant = self._handler("get_grant")
        grant: Grant = _answer(
            await get_grant(_grant_id(request), caller(context)), Grant, "get grant"
        )
        given: object = grant.scopes
        if isinstance(given, str) or not isinstance(given, Sequence):
            raise InternalError("get grant: Grant.scopes must be a sequence of GrantScope")
        scopes = []
        for scope in given:
            name: object = getattr(scope, "scope", None)
            if not isinstance(scope, GrantScope) or not isinstance(name, str):
                raise InternalError("get grant: Grant.scopes must be a sequence of GrantScope")
            resources = _strings(scope.resources, "get grant", "GrantScope.resources")
            scopes.append(self._pb.GrantScope(scope=scope.scope, resource=resources))
        return self._pb.GetGrantResponse(
            scopes=scopes,
            created_at=unix_seconds(grant.created_at, "get grant", "Grant.created_at"),
            expires_at=unix_seconds(grant.expires_at, "get grant", "Grant.expires_at"),
        )

    @guard("revoke grant", redact=True)
    async def RevokeGrant(self, request: identity_pb2.RevokeGrantRequest, context: Context) -> Any:
        revoke_grant = self._handler("revoke_grant")
        await revoke_grant(_grant_id(request), caller(context))
        return self._pb.RevokeGrantResponse()


#: Serves a provider with ``authorize``, ``token`` and ``introspect`` to a protocol-5 host.
surface = ServicerSurface(
    ProviderKind.AUTH,
    IDENTITY_METHODS,
    IDENTITY_EXPECTED,
    IdentityServicer,
    {5: ("identity", "Identity")},
    optional=OPTIONAL,
)
