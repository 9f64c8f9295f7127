"""The two wire generations this SDK serves, told apart before the first call.

Protocol 2 is the wire of the seed's gestaltd; protocol 5 is what every gestaltd since
mid-2026 speaks. Both name their services ``gestalt.provider.v1.<Service>``, but give
messages of the same name different shapes, so each has its own generated stubs:
``gestalt.provider.v1`` for 2 and ``gestalt.provider.v5`` (a private proto package, with
upstream's service names) for 5. A process imports only the stubs of the generation it
serves. Protocols 3 and 4 were short-lived steps between the two and are refused.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from gestalt.core._kinds import PROTOCOL_VERSIONS

_STUB_PACKAGES = {2: "gestalt.provider.v1", 5: "gestalt.provider.v5"}


class HostVariables:
    """The names one generation of host gives its launch variables (a plain class: this
    module is on every start's path, and a dataclass costs a start ~0.3 ms to build).

    Attributes:
        socket: Where to serve.
        parent_pid: The host's process id, watched for host death.
        write_catalog: Catalog-export mode: write the catalog to this path and exit.
    """

    __slots__ = ("parent_pid", "socket", "write_catalog")

    def __init__(self, socket: str, parent_pid: str, write_catalog: str) -> None:
        self.socket = socket
        self.parent_pid = parent_pid
        self.write_catalog = write_catalog


#: Each protocol's launch variables.
HOST_VARIABLES = {
    2: HostVariables(
        "GESTALT_PLUGIN_SOCKET", "GESTALT_PLUGIN_PARENT_PID", "GESTALT_PLUGIN_WRITE_CATALOG"
    ),
    5: HostVariables(
        "GESTALT_PROVIDER_SOCKET", "GESTALT_APP_PARENT_PID", "GESTALT_APP_WRITE_CATALOG"
    ),
}


def stubs(protocol: int, name: str) -> tuple[ModuleType, ModuleType]:
    """``(<name>_pb2, <name>_pb2_grpc)`` of ``protocol``'s generation, imported now.

    Args:
        protocol: 2 or 5.
        name: The wire file's name: ``runtime``, ``cache``, ``plugin`` (2), ``app`` (5), ...
    """
    package = _STUB_PACKAGES[protocol]
    messages = importlib.import_module(f"{package}.{name}_pb2")
    return messages, importlib.import_module(f"{package}.{name}_pb2_grpc")


def refusal(requested: int, serving: int) -> str:
    """What the provider answers a host whose version is not the one it serves."""
    served = " and ".join(str(version) for version in PROTOCOL_VERSIONS)
    if requested in PROTOCOL_VERSIONS:
        # The host speaks a generation we serve, but launched us the other one's way.
        return (
            f"host requested protocol version {requested}, but it started the provider the "
            f"way a protocol-{serving} host does ({HOST_VARIABLES[serving].socket}); "
            f"this SDK serves {served}"
        )
    return f"host requested protocol version {requested}; this SDK serves {served}"
