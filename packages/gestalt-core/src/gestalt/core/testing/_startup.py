"""The host's start-up calls, per kind, with the checks it makes of each answer."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

import grpc
from google.protobuf import empty_pb2

from gestalt.core._kinds import ProviderKind
from gestalt.core._structs import dict_to_struct
from gestalt.core._wire import stubs
from gestalt.core.testing._host_contract import (
    CONFIGURE_TIMEOUT,
    POLL,
    READY_TIMEOUT,
    RUNTIME_CALL_TIMEOUT,
    START_TIMEOUT,
    EmulatorError,
    wire_of,
)

#: The session lifetime the host assumes when an auth provider names none.
DEFAULT_SESSION_TTL_SECONDS = 24 * 3600


def integration_stub(channel: grpc.Channel, protocol: int) -> Any:
    """The integration service client of ``protocol``: ``IntegrationProvider`` (2) or
    ``AppProvider`` (5)."""
    if wire_of(protocol) == 5:
        return stubs(5, "app")[1].AppProviderStub(channel)
    return stubs(2, "plugin")[1].IntegrationProviderStub(channel)


def _config_struct(config: Mapping[str, Any]) -> dict[str, Any]:
    # The host sends an absent Struct for an empty config (HOST.md 4.3).
    return {"config": dict_to_struct(config)} if config else {}


def _check_version(version: int, protocol: int) -> None:
    if version != protocol:
        raise EmulatorError(
            f"provider responded with protocol version {version}, host requires {protocol}"
        )


def start_integration(
    channel: grpc.Channel, name: str, config: Mapping[str, Any], protocol: int = 2
) -> Any:
    """``GetMetadata`` (retried while UNAVAILABLE), then ``StartProvider``.

    Returns:
        The ``ProviderMetadata`` of ``protocol``'s generation, or ``None`` when the
        provider does not implement ``GetMetadata``.

    Raises:
        EmulatorError: A call failed or the protocol version is not the host's.
    """
    stub = integration_stub(channel, protocol)
    messages = stubs(wire_of(protocol), "app" if wire_of(protocol) == 5 else "plugin")[0]
    metadata = None
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            metadata = stub.GetMetadata(empty_pb2.Empty())
            break
        except grpc.RpcError as error:
            code = error.code()
            if code == grpc.StatusCode.UNIMPLEMENTED:
                break
            if code != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                raise EmulatorError(f"GetMetadata failed: {code.name} {error.details()}") from None
            time.sleep(POLL)
    request = messages.StartProviderRequest(
        name=name, protocol_version=protocol, **_config_struct(config)
    )
    try:
        response = stub.StartProvider(request)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return metadata
        raise EmulatorError(f"start provider: {error.code().name} {error.details()}") from None
    _check_version(response.protocol_version, protocol)
    return metadata


def start_runtime_kind(
    channel: grpc.Channel,
    kind: ProviderKind,
    name: str,
    config: Mapping[str, Any],
    protocol: int = 2,
) -> tuple[Any, int]:
    """Identity, ``ConfigureProvider``, identity again; then, on protocol 5, the lifecycle
    ``StartProvider``, and below 5, for auth, the session settings.

    Returns:
        The second ``ProviderIdentity`` and the session lifetime in seconds (auth below
        protocol 5; else the default).

    Raises:
        EmulatorError: A call failed, or the kind or protocol version is not the host's.
    """
    messages, services = stubs(wire_of(protocol), "runtime")
    lifecycle = services.ProviderLifecycleStub(channel)
    _checked_identity(lifecycle, kind, protocol)
    request = messages.ConfigureProviderRequest(
        name=name, protocol_version=protocol, **_config_struct(config)
    )
    try:
        response = lifecycle.ConfigureProvider(request, timeout=CONFIGURE_TIMEOUT)
    except grpc.RpcError as error:
        raise EmulatorError(f"configure provider: {error.code().name} {error.details()}") from None
    _check_version(response.protocol_version, protocol)
    identity = _checked_identity(lifecycle, kind, protocol)
    ttl = DEFAULT_SESSION_TTL_SECONDS
    if wire_of(protocol) == 5:
        start_runtime_provider(lifecycle, protocol)
    elif kind is ProviderKind.AUTH:
        auth_services = stubs(2, "auth")[1]
        with contextlib.suppress(grpc.RpcError):  # any error means the 24 h default
            settings = auth_services.AuthProviderStub(channel).GetSessionSettings(
                empty_pb2.Empty(), timeout=RUNTIME_CALL_TIMEOUT
            )
            if settings.session_ttl_seconds > 0:
                ttl = settings.session_ttl_seconds
    return identity, ttl


def start_runtime_provider(lifecycle: Any, protocol: int) -> None:
    """The protocol-5 lifecycle ``StartProvider``: UNIMPLEMENTED is success, any other
    answer must echo the host's version.

    Raises:
        EmulatorError: The call failed, or the version is not the host's.
    """
    try:
        response = lifecycle.StartProvider(empty_pb2.Empty(), timeout=START_TIMEOUT)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return
        raise EmulatorError(f"start provider: {error.code().name} {error.details()}") from None
    _check_version(response.protocol_version, protocol)


def _checked_identity(lifecycle: Any, kind: ProviderKind, protocol: int) -> Any:
    try:
        identity = lifecycle.GetProviderIdentity(empty_pb2.Empty(), timeout=CONFIGURE_TIMEOUT)
    except grpc.RpcError as error:
        raise EmulatorError(
            f"get provider identity: {error.code().name} {error.details()}"
        ) from None
    if identity.kind != kind.wire_value:
        raise EmulatorError(f"provider kind mismatch: got {identity.kind}, want {kind.wire_value}")
    low, high = identity.min_protocol_version, identity.max_protocol_version
    if (low and low > protocol) or (high and high < protocol):
        raise EmulatorError(
            f"provider supports protocol versions {low}..{high}, host speaks {protocol}"
        )
    return identity
