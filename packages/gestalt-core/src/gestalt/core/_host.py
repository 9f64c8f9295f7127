"""What every client of a host service shares: where its socket is, limits, errors.

gestaltd serves each host-service binding (its cache, its object store) on a Unix socket
of its own and publishes the path in ``GESTALT_<SERVICE>_SOCKET_<NAME>``, plus the
unsuffixed ``GESTALT_<SERVICE>_SOCKET`` when a kind has exactly one binding. Its servers
keep gRPC's default 4 MiB receive limit, and so do its clients of our servers.
"""

from __future__ import annotations

import os

import grpc

from gestalt.core._errors import GestaltError, NotBoundError, error_for_grpc

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
