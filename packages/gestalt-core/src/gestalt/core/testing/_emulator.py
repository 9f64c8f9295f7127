"""Launch a provider exactly as gestaltd does, drive its start-up, call it, and stop it.

Every step follows HOST.md (section 13 is the checklist): the host's command line, a
scrubbed environment, a working directory that is not ROOT, stdin closed, a private
``gstp-*`` socket directory, the 25 ms readiness poll with its 10 s budget, the per-kind
start-up calls, the host's 4 MiB receive limit, and SIGTERM then SIGKILL after 2 s.
Departures from the host's contract raise :class:`EmulatorError` with the provider's output.
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
from google.protobuf import empty_pb2

from gestalt.core._kinds import PROTOCOL_VERSION, ProviderKind
from gestalt.core._pyproject import target_from_pyproject, target_keys
from gestalt.core._structs import dict_to_struct
from gestalt.core.testing._catalog_check import catalog_problems, parse_catalog_text
from gestalt.core.testing._host_services import HostService, RunningHostServices
from gestalt.core.testing._interpreter import find_interpreter
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

#: Variables copied from the host's own environment into a provider's (HOST.md 2.1).
SAFE_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")
READY_TIMEOUT = 10.0
POLL = 0.025
KILL_GRACE = 2.0
RUNTIME_CALL_TIMEOUT = 10.0
CONFIGURE_TIMEOUT = 30.0


class EmulatorError(AssertionError):
    """The provider broke the host's contract (or could not be started)."""


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


@dataclasses.dataclass(frozen=True)
class CatalogExport:
    """The result of a catalog-export run: the file, its parsed content and the output."""

    path: Path
    catalog: dict[str, Any]
    output: str


def _short_temp_base() -> str:
    # Unix socket paths are capped near 107 bytes; /tmp first keeps them short (HOST.md 3.1).
    for base in ("/tmp", tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        if os.path.isdir(base) and os.access(base, os.W_OK):
            return base
    return "."


def resolve_target(root: Path, kind: str, target: str | None) -> str:
    """TARGET as the host would pass it: given, or from ``[tool.gestalt]``."""
    if target is not None:
        return target
    if (root / "go.mod").exists() or (root / "Cargo.toml").exists():
        raise EmulatorError(
            f"{root} holds a Go or Rust package; the host would not treat it as Python"
        )
    found = target_from_pyproject(root, kind)
    if found is None:
        keys = " or ".join(target_keys(kind))
        raise EmulatorError(f"{root / 'pyproject.toml'} has no [tool.gestalt] {keys} key")
    return found


class ProviderProcess:
    """A provider process under an emulated host; use :func:`launch` to make one.

    Attributes:
        root, kind, target: What was launched.
        pid: The child's process id.
        socket_path: ``GESTALT_PLUGIN_SOCKET``.
        channel: A client channel to the provider, as the host dials it.
        metadata: ``GetMetadata``'s answer (integration; ``None`` if UNIMPLEMENTED).
        identity: The second ``GetProviderIdentity`` answer (runtime kinds).
        session_ttl_seconds: What ``GetSessionSettings`` gave (auth), or the 24 h default.
        time_to_socket: Seconds from spawn to the socket file.
        host_env: The host-service variables given to the provider.
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
        self.python = python or find_interpreter(self.root)
        self._host_services = list(host_services)
        self._own_group = own_process_group
        self._command = list(command) if command is not None else None
        self.metadata: plugin_pb2.ProviderMetadata | None = None
        self.identity: runtime_pb2.ProviderIdentity | None = None
        self.session_ttl_seconds = 24 * 3600
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
        base = _short_temp_base()
        socket_dir = tempfile.mkdtemp(prefix="gstp-", dir=base)  # mode 0700
        scratch = tempfile.mkdtemp(prefix="gstp-cwd-", dir=base)
        self._dirs = [socket_dir, scratch]
        self.socket_path = os.path.join(socket_dir, "plugin.sock")
        if self._host_services:
            if self.kind is not ProviderKind.INTEGRATION:
                raise EmulatorError("only integration providers get host services (HOST.md 6)")
            self._services = RunningHostServices(self._host_services, Path(socket_dir), self.name)
            self.host_env = dict(self._services.env)
        env = {key: os.environ[key] for key in SAFE_ENV if key in os.environ}
        env.update(self._extra_env)
        env["GESTALT_PLUGIN_SOCKET"] = self.socket_path
        env["GESTALT_PLUGIN_PARENT_PID"] = str(os.getpid())
        env.update(self.host_env)
        self._out = tempfile.TemporaryFile(prefix="gstp-out-")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        command = self._command or [
            self.python,
            "-m",
            "gestalt._runtime",
            str(self.root),
            self.target,
            self.kind.value,
        ]
        self._proc = subprocess.Popen(
            command,
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._out,
            start_new_session=self._own_group,
        )
        self.pid = self._proc.pid
        while not os.path.exists(self.socket_path):
            code = self._proc.poll()
            if code is not None:
                self._abandon()
                raise EmulatorError(
                    f"plugin process exited before serving gRPC (exit status {code})"
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
        """Spawn, then run the kind's start-up calls as gestaltd does (HOST.md 4)."""
        self.spawn()
        try:
            if self.kind is ProviderKind.INTEGRATION:
                self._start_integration()
            else:
                self._start_runtime_kind()
        except BaseException:
            self.stop(check=False)
            raise

    def _config_struct(self) -> dict[str, Any]:
        # The host sends an absent Struct for an empty config (HOST.md 4.3).
        return {"config": dict_to_struct(self.config)} if self.config else {}

    def _start_integration(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                self.metadata = self.integration.GetMetadata(empty_pb2.Empty())
                break
            except grpc.RpcError as error:
                code = error.code()
                if code == grpc.StatusCode.UNIMPLEMENTED:
                    break
                if code != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                    raise self._failure(
                        f"GetMetadata failed: {code.name} {error.details()}"
                    ) from None
                time.sleep(POLL)
        request = plugin_pb2.StartProviderRequest(
            name=self.name, protocol_version=PROTOCOL_VERSION, **self._config_struct()
        )
        try:
            response = self.integration.StartProvider(request)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return
            raise self._failure(f"start provider: {error.code().name} {error.details()}") from None
        if response.protocol_version != PROTOCOL_VERSION:
            raise self._failure(
                f"provider responded with protocol version {response.protocol_version}, "
                f"host requires {PROTOCOL_VERSION}"
            )

    def _start_runtime_kind(self) -> None:
        self.identity = self._checked_identity()
        request = runtime_pb2.ConfigureProviderRequest(
            name=self.name, protocol_version=PROTOCOL_VERSION, **self._config_struct()
        )
        try:
            response = self.lifecycle.ConfigureProvider(request, timeout=CONFIGURE_TIMEOUT)
        except grpc.RpcError as error:
            raise self._failure(
                f"configure provider: {error.code().name} {error.details()}"
            ) from None
        if response.protocol_version != PROTOCOL_VERSION:
            raise self._failure(
                f"provider responded with protocol version {response.protocol_version}, "
                f"host requires {PROTOCOL_VERSION}"
            )
        self.identity = self._checked_identity()
        if self.kind is ProviderKind.AUTH:
            with contextlib.suppress(grpc.RpcError):  # any error means the 24 h default
                settings = self.auth.GetSessionSettings(
                    empty_pb2.Empty(), timeout=RUNTIME_CALL_TIMEOUT
                )
                if settings.session_ttl_seconds > 0:
                    self.session_ttl_seconds = settings.session_ttl_seconds

    def _checked_identity(self) -> runtime_pb2.ProviderIdentity:
        try:
            identity = self.lifecycle.GetProviderIdentity(
                empty_pb2.Empty(), timeout=CONFIGURE_TIMEOUT
            )
        except grpc.RpcError as error:
            raise self._failure(
                f"get provider identity: {error.code().name} {error.details()}"
            ) from None
        if identity.kind != self.kind.wire_value:
            raise self._failure(
                f"provider kind mismatch: got {identity.kind}, want {self.kind.wire_value}"
            )
        low, high = identity.min_protocol_version, identity.max_protocol_version
        if (low and low > PROTOCOL_VERSION) or (high and high < PROTOCOL_VERSION):
            raise self._failure(
                f"provider supports protocol versions {low}..{high}, host speaks {PROTOCOL_VERSION}"
            )
        return identity

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

    def _failure(self, message: str) -> EmulatorError:
        return EmulatorError(f"{message}\n--- provider output ---\n{self.output()[-4000:]}")

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
            raise EmulatorError(
                f"provider {how} on stop\n--- provider output ---\n{self.output()[-4000:]}"
            )
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
        python: The interpreter; by default the host's candidate order (HOST.md 1.3).
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
        host_services=host_services,
        own_process_group=own_process_group,
        command=command,
    )
    if start:
        process.start()
    else:
        process.spawn()
    return process


def export_catalog(
    root: str | Path,
    *,
    target: str | None = None,
    python: str | None = None,
    path: str | Path | None = None,
    timeout: float = 60.0,
) -> CatalogExport:
    """Run catalog-export mode as the host does (HOST.md 7.2) and check the file (7.3, 7.4).

    Args:
        root: The integration provider's directory.
        target: TARGET; by default from ``[tool.gestalt]``.
        python: The interpreter; by default the host's candidate order.
        path: Where to write; the host uses ``ROOT/catalog.yaml``.
        timeout: A provider that starts serving instead of exiting fails after this long.

    Raises:
        EmulatorError: Non-zero exit, no file, or a catalog the host would refuse.
    """
    root_path = Path(root).resolve()
    resolved = resolve_target(root_path, "integration", target)
    destination = Path(path).resolve() if path is not None else root_path / "catalog.yaml"
    env = dict(os.environ)
    env.pop("GESTALT_PLUGIN_SOCKET", None)
    env.pop("GESTALT_PLUGIN_PARENT_PID", None)
    env["GESTALT_PLUGIN_WRITE_CATALOG"] = str(destination)
    scratch = tempfile.mkdtemp(prefix="gstp-cwd-", dir=_short_temp_base())
    try:
        done = subprocess.run(
            [
                python or find_interpreter(root_path),
                "-m",
                "gestalt._runtime",
                str(root_path),
                resolved,
                "integration",
            ],
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EmulatorError(
            f"catalog export did not exit within {timeout} s (is it serving?)"
        ) from error
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        raise EmulatorError(f"generate static catalog: exit status {done.returncode}\n{output}")
    if not destination.exists():
        raise EmulatorError(f"catalog export exited 0 but wrote no file at {destination}\n{output}")
    try:
        catalog = parse_catalog_text(destination.read_text(encoding="utf-8"))
    except ValueError as error:
        raise EmulatorError(f"catalog file does not parse: {error}") from None
    problems = catalog_problems(catalog, default_name=root_path.name)
    if problems:
        raise EmulatorError(
            "catalog would be refused or lose settings:\n- " + "\n- ".join(problems)
        )
    return CatalogExport(destination, catalog, output)
