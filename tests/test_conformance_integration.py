"""Integration conformance: the real runtime in a subprocess, driven by the host emulator."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format

from gestalt.core.testing import ProviderProcess, export_catalog, launch
from gestalt.provider.v1 import plugin_pb2, plugin_pb2_grpc

PROVIDERS = Path(__file__).parent / "providers"
MAIN = PROVIDERS / "integration_main"
PLAIN = PROVIDERS / "integration_plain"
UPSTREAM = PROVIDERS / "integration_upstream"
EXAMPLE = Path(__file__).parent.parent / "examples" / "weather"


@pytest.fixture(scope="module")
def main() -> Iterator[ProviderProcess]:
    with launch(MAIN, python=sys.executable, name="conf", config={"region": "eu", "n": 2}) as p:
        yield p


@pytest.fixture(scope="module")
def plain() -> Iterator[ProviderProcess]:
    with launch(PLAIN, python=sys.executable) as p:
        yield p


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
    request = plugin_pb2.ExecuteRequest(operation=op)
    request.params.update(params)
    with grpc.insecure_channel(f"unix:{p.socket_path}", options=options) as channel:
        stub = plugin_pb2_grpc.IntegrationProviderStub(channel)
        return stub.Execute(request, timeout=30)


def test_result_over_the_host_limit_is_an_error_result(main: ProviderProcess) -> None:
    size = 8 * 1024 * 1024
    result = host_limited_execute(main, "blob", {"size": size})
    assert result.status == 502
    message = json.loads(result.body)["error"]
    reported = int(message.split(" bytes")[0].rsplit(" ", 1)[1])
    assert size + 2 < reported < size + 16  # the JSON string's quotes, the fields' framing
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
    context = plugin_pb2.RequestContext(
        subject=plugin_pb2.SubjectContext(id="user:1", kind="user", display_name="Ann"),
        access=plugin_pb2.AccessContext(policy="p", role="viewer"),
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
        "kind": "user",
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
        assert call(p, "config")[0] == 200
        result = p.stop()
    assert result.exit_code == 0
    assert result.seconds < 2.0
    assert marker.read_text() == "closed"


def test_start_provider_wrong_version(main: ProviderProcess) -> None:
    request = plugin_pb2.StartProviderRequest(name="x", protocol_version=3)
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
    assert main.metadata.supports_post_connect
    assert main.metadata.min_protocol_version == main.metadata.max_protocol_version == 2
    assert not main.metadata.HasField("static_catalog")
    assert not main.metadata.name
    assert not plain.metadata.supports_session_catalog
    assert not plain.metadata.supports_post_connect
    assert plain.metadata.min_protocol_version == 2


def _session(p: ProviderProcess, role: str) -> plugin_pb2.GetSessionCatalogResponse:
    context = plugin_pb2.RequestContext(access=plugin_pb2.AccessContext(role=role))
    request = plugin_pb2.GetSessionCatalogRequest(context=context)
    response: plugin_pb2.GetSessionCatalogResponse = p.integration.GetSessionCatalog(request)
    return response


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


def test_session_catalog_off_and_post_connect_unimplemented(plain: ProviderProcess) -> None:
    with pytest.raises(grpc.RpcError) as info:
        plain.integration.GetSessionCatalog(plugin_pb2.GetSessionCatalogRequest())
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert info.value.details() == "provider does not support session catalogs"
    with pytest.raises(grpc.RpcError) as info:
        plain.integration.PostConnect(plugin_pb2.PostConnectRequest())
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert plain.execute("ping").body == '"pong"'


def test_post_connect_when_declared(main: ProviderProcess) -> None:
    token = plugin_pb2.IntegrationToken(integration="conf")
    response = main.integration.PostConnect(plugin_pb2.PostConnectRequest(token=token))
    assert dict(response.metadata) == {"integration": "conf", "has_expiry": "False"}


def test_metadata_rpc_is_stable(main: ProviderProcess) -> None:
    assert main.integration.GetMetadata(empty_pb2.Empty()) == main.metadata


# -- static catalog export ---------------------------------------------------------------


def _file_to_proto(data: dict[str, Any]) -> plugin_pb2.Catalog:
    for op in data["operations"]:
        for key in ("inputSchema", "outputSchema"):
            if key in op:
                op[key] = json.dumps(op[key], separators=(",", ":"))
    return json_format.ParseDict(data, plugin_pb2.Catalog())


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
    assert _file_to_proto(json.loads(path.read_text())) == reported


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
