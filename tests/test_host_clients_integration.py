"""An integration provider using the host's cache and object store through the emulator,
with the same client code on a protocol-2 host (a socket per binding) and a protocol-5
host (one endpoint, the binding in each call's metadata)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gestalt.core.testing import (
    HostCacheService,
    HostS3Service,
    HostService,
    ProviderProcess,
    launch,
)

PROVIDER = Path(__file__).parent / "providers" / "host_clients"


@pytest.fixture(scope="module")
def host(protocol: int) -> dict[str, Any]:  # fresh stores for each host generation
    return {
        "sessions": HostCacheService("sessions"),
        "counters": HostCacheService("counters"),
        "files": HostS3Service("files"),
    }


@pytest.fixture(scope="module")
def proc(protocol: int, host: dict[str, Any]) -> Iterator[ProviderProcess]:
    services = list(host.values())
    with launch(PROVIDER, python=sys.executable, host_services=services, protocol=protocol) as p:
        yield p


def call(proc: ProviderProcess, operation: str, params: dict[str, Any]) -> tuple[int, Any]:
    result = proc.execute(operation, params, timeout=30)
    return result.status, json.loads(result.body)


def test_notes_round_trip_through_the_object_store_and_cache(proc: ProviderProcess) -> None:
    assert call(proc, "save_note", {"key": "n/1", "text": "first"}) == (
        200,
        {"key": "n/1", "text": "first"},
    )
    assert call(proc, "last_note", {"key": "n/1"}) == (200, {"key": "n/1", "text": "first"})
    assert call(proc, "copy_note", {"key": "n/1"}) == (200, {"key": "n/1.copy", "text": "first"})


def test_each_binding_is_its_own_cache(proc: ProviderProcess, host: dict[str, Any]) -> None:
    assert call(proc, "count", {"name": "hits", "count": 2}) == (200, {"name": "hits", "count": 2})
    assert call(proc, "count", {"name": "hits", "count": 3}) == (200, {"name": "hits", "count": 5})
    counted = [key for key in host["counters"].values() if key.endswith("hits")]
    assert len(counted) == 1
    assert not [key for key in host["sessions"].values() if key.endswith("hits")]


def test_sharing_a_note(proc: ProviderProcess) -> None:
    # The emulated hosts mint no URLs: a protocol-2 host refuses presign for bindings, a
    # protocol-5 host without a URL manager refuses S3ObjectAccess; both are 412.
    call(proc, "save_note", {"key": "shared", "text": "x"})
    status, body = call(proc, "share_note", {"key": "shared"})
    assert status == 412, body
    refusal = "presign" if proc.protocol == 2 else "object access URLs are not available"
    assert refusal in body["error"]


def test_a_relayed_provider_sends_its_token_on_every_call() -> None:
    # The host requires the relay token it published (UNAUTHENTICATED otherwise): every
    # cache and S3 call of the provider, sync and async, unary and streaming, carries it.
    services: list[HostService] = [
        HostCacheService("sessions"),
        HostCacheService("counters"),
        HostS3Service("files"),
    ]
    with launch(
        PROVIDER,
        python=sys.executable,
        host_services=services,
        protocol=5,
        host_service_token="relay-7f3a",
    ) as proc:
        assert call(proc, "save_note", {"key": "t", "text": "relayed"})[0] == 200
        assert call(proc, "copy_note", {"key": "t"}) == (200, {"key": "t.copy", "text": "relayed"})
        assert call(proc, "count", {"name": "c", "count": 1}) == (200, {"name": "c", "count": 1})
