"""What gestalt-* surface distributions build on; provider authors do not need it.

``gestalt.core`` holds the names a provider author imports (errors, metadata, kinds).
This module holds the contract between core and a surface: how a surface is declared and
loaded (:class:`ServicerSurface`, :class:`Surface`, :class:`LoadedProvider`,
:class:`Hooks`), what its servicers use at run time (:class:`Runtime`, :func:`guard`,
:data:`Context`, the Struct helpers), and the plumbing of clients of host services
(:func:`host_endpoint`, :func:`host_channel`, :func:`error_from_rpc`,
:func:`host_max_message_bytes`). Each name
here is a compatibility promise to the surface distributions within one minor version
of gestalt-core.
"""

from gestalt.core._blocking import is_nonblocking
from gestalt.core._errors import (
    MAX_STATUS_BYTES,
    bounded,
    error_for_grpc,
    grpc_code_for_http,
    http_status_for_grpc,
    status_text,
)
from gestalt.core._guard import Context, abort, guard
from gestalt.core._hooks import Hooks
from gestalt.core._host import (
    HOST_MAX_MESSAGE_BYTES,
    HOST_SERVICE_SOCKET,
    HostEndpoint,
    HostServiceAddressError,
    binding_suffix,
    channel_options,
    error_from_rpc,
    host_channel,
    host_endpoint,
    host_max_message_bytes,
    host_socket,
    host_socket_env,
    unix_target,
)
from gestalt.core._lazy import lazy_attributes
from gestalt.core._manifest import manifest_fields
from gestalt.core._serving import Runtime, is_async
from gestalt.core._structs import dict_to_struct, python_to_value, struct_to_dict
from gestalt.core._surface import (
    LoadedProvider,
    ServicerSurface,
    Surface,
    TargetError,
    has_methods,
    provider_from_target,
)

__all__ = [
    "HOST_MAX_MESSAGE_BYTES",
    "HOST_SERVICE_SOCKET",
    "MAX_STATUS_BYTES",
    "Context",
    "Hooks",
    "HostEndpoint",
    "HostServiceAddressError",
    "LoadedProvider",
    "Runtime",
    "ServicerSurface",
    "Surface",
    "TargetError",
    "abort",
    "binding_suffix",
    "bounded",
    "channel_options",
    "dict_to_struct",
    "error_for_grpc",
    "error_from_rpc",
    "grpc_code_for_http",
    "guard",
    "has_methods",
    "host_channel",
    "host_endpoint",
    "host_max_message_bytes",
    "host_socket",
    "host_socket_env",
    "http_status_for_grpc",
    "is_async",
    "is_nonblocking",
    "lazy_attributes",
    "manifest_fields",
    "provider_from_target",
    "python_to_value",
    "status_text",
    "struct_to_dict",
    "unix_target",
]
