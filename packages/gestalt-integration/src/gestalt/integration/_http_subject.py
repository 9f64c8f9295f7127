"""Hosted HTTP routes (protocol 5): which subject an inbound HTTP request acts as.

An app can expose HTTP routes through the host (webhooks, for example). The host checks
the route's security scheme, then asks the app's ``@plugin.http_subject`` hook who the
request acts as. The names are upstream's.
"""

from __future__ import annotations

import dataclasses
import http
from collections.abc import Mapping
from typing import Any

from gestalt.core.serving import status_text, struct_to_dict
from gestalt.integration._context import Subject


@dataclasses.dataclass(slots=True)
class HTTPSubjectRequest:
    """The inbound HTTP request, as the host verified it.

    Attributes:
        binding: The route's key in the manifest.
        method: The HTTP method.
        path: The request path.
        content_type: The request's content type.
        headers: Header values by name, in order.
        query: Query parameter values by name, in order.
        params: The decoded body and parameters.
        raw_body: The body exactly as received (for signature checks).
        security_scheme: The scheme that verified the request.
        verified_subject: The subject the scheme established, if any.
        verified_claims: The claims the scheme established.
    """

    binding: str = ""
    method: str = ""
    path: str = ""
    content_type: str = ""
    headers: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    query: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    raw_body: bytes = b""
    security_scheme: str = ""
    verified_subject: str = ""
    verified_claims: dict[str, str] = dataclasses.field(default_factory=dict)


class HTTPSubjectResolutionError(Exception):
    """Raise it from an ``http_subject`` hook to reject the HTTP request.

    Args:
        status: The HTTP status the host answers with (100-599).
        message: Text for the caller; empty means the status's reason phrase.

    Raises:
        ValueError: ``status`` is not an HTTP status.
    """

    def __init__(self, status: int | http.HTTPStatus, message: str = "") -> None:
        self.status = int(status)
        if not 100 <= self.status <= 599:
            raise ValueError(f"HTTP status must be within 100..599, got {status!r:.40}")
        if not message:
            try:
                message = http.HTTPStatus(self.status).phrase
            except ValueError:
                message = ""
        self.message = message
        super().__init__(message)


def http_subject_error(
    status: int | http.HTTPStatus, message: str = ""
) -> HTTPSubjectResolutionError:
    """The error that rejects the HTTP request with ``status`` (upstream's helper)."""
    return HTTPSubjectResolutionError(status, message)


def _lists(values: Mapping[str, Any]) -> dict[str, list[str]]:
    return {name: list(item.values) for name, item in values.items()}


def http_request_from_proto(message: Any) -> HTTPSubjectRequest:
    """The :class:`HTTPSubjectRequest` for a protocol-5 ``HTTPSubjectRequest`` message."""
    return HTTPSubjectRequest(
        binding=message.binding,
        method=message.method,
        path=message.path,
        content_type=message.content_type,
        headers=_lists(message.headers),
        query=_lists(message.query),
        params=struct_to_dict(message.params) if message.HasField("params") else {},
        raw_body=bytes(message.raw_body),
        security_scheme=message.security_scheme,
        verified_subject=message.verified_subject,
        verified_claims=dict(message.verified_claims),
    )


def resolution_fields(outcome: Subject | None) -> dict[str, Any]:
    """What a hook's return value means on the wire: no subject, or act as this one.

    Raises:
        TypeError: The hook returned something else than a ``Subject`` or ``None``.
    """
    if outcome is None:
        return {}
    if not isinstance(outcome, Subject):
        raise TypeError(f"http_subject hook returned {type(outcome).__name__}, not a Subject")
    if not outcome.id:
        return {}  # the host reads a blank id as "no subject"
    return {"id": outcome.id, "email": outcome.email, "display_name": outcome.display_name}


def rejection_fields(error: HTTPSubjectResolutionError) -> dict[str, Any]:
    """The response fields of a rejection (the message cut to what a status carries)."""
    return {"reject_status": error.status, "reject_message": status_text(error.message)}
