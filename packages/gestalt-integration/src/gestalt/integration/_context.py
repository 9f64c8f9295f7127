"""Who is calling: the typed, immutable request context a handler can ask for."""

from __future__ import annotations

import dataclasses
import datetime
import json
import types
from collections.abc import Mapping
from typing import Any

from google.protobuf import timestamp_pb2

from gestalt.provider.v1 import plugin_pb2

_NO_PARAMS: Mapping[str, str] = types.MappingProxyType({})


class _Part:
    """A part of the request context: always present, false when the host sent none of it."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in dataclasses.fields(self))  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True, slots=True)
class Subject(_Part):
    """The caller (PROTOCOL.md 4.4); false when the host sent no subject.

    Attributes:
        id: ``user:<id>`` or ``workload:<id>``.
        kind: ``user``, ``workload`` or empty.
        display_name: The caller's display name.
        auth_source: ``session``, ``api_token``, ``workload_token``, ``env`` or empty.
    """

    id: str = ""
    kind: str = ""
    display_name: str = ""
    auth_source: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Credential(_Part):
    """The stored credential the host picked for this call; false when there is none.

    Attributes:
        mode: The connection mode: ``none``, ``user``, ``identity`` or ``either``.
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


_NO_SUBJECT = Subject()
_NO_CREDENTIAL = Credential()
_NO_ACCESS = Access()


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """The context of one ``Execute`` or ``GetSessionCatalog`` call.

    A handler receives it when one of its parameters is annotated ``Request``.
    ``subject``, ``credential`` and ``access`` are always objects, as upstream's are, so
    ``request.subject.id`` never fails; the host leaves out what it does not know, and
    a part it left out is empty and false (``if request.subject:``).

    Attributes:
        token: The upstream credential for this call; a secret, never log it.
        connection_params: Metadata of the stored connection (read-only).
        invocation_id: The host's request id, for logs (may be empty).
        subject: Who is calling (empty when the host sent no subject).
        credential: Which stored credential was used (empty when none).
        access: The access policy and role (empty when the host sent none).
    """

    token: str = dataclasses.field(default="", repr=False)
    connection_params: Mapping[str, str] = dataclasses.field(default_factory=lambda: _NO_PARAMS)
    invocation_id: str = ""
    subject: Subject = _NO_SUBJECT
    credential: Credential = _NO_CREDENTIAL
    access: Access = _NO_ACCESS

    def connection_param(self, name: str) -> str | None:
        """The connection parameter ``name``, or ``None`` when the connection has none."""
        return self.connection_params.get(name)


def request_from_proto(
    message: plugin_pb2.ExecuteRequest | plugin_pb2.GetSessionCatalogRequest,
) -> Request:
    """The :class:`Request` for an incoming call (absent sub-messages become empty parts)."""
    subject, credential, access = _NO_SUBJECT, _NO_CREDENTIAL, _NO_ACCESS
    if message.HasField("context"):
        context = message.context
        if context.HasField("subject"):
            s = context.subject
            subject = Subject(s.id, s.kind, s.display_name, s.auth_source)
        if context.HasField("credential"):
            c = context.credential
            credential = Credential(c.mode, c.subject_id, c.connection, c.instance)
        if context.HasField("access"):
            access = Access(context.access.policy, context.access.role)
    params = (
        types.MappingProxyType(dict(message.connection_params))
        if message.connection_params
        else _NO_PARAMS
    )
    return Request(message.token, params, message.invocation_id, subject, credential, access)


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
