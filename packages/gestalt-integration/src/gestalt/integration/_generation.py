"""What the integration service is on each protocol: data the one servicer reads.

Protocol 2 serves ``IntegrationProvider`` (``plugin`` stubs), protocol 5 ``AppProvider``
(``app`` stubs). The rpcs that exist on one protocol only (``PostConnect`` on 2,
``ResolveHTTPSubject`` on 5) are registered or not by that protocol's stubs; what else
differs is the result's body type, its headers and the context layout.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from gestalt.core._wire import stubs

_SERVICES = {2: ("plugin", "IntegrationProvider"), 5: ("app", "AppProvider")}


class Generation:
    """The integration service of one protocol (a plain class: a dataclass would cost
    every integration's start ~0.4 ms to build).

    Attributes:
        protocol: 2 or 5.
        messages: Its ``plugin_pb2`` (2) or ``app_pb2`` (5) module.
        add_servicer: Registers a servicer on a server (``add_<Service>Servicer_to_server``).
        text_body: ``OperationResult.body`` is a string (UTF-8 text) rather than bytes.
        headers: ``OperationResult`` carries response headers.
        post_connect: The service has ``PostConnect`` (and metadata advertises it).
        http_subject: The service has ``ResolveHTTPSubject``.
    """

    __slots__ = (
        "add_servicer",
        "headers",
        "http_subject",
        "messages",
        "post_connect",
        "protocol",
        "text_body",
    )

    def __init__(
        self, protocol: int, messages: ModuleType, add_servicer: Callable[..., None]
    ) -> None:
        self.protocol = protocol
        self.messages = messages
        self.add_servicer: Callable[[Any, Any], None] = add_servicer
        self.text_body = self.post_connect = protocol == 2
        self.headers = self.http_subject = protocol == 5


def generation(protocol: int) -> Generation:
    """The integration service of ``protocol``; imports that protocol's stubs only.

    Raises:
        KeyError: ``protocol`` is not served.
    """
    wire_file, service = _SERVICES[protocol]
    messages, services = stubs(protocol, wire_file)
    return Generation(protocol, messages, getattr(services, f"add_{service}Servicer_to_server"))
