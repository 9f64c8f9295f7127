"""Who is calling: the typed, immutable request context a handler can ask for.

Both protocols send a ``RequestContext``, but protocol 5 re-laid out its subject at the
same field numbers (3 is the display name on 2 and the email on 5) and added parts. Each
protocol's request is decoded with its own layout (:data:`DECODERS`), never the other's,
into one :class:`Request` whose shared fields mean the same on both.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from gestalt.core.serving import struct_to_dict

if TYPE_CHECKING:
    from google.protobuf import timestamp_pb2

    from gestalt.provider.v1 import plugin_pb2

_NO_PARAMS: Mapping[str, str] = types.MappingProxyType({})


class _Part:
    """A part of the request context: always present, false when the host sent none of it."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in dataclasses.fields(self))  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True, slots=True)
class Permission:
    """One app's operations a subject may call (protocol 5).

    Attributes:
        app: The app's name.
        operations: The operation ids allowed.
        all_operations: Every operation of the app is allowed.
    """

    app: str = ""
    operations: tuple[str, ...] = ()
    all_operations: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Subject(_Part):
    """The caller; false when the host sent no subject.

    ``id`` and ``display_name`` mean the same on both protocols; the other fields are
    sent by one protocol only and stay empty on the other.

    Attributes:
        id: ``user:<id>``, ``workload:<id>``, ...
        kind: ``user``, ``workload`` or empty (protocol 2 only).
        display_name: The caller's display name.
        auth_source: ``session``, ``api_token``, ``workload_token``, ``env`` or empty
            (protocol 2 only).
        email: The caller's email (protocol 5 only).
        scopes: The caller's scopes (protocol 5 only).
        permissions: The apps and operations the caller may use (protocol 5 only).
    """

    id: str = ""
    kind: str = ""
    display_name: str = ""
    auth_source: str = ""
    email: str = ""
    scopes: tuple[str, ...] = ()
    permissions: tuple[Permission, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Credential(_Part):
    """The stored credential the host picked for this call; false when there is none.

    Attributes:
        mode: The host's connection-mode word (``none``, ``user``, ``identity``,
            ``either`` from a protocol-2 host; ``none``, ``subject`` from a protocol-5 one).
        subject_id: Whose credential was used.
        connection: The connection name of the stored credential.
        instance: The instance name of the stored credential.
    """

    mode: str = ""
    subject_id: str = ""
    connection: str = ""
    instance: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Access(_Part):
    """The authorisation the host already applied; false when the host sent none.

    Attributes:
        policy: The access policy.
        role: The caller's role under it.
    """

    policy: str = ""
    role: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Host(_Part):
    """The host's public address (protocol 5); false when not sent.

    Attributes:
        public_base_url: The host's public base URL, without a trailing slash.
    """

    public_base_url: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Caller(_Part):
    """The provider that made this call when one provider invokes another (protocol 5).

    Attributes:
        kind: The calling provider's kind word.
        name: The calling provider's name.
    """

    kind: str = ""
    name: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Invocation(_Part):
    """Where this call sits in a chain of calls (protocol 5); false when not sent.

    Attributes:
        request_id: The inbound request's id.
        depth: How many provider-to-provider hops led here.
        call_chain: The providers called on the way, in order.
        surface: The host surface the call came through.
        internal_connection_access: Whether internal connections may be used.
        connection: The connection the call is for.
    """

    request_id: str = ""
    depth: int = 0
    call_chain: tuple[str, ...] = ()
    surface: str = ""
    internal_connection_access: bool = False
    connection: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class RequestMeta(_Part):
    """The inbound HTTP request behind this call (protocol 5); false when not sent.

    Attributes:
        client_ip: The client's address as the host established it.
        remote_addr: The connection's peer address.
        user_agent: The ``User-Agent`` header.
    """

    client_ip: str = ""
    remote_addr: str = ""
    user_agent: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class AgentInvocation(_Part):
    """The agent run behind this call (protocol 5); false when not sent.

    Attributes:
        provider_name: The agent provider's name.
        session_id: The agent session.
        turn_id: The turn within the session.
    """

    provider_name: str = ""
    session_id: str = ""
    turn_id: str = ""


_NO_SUBJECT = Subject()
_NO_CREDENTIAL = Credential()
_NO_ACCESS = Access()
_NO_HOST = Host()
_NO_CALLER = Caller()
_NO_INVOCATION = Invocation()
_NO_REQUEST_META = RequestMeta()
_NO_AGENT = AgentInvocation()
_NO_WORKFLOW: Mapping[str, Any] = types.MappingProxyType({})


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """The context of one ``Execute``, ``GetSessionCatalog`` or HTTP-subject call.

    A handler receives it when one of its parameters is annotated ``Request``. Every
    part is always an object, as upstream's are, so ``request.subject.id`` never fails;
    the host leaves out what it does not know, and a part it left out is empty and false
    (``if request.subject:``). Parts marked "protocol 5" stay empty on protocol 2.

    Attributes:
        token: The upstream credential for this call; a secret, never log it.
        connection_params: Metadata of the stored connection (read-only).
        invocation_id: The host's request id, for logs (may be empty).
        subject: Who is calling (empty when the host sent no subject).
        credential: Which stored credential was used (empty when none).
        access: The access policy and role (empty when the host sent none).
        idempotency_key: The caller's idempotency key, empty when none (protocol 5).
        host: The host's public base URL (protocol 5).
        caller: The provider that made the call, if one did (protocol 5).
        invocation: The call chain (protocol 5).
        request_meta: The inbound HTTP request's client (protocol 5).
        agent: The agent run behind the call (protocol 5).
        agent_subject: The agent on whose behalf a run-as call is made (protocol 5).
        workflow: The context of the workflow run behind the call, read-only, empty
            when none (protocol 5).
    """

    token: str = dataclasses.field(default="", repr=False)
    connection_params: Mapping[str, str] = dataclasses.field(default_factory=lambda: _NO_PARAMS)
    invocation_id: str = ""
    subject: Subject = _NO_SUBJECT
    credential: Credential = _NO_CREDENTIAL
    access: Access = _NO_ACCESS
    idempotency_key: str = ""
    host: Host = _NO_HOST
    caller: Caller = _NO_CALLER
    invocation: Invocation = _NO_INVOCATION
    request_meta: RequestMeta = _NO_REQUEST_META
    agent: AgentInvocation = _NO_AGENT
    agent_subject: Subject = _NO_SUBJECT
    workflow: Mapping[str, Any] = dataclasses.field(default_factory=lambda: _NO_WORKFLOW)

    def connection_param(self, name: str) -> str | None:
        """The connection parameter ``name``, or ``None`` when the connection has none."""
        return self.connection_params.get(name)


# The messages are typed Any: each protocol has its own generated classes.


def _params(message: Any) -> Mapping[str, str]:
    if not message.connection_params:
        return _NO_PARAMS
    return types.MappingProxyType(dict(message.connection_params))


def _credential(c: Any) -> Credential:
    return Credential(c.mode, c.subject_id, c.connection, c.instance)


def _request_v2(message: Any) -> Request:
    """Protocol 2's layout; the subject is ``1 id, 2 kind, 3 display_name, 4 auth_source``.

    Positional and without intermediate dicts: this is the per-call path of protocol 2.
    """
    subject, credential, access = _NO_SUBJECT, _NO_CREDENTIAL, _NO_ACCESS
    if message.HasField("context"):
        context = message.context
        if context.HasField("subject"):
            s = context.subject
            subject = Subject(s.id, s.kind, s.display_name, s.auth_source)
        if context.HasField("credential"):
            credential = _credential(context.credential)
        if context.HasField("access"):
            access = Access(context.access.policy, context.access.role)
    return Request(
        message.token, _params(message), message.invocation_id, subject, credential, access
    )


def _subject_v5(s: Any) -> Subject:
    """Protocol 5's subject: ``1 id, 3 email, 4 display_name, 5 scopes, 6 permissions``."""
    permissions = tuple(
        Permission(p.app, tuple(p.operations), p.all_operations) for p in s.permissions
    )
    return Subject(
        id=s.id,
        display_name=s.display_name,
        email=s.email,
        scopes=tuple(s.scopes),
        permissions=permissions,
    )


def _context_v5(context: Any) -> dict[str, Any]:
    """The :class:`Request` fields a protocol-5 ``RequestContext`` holds."""
    parts: dict[str, Any] = {}
    if context.HasField("subject"):
        parts["subject"] = _subject_v5(context.subject)
    if context.HasField("credential"):
        parts["credential"] = _credential(context.credential)
    if context.HasField("access"):
        parts["access"] = Access(context.access.policy, context.access.role)
    if context.HasField("agent_subject"):
        parts["agent_subject"] = _subject_v5(context.agent_subject)
    if context.HasField("host"):
        parts["host"] = Host(context.host.public_base_url)
    if context.HasField("caller"):
        parts["caller"] = Caller(context.caller.kind, context.caller.name)
    if context.HasField("invocation"):
        i = context.invocation
        parts["invocation"] = Invocation(
            i.request_id,
            i.depth,
            tuple(i.call_chain),
            i.surface,
            i.internal_connection_access,
            i.connection,
        )
    if context.HasField("request_meta"):
        m = context.request_meta
        parts["request_meta"] = RequestMeta(m.client_ip, m.remote_addr, m.user_agent)
    if context.HasField("agent"):
        a = context.agent
        parts["agent"] = AgentInvocation(a.provider_name, a.session_id, a.turn_id)
    if context.HasField("workflow"):
        parts["workflow"] = types.MappingProxyType(struct_to_dict(context.workflow))
    return parts


def _request_v5(message: Any) -> Request:
    parts = _context_v5(message.context) if message.HasField("context") else {}
    # Only ExecuteRequest has an idempotency key; GetSessionCatalogRequest has none.
    key = getattr(message, "idempotency_key", "")
    return Request(
        message.token, _params(message), message.invocation_id, idempotency_key=key, **parts
    )


#: Each protocol's decoder: its own context layout, never the other's.
DECODERS: Mapping[int, Callable[[Any], Request]] = {2: _request_v2, 5: _request_v5}


def request_from_proto(message: Any, protocol: int = 2) -> Request:
    """The :class:`Request` for an ``ExecuteRequest`` or ``GetSessionCatalogRequest``.

    Args:
        message: The request, of ``protocol``'s generated classes.
        protocol: The protocol served: its layout decodes the context.
    """
    return DECODERS[protocol](message)


def context_request(context: Any | None) -> Request:
    """The :class:`Request` for a bare protocol-5 ``RequestContext`` (``None``: absent)."""
    return Request() if context is None else Request(**_context_v5(context))


@dataclasses.dataclass(frozen=True, slots=True)
class IntegrationToken:
    """A stored connection, as ``PostConnect`` receives it (PROTOCOL.md 4.7).

    Attributes:
        id, user_id, integration, instance: Which connection this is.
        access_token, refresh_token: Secrets; never log them.
        scopes: The granted scopes as one string.
        expires_at, last_refreshed_at, created_at, updated_at: UTC instants, or ``None``.
        refresh_error_count: Failed refreshes so far.
        metadata_json: The connection metadata, a JSON object serialised as a string.
    """

    id: str = ""
    user_id: str = ""
    integration: str = ""
    instance: str = ""
    access_token: str = dataclasses.field(default="", repr=False)
    refresh_token: str = dataclasses.field(default="", repr=False)
    scopes: str = ""
    expires_at: datetime.datetime | None = None
    last_refreshed_at: datetime.datetime | None = None
    refresh_error_count: int = 0
    metadata_json: str = ""
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None

    @property
    def subject_id(self) -> str:
        """Upstream's name (``ConnectedToken.subject_id``) for :attr:`user_id`."""
        return self.user_id

    @property
    def metadata(self) -> dict[str, Any]:
        """The connection metadata decoded from ``metadata_json`` (``{}`` if not an object)."""
        try:
            decoded = json.loads(self.metadata_json) if self.metadata_json else {}
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}


def _instant(message: plugin_pb2.IntegrationToken, name: str) -> datetime.datetime | None:
    if not message.HasField(name):  # type: ignore[arg-type]
        return None
    stamp: timestamp_pb2.Timestamp = getattr(message, name)
    return stamp.ToDatetime(tzinfo=datetime.UTC)


def token_from_proto(message: plugin_pb2.IntegrationToken) -> IntegrationToken:
    """The :class:`IntegrationToken` for a ``PostConnect`` request."""
    return IntegrationToken(
        id=message.id,
        user_id=message.user_id,
        integration=message.integration,
        instance=message.instance,
        access_token=message.access_token,
        refresh_token=message.refresh_token,
        scopes=message.scopes,
        expires_at=_instant(message, "expires_at"),
        last_refreshed_at=_instant(message, "last_refreshed_at"),
        refresh_error_count=message.refresh_error_count,
        metadata_json=message.metadata_json,
        created_at=_instant(message, "created_at"),
        updated_at=_instant(message, "updated_at"),
    )
