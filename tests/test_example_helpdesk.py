"""examples/helpdesk end to end: an upstream-style provider, ported by its import line.

A local HTTP server on 127.0.0.1 plays the remote helpdesk API; the provider runs in
the real runtime under the host emulator, with the server's URL as its config.
"""

from __future__ import annotations

import difflib
import http.server
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gestalt.core.testing import ProviderProcess, export_catalog, launch
from gestalt.provider.v1 import plugin_pb2

EXAMPLE = Path(__file__).parent.parent / "examples" / "helpdesk"
TOKEN = "conn-token"


class RemoteAPI(http.server.ThreadingHTTPServer):
    """The helpdesk the provider calls: tickets in memory, every request recorded."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tickets: list[dict[str, Any]] = [
            {"id": 1, "title": "printer", "status": "open", "reporter": "user:2"},
            {"id": 2, "title": "vpn", "status": "closed", "reporter": "user:3"},
        ]
        self.seen: list[tuple[str, str, str]] = []
        self.fail_with: int | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/api"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: RemoteAPI

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.server.seen.append(("GET", self.path, self.headers["Authorization"]))
        if self.server.fail_with is not None:
            self._reply(self.server.fail_with, {"oops": True})
            return
        wanted = self.path.partition("status=")[2]
        self._reply(200, [t for t in self.server.tickets if t["status"] == wanted])

    def do_POST(self) -> None:
        self.server.seen.append(("POST", self.path, self.headers["Authorization"]))
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ticket = {"id": len(self.server.tickets) + 1, "status": "open", **payload}
        self.server.tickets.append(ticket)
        self._reply(201, {k: ticket[k] for k in ("id", "title", "status", "reporter")})

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on ``seen`` instead."""


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteAPI]:
    server = RemoteAPI()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def proc(remote: RemoteAPI) -> Iterator[ProviderProcess]:
    config = {"base_url": remote.url}
    with launch(EXAMPLE, python=sys.executable, name="desk", config=config) as p:
        yield p


def call(
    p: ProviderProcess, op: str, params: dict[str, Any] | None = None, subject: str = ""
) -> tuple[int, Any]:
    context = plugin_pb2.RequestContext(
        subject=plugin_pb2.SubjectContext(id=subject, display_name="Ann") if subject else None
    )
    result = p.execute(op, params, token=TOKEN, context=context, timeout=30)
    return result.status, json.loads(result.body)


def test_only_the_import_line_differs_from_the_upstream_form() -> None:
    ours = (EXAMPLE / "provider.py").read_text().splitlines()
    upstream = (EXAMPLE / "provider.py.upstream").read_text().splitlines()
    changed = [
        line
        for line in difflib.unified_diff(upstream, ours, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ["-import gestalt", "+from gestalt import integration as gestalt"]


def test_catalog_named_from_the_manifest(tmp_path: Path) -> None:
    exported = export_catalog(EXAMPLE, python=sys.executable, path=tmp_path / "catalog.yaml")
    catalog = exported.catalog
    assert catalog["name"] == "helpdesk"  # manifest.yaml's source, last segment
    ops = {op["id"]: op for op in catalog["operations"]}
    assert set(ops) == {"list_tickets", "create_ticket", "whoami"}
    listing = ops["list_tickets"]
    assert "parameters" not in listing  # a dict input declares none ...
    assert listing["inputSchema"] == {"type": "object", "additionalProperties": True}
    # ... and X | Response[T] describes the bodies, never the Response wrapper.
    assert [b.get("type") for b in listing["outputSchema"]["anyOf"]] == ["array", "object"]
    assert "Response" not in json.dumps(catalog)
    assert ops["create_ticket"]["outputSchema"]["title"] == "Ticket"


def test_dict_input_gets_json_values_and_calls_the_remote(
    proc: ProviderProcess, remote: RemoteAPI
) -> None:
    status, body = call(proc, "list_tickets", {"status": "open", "limit": 1})
    assert status == 200
    assert body == [{"id": 1, "title": "printer", "status": "open", "reporter": "user:2"}]
    assert remote.seen[-1] == ("GET", "/api/tickets?status=open", f"Bearer {TOKEN}")
    assert call(proc, "list_tickets")[1][0]["id"] == 1  # no params: {} (default status)


def test_remote_failure_is_the_handlers_own_status(
    proc: ProviderProcess, remote: RemoteAPI
) -> None:
    remote.fail_with = 503
    try:
        assert call(proc, "list_tickets") == (502, {"error": "helpdesk answered 503"})
    finally:
        remote.fail_with = None


def test_handler_uses_the_subject(proc: ProviderProcess, remote: RemoteAPI) -> None:
    status, body = call(proc, "create_ticket", {"title": "disk full"}, subject="user:7")
    assert status == 201
    assert body["reporter"] == "user:7"
    assert remote.tickets[-1]["title"] == "disk full"


def test_no_subject_is_a_clean_403_not_a_crash(proc: ProviderProcess) -> None:
    assert call(proc, "create_ticket", {"title": "x"}) == (
        403,
        {"error": "a signed-in caller is required"},
    )
    assert call(proc, "whoami") == (200, {"id": "", "name": ""})
    assert call(proc, "whoami", subject="user:7") == (200, {"id": "user:7", "name": "Ann"})


def test_validation_stays_strict(proc: ProviderProcess) -> None:
    status, body = call(proc, "create_ticket", {"title": 5}, subject="user:7")
    assert status == 400
    assert body["details"][0]["path"] == "title"
