"""One provider for both protocols: what each wire carries (body, headers, context, hooks)."""

from __future__ import annotations

import dataclasses
from typing import Any

from gestalt.integration import (
    HTTPSubjectRequest,
    HTTPSubjectResolutionError,
    Plugin,
    RawResponse,
    Request,
    Response,
    Subject,
)

plugin = Plugin("wires")


@plugin.operation
def raw() -> RawResponse:
    return RawResponse(b"\xff\x00png", "image/png", status=201, headers={"X-Tag": ["a", "b"]})


@plugin.operation
def with_headers() -> Response[dict[str, int]]:
    return Response(200, {"n": 1}, headers={"Location": "/items/1"})


@plugin.operation
def own_content_type() -> Response[str]:
    return Response(200, "x", headers={"content-TYPE": "application/problem+json"})


@plugin.operation
def text() -> str:
    return "héllo"


@plugin.operation
def context(request: Request) -> dict[str, Any]:
    """Every part of the context, as the handler sees it."""
    plain = dataclasses.replace(request, connection_params={}, workflow=dict(request.workflow))
    return dataclasses.asdict(plain)


@plugin.session_catalog
def session(request: Request) -> dict[str, Any]:
    return {"name": "wires", "operations": [{"id": f"for.{request.subject.display_name}"}]}


@plugin.post_connect
def post_connect() -> dict[str, str]:
    return {"connected": "yes"}


@plugin.http_subject
def http_subject(request: HTTPSubjectRequest, context: Request) -> Subject | None:
    mode = request.headers.get("X-Mode", [""])[0]
    if mode == "reject":
        raise HTTPSubjectResolutionError(401, "bad signature " + "x" * 10_000)
    if mode == "crash":
        raise RuntimeError("hook bug")
    if mode == "none":
        return None
    return Subject(
        id=f"user:{request.verified_subject}",
        email=f"{request.path}|{request.raw_body.decode()}|{request.query['q'][0]}",
        display_name=context.host.public_base_url,
    )
