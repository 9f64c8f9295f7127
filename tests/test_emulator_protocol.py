"""The emulator plays a protocol-2, 3 or 5 host: launch, variables, start-up calls, clients,
host services, CLI and catalog export."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2

from gestalt.core._wire import stubs
from gestalt.core.testing import (
    EmulatorError,
    HostCacheService,
    HostS3Service,
    HostService,
    ProviderProcess,
    export_catalog,
    launch,
    result_text,
)
from gestalt.core.testing.__main__ import main
from gestalt.core.testing._cli_args import parse_arguments
from gestalt.core.testing._host_services import RunningHostServices
from gestalt.provider.v1 import plugin_pb2
from gestalt.provider.v5 import app_pb2

PROVIDERS = Path(__file__).parent / "providers"
PROBE = PROVIDERS / "runtime_probe"
REFUSAL = "host requested protocol version 3; this SDK serves 2 and 5"


def ask(proc: ProviderProcess, command: str) -> str:
    request = proc.stubs("secrets")[0].GetSecretRequest(name=command)
    value: str = proc.secrets.GetSecret(request, timeout=10).value
    return value


def first_line(error: pytest.ExceptionInfo[EmulatorError]) -> str:
    return str(error.value).splitlines()[0]


def test_v5_host_runs_the_manifest_command_in_root_with_its_variables() -> None:
    with launch(PROBE, "secrets", name="probe-5", python=sys.executable, protocol=5) as proc:
        assert proc.protocol == 5
        assert ask(proc, "cwd") == str(PROBE.resolve())
        assert ask(proc, "sys.path0") == str(PROBE.resolve())  # ROOT "." resolved
        assert "gestalt._cli" in json.loads(ask(proc, "modules"))  # gestalt run . TARGET KIND
        assert ask(proc, "env:GESTALT_PROVIDER_SOCKET") == proc.socket_path
        assert Path(proc.socket_path).name == "app.sock"
        assert oct(os.stat(Path(proc.socket_path).parent).st_mode & 0o777) == "0o700"
        assert ask(proc, "env:GESTALT_APP_PARENT_PID") == str(os.getpid())
        assert ask(proc, "env:GESTALT_APP_NAME") == "probe-5"
        for variable in ("GESTALT_PLUGIN_SOCKET", "GESTALT_PLUGIN_PARENT_PID"):
            assert ask(proc, f"env:{variable}") == "<unset>"
        identity = proc.lifecycle.GetProviderIdentity(empty_pb2.Empty(), timeout=10)
        assert (identity.min_protocol_version, identity.max_protocol_version) == (5, 5)


def test_v2_host_is_unchanged() -> None:
    with launch(PROBE, "secrets", name="probe-2", python=sys.executable) as proc:
        assert proc.protocol == 2
        assert ask(proc, "cwd") != str(PROBE.resolve())
        assert "gestalt._cli" not in json.loads(ask(proc, "modules"))
        assert ask(proc, "env:GESTALT_PLUGIN_SOCKET") == proc.socket_path
        assert Path(proc.socket_path).name == "plugin.sock"
        assert ask(proc, "env:GESTALT_PLUGIN_PARENT_PID") == str(os.getpid())
        for variable in ("GESTALT_PROVIDER_SOCKET", "GESTALT_APP_PARENT_PID", "GESTALT_APP_NAME"):
            assert ask(proc, f"env:{variable}") == "<unset>"


@pytest.mark.parametrize(
    ("root", "kind", "call"),
    [("cache_memory", "cache", "cache"), ("secrets_basic", "secrets", "secrets")],
)
def test_v5_start_of_runtime_kinds(root: str, kind: str, call: str) -> None:
    with launch(PROVIDERS / root, kind, python=sys.executable, protocol=5) as proc:
        assert proc.identity is not None
        assert (proc.identity.min_protocol_version, proc.identity.max_protocol_version) == (5, 5)
        if call == "cache":
            messages = proc.stubs("cache")[0]
            proc.cache.Set(messages.CacheSetRequest(key="k", value=b"v"), timeout=10)
            assert proc.cache.Get(messages.CacheGetRequest(key="k"), timeout=10).value == b"v"
        else:
            assert ask(proc, "db/password") == "hunter2-VALUE"


def test_protocol_3_integration_gets_the_refusal_as_one_line() -> None:
    with pytest.raises(EmulatorError) as error:
        launch(PROVIDERS / "integration_plain", "integration", python=sys.executable, protocol=3)
    assert first_line(error) == f"start provider: FAILED_PRECONDITION {REFUSAL}"


def test_protocol_3_runtime_kind_is_refused() -> None:
    """A protocol-3 host checks the advertised range first (2..2 leaves 3 out), as
    gestaltd does; asked to configure anyway, the provider refuses with its own line."""
    with pytest.raises(EmulatorError) as error:
        launch(PROBE, "secrets", python=sys.executable, protocol=3)
    assert first_line(error) == "provider supports protocol versions 2..2, host speaks 3"
    with launch(PROBE, "secrets", python=sys.executable, protocol=3, start=False) as proc:
        grpc.channel_ready_future(proc.channel).result(timeout=10)
        request = proc.stubs("runtime")[0].ConfigureProviderRequest(name="p", protocol_version=3)
        with pytest.raises(grpc.RpcError) as caught:
            proc.lifecycle.ConfigureProvider(request, timeout=10)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert caught.value.details() == REFUSAL


def test_clients_follow_the_generation() -> None:
    with launch(PROBE, "secrets", python=sys.executable, protocol=5, start=False) as v5:
        assert type(v5.secrets).__name__ == "SecretsStub"
        assert type(v5.integration).__name__ == "AppProviderStub"
        assert type(v5.identity_provider).__name__ == "IdentityStub"
        assert v5.stubs("cache")[0].__name__ == "gestalt.provider.v5.cache_pb2"
        with pytest.raises(EmulatorError, match="AuthProvider is a protocol-2 service"):
            _ = v5.auth
        with pytest.raises(EmulatorError, match="protocol 5 has no wire file 'plugin'"):
            v5.stubs("plugin")
    with launch(PROBE, "secrets", python=sys.executable, start=False) as v2:
        assert type(v2.secrets).__name__ == "SecretsProviderStub"
        assert type(v2.integration).__name__ == "IntegrationProviderStub"
        assert type(v2.auth).__name__ == "AuthProviderStub"
        with pytest.raises(EmulatorError, match="Identity is a protocol-5 service"):
            _ = v2.identity_provider
        with pytest.raises(EmulatorError, match="idempotency_key"):
            v2.execute("op", idempotency_key="k")


def test_unknown_protocol_and_kind_are_clear_errors() -> None:
    with pytest.raises(EmulatorError, match="protocol 4: the emulator plays a protocol 2, 3 or 5"):
        launch(PROBE, "secrets", protocol=4)
    with pytest.raises(EmulatorError, match="kind 'vault'"):
        launch(PROBE, "vault")


def test_result_text_reads_both_generations() -> None:
    assert result_text(plugin_pb2.OperationResult(status=200, body='{"a": "é"}')) == '{"a": "é"}'
    body = '{"a": "é"}'.encode()
    assert result_text(app_pb2.OperationResult(status=200, body=body)) == '{"a": "é"}'


# -- protocol 5: TCP endpoint -------------------------------------------------------------


def test_v5_provider_serves_on_tcp() -> None:
    with launch(PROBE, "secrets", python=sys.executable, protocol=5, tcp=True) as proc:
        assert proc.endpoint.startswith("tcp://127.0.0.1:")
        assert proc.socket_path == ""
        assert ask(proc, "env:GESTALT_PROVIDER_SOCKET") == proc.endpoint
        result = proc.stop()
    assert (result.exit_code, result.killed) == (0, False)
    with pytest.raises(EmulatorError, match="for a protocol-5 host"):
        launch(PROBE, "secrets", tcp=True)


# -- protocol 5: host services on one socket ----------------------------------------------

MIB = 1024 * 1024


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory with a short path (Unix socket paths are capped near 107 bytes)."""
    directory = Path(tempfile.mkdtemp(prefix="g", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def code_of(call: Callable[[], object]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error: Any = caught.value
    return error.code(), error.details()


def binding(name: str) -> list[tuple[str, str]]:
    return [("x-gestalt-host-binding", name)]


@pytest.fixture
def shared(short_dir: Path) -> Iterator[tuple[list[Any], RunningHostServices]]:
    services: list[Any] = [
        HostCacheService("sessions"),
        HostCacheService("rates"),
        HostS3Service("files"),
    ]
    running = RunningHostServices(services, short_dir, "app", protocol=5)
    yield services, running
    running.stop()


def test_v5_host_services_share_one_socket(
    shared: tuple[list[Any], RunningHostServices],
) -> None:
    services, running = shared
    sessions, rates, files = services
    assert set(running.env) == {"GESTALT_HOST_SERVICE_SOCKET"}
    path = running.env["GESTALT_HOST_SERVICE_SOCKET"]
    cache_pb, cache_grpc = stubs(5, "cache")
    s3_pb, s3_grpc = stubs(5, "s3")
    with grpc.insecure_channel(f"unix:{path}") as channel:
        cache = cache_grpc.CacheStub(channel)
        cache.Set(cache_pb.CacheSetRequest(key="k", value=b"v"), metadata=binding("sessions"))
        # the first non-blank value selects
        metadata = [*binding(" "), *binding("rates"), *binding("sessions")]
        cache.Set(cache_pb.CacheSetRequest(key="k", value=b"r"), metadata=metadata)
        assert sessions.values() == {"app:k": b"v"}
        assert rates.values() == {"app:k": b"r"}
        get = cache_pb.CacheGetRequest(key="k")
        assert cache.Get(get, metadata=binding(" sessions ")).value == b"v"
        assert code_of(lambda: cache.Get(get)) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "cache binding is required",
        )
        assert code_of(lambda: cache.Get(get, metadata=binding("nope"))) == (
            grpc.StatusCode.NOT_FOUND,
            'cache binding "nope" is not available',
        )
        code, details = code_of(lambda: cache.Get(get, metadata=binding("n" * 4000)))
        assert code == grpc.StatusCode.NOT_FOUND
        assert len(details) < 200
        # one s3 binding: served whatever the metadata says; no bucket on protocol 5
        s3 = s3_grpc.S3Stub(channel)
        ref = s3_pb.S3ObjectRef(key="dir/a.txt")
        frames = [
            s3_pb.WriteObjectRequest(open=s3_pb.WriteObjectOpen(ref=ref)),
            s3_pb.WriteObjectRequest(data=b"hello"),
        ]
        written = s3.WriteObject(iter(frames), metadata=binding("anything"))
        assert written.meta.ref.key == "dir/a.txt"
        assert ("", "plugin_3_app/dir/a.txt") in files.objects
        chunks = list(s3.ReadObject(s3_pb.ReadObjectRequest(ref=ref)))
        assert b"".join(chunk.data for chunk in chunks) == b"hello"
        listed = s3.ListObjects(s3_pb.ListObjectsRequest(prefix="dir/"))
        assert [meta.ref.key for meta in listed.objects] == ["dir/a.txt"]
        assert code_of(lambda: s3.HeadObject(s3_pb.HeadObjectRequest(ref=s3_pb.S3ObjectRef()))) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "key is required",
        )
        presign = s3_pb.PresignObjectRequest(ref=ref)
        assert code_of(lambda: s3.PresignObject(presign)) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            "presign is not supported for app s3 bindings",
        )
        access = s3_grpc.S3ObjectAccessStub(channel)
        request = s3_pb.CreateObjectAccessURLRequest(ref=ref)
        assert code_of(lambda: access.CreateObjectAccessURL(request)) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            "s3 object access URLs are not available",
        )


def test_v5_family_without_bindings_is_unimplemented_and_4_mib_holds(short_dir: Path) -> None:
    running = RunningHostServices([HostCacheService()], short_dir, "app", protocol=5)
    cache_pb, cache_grpc = stubs(5, "cache")
    s3_pb, s3_grpc = stubs(5, "s3")
    try:
        path = running.env["GESTALT_HOST_SERVICE_SOCKET"]
        with grpc.insecure_channel(f"unix:{path}") as channel:
            s3 = s3_grpc.S3Stub(channel)
            head = s3_pb.HeadObjectRequest(ref=s3_pb.S3ObjectRef(key="k"))
            assert code_of(lambda: s3.HeadObject(head))[0] == grpc.StatusCode.UNIMPLEMENTED
            cache = cache_grpc.CacheStub(channel)
            big = cache_pb.CacheSetRequest(key="big", value=bytes(5 * MIB))
            assert code_of(lambda: cache.Set(big))[0] == grpc.StatusCode.RESOURCE_EXHAUSTED
            cache.Set(cache_pb.CacheSetRequest(key="small", value=bytes(3 * MIB)))
    finally:
        running.stop()


def test_v5_relay_token_is_published_and_checked(short_dir: Path) -> None:
    running = RunningHostServices(
        [HostCacheService()], short_dir, "app", protocol=5, token="relay-1"
    )
    cache_pb, cache_grpc = stubs(5, "cache")
    try:
        assert running.env["GESTALT_HOST_SERVICE_TOKEN"] == "relay-1"
        path = running.env["GESTALT_HOST_SERVICE_SOCKET"]
        with grpc.insecure_channel(f"unix:{path}") as channel:
            cache = cache_grpc.CacheStub(channel)
            get = cache_pb.CacheGetRequest(key="k")
            assert code_of(lambda: cache.Get(get)) == (
                grpc.StatusCode.UNAUTHENTICATED,
                "host service relay token is required",
            )
            wrong = [("x-gestalt-host-service-relay-token", "relay-2")]
            assert code_of(lambda: cache.Get(get, metadata=wrong)) == (
                grpc.StatusCode.UNAUTHENTICATED,
                "invalid host service relay token",
            )
            right = [("x-gestalt-host-service-relay-token", "relay-1")]
            assert not cache.Get(get, metadata=right).found
    finally:
        running.stop()
    with pytest.raises(ValueError, match="protocol-5 variable"):
        RunningHostServices([HostCacheService()], short_dir, "app", token="relay-1")


def test_v5_launch_gives_the_shared_socket_instead_of_per_binding_ones() -> None:
    services: list[HostService] = [HostCacheService("sessions"), HostS3Service()]
    with launch(
        PROVIDERS / "integration_plain",
        python=sys.executable,
        host_services=services,
        protocol=5,
        host_service_token="relay-1",
        start=False,
    ) as proc:
        assert set(proc.host_env) == {"GESTALT_HOST_SERVICE_SOCKET", "GESTALT_HOST_SERVICE_TOKEN"}
        assert (
            Path(proc.host_env["GESTALT_HOST_SERVICE_SOCKET"]).parent
            == Path(proc.socket_path).parent
        )
    with launch(
        PROVIDERS / "integration_plain", python=sys.executable, host_services=services, start=False
    ) as proc:
        assert set(proc.host_env) == {
            "GESTALT_CACHE_SOCKET_SESSIONS",
            "GESTALT_CACHE_SOCKET",
            "GESTALT_S3_SOCKET",
        }


@pytest.mark.parametrize("protocol", [2, 5])
def test_host_services_serve_alone_on_either_generation(short_dir: Path, protocol: int) -> None:
    """What client tests use: one binding on a server of the test's own."""
    cache_service, store = HostCacheService(plugin_name="p"), HostS3Service()
    store.bind("p")
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    cache_service.add_to_server(server, protocol)
    store.add_to_server(server, protocol)
    server.add_insecure_port(f"unix:{short_dir / 'h.sock'}")
    server.start()
    cache_pb, cache_grpc = stubs(protocol, "cache")
    s3_pb, s3_grpc = stubs(protocol, "s3")
    try:
        with grpc.insecure_channel(f"unix:{short_dir / 'h.sock'}") as channel:
            cache_grpc.CacheStub(channel).Set(cache_pb.CacheSetRequest(key="k", value=b"v"))
            assert cache_service.values() == {"p:k": b"v"}
            fields = {"bucket": "b"} if protocol == 2 else {}
            listed = s3_grpc.S3Stub(channel).ListObjects(s3_pb.ListObjectsRequest(**fields))
            assert not listed.objects
    finally:
        server.stop(None)


# -- the CLI and catalog export on protocol 5 ---------------------------------------------


def test_cli_plays_protocol_5(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(PROVIDERS / "cache_memory"), "--kind", "cache", "--protocol", "5"]) == 0
    out = capsys.readouterr().out
    assert "(protocol 5): python -m gestalt._cli run . " in out
    assert "ConfigureProvider(name='demo'): protocol version 5 accepted" in out
    with pytest.raises(SystemExit) as exited:
        main([str(PROVIDERS / "cache_memory"), "--protocol", "4"])
    assert exited.value.code == 2
    assert "argument --protocol: invalid choice: 4 (choose from 2, 5)" in capsys.readouterr().err


def test_cli_reads_a_v5_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = tmp_path / "calls.json"
    # agent is a protocol-5 RequestContext field; a protocol-2 host has no such field
    calls.write_text(json.dumps([{"operation": "echo", "context": {"agent": {}}}]))
    with pytest.raises(SystemExit):
        main([str(PROVIDERS / "integration_main"), "--calls", str(calls)])
    error = capsys.readouterr().err
    assert '"context" is not a RequestContext' in error
    assert '"agent"' in error
    args = parse_arguments(["ROOT", "--calls", str(calls), "--protocol", "5"], None)
    assert isinstance(args.calls[0].context, app_pb2.RequestContext)
    assert args.calls[0].context.HasField("agent")


def test_catalog_export_on_protocol_5(tmp_path: Path) -> None:
    exported = export_catalog(
        PROVIDERS / "integration_main",
        python=sys.executable,
        path=tmp_path / "catalog.yaml",
        protocol=5,
    )
    assert exported.path.exists()
    assert exported.catalog["operations"]


@pytest.mark.parametrize("protocol", [2, 5])
def test_execute_on_either_host(protocol: int) -> None:
    with launch(PROVIDERS / "integration_plain", python=sys.executable, protocol=protocol) as proc:
        assert proc.metadata is not None
        assert proc.metadata.max_protocol_version == protocol
        result = proc.execute("ping")
        assert isinstance(result.body, bytes if protocol == 5 else str)
        assert (result.status, result_text(result)) == (200, '"pong"')
