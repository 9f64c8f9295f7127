"""Integration conformance: the real runtime in a subprocess, driven by the host emulator
playing a protocol-2 and a protocol-5 gestaltd (the `protocol` fixture); rows that exist on
one protocol only say so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2

from gestalt.core.serving import MAX_STATUS_BYTES
from gestalt.core.testing import ProviderProcess, export_catalog, launch
from gestalt.provider.v1 import plugin_pb2

PROVIDERS = Path(__file__).parent / "providers"
MAIN = PROVIDERS / "integration_main"
PLAIN = PROVIDERS / "integration_plain"
UPSTREAM = PROVIDERS / "integration_upstream"
EXAMPLE = Path(__file__).parent.parent / "examples" / "weather"
WIRES = PROVIDERS / "integration_wires"


# -- helpers over the emulator's protocol-2 and protocol-5 hosts ----------------------------


def messages(p: ProviderProcess) -> ModuleType:
    """The integration messages of ``p``'s protocol (``plugin`` on 2, ``app`` on 5)."""
    return p.stubs("plugin" if p.protocol == 2 else "app")[0]


def call_path(p: ProviderProcess, path: str) -> bytes:
    """Call ``path`` with an empty request, whatever service the provider registered."""
    method: grpc.UnaryUnaryMultiCallable[bytes, bytes] = p.channel.unary_unary(path)
    answer: bytes = method(b"", timeout=10)
    return answer


@pytest.fixture(scope="module")
def main(protocol: int) -> Iterator[ProviderProcess]:
    config = {"region": "eu", "n": 2}
    with launch(MAIN, python=sys.executable, name="conf", config=config, protocol=protocol) as p:
        yield p


@pytest.fixture(scope="module")
def plain(protocol: int) -> Iterator[ProviderProcess]:
    with launch(PLAIN, python=sys.executable, protocol=protocol) as p:
        yield p


def only(protocol: int, served: ProviderProcess) -> None:
    """Skip unless ``served`` speaks ``protocol`` (for what only one wire has)."""
    if served.protocol != protocol:
        pytest.skip(f"protocol {protocol} only")


def call(p: ProviderProcess, op: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
    result = p.execute(op, params)
    return result.status, json.loads(result.body)


# -- the status/body table (PROTOCOL.md 4.3) ---------------------------------------------


def test_success_is_200_json(main: ProviderProcess) -> None:
    status, body = call(main, "echo", {"n": 3, "s": "x", "tags": ["a"], "nested": None})
    assert status == 200
    assert body == {"n": 3, "f": 0.0, "s": "x", "b": False, "tags": ["a"], "nested": None}


def test_async_handler_and_dotted_id(main: ProviderProcess) -> None:
    params = {"customer": "c", "items": [{"name": "a", "qty": 2}, {"name": "b", "qty": 3}]}
    assert call(main, "orders.create", params) == (200, {"customer": "c", "total": 5})


def test_handler_chosen_status(main: ProviderProcess) -> None:
    assert call(main, "accepted") == (202, {"state": "queued"})


def test_unknown_operation_is_404(main: ProviderProcess) -> None:
    assert call(main, "nope") == (404, {"error": "unknown operation"})


def test_sdk_errors_carry_their_status(main: ProviderProcess) -> None:
    assert call(main, "teapot") == (418, {"error": "short and stout"})
    assert call(main, "missing") == (404, {"error": "no such widget"})
    assert call(main, "empty_message") == (403, {"error": "Forbidden"})


@pytest.mark.parametrize("op", ["crash", "crash_async", "unencodable"])
def test_crash_is_500_then_server_keeps_serving(main: ProviderProcess, op: str) -> None:
    assert call(main, op) == (500, {"error": "internal error"})
    assert call(main, "echo", {"n": 1})[0] == 200
    output = main.output()
    assert "Traceback" in output
    assert "secret detail" not in json.dumps(call(main, "crash")[1])


def test_missing_params_is_400_naming_fields(main: ProviderProcess) -> None:
    status, body = call(main, "orders.create")  # absent Struct means {}
    assert status == 400
    paths = {d["path"] for d in body["details"]}
    assert paths == {"customer", "items"}
    assert "customer" in body["error"]
    assert "items" in body["error"]


def test_nested_list_paths(main: ProviderProcess) -> None:
    items = [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}, {"name": "c", "qty": 2.5}]
    status, body = call(main, "orders.create", {"customer": "c", "items": [*items, {"qty": 1}]})
    assert status == 400
    assert [d["path"] for d in body["details"]] == ["items.2.qty", "items.3.name"]
    assert body["details"][0]["loc"] == ["items", 2, "qty"]
    assert "items.2.qty" in body["error"]


def test_integral_doubles(main: ProviderProcess) -> None:
    assert call(main, "echo", {"n": 3.0})[1]["n"] == 3
    status, body = call(main, "echo", {"n": 3.5})
    assert status == 400
    assert body["details"][0]["path"] == "n"
    assert call(main, "echo", {"f": 2})[1]["f"] == 2.0


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"s": 12}, "s"),  # a number is not silently a string
        ({"tags": "abc"}, "tags"),  # a string is not iterated into a list
        ({"n": None}, "n"),  # null for a non-optional field
        ({"nested": "x"}, "nested"),  # a string where an object belongs
        ({"n": "3"}, "n"),  # numeric text is not an integer
        ({"n": True}, "n"),  # a bool is not an integer
        ({"b": 1}, "b"),  # a number is not a bool
        ({"b": "true"}, "b"),  # nor is text (upstream coerced it)
        ({"n": "10"}, "n"),  # upstream coerced this too
        ({"n": {"a": 1}}, "n"),
    ],
)
def test_strictness(main: ProviderProcess, params: dict[str, Any], path: str) -> None:
    status, body = call(main, "echo", params)
    assert status == 400, body
    assert next(d["path"] for d in body["details"]).startswith(path)


def test_nested_model_path(main: ProviderProcess) -> None:
    status, body = call(main, "echo", {"nested": {"name": 5, "qty": "x"}})
    assert status == 400
    assert [d["path"] for d in body["details"]] == ["nested.name", "nested.qty"]


# -- what the host can receive ------------------------------------------------------------

HOST_RECEIVE_LIMIT = 4 * 1024 * 1024  # gestaltd's gRPC client keeps grpc's default


def host_limited_execute(p: ProviderProcess, op: str, params: dict[str, Any]) -> Any:
    """Execute through a client with the host's limits: 4 MiB receive, 16 KiB metadata."""
    options = [
        ("grpc.max_receive_message_length", HOST_RECEIVE_LIMIT),
        ("grpc.max_metadata_size", 16 * 1024),
        ("grpc.default_authority", "localhost"),
    ]
    request = messages(p).ExecuteRequest(operation=op)
    request.params.update(params)
    with grpc.insecure_channel(f"unix:{p.socket_path}", options=options) as channel:
        stub = type(p.integration)(channel)  # the same generation's stub, on this channel
        return stub.Execute(request, timeout=30)


def test_result_over_the_host_limit_is_an_error_result(main: ProviderProcess) -> None:
    size = 8 * 1024 * 1024
    result = host_limited_execute(main, "blob", {"size": size})
    assert result.status == 502
    message = json.loads(result.body)["error"]
    reported = int(message.split(" bytes")[0].rsplit(" ", 1)[1])
    framing = 16 if main.protocol == 2 else 64  # protocol 5 adds the Content-Type header
    assert size + 2 < reported < size + framing  # the JSON string's quotes, the fields
    assert f"{HOST_RECEIVE_LIMIT} bytes (4 MiB)" in message
    lines = [line for line in main.output().splitlines() if "over the host's" in line]
    assert len(lines) == 1
    assert "'blob'" in lines[0]


def test_result_just_under_the_host_limit_is_received(main: ProviderProcess) -> None:
    size = HOST_RECEIVE_LIMIT - 64  # the string's quotes and the fields' framing fit
    result = host_limited_execute(main, "blob", {"size": size})
    assert result.status == 200
    assert len(result.body) == size + 2


# -- context, configure, concurrency -----------------------------------------------------


def test_request_context(main: ProviderProcess) -> None:
    pb = messages(main)
    kind = {"kind": "user"} if main.protocol == 2 else {}  # protocol 5 has no kind
    context = pb.RequestContext(
        subject=pb.SubjectContext(id="user:1", display_name="Ann", **kind),
        access=pb.AccessContext(policy="p", role="viewer"),
    )
    result = main.execute(
        "whoami",
        token="tok",
        connection_params={"tenant": "acme"},
        invocation_id="inv-1",
        context=context,
    )
    assert result.status == 200
    assert json.loads(result.body) == {
        "token": "tok",
        "tenant": "acme",
        "missing": None,
        "invocation_id": "inv-1",
        "subject": "user:1",
        "kind": kind.get("kind", ""),
        "credential": None,  # absent sub-message
        "role": "viewer",
    }


def test_absent_context(main: ProviderProcess) -> None:
    body = json.loads(main.execute("whoami").body)
    assert body["subject"] is None
    assert body["role"] is None
    assert body["token"] == ""


def test_configure_ran_with_name_and_config(main: ProviderProcess) -> None:
    assert call(main, "config") == (200, {"region": "eu", "n": 2, "name": "conf"})


def test_close_hook_runs_on_sigterm(tmp_path: Path) -> None:
    marker = tmp_path / "closed"
    with launch(MAIN, python=sys.executable, config={"close_marker": str(marker)}) as p:
        assert p.execute("config").status == 200
        result = p.stop()
    assert result.exit_code == 0
    assert result.seconds < 2.0
    assert marker.read_text() == "closed"


def test_start_provider_wrong_version(main: ProviderProcess) -> None:
    request = messages(main).StartProviderRequest(name="x", protocol_version=3)
    with pytest.raises(grpc.RpcError) as info:
        main.integration.StartProvider(request)
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert info.value.details() == "host requested protocol version 3; this SDK serves 2 and 5"


def test_64_concurrent_calls(main: ProviderProcess) -> None:
    def one(i: int) -> tuple[int, dict[str, Any]]:
        op = "sleep_sync" if i % 2 else "sleep_async"
        result = main.execute(op, {"seconds": 0.2, "tag": i}, invocation_id=f"i{i}")
        return result.status, json.loads(result.body)

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(one, range(64)))
    for i, (status, body) in enumerate(results):
        assert status == 200
        assert body["tag"] == i
        if i % 2 == 0:
            assert body["invocation"] == f"i{i}"


# -- metadata, session catalogs, post-connect --------------------------------------------


def test_metadata(main: ProviderProcess, plain: ProviderProcess) -> None:
    assert main.metadata is not None
    assert plain.metadata is not None
    assert main.metadata.supports_session_catalog
    version = main.protocol
    assert main.metadata.min_protocol_version == main.metadata.max_protocol_version == version
    assert not main.metadata.HasField("static_catalog")
    assert not main.metadata.name
    assert not plain.metadata.supports_session_catalog
    assert plain.metadata.min_protocol_version == version
    if version == 2:  # protocol 5 has no PostConnect
        assert main.metadata.supports_post_connect
        assert not plain.metadata.supports_post_connect


def _session(p: ProviderProcess, role: str) -> Any:
    context = messages(p).RequestContext(access=messages(p).AccessContext(role=role))
    request = messages(p).GetSessionCatalogRequest(context=context)
    return p.integration.GetSessionCatalog(request)


def test_session_catalog_on(main: ProviderProcess) -> None:
    assert not _session(main, "nobody").HasField("catalog")
    mapped = _session(main, "mapping").catalog
    assert mapped.name == "conformance"
    assert mapped.operations[0].id == "extra"
    assert mapped.operations[0].read_only
    assert json.loads(mapped.operations[0].input_schema) == {"type": "object"}
    with pytest.raises(grpc.RpcError) as info:
        _session(main, "broken")
    assert info.value.code() == grpc.StatusCode.UNKNOWN
    assert str(info.value.details()).startswith("session catalog: ")


def test_session_catalog_off(plain: ProviderProcess) -> None:
    with pytest.raises(grpc.RpcError) as info:
        plain.integration.GetSessionCatalog(messages(plain).GetSessionCatalogRequest())
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert info.value.details() == "provider does not support session catalogs"
    assert json.loads(plain.execute("ping").body) == "pong"


def test_post_connect_unimplemented_when_not_declared(plain: ProviderProcess) -> None:
    only(2, plain)
    with pytest.raises(grpc.RpcError) as info:
        plain.integration.PostConnect(plugin_pb2.PostConnectRequest())
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_post_connect_when_declared(main: ProviderProcess) -> None:
    only(2, main)
    token = plugin_pb2.IntegrationToken(integration="conf")
    response = main.integration.PostConnect(plugin_pb2.PostConnectRequest(token=token))
    assert dict(response.metadata) == {"integration": "conf", "has_expiry": "False"}


def test_metadata_rpc_is_stable(main: ProviderProcess) -> None:
    assert main.integration.GetMetadata(empty_pb2.Empty()) == main.metadata


# -- static catalog export ---------------------------------------------------------------


def _file_to_proto(data: dict[str, Any], pb: ModuleType) -> Any:
    for op in data["operations"]:
        for key in ("inputSchema", "outputSchema"):
            if key in op:
                op[key] = json.dumps(op[key], separators=(",", ":"))
    return json_format.ParseDict(data, pb.Catalog())


def test_catalog_export_round_trips(main: ProviderProcess) -> None:
    scratch = tempfile.mkdtemp(prefix="g")
    path = Path(scratch) / "nested" / "dir" / "catalog.yaml"
    export = export_catalog(MAIN, python=sys.executable, path=path)
    assert path.exists()
    assert not [name for name in os.listdir(path.parent) if name.endswith(".sock")]
    ops = {op["id"]: op for op in export.catalog["operations"]}
    echo = ops["echo"]
    assert echo["method"] == "GET"
    assert echo["readOnly"] is True
    assert echo["annotations"] == {"readOnlyHint": True}
    assert echo["allowedRoles"] == ["admin"]
    assert echo["tags"] == ["t"]
    assert echo["description"] == "Echo the params back."
    assert isinstance(echo["inputSchema"], dict)
    params = {p["name"]: p for p in echo["parameters"]}
    assert params["n"] == {"name": "n", "type": "integer", "default": 0}
    assert params["nested"]["type"] == "object"
    assert params["tags"]["type"] == "array"
    order = {p["name"]: p for p in ops["orders.create"]["parameters"]}
    assert order["customer"] == {
        "name": "customer",
        "type": "string",
        "description": "Who orders",
        "required": True,
    }
    assert order["note"] == {"name": "note", "type": "string", "default": None}
    assert ops["orders.create"]["method"] == "POST"
    # round trip: the file parses back into the very catalog the provider reports
    reported = _session(main, "static").catalog
    assert _file_to_proto(json.loads(path.read_text()), messages(main)) == reported


def test_catalog_export_of_example() -> None:
    export = export_catalog(
        EXAMPLE, python=sys.executable, path=Path(tempfile.mkdtemp()) / "c.yaml"
    )
    assert export.catalog["name"] == "weather"


# -- the example, end to end -------------------------------------------------------------


def test_example_calls() -> None:
    calls = json.loads((EXAMPLE / "calls.json").read_text())
    statuses = []
    with launch(EXAMPLE, python=sys.executable) as p:
        for item in calls:
            context = None
            if "context" in item:
                context = json_format.ParseDict(item["context"], plugin_pb2.RequestContext())
            result = p.execute(
                item["operation"],
                item.get("params"),
                connection_params=item.get("connection_params"),
                context=context,
            )
            json.loads(result.body)
            statuses.append(result.status)
    assert 400 in statuses
    assert statuses.count(200) >= 2


# -- upstream's module-level form (TARGET names a module) ---------------------------------


def test_upstream_module_form_serves(tmp_path: Path) -> None:
    exported = export_catalog(UPSTREAM, python=sys.executable, path=tmp_path / "c.yaml")
    assert exported.catalog["name"] == "integration_upstream"  # no manifest: the folder
    with launch(UPSTREAM, python=sys.executable) as p:
        metadata = p.integration.GetMetadata(empty_pb2.Empty())
        assert metadata.supports_session_catalog
        assert metadata.supports_post_connect
        status, body = call(p, "echo", {"n": 3, "f": 2.5, "s": "x", "l": [1, {"a": True}]})
        assert status == 200
        assert body["params"] == {"n": 3, "f": 2.5, "s": "x", "l": [1, {"a": True}]}
        assert body["types"] == {"n": "int", "f": "float", "s": "str", "l": "list"}
        session = p.integration.GetSessionCatalog(plugin_pb2.GetSessionCatalogRequest())
        assert [op.id for op in session.catalog.operations] == ["only_for_you"]
        response = p.integration.PostConnect(plugin_pb2.PostConnectRequest())
        assert dict(response.metadata) == {"connected": "yes"}


# -- what differs between protocol 2 and 5 --------------------------------------------------


@pytest.fixture(scope="module")
def wires(protocol: int) -> Iterator[ProviderProcess]:
    with launch(WIRES, python=sys.executable, name="wires", protocol=protocol) as p:
        yield p


def test_metadata_and_start_echo_the_served_protocol(wires: ProviderProcess) -> None:
    assert wires.metadata.min_protocol_version == wires.metadata.max_protocol_version
    assert wires.metadata.max_protocol_version == wires.protocol
    assert wires.metadata.supports_session_catalog
    other = 5 if wires.protocol == 2 else 2
    request = messages(wires).StartProviderRequest(name="x", protocol_version=other)
    with pytest.raises(grpc.RpcError) as info:
        wires.integration.StartProvider(request)
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"requested protocol version {other}" in str(info.value.details())


def test_json_body_per_wire(wires: ProviderProcess) -> None:
    result = wires.execute("text")
    assert result.status == 200
    if wires.protocol == 2:
        assert result.body == '"héllo"'
        return
    assert result.body == '"héllo"'.encode()
    headers = {name: list(item.values) for name, item in result.headers.items()}
    assert headers == {"Content-Type": ["application/json"]}


def test_errors_are_json_with_their_content_type(wires: ProviderProcess) -> None:
    result = wires.execute("nope")
    assert (result.status, json.loads(result.body)) == (404, {"error": "unknown operation"})
    if wires.protocol == 5:
        assert list(result.headers["Content-Type"].values) == ["application/json"]


def test_response_headers(wires: ProviderProcess) -> None:
    result = wires.execute("with_headers")
    assert (result.status, json.loads(result.body)) == (200, {"n": 1})
    if wires.protocol == 2:
        return  # protocol 2 has no response headers: they are dropped
    headers = {name: list(item.values) for name, item in result.headers.items()}
    assert headers == {"Location": ["/items/1"], "Content-Type": ["application/json"]}
    own = wires.execute("own_content_type")
    headers = {name: list(item.values) for name, item in own.headers.items()}
    assert headers == {"content-TYPE": ["application/problem+json"]}  # case-insensitive


def test_raw_bytes(wires: ProviderProcess) -> None:
    result = wires.execute("raw")
    if wires.protocol == 2:  # the v2 wire carries UTF-8 JSON only: a clear 500
        assert result.status == 500
        assert "RawResponse" in json.loads(result.body)["error"]
        assert "RawResponse" in wires.output()
        return
    assert (result.status, result.body) == (201, b"\xff\x00png")
    headers = {name: list(item.values) for name, item in result.headers.items()}
    assert headers == {"X-Tag": ["a", "b"], "Content-Type": ["image/png"]}


def _v2_context() -> plugin_pb2.RequestContext:
    return plugin_pb2.RequestContext(
        subject=plugin_pb2.SubjectContext(
            id="user:1", kind="user", display_name="Ann", auth_source="session"
        ),
        credential=plugin_pb2.CredentialContext(mode="user", subject_id="user:1"),
        access=plugin_pb2.AccessContext(policy="p", role="viewer"),
    )


def _v5_context(pb: ModuleType) -> Any:
    workflow = struct_pb2.Struct()
    workflow.update({"runId": "r1"})
    return pb.RequestContext(
        subject=pb.SubjectContext(
            id="user:1",
            email="ann@example.com",
            display_name="Ann",
            scopes=["read"],
            permissions=[pb.SubjectPermissionContext(app="a", operations=["x"])],
        ),
        credential=pb.CredentialContext(mode="subject", subject_id="user:1"),
        access=pb.AccessContext(policy="p", role="viewer"),
        workflow=workflow,
        host=pb.HostContext(public_base_url="https://g.example"),
        agent_subject=pb.SubjectContext(id="agent:7", display_name="Bot"),
        caller=pb.ProviderContext(kind="app", name="other"),
        invocation=pb.InvocationContext(request_id="q", depth=2, call_chain=["a", "b"]),
        request_meta=pb.RequestMetaContext(client_ip="10.0.0.1", user_agent="ua"),
        agent=pb.AgentInvocationContext(provider_name="claude", session_id="s", turn_id="t"),
    )


def _subject(**given: Any) -> dict[str, Any]:
    """A subject as the handler returns it: Ann's, with ``given`` fields set."""
    empty = {"kind": "", "auth_source": "", "email": "", "scopes": [], "permissions": []}
    return {"id": "user:1", "display_name": "Ann", **empty, **given}


def test_context_is_decoded_with_the_wires_own_layout(wires: ProviderProcess) -> None:
    # Field 3 of the subject is the display name on 2 and the email on 5: decoding one
    # wire's bytes with the other's layout would swap them, and this test would fail.
    if wires.protocol == 2:
        result = wires.execute("context", token="t", context=_v2_context())
        seen = json.loads(result.body)
        assert seen["subject"] == _subject(kind="user", auth_source="session")
        assert seen["idempotency_key"] == ""
        assert seen["host"] == {"public_base_url": ""}
        assert seen["credential"]["mode"] == "user"
        return
    context = _v5_context(messages(wires))
    result = wires.execute("context", token="t", context=context, idempotency_key="idem-1")
    seen = json.loads(result.body)
    permission = {"app": "a", "operations": ["x"], "all_operations": False}
    assert seen["subject"] == _subject(
        email="ann@example.com", scopes=["read"], permissions=[permission]
    )
    assert seen["idempotency_key"] == "idem-1"
    assert seen["credential"]["mode"] == "subject"
    assert seen["access"] == {"policy": "p", "role": "viewer"}
    assert seen["host"] == {"public_base_url": "https://g.example"}
    assert seen["agent_subject"]["display_name"] == "Bot"
    assert seen["caller"] == {"kind": "app", "name": "other"}
    assert seen["invocation"]["call_chain"] == ["a", "b"]
    assert seen["invocation"]["depth"] == 2
    assert seen["request_meta"]["client_ip"] == "10.0.0.1"
    assert seen["agent"] == {"provider_name": "claude", "session_id": "s", "turn_id": "t"}
    assert seen["workflow"] == {"runId": "r1"}


def test_session_catalog_context_per_wire(wires: ProviderProcess) -> None:
    context = _v2_context() if wires.protocol == 2 else _v5_context(messages(wires))
    request = messages(wires).GetSessionCatalogRequest(context=context)
    catalog = wires.integration.GetSessionCatalog(request).catalog
    assert [op.id for op in catalog.operations] == ["for.Ann"]


def test_post_connect_only_on_2(wires: ProviderProcess) -> None:
    path = "/gestalt.provider.v1.IntegrationProvider/PostConnect"
    if wires.protocol == 2:
        assert wires.metadata.supports_post_connect
        response = wires.integration.PostConnect(plugin_pb2.PostConnectRequest())
        assert dict(response.metadata) == {"connected": "yes"}
        return
    assert "supports_post_connect" not in messages(wires).ProviderMetadata.DESCRIPTOR.fields_by_name
    with pytest.raises(grpc.RpcError) as info:
        call_path(wires, path)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "post" not in wires.output().lower()  # declared, simply not offered: no noise


def _resolve(served: ProviderProcess, mode: str) -> Any:
    pb = messages(served)
    http = pb.HTTPSubjectRequest(
        path="/hook", raw_body=b"payload", verified_subject="42", method="POST"
    )
    http.headers["X-Mode"].values.append(mode)
    http.query["q"].values.append("v")
    context = pb.RequestContext(host=pb.HostContext(public_base_url="https://g.example"))
    return served.integration.ResolveHTTPSubject(
        pb.ResolveHTTPSubjectRequest(request=http, context=context), timeout=10
    )


def test_http_subject_outcomes(wires: ProviderProcess) -> None:
    if wires.protocol == 2:  # never exposed on protocol 2
        with pytest.raises(grpc.RpcError) as info:
            call_path(wires, "/gestalt.provider.v1.AppProvider/ResolveHTTPSubject")
        assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
        return
    subject = _resolve(wires, "act").subject
    assert (subject.id, subject.display_name) == ("user:42", "https://g.example")
    assert subject.email == "/hook|payload|v"
    assert _resolve(wires, "none") == messages(wires).ResolveHTTPSubjectResponse()
    rejected = _resolve(wires, "reject")
    assert rejected.reject_status == 401
    assert rejected.reject_message.startswith("bad signature x")
    assert len(rejected.reject_message.encode()) <= MAX_STATUS_BYTES
    assert not rejected.HasField("subject")
    with pytest.raises(grpc.RpcError) as info:
        _resolve(wires, "crash")
    assert info.value.code() == grpc.StatusCode.UNKNOWN
    assert "hook bug" not in str(info.value.details())
    assert _resolve(wires, "none") == messages(wires).ResolveHTTPSubjectResponse()  # still serving


def test_http_subject_without_a_hook_is_empty_not_unimplemented() -> None:
    with launch(PLAIN, python=sys.executable, protocol=5) as served:
        assert _resolve(served, "act") == messages(served).ResolveHTTPSubjectResponse()
        assert served.execute("ping").body == b'"pong"'


def test_catalog_export_under_the_protocol5_variable(tmp_path: Path) -> None:
    path = tmp_path / "out" / "catalog.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GESTALT_")}
    env["GESTALT_APP_WRITE_CATALOG"] = str(path)
    command = [sys.executable, "-m", "gestalt._runtime", str(WIRES), "wires:plugin", "app"]
    done = subprocess.run(command, env=env, cwd=WIRES, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    data = json.loads(path.read_text())
    assert data["name"] == "wires"
    ops = {op["id"]: op for op in data["operations"]}
    assert {"raw", "with_headers", "text", "context"} <= set(ops)
    assert "inputSchema" in ops["text"]  # protobuf JSON names, as on protocol 2
