"""Fake host services (the host's cache and object store) that an emulated host offers.

gestaltd serves each binding on its own socket ``<dir>/host-<i>.sock`` before it spawns an
integration provider, publishes the path in ``GESTALT_CACHE_SOCKET_<NAME>`` /
``GESTALT_S3_SOCKET_<NAME>``, and adds the unsuffixed variable, on a socket of its own,
when a kind has exactly one binding (HOST.md 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import grpc

from gestalt.core._host import HOST_MAX_MESSAGE_BYTES, binding_suffix, host_socket_env


class HostService(Protocol):
    """One binding of a host service, served by the emulator for an integration provider.

    Attributes:
        service: ``"cache"`` or ``"s3"``; decides the variable name and the socket order.
        binding: The binding name as configured (``""`` for an unnamed binding).
    """

    service: str
    binding: str

    def bind(self, plugin_name: str) -> None:
        """Learn the plugin name the host would scope keys with (called before serving)."""
        ...

    def add_to_server(self, server: grpc.Server) -> None:
        """Add the service's servicer to a server."""
        ...


def binding_env_suffix(binding: str) -> str:
    """The host's normalisation of a binding name: ASCII letters upper-cased, digits kept,
    everything else ``_``; blank means no suffix."""
    return binding_suffix(binding)


def socket_env(service: str, binding: str = "") -> str:
    """The variable that names a binding's socket, e.g. ``GESTALT_CACHE_SOCKET_SESSIONS``."""
    return host_socket_env(service, binding)


class RunningHostServices:
    """The servers of an emulated host's services, one per socket, in the host's order."""

    def __init__(self, services: Sequence[HostService], socket_dir: Path, plugin_name: str) -> None:
        self.env: dict[str, str] = {}
        self._servers: list[grpc.Server] = []
        ordered = [s for s in services if s.service == "cache"] + [
            s for s in services if s.service == "s3"
        ]
        unknown = [s.service for s in services if s.service not in ("cache", "s3")]
        if unknown:
            raise ValueError(f"unknown host service kind(s): {unknown}")
        plan: list[tuple[str, HostService]] = []
        for kind in ("cache", "s3"):
            of_kind = [s for s in ordered if s.service == kind]
            plan += [(socket_env(kind, s.binding), s) for s in of_kind]
            if len(of_kind) == 1 and binding_env_suffix(of_kind[0].binding):
                plan.append((socket_env(kind), of_kind[0]))  # the alias: a socket of its own
        for index, (variable, service) in enumerate(plan):
            service.bind(plugin_name)
            path = socket_dir / f"host-{index}.sock"
            server = grpc.server(
                ThreadPoolExecutor(max_workers=8, thread_name_prefix="emu-host"),
                options=[("grpc.max_receive_message_length", HOST_MAX_MESSAGE_BYTES)],
            )
            service.add_to_server(server)
            server.add_insecure_port(f"unix:{path}")
            server.start()
            self._servers.append(server)
            self.env[variable] = str(path)

    def stop(self) -> None:
        """Hard-stop every server, as the host does before it signals the provider."""
        for server in self._servers:
            server.stop(None)
        self._servers.clear()
