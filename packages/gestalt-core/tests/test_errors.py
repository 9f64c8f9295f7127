"""The error table and the bounds on what an error message may carry."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gestalt.core
from gestalt.core import GestaltError, InternalError, NotFoundError
from gestalt.core.serving import (
    MAX_STATUS_BYTES,
    bounded,
    error_for_grpc,
    grpc_code_for_http,
    http_status_for_grpc,
    status_text,
)

ERRORS = [
    getattr(gestalt.core, name)
    for name in gestalt.core.__all__
    if isinstance(getattr(gestalt.core, name), type)
    and issubclass(getattr(gestalt.core, name), GestaltError)
    and name not in ("GestaltError", "NotBoundError")
]


@pytest.mark.parametrize("cls", ERRORS)
def test_each_class_round_trips_through_its_code(cls: type[GestaltError]) -> None:
    error = error_for_grpc(cls.grpc_code, "why")
    assert type(error) is cls
    assert error.message == "why"
    if cls is not InternalError:  # HTTP 500 stands for UNKNOWN; INTERNAL is its own class
        assert grpc_code_for_http(cls.http_status) == cls.grpc_code
    assert http_status_for_grpc(cls.grpc_code) == cls.http_status


def test_unlisted_codes_and_statuses() -> None:
    error = error_for_grpc(grpc.StatusCode.RESOURCE_EXHAUSTED, "full")
    assert type(error) is GestaltError
    assert error.grpc_code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.http_status == 429
    assert grpc_code_for_http(418) == grpc.StatusCode.INVALID_ARGUMENT
    assert grpc_code_for_http(599) == grpc.StatusCode.UNKNOWN
    assert http_status_for_grpc(grpc.StatusCode.DATA_LOSS) == 500


def test_explicit_status_and_empty_message() -> None:
    assert GestaltError(status=404).grpc_code == grpc.StatusCode.NOT_FOUND
    assert NotFoundError().message == "Not Found"
    with pytest.raises(ValueError, match=r"100\.\.599"):
        GestaltError("x", status=99)


@given(st.text(), st.integers(min_value=len("...[cut]"), max_value=500))
def test_bounded_never_exceeds_its_limit(text: str, limit: int) -> None:
    result = bounded(text, limit)
    assert len(result) <= limit
    assert result == text or result.endswith("...[cut]")


def test_bounded_keeps_short_text() -> None:
    assert bounded("key") == "key"
    assert bounded("k" * 10_000).endswith("...[cut]")
    assert len(bounded("k" * 10_000)) == 200


@given(st.text(min_size=0, max_size=3000))
def test_status_text_fits_the_host(text: str) -> None:
    result = status_text(text * 3)
    assert len(result.encode()) <= MAX_STATUS_BYTES
    assert result == text * 3 or result.endswith("...[cut]")
