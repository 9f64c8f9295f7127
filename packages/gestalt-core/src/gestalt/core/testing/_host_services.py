"""Fake host services (the host's cache and object store) that an emulated host offers.

A protocol-2 gestaltd serves each binding on its own socket ``<dir>/host-<i>.sock`` before
it spawns an integration provider, publishes the path in ``GESTALT_CACHE_SOCKET_<NAME>`` /
``GESTALT_S3_SOCKET_<NAME>``, and adds the unsuffixed variable, on a socket of its own,
when a kind has exactly one binding (HOST.md 6).

A protocol-5 gestaltd serves every host service of the process on one socket, named by
``GESTALT_HOST_SERVICE_SOCKET``, and picks the binding of each call from its
``x-gestalt-host-binding`` metadata: a family with one binding serves it whatever the
metadata says; with several, the metadata must name one. A family without bindings is not
served at all (UNIMPLEMENTED). A relayed provider also gets ``GESTALT_HOST_SERVICE_TOKEN``,
which its calls carry as ``x-gestalt-host-service-relay-token``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import grpc

from gestalt.core._host import HOST_MAX_MESSAGE_BYTES, binding_suffix, host_socket_env
from gestalt.core._wire import stubs
from gestalt.core.testing._host_contract import abort, wire_of

#: The metadata a protocol-5 client names its binding with, and its relay token.
BINDING_METADATA = "x-gestalt-host-binding"
TOKEN_METADATA = "x-gestalt-host-service-relay-token"
#: The families the emulator serves, in the host's order.
FAMILIES = ("cache", "s3")
#: How much of a caller's binding name an error message repeats.
_NAME_CHARS = 100


class HostService(Protocol):
    """One binding of a host service, served by the emulator for an integration provider.

    Attributes:
        service: The family, ``"cache"`` or ``"s3"``; decides the variable name (protocol
            2), the wire file and the serving order.
        binding: The binding name as configured (``""`` for an unnamed binding).
    """

    service: str
    binding: str

    def bind(self, plugin_name: str) -> None:
        """Learn the plugin name the host would scope keys with (called before serving)."""
        ...

    def servicers(self, protocol: int) -> Mapping[str, object]:
        """The servicers of ``protocol``'s generation by gRPC service name (``"Cache"``,
        ``"S3"``, ``"S3ObjectAccess"``), all over this binding's one store."""
        ...


def binding_env_suffix(binding: str) -> str:
    """The host's normalisation of a binding name: ASCII letters upper-cased, digits kept,
    everything else ``_``; blank means no suffix."""
    return binding_suffix(binding)


def socket_env(service: str, binding: str = "") -> str:
    """The variable that names a binding's socket, e.g. ``GESTALT_CACHE_SOCKET_SESSIONS``."""
    return host_socket_env(service, binding)


def add_servicers(server: grpc.Server, service: HostService, protocol: int = 2) -> None:
    """Serve one binding alone on ``server``, with ``protocol``'s messages and paths."""
    registry = stubs(wire_of(protocol), service.service)[1]
    for name, servicer in service.servicers(protocol).items():
        getattr(registry, f"add_{name}Servicer_to_server")(servicer, server)


class _BindingRouter:
    """One service of a family on the shared protocol-5 socket: each call goes to the
    binding its metadata selects, after the relay-token check.

    gRPC's ``add_<Service>Servicer_to_server`` looks each rpc up by name; every name
    resolves to a handler that picks the binding's servicer and calls its method.
    """

    def __init__(self, family: str, servicers: Mapping[str, object], token: str) -> None:
        self._family = family
        self._servicers = dict(servicers)
        self._token = token

    def __getattr__(self, method: str) -> Callable[[Any, grpc.ServicerContext], Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        def handler(request: Any, context: grpc.ServicerContext) -> Any:
            metadata = context.invocation_metadata() or ()
            self._check_token(metadata, context)
            return getattr(self._choose(metadata, context), method)(request, context)

        return handler

    def _check_token(self, metadata: Sequence[Any], context: grpc.ServicerContext) -> None:
        if not self._token:
            return  # a local process: the socket alone is the credential
        sent = [str(item.value) for item in metadata if item.key == TOKEN_METADATA]
        if not sent:
            abort(context, grpc.StatusCode.UNAUTHENTICATED, "host service relay token is required")
        if sent[0].strip() != self._token:
            abort(context, grpc.StatusCode.UNAUTHENTICATED, "invalid host service relay token")

    def _choose(self, metadata: Sequence[Any], context: grpc.ServicerContext) -> object:
        if len(self._servicers) == 1:
            return next(iter(self._servicers.values()))  # the metadata is not consulted
        names = [str(item.value).strip() for item in metadata if item.key == BINDING_METADATA]
        name = next((value for value in names if value), "")
        if not name:
            abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"{self._family} binding is required")
        servicer = self._servicers.get(name)
        if servicer is None:
            shown = name if len(name) <= _NAME_CHARS else name[:_NAME_CHARS] + "..."
            abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                f'{self._family} binding "{shown}" is not available',
            )
        return servicer


def _new_server() -> grpc.Server:
    # The host's 4 MiB receive limit on both protocols (the protocol-5 host's own value
    # is not known; 4 MiB is the one a client can count on).
    return grpc.server(
        ThreadPoolExecutor(max_workers=8, thread_name_prefix="emu-host"),
        options=[("grpc.max_receive_message_length", HOST_MAX_MESSAGE_BYTES)],
    )


class RunningHostServices:
    """The servers of an emulated host's services: one per socket in the host's order
    (protocol 2), or one shared socket that routes by binding (protocol 5).

    Args:
        services: The bindings to serve.
        socket_dir: A private directory for the sockets.
        plugin_name: The name keys are scoped with.
        protocol: The host's protocol.
        token: Protocol 5: a relay token to publish in ``GESTALT_HOST_SERVICE_TOKEN`` and
            to require on every call ("" for a local process, which needs none).

    Attributes:
        env: The variables that tell the provider where its host services are.

    Raises:
        ValueError: An unknown family, two bindings of one family with the same name on
            protocol 5, or a token below protocol 5.
    """

    def __init__(
        self,
        services: Sequence[HostService],
        socket_dir: Path,
        plugin_name: str,
        *,
        protocol: int = 2,
        token: str = "",
    ) -> None:
        self.env: dict[str, str] = {}
        self._servers: list[grpc.Server] = []
        unknown = [s.service for s in services if s.service not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown host service kind(s): {unknown}")
        if token and wire_of(protocol) != 5:
            raise ValueError("a host-service relay token is a protocol-5 variable")
        for service in services:
            service.bind(plugin_name)
        families = {kind: [s for s in services if s.service == kind] for kind in FAMILIES}
        if wire_of(protocol) == 5:
            self._serve_shared(families, socket_dir / "host-services.sock", protocol, token)
        else:
            self._serve_per_binding(families, socket_dir, protocol)

    def _start(self, server: grpc.Server, path: Path) -> None:
        server.add_insecure_port(f"unix:{path}")
        server.start()
        self._servers.append(server)

    def _serve_per_binding(
        self, families: Mapping[str, list[HostService]], socket_dir: Path, protocol: int
    ) -> None:
        plan: list[tuple[str, HostService]] = []
        for kind, of_kind in families.items():
            plan += [(socket_env(kind, s.binding), s) for s in of_kind]
            if len(of_kind) == 1 and binding_env_suffix(of_kind[0].binding):
                plan.append((socket_env(kind), of_kind[0]))  # the alias: a socket of its own
        for index, (variable, service) in enumerate(plan):
            path = socket_dir / f"host-{index}.sock"
            server = _new_server()
            add_servicers(server, service, protocol)
            self._start(server, path)
            self.env[variable] = str(path)

    def _serve_shared(
        self, families: Mapping[str, list[HostService]], path: Path, protocol: int, token: str
    ) -> None:
        server = _new_server()
        served = False
        for kind, of_kind in families.items():
            if not of_kind:
                continue  # a family without bindings is not registered: UNIMPLEMENTED
            names = [s.binding for s in of_kind]
            if len(set(names)) != len(names):
                raise ValueError(f"two {kind} bindings share a name: {sorted(names)}")
            registry = stubs(5, kind)[1]
            by_service: dict[str, dict[str, object]] = {}
            for service in of_kind:
                for name, servicer in service.servicers(protocol).items():
                    by_service.setdefault(name, {})[service.binding] = servicer
            for name, servicers in by_service.items():
                router = _BindingRouter(kind, servicers, token)
                getattr(registry, f"add_{name}Servicer_to_server")(router, server)
            served = True
        if not served:
            return
        self._start(server, path)
        self.env["GESTALT_HOST_SERVICE_SOCKET"] = str(path)
        if token:
            self.env["GESTALT_HOST_SERVICE_TOKEN"] = token

    def stop(self) -> None:
        """Hard-stop every server, as the host does before it signals the provider."""
        for server in self._servers:
            server.stop(None)
        self._servers.clear()
