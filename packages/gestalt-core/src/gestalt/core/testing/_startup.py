"""The host's start-up calls, per kind, with the checks it makes of each answer."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

import grpc
from google.protobuf import empty_pb2

from gestalt.core._kinds import PROTOCOL_VERSION, ProviderKind
from gestalt.core._structs import dict_to_struct
from gestalt.core.testing._host_contract import (
    CONFIGURE_TIMEOUT,
    POLL,
    READY_TIMEOUT,
    RUNTIME_CALL_TIMEOUT,
    EmulatorError,
)
from gestalt.provider.v1 import (
    auth_pb2_grpc,
    plugin_pb2,
    plugin_pb2_grpc,
    runtime_pb2,
    runtime_pb2_grpc,
)

#: The session lifetime the host assumes when an auth provider names none.
DEFAULT_SESSION_TTL_SECONDS = 24 * 3600


def _config_struct(config: Mapping[str, Any]) -> dict[str, Any]:
    # The host sends an absent Struct for an empty config (HOST.md 4.3).
    return {"config": dict_to_struct(config)} if config else {}


def _check_version(version: int) -> None:
    if version != PROTOCOL_VERSION:
        raise EmulatorError(
            f"provider responded with protocol version {version}, host requires {PROTOCOL_VERSION}"
        )


def start_integration(
    channel: grpc.Channel, name: str, config: Mapping[str, Any]
) -> plugin_pb2.ProviderMetadata | None:
    """``GetMetadata`` (retried while UNAVAILABLE), then ``StartProvider``.

    Returns:
        The metadata, or ``None`` when the provider does not implement ``GetMetadata``.

    Raises:
        EmulatorError: A call failed or the protocol version is not the host's.
    """
    stub = plugin_pb2_grpc.IntegrationProviderStub(channel)
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
    request = plugin_pb2.StartProviderRequest(
        name=name, protocol_version=PROTOCOL_VERSION, **_config_struct(config)
    )
    try:
        response = stub.StartProvider(request)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            return metadata
        raise EmulatorError(f"start provider: {error.code().name} {error.details()}") from None
    _check_version(response.protocol_version)
    return metadata


def start_runtime_kind(
    channel: grpc.Channel, kind: ProviderKind, name: str, config: Mapping[str, Any]
) -> tuple[runtime_pb2.ProviderIdentity, int]:
    """Identity, ``ConfigureProvider``, identity again; for auth, the session settings.

    Returns:
        The second identity and the session lifetime in seconds (auth; else the default).

    Raises:
        EmulatorError: A call failed, or the kind or protocol version is not the host's.
    """
    lifecycle = runtime_pb2_grpc.ProviderLifecycleStub(channel)
    _checked_identity(lifecycle, kind)
    request = runtime_pb2.ConfigureProviderRequest(
        name=name, protocol_version=PROTOCOL_VERSION, **_config_struct(config)
    )
    try:
        response = lifecycle.ConfigureProvider(request, timeout=CONFIGURE_TIMEOUT)
    except grpc.RpcError as error:
        raise EmulatorError(f"configure provider: {error.code().name} {error.details()}") from None
    _check_version(response.protocol_version)
    identity = _checked_identity(lifecycle, kind)
    ttl = DEFAULT_SESSION_TTL_SECONDS
    if kind is ProviderKind.AUTH:
        with contextlib.suppress(grpc.RpcError):  # any error means the 24 h default
            settings = auth_pb2_grpc.AuthProviderStub(channel).GetSessionSettings(
                empty_pb2.Empty(), timeout=RUNTIME_CALL_TIMEOUT
            )
            if settings.session_ttl_seconds > 0:
                ttl = settings.session_ttl_seconds
    return identity, ttl


def _checked_identity(
    lifecycle: runtime_pb2_grpc.ProviderLifecycleStub, kind: ProviderKind
) -> runtime_pb2.ProviderIdentity:
    try:
        identity = lifecycle.GetProviderIdentity(empty_pb2.Empty(), timeout=CONFIGURE_TIMEOUT)
    except grpc.RpcError as error:
        raise EmulatorError(
            f"get provider identity: {error.code().name} {error.details()}"
        ) from None
    if identity.kind != kind.wire_value:
        raise EmulatorError(f"provider kind mismatch: got {identity.kind}, want {kind.wire_value}")
    low, high = identity.min_protocol_version, identity.max_protocol_version
    if (low and low > PROTOCOL_VERSION) or (high and high < PROTOCOL_VERSION):
        raise EmulatorError(
            f"provider supports protocol versions {low}..{high}, host speaks {PROTOCOL_VERSION}"
        )
    return identity
