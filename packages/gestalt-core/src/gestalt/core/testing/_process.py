"""A provider process under an emulated host: spawn, readiness, clients, output and stop.

The child gets the host's command line, a scrubbed environment, a working directory that is
not ROOT, stdin closed, a private ``gstp-*`` socket directory, the 25 ms readiness poll with
its 10 s budget, a client with the host's 4 MiB receive limit, and SIGTERM then SIGKILL
after 2 s (docs/host.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import grpc

from gestalt.core._kinds import ProviderKind
from gestalt.core._structs import dict_to_struct
from gestalt.core.testing._command import resolve_target, runtime_argv, serve_environment
from gestalt.core.testing._host_contract import (
    KILL_GRACE,
    POLL,
    READY_TIMEOUT,
    EmulatorError,
    cannot_run,
    short_temp_base,
    start_failure,
    with_output,
)
from gestalt.core.testing._host_services import HostService, RunningHostServices
from gestalt.core.testing._interpreter import choose_interpreter
from gestalt.core.testing._startup import (
    DEFAULT_SESSION_TTL_SECONDS,
    start_integration,
    start_runtime_kind,
)
from gestalt.provider.v1 import (
    auth_pb2_grpc,
    cache_pb2_grpc,
    plugin_pb2,
    plugin_pb2_grpc,
    runtime_pb2,
    runtime_pb2_grpc,
    s3_pb2_grpc,
    secrets_pb2_grpc,
)


@dataclasses.dataclass(frozen=True)
class StopResult:
    """How a provider ended.

    Attributes:
        exit_code: The exit status (negative: killed by that signal).
        seconds: From the stop signal to exit.
        killed: Whether it outlived the 2 s grace and got SIGKILL.
        socket_removed: Whether the provider removed its socket file itself.
    """

    exit_code: int
    seconds: float
    killed: bool
    socket_removed: bool


class ProviderProcess:
    """A provider process under an emulated host; use :func:`launch` to make one.

    Attributes:
        root, kind, target: What was launched.
        python: The interpreter that runs it.
        pid: The child's process id.
        socket_path: ``GESTALT_PLUGIN_SOCKET``.
        metadata: ``GetMetadata``'s answer (integration; ``None`` if UNIMPLEMENTED).
        identity: The second ``GetProviderIdentity`` answer (runtime kinds).
        session_ttl_seconds: What ``GetSessionSettings`` gave (auth), or the 24 h default.
        time_to_socket: Seconds from spawn to the socket file.
        host_env: The host-service variables given to the provider.
        result: How it ended, once stopped.
    """

    def __init__(
        self,
        root: str | Path,
        kind: str = "integration",
        *,
        target: str | None = None,
        name: str = "test",
        config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        host_python: bool = False,
        host_services: Sequence[HostService] = (),
        own_process_group: bool = False,
        command: Sequence[str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.kind = ProviderKind(kind)
        self.target = resolve_target(self.root, kind, target)
        self.name = name
        self.config = dict(config or {})
        self._extra_env = dict(env or {})
        self.python = choose_interpreter(self.root, python, host_python)
        self._host_services = list(host_services)
        self._own_group = own_process_group
        self._command = list(command) if command is not None else None
        self.metadata: plugin_pb2.ProviderMetadata | None = None
        self.identity: runtime_pb2.ProviderIdentity | None = None
        self.session_ttl_seconds = DEFAULT_SESSION_TTL_SECONDS
        self.time_to_socket = 0.0
        self.host_env: dict[str, str] = {}
        self.pid = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._services: RunningHostServices | None = None
        self._channel: grpc.Channel | None = None
        self._out: BinaryIO | None = None
        self._dirs: list[str] = []
        self.socket_path = ""
        self.result: StopResult | None = None
        self._final_output = ""

    # -- start ----------------------------------------------------------------------------

    def spawn(self) -> None:
        """Start host services, spawn the process and wait for its socket (no RPC yet)."""
        base = short_temp_base()
        socket_dir = tempfile.mkdtemp(prefix="gstp-", dir=base)  # mode 0700
        scratch = tempfile.mkdtemp(prefix="gstp-cwd-", dir=base)
        self._dirs = [socket_dir, scratch]
        self.socket_path = os.path.join(socket_dir, "plugin.sock")
        if self._host_services:
            if self.kind is not ProviderKind.INTEGRATION:
                raise EmulatorError("only integration providers get host services")
            self._services = RunningHostServices(self._host_services, Path(socket_dir), self.name)
            self.host_env = dict(self._services.env)
        self._out = tempfile.TemporaryFile(prefix="gstp-out-")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        command = self._command or runtime_argv(
            self.python, self.root, self.target, self.kind.value
        )
        try:
            self._proc = subprocess.Popen(
                command,
                cwd=scratch,
                env=serve_environment(self._extra_env, self.socket_path, self.host_env),
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=self._out,
                start_new_session=self._own_group,
            )
        except OSError as error:
            self._abandon()
            raise cannot_run(command[0], error) from None
        self.pid = self._proc.pid
        while not os.path.exists(self.socket_path):
            code = self._proc.poll()
            if code is not None:
                self._abandon()
                raise start_failure(
                    f"plugin process exited before serving gRPC (exit status {code})",
                    self.python,
                    self.output(),
                )
            if time.monotonic() - started > READY_TIMEOUT:
                self._abandon()
                raise EmulatorError("waiting for plugin socket: context deadline exceeded (10 s)")
            time.sleep(POLL)
        self.time_to_socket = time.monotonic() - started
        self._channel = grpc.insecure_channel(
            f"unix:{self.socket_path}", options=[("grpc.default_authority", "localhost")]
        )

    def start(self) -> None:
        """Spawn, then run the kind's start-up calls as gestaltd does."""
        self.spawn()
        try:
            if self.kind is ProviderKind.INTEGRATION:
                self.metadata = start_integration(self.channel, self.name, self.config)
            else:
                self.identity, self.session_ttl_seconds = start_runtime_kind(
                    self.channel, self.kind, self.name, self.config
                )
        except EmulatorError as error:
            self.stop(check=False)
            raise with_output(str(error), self.output()) from None
        except BaseException:
            self.stop(check=False)
            raise

    # -- clients --------------------------------------------------------------------------

    @property
    def channel(self) -> grpc.Channel:
        """The host's client channel to the provider."""
        if self._channel is None:
            raise EmulatorError("the provider is not running")
        return self._channel

    @property
    def lifecycle(self) -> runtime_pb2_grpc.ProviderLifecycleStub:
        """``ProviderLifecycle`` client."""
        return runtime_pb2_grpc.ProviderLifecycleStub(self.channel)

    @property
    def integration(self) -> plugin_pb2_grpc.IntegrationProviderStub:
        """``IntegrationProvider`` client."""
        return plugin_pb2_grpc.IntegrationProviderStub(self.channel)

    @property
    def cache(self) -> cache_pb2_grpc.CacheStub:
        """``Cache`` client."""
        return cache_pb2_grpc.CacheStub(self.channel)

    @property
    def secrets(self) -> secrets_pb2_grpc.SecretsProviderStub:
        """``SecretsProvider`` client."""
        return secrets_pb2_grpc.SecretsProviderStub(self.channel)

    @property
    def auth(self) -> auth_pb2_grpc.AuthProviderStub:
        """``AuthProvider`` client."""
        return auth_pb2_grpc.AuthProviderStub(self.channel)

    @property
    def s3(self) -> s3_pb2_grpc.S3Stub:
        """``S3`` client."""
        return s3_pb2_grpc.S3Stub(self.channel)

    def execute(
        self,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        token: str = "",
        connection_params: Mapping[str, str] | None = None,
        invocation_id: str = "",
        context: plugin_pb2.RequestContext | None = None,
        timeout: float | None = None,
    ) -> plugin_pb2.OperationResult:
        """Call ``Execute`` the way the host encodes it (absent Struct for empty params)."""
        request = plugin_pb2.ExecuteRequest(
            operation=operation,
            token=token,
            connection_params=dict(connection_params or {}),
            invocation_id=invocation_id,
        )
        if params:
            request.params.CopyFrom(dict_to_struct(params))
        if context is not None:
            request.context.CopyFrom(context)
        return self.integration.Execute(request, timeout=timeout)

    # -- output and stop ------------------------------------------------------------------

    def output(self) -> str:
        """Everything the provider wrote to stdout and stderr so far."""
        if self._out is None:
            return self._final_output
        self._out.flush()
        position = self._out.tell()
        self._out.seek(0)
        data = self._out.read()
        self._out.seek(position)
        return data.decode("utf-8", "replace")

    def send_signal(self, signum: int) -> None:
        """Signal the provider (its whole group when it has one of its own)."""
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            if self._own_group:
                os.killpg(self._proc.pid, signum)
            else:
                self._proc.send_signal(signum)

    def stop(self, *, check: bool = True) -> StopResult:
        """Close as the host does: channel, host services, SIGTERM, 2 s, SIGKILL, cleanup.

        Raises:
            EmulatorError: With ``check``, when the provider needed SIGKILL or exited with a
                status other than 0 or death by signal.
        """
        if self.result is not None:
            return self.result
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._services is not None:
            self._services.stop()
        proc = self._proc
        if proc is None:
            raise EmulatorError("the provider was never started")
        started = time.monotonic()
        killed = False
        if proc.poll() is None:
            self.send_signal(signal.SIGTERM)
            try:
                proc.wait(KILL_GRACE)
            except subprocess.TimeoutExpired:
                killed = True
                if self._own_group:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                proc.kill()
                proc.wait()
        seconds = time.monotonic() - started
        self.result = StopResult(
            exit_code=proc.returncode,
            seconds=seconds,
            killed=killed,
            socket_removed=not os.path.exists(self.socket_path),
        )
        self._cleanup()
        if check and (killed or proc.returncode > 0):
            how = "was SIGKILLed after 2 s" if killed else f"exited with status {proc.returncode}"
            raise with_output(f"provider {how} on stop", self.output())
        return self.result

    def _abandon(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._services is not None:
            self._services.stop()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._out is not None:
            self._final_output = self.output()
            self._out.close()
            self._out = None
        for directory in self._dirs:
            shutil.rmtree(directory, ignore_errors=True)
        self._dirs = []

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._proc is not None and self.result is None:
            self.stop(check=kind is None)


def launch(
    root: str | Path,
    kind: str = "integration",
    *,
    target: str | None = None,
    name: str = "test",
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
    host_python: bool = False,
    host_services: Sequence[HostService] = (),
    own_process_group: bool = False,
    start: bool = True,
    command: Sequence[str] | None = None,
) -> ProviderProcess:
    """Launch the provider in ``root`` as gestaltd would and run its start-up sequence.

    Args:
        root: The provider directory (ROOT).
        kind: ``integration``, ``auth``, ``cache``, ``secrets`` or ``s3``.
        target: TARGET; by default read from ``[tool.gestalt]`` like the host does.
        name: The instance name sent in ``StartProvider``/``ConfigureProvider``.
        config: The provider config, sent as a ``Struct`` (absent when empty).
        env: The config's ``env:`` map.
        python: The interpreter; by default the one running this code (``sys.executable``).
        host_python: Pick the interpreter as gestaltd does instead (ROOT's venv,
            ``GESTALT_PYTHON``, ``python3`` on ``PATH``...), to check a deployment.
        host_services: Fake host cache/object-store bindings (integration only).
        own_process_group: Start in a group of its own and signal the group (sandbox mode).
        start: ``False`` only spawns and waits for the socket, without start-up calls.
        command: Binary mode: the command to run instead of ``python -m gestalt._runtime
            ROOT TARGET KIND``, e.g. ``[release_binary]`` (a release gets no arguments).

    Returns:
        The running process; use it as a context manager to stop it as the host does.
    """
    process = ProviderProcess(
        root,
        kind,
        target=target,
        name=name,
        config=config,
        env=env,
        python=python,
        host_python=host_python,
        host_services=host_services,
        own_process_group=own_process_group,
        command=command,
    )
    if start:
        process.start()
    else:
        process.spawn()
    return process
