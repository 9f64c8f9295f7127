"""The runtime as a process: environment, socket, signals, drain, host death (HOST.md 2-8),
under a protocol-2 and a protocol-5 host."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import grpc
import pytest

from gestalt.core._wire import HOST_VARIABLES, stubs
from gestalt.core.testing import ProviderProcess, launch

PROBE = Path(__file__).parent / "providers" / "runtime_probe"


def ask(proc: ProviderProcess, command: str, timeout: float = 10) -> str:
    request = proc.stubs("secrets")[0].GetSecretRequest(name=command)
    value: str = proc.secrets.GetSecret(request, timeout=timeout).value
    return value


def ask_at(path: str, protocol: int, command: str, timeout: float = 10) -> str:
    """A secrets call of ``protocol``'s generation to the provider serving on ``path``."""
    messages, services = stubs(protocol, "secrets")
    stub = services.SecretsStub if protocol == 5 else services.SecretsProviderStub
    with grpc.insecure_channel(f"unix:{path}") as channel:
        request = messages.GetSecretRequest(name=command)
        value: str = stub(channel).GetSecret(request, timeout=timeout).value
        return value


def host_env(protocol: int, path: str, parent: str = "") -> dict[str, str]:
    """What a host of ``protocol`` sets for a provider it serves on ``path``."""
    variables = HOST_VARIABLES[protocol]
    env = {"PATH": os.environ["PATH"], variables.socket: path}
    if parent:
        env[variables.parent_pid] = parent
    return env


def alive(pid: int) -> bool:
    from gestalt._runtime._process import pid_alive

    return pid_alive(pid)


def wait_gone(pid: int, seconds: float) -> float:
    started = time.monotonic()
    while alive(pid):
        if time.monotonic() - started > seconds:
            raise AssertionError(f"process {pid} still alive after {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


def test_cwd_env_is_scrubbed_and_root_leads_sys_path(
    monkeypatch: pytest.MonkeyPatch, protocol: int
) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere/else")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "leak")
    with launch(
        PROBE, "secrets", env={"FROM_CONFIG": "yes"}, python=sys.executable, protocol=protocol
    ) as proc:
        cwd = ask(proc, "cwd")
        if protocol == 5:  # the manifest's run command runs in ROOT
            assert Path(cwd) == PROBE.resolve()
        else:  # a protocol-2 host leaves the cwd alone: never ROOT
            assert Path(cwd).name.startswith("gstp-cwd-")
        assert ask(proc, "sys.path0") == str(PROBE.resolve())
        for name in ("VIRTUAL_ENV", "PYTHONPATH", "OTEL_SERVICE_NAME", "PYTHONUNBUFFERED"):
            assert ask(proc, f"env:{name}") == "<unset>", name
        assert ask(proc, "env:FROM_CONFIG") == "yes"
        assert ask(proc, f"env:{HOST_VARIABLES[protocol].parent_pid}") == str(os.getpid())


def test_sigterm_exits_zero_within_grace_and_removes_socket(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "closed"
    with launch(
        PROBE,
        "secrets",
        config={"close_marker": str(marker)},
        python=sys.executable,
        protocol=protocol,
    ) as proc:
        assert ask(proc, "cwd")
        result = proc.stop()
    assert result.exit_code == 0
    assert result.seconds < 2.0
    assert result.socket_removed
    assert marker.read_text() == "closed"  # the close hook ran


def test_in_flight_call_finishes_during_drain(protocol: int) -> None:
    with launch(PROBE, "secrets", python=sys.executable, protocol=protocol) as proc:
        answers: list[str] = []
        caller = threading.Thread(target=lambda: answers.append(ask(proc, "sleep:0.5")))
        caller.start()
        time.sleep(0.15)
        proc.send_signal(signal.SIGTERM)
        caller.join(5)
        assert answers == ["slept"]
        result = proc.stop()
    assert result.exit_code == 0
    assert result.seconds < 2.0


def test_call_longer_than_drain_does_not_hold_the_process(protocol: int) -> None:
    with launch(PROBE, "secrets", python=sys.executable, protocol=protocol) as proc:
        errors: list[grpc.StatusCode] = []

        def slow_call() -> None:
            try:
                ask(proc, "sleep:5")
            except grpc.RpcError as error:
                errors.append(error.code())

        caller = threading.Thread(target=slow_call)
        caller.start()
        time.sleep(0.15)
        result = proc.stop()
        caller.join(5)
    assert result.exit_code == 0
    assert result.seconds < 2.0, result
    assert errors, "the cut-off call should have failed on the client"


def test_sigint_then_sigterm_is_idempotent(protocol: int) -> None:
    with launch(
        PROBE, "secrets", python=sys.executable, own_process_group=True, protocol=protocol
    ) as proc:
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        result = proc.stop()
    assert result.exit_code == 0
    assert result.seconds < 2.0


def test_sigterm_before_the_socket_appears_ends_the_process(tmp_path: Path, protocol: int) -> None:
    env = host_env(protocol, str(tmp_path / "p.sock"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gestalt._runtime", str(PROBE), "probe:provider", "secrets"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(2)
    assert code in (0, -signal.SIGTERM)


def _short_dir() -> str:
    return tempfile.mkdtemp(prefix="g", dir="/tmp")


@pytest.mark.parametrize("kind", ["secrets", "cache"])
def test_the_socket_path_appears_only_once_it_answers(kind: str, protocol: int) -> None:
    """gestaltd calls a runtime kind once as soon as the path exists and fails the start on
    a refused connection: the path must not exist before the server accepts."""
    target = {"secrets": str(PROBE), "cache": str(PROBE.parent / "cache_memory")}[kind]
    refused = 0
    for _ in range(12):
        path = os.path.join(_short_dir(), "p.sock")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gestalt._runtime", target, "", kind],
            env=host_env(protocol, path),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.0005)
            with socket.socket(socket.AF_UNIX) as client:
                try:
                    client.connect(path)
                except OSError:
                    refused += 1
            assert os.listdir(os.path.dirname(path)) == ["p.sock"]
        finally:
            proc.terminate()
            proc.wait(5)
    assert refused == 0


def test_stale_socket_file_is_replaced(protocol: int) -> None:
    directory = _short_dir()
    path = os.path.join(directory, "plugin.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()  # leaves the socket file behind, like a crashed provider
    proc = subprocess.Popen(
        [sys.executable, "-m", "gestalt._runtime", str(PROBE), "probe:provider", "secrets"],
        env=host_env(protocol, path),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                assert ask_at(path, protocol, "name", timeout=1) == ""
                break
            except grpc.RpcError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def test_parent_death_stops_the_provider(protocol: int) -> None:
    """The host is SIGKILLed (no cleanup): the orphaned provider leaves on its own, told
    the host's pid by GESTALT_PLUGIN_PARENT_PID (2) or GESTALT_APP_PARENT_PID (5)."""
    directory = _short_dir()
    path = os.path.join(directory, "plugin.sock")
    variables = HOST_VARIABLES[protocol]
    host = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import os, subprocess, sys, time
                env = {{"PATH": os.environ["PATH"], {variables.socket!r}: {path!r},
                        {variables.parent_pid!r}: str(os.getpid())}}
                subprocess.Popen([sys.executable, "-m", "gestalt._runtime", {str(PROBE)!r},
                                  "probe:provider", "secrets"], env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
                time.sleep(60)
                """
            ),
        ]
    )
    provider_pid = _wait_for_pid(path, protocol)
    time.sleep(0.6)
    assert alive(provider_pid)
    host.kill()
    host.wait()
    assert wait_gone(provider_pid, 2.0) < 2.0


def test_host_death_is_seen_through_a_spawning_wrapper(protocol: int) -> None:
    """Like a PyInstaller bootloader: our parent is not the host pid, which must not fool us."""
    directory = _short_dir()
    path = os.path.join(directory, "plugin.sock")
    variables = HOST_VARIABLES[protocol]
    wrapper = (
        "import subprocess, sys; "
        "subprocess.call([sys.executable, '-m', 'gestalt._runtime', "
        f"{str(PROBE)!r}, 'probe:provider', 'secrets'])"
    )
    host = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import os, subprocess, sys, time
                env = {{"PATH": os.environ["PATH"], {variables.socket!r}: {path!r},
                        {variables.parent_pid!r}: str(os.getpid())}}
                subprocess.Popen([sys.executable, "-c", {wrapper!r}], env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
                time.sleep(60)
                """
            ),
        ]
    )
    provider_pid = _wait_for_pid(path, protocol)
    time.sleep(1.2)  # several polls with parent != host pid: it must stay up
    assert alive(provider_pid)
    host.kill()
    host.wait()
    assert wait_gone(provider_pid, 2.0) < 2.0


def _wait_for_pid(path: str, protocol: int) -> int:
    deadline = time.monotonic() + 10
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise AssertionError("provider socket never appeared")
        time.sleep(0.025)
    return int(ask_at(path, protocol, "pid"))


def test_target_comes_from_pyproject_when_not_given(protocol: int) -> None:
    # ROOT and KIND only, an empty TARGET: the runtime reads [tool.gestalt] itself.
    directory = tempfile.mkdtemp(prefix="g", dir="/tmp")
    path = os.path.join(directory, "plugin.sock")
    env = host_env(protocol, path)
    child = subprocess.Popen(
        [sys.executable, "-m", "gestalt._runtime", str(PROBE), "", "secrets"],
        env=env,
        cwd=directory,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(path):
            assert child.poll() is None, "the runtime exited before serving"
            assert time.monotonic() < deadline, "no socket after 10 s"
            time.sleep(0.025)
        # probe:provider, found through pyproject.toml
        assert ask_at(path, protocol, "cwd") == directory
    finally:
        child.send_signal(signal.SIGTERM)
        assert child.wait(5) == 0
