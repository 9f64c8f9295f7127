"""The emulator plays a protocol-2, 3 or 5 host: launch, variables, start-up calls, clients."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2

from gestalt.core.testing import EmulatorError, ProviderProcess, launch, result_text
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
