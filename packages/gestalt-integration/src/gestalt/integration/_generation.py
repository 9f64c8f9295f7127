"""What the integration service is on each protocol: data the one servicer reads.

Protocol 2 serves ``IntegrationProvider`` (``plugin`` stubs), protocol 5 ``AppProvider``
(``app`` stubs). The rpcs that exist on one protocol only (``PostConnect`` on 2,
``ResolveHTTPSubject`` on 5) are registered or not by that protocol's stubs; what else
differs is the result's body type, its headers and the context layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import ModuleType
from typing import Any

from gestalt.core._wire import stubs


@dataclasses.dataclass(frozen=True, slots=True)
class Generation:
    """The integration service of one protocol.

    Attributes:
        protocol: 2 or 5.
        messages: Its ``plugin_pb2`` (2) or ``app_pb2`` (5) module.
        add_servicer: Registers a servicer on a server (``add_<Service>Servicer_to_server``).
        text_body: ``OperationResult.body`` is a string (UTF-8 text) rather than bytes.
        headers: ``OperationResult`` carries response headers.
        post_connect: The service has ``PostConnect`` (and metadata advertises it).
        http_subject: The service has ``ResolveHTTPSubject``.
    """

    protocol: int
    messages: ModuleType
    add_servicer: Callable[[Any, Any], None]
    text_body: bool
    headers: bool
    post_connect: bool
    http_subject: bool


_SERVICES = {2: ("plugin", "IntegrationProvider"), 5: ("app", "AppProvider")}


def generation(protocol: int) -> Generation:
    """The integration service of ``protocol``; imports that protocol's stubs only.

    Raises:
        KeyError: ``protocol`` is not served.
    """
    wire_file, service = _SERVICES[protocol]
    messages, services = stubs(protocol, wire_file)
    return Generation(
        protocol=protocol,
        messages=messages,
        add_servicer=getattr(services, f"add_{service}Servicer_to_server"),
        text_body=protocol == 2,
        headers=protocol == 5,
        post_connect=protocol == 2,
        http_subject=protocol == 5,
    )
