"""Conformance provider: every row of the Execute table, context, session catalog."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydantic import BaseModel, Field

from gestalt.integration import (
    Catalog,
    Error,
    IntegrationToken,
    NotFoundError,
    Plugin,
    Request,
    Response,
)

plugin = Plugin("conformance")
settings: dict[str, Any] = {}


class Item(BaseModel):
    name: str
    qty: int


class Order(BaseModel):
    customer: str = Field(description="Who orders")
    items: list[Item]
    note: str | None = None
    rush: bool = False


class Echo(BaseModel):
    n: int = 0
    f: float = 0.0
    s: str = ""
    b: bool = False
    tags: list[str] = []
    nested: Item | None = None


class Delay(BaseModel):
    seconds: float
    tag: int


@plugin.configure
def configure(name: str, config: dict[str, Any]) -> None:
    settings.update(config, name=name)


@plugin.on_close
async def close() -> None:  # async: runs on the server's loop
    marker = settings.get("close_marker")
    if marker:
        with open(marker, "w") as handle:
            handle.write("closed")


@plugin.operation(method="GET", read_only=True, tags=["t"], allowed_roles=["admin"])
def echo(params: Echo) -> Echo:
    """Echo the params back."""
    return params


@plugin.operation(id="orders.create")
async def create_order(order: Order) -> dict[str, Any]:
    return {"customer": order.customer, "total": sum(i.qty for i in order.items)}


@plugin.operation
def accepted() -> Response[dict[str, str]]:
    return Response(202, {"state": "queued"})


@plugin.operation
def teapot() -> None:
    raise Error(418, "short and stout")


@plugin.operation
def missing() -> None:
    raise NotFoundError("no such widget")


@plugin.operation
def empty_message() -> None:
    raise Error(403)


@plugin.operation
def crash() -> None:
    raise RuntimeError("secret detail that must not leak")


@plugin.operation
async def crash_async() -> None:
    raise KeyError("boom")


@plugin.operation
def whoami(request: Request) -> dict[str, Any]:
    return {
        "token": request.token,
        "tenant": request.connection_param("tenant"),
        "missing": request.connection_param("nope"),
        "invocation_id": request.invocation_id,
        "subject": request.subject.id if request.subject else None,
        "kind": request.subject.kind if request.subject else None,
        "credential": request.credential.mode if request.credential else None,
        "role": request.access.role if request.access else None,
    }


@plugin.operation
def config() -> dict[str, Any]:
    return settings


@plugin.operation
def sleep_sync(params: Delay) -> dict[str, int]:
    time.sleep(params.seconds)
    return {"tag": params.tag}


@plugin.operation
async def sleep_async(params: Delay, request: Request) -> dict[str, Any]:
    await asyncio.sleep(params.seconds)
    return {"tag": params.tag, "invocation": request.invocation_id}


class Size(BaseModel):
    size: int


@plugin.operation
async def blob(params: Size) -> str:
    return "x" * params.size


@plugin.operation
def unencodable() -> object:
    return object()


@plugin.session_catalog
def session(request: Request) -> Catalog | dict[str, Any] | None:
    role = request.access.role if request.access else None
    if role == "static":
        return plugin.catalog()
    if role == "broken":
        raise RuntimeError("session hook failed")
    if role == "mapping":
        return {
            "name": "conformance",
            "operations": [{"id": "extra", "readOnly": True, "inputSchema": {"type": "object"}}],
        }
    return None


@plugin.post_connect
def post_connect(token: IntegrationToken) -> dict[str, str]:
    return {"integration": token.integration, "has_expiry": str(token.expires_at is not None)}
