"""ProviderLifecycle through the real runtime: identity, configure, health (PROTOCOL.md 3),
under a protocol-2 and a protocol-5 host, and the protocol-5 StartProvider."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2

from gestalt.core.testing import EmulatorError, ProviderProcess, launch

PROBE = Path(__file__).parent / "providers" / "runtime_probe"


@pytest.fixture(scope="module", params=["pool", "aio"])
def probe(request: pytest.FixtureRequest, protocol: int) -> Iterator[ProviderProcess]:
    """The probe (plain def methods) on each server model: the thread-pool one it gets by
    default, and grpc.aio with a hop into the handler pool, as a mixed provider would;
    under each host protocol."""
    model: str = request.param
    env = {"GESTALT_SDK_SERVER_MODEL": "aio"} if model == "aio" else {}
    with launch(
        PROBE,
        "secrets",
        name="probe-1",
        config={"port": 8080, "ratio": 0.5},
        python=sys.executable,
        env=env,
        protocol=protocol,
    ) as proc:
        assert f"serving secrets on the {'grpc.aio' if model == 'aio' else 'thread-pool'}" in (
            proc.output()
        )
        yield proc


def ask(proc: ProviderProcess, command: str, timeout: float = 10) -> str:
    request = proc.stubs("secrets")[0].GetSecretRequest(name=command)
    value: str = proc.secrets.GetSecret(request, timeout=timeout).value
    return value


def configure(
    proc: ProviderProcess, config: dict[str, object] | None, version: int | None = None
) -> Any:
    """``ConfigureProvider`` as the host sends it, with the host's version unless given."""
    from gestalt.core.serving import dict_to_struct

    request = proc.stubs("runtime")[0].ConfigureProviderRequest(
        name="probe-1", protocol_version=proc.protocol if version is None else version
    )
    if config:
        request.config.CopyFrom(dict_to_struct(config))
    return proc.lifecycle.ConfigureProvider(request, timeout=30)


def test_identity_has_kind_protocol_range_and_pyproject_defaults(probe: ProviderProcess) -> None:
    identity = probe.lifecycle.GetProviderIdentity(empty_pb2.Empty(), timeout=10)
    assert identity.kind == 4  # PROVIDER_KIND_SECRETS
    expected = (probe.protocol, probe.protocol)
    assert (identity.min_protocol_version, identity.max_protocol_version) == expected
    assert identity.name == "runtime-probe"  # [project] name
    assert identity.version == "1.2.3"
    assert identity.description == "A secrets provider that reports on the process it runs in."
    assert identity.display_name == "Probe probe-1"  # metadata() hook, after configure


def test_config_struct_arrives_with_integers_as_int(probe: ProviderProcess) -> None:
    assert json.loads(ask(probe, "config")) == {"port": 8080, "ratio": 0.5}
    assert ask(probe, "name") == "probe-1"


def test_protocol_version_outside_range_is_refused_and_server_keeps_serving(
    probe: ProviderProcess,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        configure(probe, {"port": 1}, version=3)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "host requested protocol version 3; this SDK serves 2 and 5"
    assert json.loads(ask(probe, "config")) == {"port": 8080, "ratio": 0.5}  # unchanged


def test_configure_failure_carries_the_reason_and_a_later_configure_works(
    probe: ProviderProcess,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        configure(probe, {"fail": "bad region"})
    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    assert caught.value.details() == "configure provider: bad region"
    with pytest.raises(grpc.RpcError) as chosen:
        configure(probe, {"reject": "region must be set"})
    assert chosen.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert chosen.value.details() == "region must be set"
    assert configure(probe, {"warn": True}).protocol_version == probe.protocol
    identity = probe.lifecycle.GetProviderIdentity(empty_pb2.Empty(), timeout=10)
    assert list(identity.warnings) == ["probe warning"]
    assert configure(probe, None).protocol_version == probe.protocol  # absent Struct: {}
    assert ask(probe, "config") == "{}"


def test_health_check_reports_not_ready_in_band(probe: ProviderProcess) -> None:
    # An unexpected exception's text may hold a secret: the host gets a fixed text, the
    # provider's log the details.
    configure(probe, {"unhealthy": True})
    health = probe.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10)
    assert (health.ready, health.message) == (False, "health check failed")
    assert "probe told to be unhealthy: token=abc123" in probe.output()
    # A GestaltError's message is the author's, written for the host.
    configure(probe, {"warming": True})
    health = probe.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10)
    assert (health.ready, health.message) == (False, "warming up")
    configure(probe, None)
    assert probe.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10).ready


def test_health_never_queues_behind_slow_handlers(probe: ProviderProcess) -> None:
    # 70 blocking calls hold the whole handler pool (64 threads) for a second.
    with ThreadPoolExecutor(70) as pool:
        slow = [pool.submit(ask, probe, "sleep:1.0") for _ in range(70)]
        time.sleep(0.3)
        started = time.monotonic()
        health = probe.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10)
        elapsed = time.monotonic() - started
        assert health.ready
        assert elapsed < 0.5, f"health check waited {elapsed:.2f} s behind slow handlers"
        assert [future.result() for future in slow] == ["slept"] * 70


def test_blocking_handlers_run_concurrently(probe: ProviderProcess) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(lambda _: ask(probe, "sleep:0.2"), range(64)))
    assert results == ["slept"] * 64
    assert time.monotonic() - started < 1.5  # serially this would take 12.8 s


def test_requests_above_grpc_default_limit_are_accepted(probe: ProviderProcess) -> None:
    payload = "x" * (8 * 1024 * 1024)
    assert ask(probe, f"len:{payload}") == str(len(payload))


# -- protocol 5: ProviderLifecycle.StartProvider ------------------------------------------

STARTER = """
import os


class Starter:
    def __init__(self):
        self.starts = 0

    def start(self):
        self.starts += 1
        if os.environ.get("FAIL_START"):
            raise RuntimeError("no workers today")

    def get_secret(self, name):
        return str(self.starts)


provider = Starter()
"""


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A secrets provider whose start hook counts its runs."""
    root = tmp_path_factory.mktemp("starter")
    (root / "pyproject.toml").write_text('[tool.gestalt]\nsecrets = "starter:provider"\n')
    (root / "starter.py").write_text(STARTER)
    return root


def test_start_provider_runs_the_start_hook_once(starter: Path) -> None:
    with launch(starter, "secrets", python=sys.executable, protocol=5) as proc:
        assert ask(proc, "starts") == "1"  # the host's start-up called StartProvider
        again = proc.lifecycle.StartProvider(empty_pb2.Empty(), timeout=10)
        assert again.protocol_version == 5
        assert ask(proc, "starts") == "1"


def test_protocol_2_has_no_start_provider(starter: Path) -> None:
    with launch(starter, "secrets", python=sys.executable) as proc:
        assert ask(proc, "starts") == "0"
        path = "/gestalt.provider.v1.ProviderLifecycle/StartProvider"
        start: Any = proc.channel.unary_unary(path)
        with pytest.raises(grpc.RpcError) as caught:
            start(b"", timeout=10)
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_a_failing_start_hook_fails_the_v5_start(starter: Path) -> None:
    with pytest.raises(EmulatorError) as caught:
        launch(starter, "secrets", python=sys.executable, protocol=5, env={"FAIL_START": "1"})
    first = str(caught.value).splitlines()[0]
    assert first == "start provider: UNKNOWN start provider: no workers today"
