"""A provider process under an emulated host: spawn, readiness, clients, output and stop.

The child gets the host's command line, a scrubbed environment, stdin closed, a private
``gstp-*`` socket directory, the readiness poll, a client with the host's 4 MiB receive
limit, and SIGTERM then SIGKILL after 2 s (docs/host.md). A protocol-2 (or 3) host runs
``python -m gestalt._runtime ROOT TARGET KIND`` from a working directory that is not ROOT,
sets ``GESTALT_PLUGIN_*`` and waits 10 s for the socket file; a protocol-5 host runs the
manifest's ``gestalt run . TARGET KIND`` from ROOT, sets ``GESTALT_PROVIDER_SOCKET`` (an
``app.sock``) and ``GESTALT_APP_*``, and waits 45 s for the socket and a ready connection.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, BinaryIO

import grpc

from gestalt.core._kinds import ProviderKind
from gestalt.core._structs import dict_to_struct
from gestalt.core._wire import stubs
from gestalt.core.testing._command import (
    manifest_run_argv,
    resolve_target,
    runtime_argv,
    serve_environment,
)
from gestalt.core.testing._host_contract import (
    KILL_GRACE,
    POLL,
    READY_TIMEOUT,
    READY_TIMEOUT_V5,
    EmulatorError,
    cannot_run,
    short_temp_base,
    start_failure,
    wire_of,
    with_output,
)
from gestalt.core.testing._host_services import HostService, RunningHostServices
from gestalt.core.testing._interpreter import choose_interpreter
from gestalt.core.testing._startup import (
    DEFAULT_SESSION_TTL_SECONDS,
    integration_stub,
    start_integration,
    start_runtime_kind,
)
from gestalt.provider.v1 import auth_pb2_grpc

#: The host protocols the emulator plays: 2 and 5 as gestaltd does, 3 to test the refusal.
HOST_PROTOCOLS = (2, 3, 5)


@dataclasses.dataclass(frozen=True)
class StopResult:
    """How a provider ended.

    Attributes:
        exit_code: The exit status (negative: killed by that signal).
        seconds: From the stop signal to exit.
        killed: Whether it outlived the 2 s grace and got SIGKILL.
        socket_removed: Whether the provider removed its socket file itself (always true
            on TCP, where there is none).
    """

    exit_code: int
    seconds: float
    killed: bool
    socket_removed: bool


class ProviderProcess:
    """A provider process under an emulated host; use :func:`launch` to make one.

    Attributes:
        root, kind, target: What was launched.
        protocol: The host protocol played: 2, 5, or 3 (a protocol-2 launch that asks
            for version 3, to test the refusal).
        python: The interpreter that runs it.
        pid: The child's process id.
        socket_path: The Unix socket served on ("" on TCP).
        endpoint: What the provider was told to serve on (``GESTALT_PLUGIN_SOCKET`` below
            5, ``GESTALT_PROVIDER_SOCKET`` on 5): the socket path, or ``tcp://HOST:PORT``.
        command: The command line the provider was started with.
        metadata: ``GetMetadata``'s answer (integration; ``None`` if UNIMPLEMENTED), a
            ``ProviderMetadata`` of the protocol's generation.
        identity: The second ``GetProviderIdentity`` answer (runtime kinds).
        session_ttl_seconds: What ``GetSessionSettings`` gave (auth on protocol 2), or the
            24 h default.
        time_to_socket: Seconds from spawn to the socket file (protocol 5: to a ready
            connection).
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
        protocol: int = 2,
        tcp: bool = False,
        host_service_token: str = "",
    ) -> None:
        if protocol not in HOST_PROTOCOLS:
            raise EmulatorError(
                f"protocol {protocol!r}: the emulator plays a protocol 2, 3 or 5 host"
            )
        if (tcp or host_service_token) and wire_of(protocol) != 5:
            raise EmulatorError("tcp and host_service_token are for a protocol-5 host")
        self.protocol = protocol
        self._tcp = tcp
        self._host_token = host_service_token
        self.root = Path(root).resolve()
        try:
            self.kind = ProviderKind.from_word(kind)
        except ValueError:
            raise EmulatorError(
                f"kind {kind[:40]!r}: expected integration (app), auth (identity), cache, "
                "secrets or s3"
            ) from None
        self.target = resolve_target(self.root, self.kind.value, target)
        self.name = name
        self.config = dict(config or {})
        self._extra_env = dict(env or {})
        self.python = choose_interpreter(self.root, python, host_python)
        self._host_services = list(host_services)
        self._own_group = own_process_group
        self._command = list(command) if command is not None else None
        self.metadata: Any = None
        self.identity: Any = None
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
        self.endpoint = ""
        self.command: list[str] = []
        self.result: StopResult | None = None
        self._final_output = ""

    # -- start ----------------------------------------------------------------------------

    def spawn(self) -> None:
        """Start host services, spawn the process and wait for it to serve (no RPC yet)."""
        base = short_temp_base()
        socket_dir = tempfile.mkdtemp(prefix="gstp-", dir=base)  # mode 0700
        scratch = tempfile.mkdtemp(prefix="gstp-cwd-", dir=base)
        self._dirs = [socket_dir, scratch]
        v5 = self.wire == 5
        if self._tcp:
            self.socket_path = ""
            self.endpoint = f"tcp://127.0.0.1:{_free_port()}"
        else:
            self.socket_path = os.path.join(socket_dir, "app.sock" if v5 else "plugin.sock")
            self.endpoint = self.socket_path
        if self._host_services:
            if self.kind is not ProviderKind.INTEGRATION:
                raise EmulatorError("only integration providers get host services")
            self._services = RunningHostServices(
                self._host_services,
                Path(socket_dir),
                self.name,
                protocol=self.protocol,
                token=self._host_token,
            )
            self.host_env = dict(self._services.env)
        self._out = tempfile.TemporaryFile(prefix="gstp-out-")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        if self._command is not None:
            self.command = self._command
        elif v5:
            self.command = manifest_run_argv(self.python, self.target, self.kind)
        else:
            self.command = runtime_argv(self.python, self.root, self.target, self.kind.value)
        env = serve_environment(
            self._extra_env, self.endpoint, self.host_env, protocol=self.protocol, name=self.name
        )
        try:
            self._proc = subprocess.Popen(
                self.command,
                cwd=self.root if v5 else scratch,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=self._out,
                start_new_session=self._own_group,
            )
        except OSError as error:
            self._abandon()
            raise cannot_run(self.command[0], error) from None
        self.pid = self._proc.pid
        budget = READY_TIMEOUT_V5 if v5 else READY_TIMEOUT
        while self.socket_path and not os.path.exists(self.socket_path):
            self._check_alive()
            if time.monotonic() - started > budget:
                self._abandon()
                raise EmulatorError(
                    f"waiting for plugin socket: context deadline exceeded ({budget:.0f} s)"
                )
            time.sleep(POLL)
        target = f"unix:{self.socket_path}" if self.socket_path else self.endpoint[len("tcp://") :]
        self._channel = grpc.insecure_channel(
            target, options=[("grpc.default_authority", "localhost")]
        )
        if v5:  # a protocol-5 host also waits for the connection to be ready
            self._wait_ready(started + budget)
        self.time_to_socket = time.monotonic() - started

    def _check_alive(self) -> None:
        """Raise the host's error when the process exited before serving."""
        assert self._proc is not None
        code = self._proc.poll()
        if code is not None:
            self._abandon()
            raise start_failure(
                f"plugin process exited before serving gRPC (exit status {code})",
                self.python,
                self.output(),
            )

    def _wait_ready(self, deadline: float) -> None:
        while True:
            try:
                grpc.channel_ready_future(self.channel).result(timeout=0.25)
                return
            except grpc.FutureTimeoutError:
                self._check_alive()
                if time.monotonic() > deadline:
                    self._abandon()
                    raise EmulatorError(
                        "waiting for the provider's gRPC connection: context deadline exceeded"
                    ) from None

    def start(self) -> None:
        """Spawn, then run the kind's start-up calls as gestaltd does."""
        self.spawn()
        try:
            if self.kind is ProviderKind.INTEGRATION:
                self.metadata = start_integration(
                    self.channel, self.name, self.config, self.protocol
                )
            else:
                self.identity, self.session_ttl_seconds = start_runtime_kind(
                    self.channel, self.kind, self.name, self.config, self.protocol
                )
        except EmulatorError as error:
            self.stop(check=False)
            raise with_output(str(error), self.output()) from None
        except BaseException:
            self.stop(check=False)
            raise

    # -- clients --------------------------------------------------------------------------

    @property
    def wire(self) -> int:
        """The stub generation of :attr:`protocol`: 5, or 2 for protocols 2 and 3."""
        return wire_of(self.protocol)

    def stubs(self, name: str) -> tuple[ModuleType, ModuleType]:
        """``(<name>_pb2, <name>_pb2_grpc)`` of this host's generation, for building requests.

        Args:
            name: The wire file: ``runtime``, ``cache``, ``secrets``, ``s3``, and
                ``plugin``/``auth`` on protocol 2 or ``app``/``identity`` on 5.

        Raises:
            EmulatorError: The generation has no such file.
        """
        try:
            return stubs(self.wire, name)
        except ModuleNotFoundError:
            raise EmulatorError(
                f"protocol {self.protocol} has no wire file {name[:40]!r}"
            ) from None

    def _only_on(self, wire: int, what: str, instead: str) -> None:
        if self.wire != wire:
            raise EmulatorError(
                f"{what} is a protocol-{wire} service and this host plays protocol "
                f"{self.protocol}; use {instead}"
            )

    @property
    def channel(self) -> grpc.Channel:
        """The host's client channel to the provider."""
        if self._channel is None:
            raise EmulatorError("the provider is not running")
        return self._channel

    @property
    def lifecycle(self) -> Any:
        """``ProviderLifecycle`` client (``StartProvider`` exists on protocol 5 only)."""
        return self.stubs("runtime")[1].ProviderLifecycleStub(self.channel)

    @property
    def integration(self) -> Any:
        """``IntegrationProvider`` client on protocol 2, ``AppProvider`` on 5."""
        return integration_stub(self.channel, self.protocol)

    @property
    def cache(self) -> Any:
        """``Cache`` client."""
        return self.stubs("cache")[1].CacheStub(self.channel)

    @property
    def secrets(self) -> Any:
        """``SecretsProvider`` client on protocol 2, ``Secrets`` on 5."""
        services = self.stubs("secrets")[1]
        stub = services.SecretsStub if self.wire == 5 else services.SecretsProviderStub
        return stub(self.channel)

    @property
    def auth(self) -> auth_pb2_grpc.AuthProviderStub:
        """``AuthProvider`` client (protocol 2 only).

        Raises:
            EmulatorError: The host plays protocol 5, whose identity service is
                :attr:`identity_provider`.
        """
        self._only_on(2, "AuthProvider", "proc.identity_provider")
        return auth_pb2_grpc.AuthProviderStub(self.channel)

    @property
    def identity_provider(self) -> Any:
        """``Identity`` client (protocol 5 only).

        Raises:
            EmulatorError: The host plays protocol 2 (or 3), whose auth service is
                :attr:`auth`.
        """
        self._only_on(5, "Identity", "proc.auth")
        return self.stubs("identity")[1].IdentityStub(self.channel)

    @property
    def s3(self) -> Any:
        """``S3`` client."""
        return self.stubs("s3")[1].S3Stub(self.channel)

    def execute(
        self,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        token: str = "",
        connection_params: Mapping[str, str] | None = None,
        invocation_id: str = "",
        idempotency_key: str = "",
        context: Any = None,
        timeout: float | None = None,
    ) -> Any:
        """Call ``Execute`` the way the host encodes it (absent Struct for empty params).

        Args:
            operation: The operation name.
            params: The parameters, sent as a ``Struct``.
            token: The token the host resolved for the connection.
            connection_params: The connection's parameters.
            invocation_id: The host's id of this invocation.
            idempotency_key: Protocol 5 only.
            context: A ``RequestContext`` of this host's generation
                (``proc.stubs("plugin")`` on 2, ``proc.stubs("app")`` on 5).
            timeout: The call's deadline in seconds.

        Returns:
            The generation's ``OperationResult``: ``status`` and ``body`` on both, where
            ``body`` is ``str`` on protocol 2 and ``bytes`` on 5 (:func:`result_text`
            reads either), plus ``headers`` on 5.

        Raises:
            EmulatorError: ``idempotency_key`` on a host below protocol 5.
        """
        if idempotency_key:
            self._only_on(5, "ExecuteRequest.idempotency_key", "no idempotency key")
        messages = self.stubs("app" if self.wire == 5 else "plugin")[0]
        request = messages.ExecuteRequest(
            operation=operation,
            token=token,
            connection_params=dict(connection_params or {}),
            invocation_id=invocation_id,
        )
        if idempotency_key:
            request.idempotency_key = idempotency_key
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
            socket_removed=not (self.socket_path and os.path.exists(self.socket_path)),
        )
        self._cleanup()
        if check and (killed or proc.returncode > 0):
            how = "was SIGKILLed after 2 s" if killed else f"exited with status {proc.returncode}"
            raise with_output(f"provider {how} on stop", self.output())
        return self.result

    def _abandon(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def result_text(result: Any) -> str:
    """An ``OperationResult``'s body as text, whichever generation it comes from (``str``
    on protocol 2, UTF-8 ``bytes`` on 5)."""
    body = result.body
    return body.decode("utf-8") if isinstance(body, bytes) else str(body)


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
    protocol: int = 2,
    tcp: bool = False,
    host_service_token: str = "",
) -> ProviderProcess:
    """Launch the provider in ``root`` as gestaltd would and run its start-up sequence.

    Args:
        root: The provider directory (ROOT).
        kind: ``integration``, ``auth``, ``cache``, ``secrets`` or ``s3`` (protocol 5's
            ``app`` and ``identity`` name the first two).
        target: TARGET; by default read from ``[tool.gestalt]`` like the host does.
        name: The instance name sent in ``StartProvider``/``ConfigureProvider``.
        config: The provider config, sent as a ``Struct`` (absent when empty).
        env: The config's ``env:`` map.
        python: The interpreter; by default the one running this code (``sys.executable``).
        host_python: Pick the interpreter as gestaltd does instead (ROOT's venv,
            ``GESTALT_PYTHON``, ``python3`` on ``PATH``...), to check a deployment.
        host_services: Fake host cache/object-store bindings (integration only): one
            socket each on protocol 2, one shared socket routed by binding on 5.
        own_process_group: Start in a group of its own and signal the group (sandbox mode).
        start: ``False`` only spawns and waits for the socket, without start-up calls.
        command: Binary mode: the command to run instead of ``python -m gestalt._runtime
            ROOT TARGET KIND`` (protocol 5: ``python -m gestalt._cli run . TARGET KIND``
            in ROOT), e.g. ``[release_binary]`` (a release gets no arguments).
        protocol: The host to play: 2 (the default) or 5 as gestaltd does, or 3, a
            protocol-2 launch whose start-up calls ask for version 3 (which the SDK
            refuses).
        tcp: Protocol 5: serve on ``tcp://127.0.0.1:PORT`` (a free port) instead of a
            Unix socket.
        host_service_token: Protocol 5: the relay token of a relayed provider, published
            in ``GESTALT_HOST_SERVICE_TOKEN`` and required on every host-service call.

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
        protocol=protocol,
        tcp=tcp,
        host_service_token=host_service_token,
    )
    if start:
        process.start()
    else:
        process.spawn()
    return process
