"""What every client of a host service shares: where it is, its channel, limits, errors.

Two generations of host publish their services differently:

- protocol 2: each binding (a cache, an object store) on a Unix socket of its own, named
  by ``GESTALT_<SERVICE>_SOCKET_<NAME>``, plus the unsuffixed ``GESTALT_<SERVICE>_SOCKET``
  when a kind has exactly one binding;
- protocol 5: one endpoint for every service and binding, ``GESTALT_HOST_SERVICE_SOCKET``;
  each call names its binding in ``x-gestalt-host-binding`` metadata and carries the
  optional relay token ``GESTALT_HOST_SERVICE_TOKEN``.

:func:`host_endpoint` decides which from the environment, once per client, and
:func:`host_channel` opens the channel. The protocol-2 path is today's, unchanged.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import grpc
import grpc.aio

from gestalt.core._errors import GestaltError, NotBoundError, bounded, error_for_grpc

#: The most the host receives in one message (gRPC's default, which gestaltd keeps), both
#: as a client of our servers and as the server of its host services.
HOST_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
#: What a client of ours accepts in answers: a server of this SDK may send up to its own
#: default limit (GESTALT_SDK_MAX_MESSAGE_BYTES, 64 MiB).
CLIENT_RECEIVE_BYTES = 64 * 1024 * 1024


def host_max_message_bytes() -> int:
    """The host's per-message receive limit: 4 MiB, or ``GESTALT_HOST_MAX_MESSAGE_BYTES``
    for a host built with a larger one.

    Raises:
        ValueError: The variable is set to something that is not a positive integer.
    """
    raw = os.environ.get("GESTALT_HOST_MAX_MESSAGE_BYTES", "").strip()
    if not raw:
        return HOST_MAX_MESSAGE_BYTES
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"GESTALT_HOST_MAX_MESSAGE_BYTES={raw[:40]!r} is not a positive integer")
    return int(raw)


def binding_suffix(binding: str | None) -> str:
    """The host's spelling of a binding name in a variable: ASCII letters upper-cased,
    ASCII digits kept, every other character ``_``; blank means no suffix."""
    return "".join(
        char.upper() if char.isascii() and char.isalnum() else "_"
        for char in (binding or "").strip()
    )


def host_socket_env(service: str, binding: str | None = None) -> str:
    """The variable that names a binding's socket, e.g. ``GESTALT_CACHE_SOCKET_SESSIONS``.

    Args:
        service: The service word, ``"cache"`` or ``"s3"``.
        binding: The binding name; blank or ``None`` for the unsuffixed variable.
    """
    base = f"GESTALT_{service.upper()}_SOCKET"
    suffix = binding_suffix(binding)
    return f"{base}_{suffix}" if suffix else base


def host_socket(
    service: str, binding: str | None, socket: str | None, not_bound: type[NotBoundError]
) -> str:
    """The socket path of a binding: ``socket`` if given, else the host's variable's.

    Raises:
        NotBoundError: (as ``not_bound``) the variable is not set.
    """
    if socket:
        return socket
    variable = host_socket_env(service, binding)
    path = os.environ.get(variable, "")
    if not path:
        raise not_bound(variable, binding)
    return path


def unix_target(path: str) -> str:
    """The gRPC target for a Unix socket path (``unix:`` added unless present)."""
    return path if path.startswith("unix:") else f"unix:{path}"


def channel_options(max_send_bytes: int = -1) -> list[tuple[str, object]]:
    """Options for a channel to a host service, as the host's own clients set them."""
    return [
        ("grpc.default_authority", "localhost"),
        ("grpc.max_receive_message_length", CLIENT_RECEIVE_BYTES),
        ("grpc.max_send_message_length", max_send_bytes),
    ]


def error_from_rpc(error: grpc.RpcError) -> GestaltError:
    """The :class:`GestaltError` a client raises for a failed call."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    details = error.details() if callable(getattr(error, "details", None)) else str(error)
    return error_for_grpc(code, details or "")


#: A protocol-5 host's one endpoint for every host service.
HOST_SERVICE_SOCKET = "GESTALT_HOST_SERVICE_SOCKET"
#: The relay token a protocol-5 host may give; sent with every host-service call.
HOST_SERVICE_TOKEN = "GESTALT_HOST_SERVICE_TOKEN"
#: Extra trusted roots for a ``tls://`` endpoint: a file, or the PEM text itself.
HOST_SERVICE_TLS_CA_FILE = "GESTALT_HOST_SERVICE_TLS_CA_FILE"
HOST_SERVICE_TLS_CA_PEM = "GESTALT_HOST_SERVICE_TLS_CA_PEM"
#: The metadata that names the binding of a call, and the one that carries the token.
BINDING_METADATA = "x-gestalt-host-binding"
RELAY_TOKEN_METADATA = "x-gestalt-host-service-relay-token"


class HostServiceAddressError(ValueError):
    """``GESTALT_HOST_SERVICE_SOCKET`` (or a CA variable) holds something unusable."""


@dataclasses.dataclass(frozen=True, slots=True)
class HostEndpoint:
    """Where a client of one binding reaches its host service, and how.

    Attributes:
        protocol: The host's generation, 2 or 5: which stubs the client must use.
        address: The socket path (2) or the ``GESTALT_HOST_SERVICE_SOCKET`` value (5).
        target: The gRPC target.
        options: The channel options.
        metadata: What every call adds (binding name, relay token); empty on protocol 2.
        root_certificates: ``None`` for a plain channel; PEM bytes (``b""``: the default
            roots) for a TLS one.
    """

    protocol: int
    address: str
    target: str
    options: list[tuple[str, object]]
    metadata: tuple[tuple[str, str], ...] = ()
    root_certificates: bytes | None = None


def host_endpoint(
    service: str,
    binding: str | None,
    socket: str | None,
    not_bound: type[NotBoundError],
    max_send_bytes: int = -1,
) -> HostEndpoint:
    """The endpoint of ``service``'s binding ``binding`` for the host that launched us.

    ``GESTALT_HOST_SERVICE_SOCKET`` in the environment means a protocol-5 host: every
    binding is on that one endpoint. Otherwise (or when ``socket`` names a protocol-2
    binding socket explicitly) it is the binding's own socket variable, as before.

    Raises:
        NotBoundError: (as ``not_bound``) protocol 2, and the binding's variable is not set.
        HostServiceAddressError: protocol 5, and the endpoint is empty or unusable.
    """
    if socket or HOST_SERVICE_SOCKET not in os.environ:
        path = host_socket(service, binding, socket, not_bound)
        return HostEndpoint(2, path, unix_target(path), channel_options(max_send_bytes))
    address = os.environ[HOST_SERVICE_SOCKET].strip()
    target, tls = _v5_target(address)
    options: list[tuple[str, object]] = [
        ("grpc.enable_http_proxy", 0),  # the sandbox's HTTP_PROXY must not capture it
        ("grpc.max_receive_message_length", CLIENT_RECEIVE_BYTES),
        ("grpc.max_send_message_length", max_send_bytes),
    ]
    if target.startswith("unix:"):
        options.append(("grpc.default_authority", "localhost"))
    metadata: list[tuple[str, str]] = []
    if name := (binding or "").strip():
        metadata.append(
            (BINDING_METADATA, _metadata_value(f"binding name {bounded(name)!r}", name))
        )
    if token := os.environ.get(HOST_SERVICE_TOKEN, "").strip():
        metadata.append((RELAY_TOKEN_METADATA, _metadata_value(HOST_SERVICE_TOKEN, token)))
    roots = _root_certificates() if tls else None
    return HostEndpoint(5, address, target, options, tuple(metadata), roots)


def _metadata_value(what: str, value: str) -> str:
    """``value``, checked to be sendable as gRPC metadata (printable ASCII)."""
    if not all(" " <= char <= "~" for char in value):
        raise ValueError(f"{what} cannot be sent to the host: use printable ASCII only")
    return value


def _v5_target(address: str) -> tuple[str, bool]:
    """The gRPC target of a ``GESTALT_HOST_SERVICE_SOCKET`` value, and whether it is TLS."""
    if not address:
        raise HostServiceAddressError(f"{HOST_SERVICE_SOCKET} is set but empty")
    scheme, found, rest = address.partition("://")
    if not found:
        return unix_target(address), False
    if scheme == "unix" and rest:
        return f"unix:{rest}", False
    if scheme in ("tcp", "tls") and rest and ":" in rest:
        return rest, scheme == "tls"
    raise HostServiceAddressError(
        f"{HOST_SERVICE_SOCKET}={bounded(address)!r} is not a path, unix://PATH, "
        "tcp://HOST:PORT or tls://HOST:PORT"
    )


def _root_certificates() -> bytes:
    """The extra trusted roots for a TLS endpoint; ``b""`` for gRPC's default roots."""
    pem = os.environ.get(HOST_SERVICE_TLS_CA_PEM, "").strip()
    if pem:
        return pem.encode()
    path = os.environ.get(HOST_SERVICE_TLS_CA_FILE, "").strip()
    if not path:
        return b""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise HostServiceAddressError(
            f"{HOST_SERVICE_TLS_CA_FILE}={bounded(path)!r} cannot be read: {error.strerror}"
        ) from None


def host_channel(endpoint: HostEndpoint, *, aio: bool) -> Any:
    """A blocking (``aio=False``) or ``grpc.aio`` channel to ``endpoint``, whose every call
    (unary and streaming) carries the endpoint's metadata."""
    credentials = None
    if endpoint.root_certificates is not None:
        credentials = grpc.ssl_channel_credentials(endpoint.root_certificates or None)
    # The interceptors load only for a channel that needs them (a protocol-5 host's): the
    # module's grpc interceptor classes cost a start ~1 ms to build.
    if aio:
        interceptors: list[Any] | None = None
        if endpoint.metadata:
            from gestalt.core._metadata_interceptors import ASYNC_INTERCEPTORS

            interceptors = [kind(endpoint.metadata) for kind in ASYNC_INTERCEPTORS]
        if credentials is None:
            return grpc.aio.insecure_channel(
                endpoint.target, options=endpoint.options, interceptors=interceptors
            )
        return grpc.aio.secure_channel(
            endpoint.target, credentials, options=endpoint.options, interceptors=interceptors
        )
    if credentials is None:
        channel = grpc.insecure_channel(endpoint.target, options=endpoint.options)
    else:
        channel = grpc.secure_channel(endpoint.target, credentials, options=endpoint.options)
    if endpoint.metadata:
        from gestalt.core._metadata_interceptors import Metadata

        return grpc.intercept_channel(channel, Metadata(endpoint.metadata))
    return channel
