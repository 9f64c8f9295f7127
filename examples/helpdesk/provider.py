"""helpdesk: an integration provider in upstream gestalt-sdk's style, ported by one line.

Written the way providers for upstream's ``gestalt-sdk`` are: module-level decorators and
no ``Plugin`` object (the name comes from ``manifest.yaml``), an undecorated
``configure``, a ``dict[str, Any]`` input, ``X | Response[T]`` returns and a handler
that reads the caller's subject. It calls a remote ticket API at a configurable base
URL with the connection's token. ``provider.py.upstream`` is the same file for
upstream's SDK: only the import line differs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from gestalt import integration as gestalt

settings: dict[str, Any] = {"base_url": "https://helpdesk.example.com/api", "timeout": 10.0}


def configure(name: str, config: dict[str, Any]) -> None:
    """Take the remote API's base URL from the host's config for this instance."""
    settings["base_url"] = str(config.get("base_url", settings["base_url"])).rstrip("/")


class Ticket(gestalt.Model):
    id: int
    title: str
    status: str = gestalt.field(default="open", description="open or closed")
    reporter: str = gestalt.field(default="", description="Who opened it")


class NewTicket(gestalt.Model):
    title: str = gestalt.field(description="One-line summary")
    body: str = gestalt.field(default="", description="Details")


def call_api(method: str, path: str, token: str, payload: Any = None) -> tuple[int, Any]:
    """One request to the remote API; returns its status and decoded JSON body."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(settings["base_url"] + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=settings["timeout"]) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


@gestalt.operation(method="GET", read_only=True)
def list_tickets(
    params: dict[str, Any], request: gestalt.Request
) -> list[Ticket] | gestalt.Response[dict[str, str]]:
    """List tickets; params: status (optional), limit (optional integer)."""
    query = urllib.parse.urlencode({"status": params.get("status", "open")})
    status, body = call_api("GET", f"/tickets?{query}", request.token)
    if status != 200:
        return gestalt.Response(502, {"error": f"helpdesk answered {status}"})
    tickets = [Ticket(**item) for item in body]
    limit = params.get("limit")
    return tickets[:limit] if isinstance(limit, int) else tickets


@gestalt.operation
def create_ticket(params: NewTicket, request: gestalt.Request) -> Ticket | gestalt.Response[Ticket]:
    """Open a ticket in the caller's name."""
    if not request.subject.id:
        raise gestalt.Error(403, "a signed-in caller is required")
    payload = {"title": params.title, "body": params.body, "reporter": request.subject.id}
    status, body = call_api("POST", "/tickets", request.token, payload)
    if status != 201:
        raise gestalt.Error(502, f"helpdesk answered {status}")
    return gestalt.Response(201, Ticket(**body))


@gestalt.operation(method="GET", read_only=True)
def whoami(request: gestalt.Request) -> dict[str, str]:
    """Who the host says is calling."""
    return {"id": request.subject.id, "name": request.subject.display_name}
