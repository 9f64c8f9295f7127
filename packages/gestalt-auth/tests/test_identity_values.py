"""The identity values and their wire conversions, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gestalt.auth import (
    Caller,
    IdentityProvider,
    InternalError,
    IntrospectRequest,
    TokenRequest,
    TokenResponse,
)
from gestalt.auth._identity_servicer import _seconds, is_identity_provider, unix_seconds


def test_secrets_stay_out_of_repr() -> None:
    shown = " ".join(
        repr(value)
        for value in (
            Caller("BEARER-1"),
            TokenRequest("authorization_code", code="CODE-2", subject_token="SUBJECT-3"),
            TokenResponse("ACCESS-4", refresh_token="REFRESH-5"),
            IntrospectRequest("TOKEN-6"),
        )
    )
    for secret in ("BEARER-1", "CODE-2", "SUBJECT-3", "ACCESS-4", "REFRESH-5", "TOKEN-6"):
        assert secret not in shown
    assert "authorization_code" in shown


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, 0),
        (1_900_000_000, 1_900_000_000),
        (datetime(1970, 1, 1, 0, 1, tzinfo=UTC), 60),
        (datetime(1970, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))), 0),
    ],
)
def test_grant_times_are_unix_seconds(value: object, seconds: int) -> None:
    assert unix_seconds(value, "get grant", "Grant.created_at") == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime(2026, 1, 1), "get grant: Grant.expires_at is a naive datetime"),
        (-1, "get grant: Grant.expires_at must not be negative"),
        (True, "get grant: Grant.expires_at must be a datetime or Unix seconds"),
        ("2026-01-01", "get grant: Grant.expires_at must be a datetime or Unix seconds"),
    ],
)
def test_bad_grant_times(value: object, message: str) -> None:
    with pytest.raises(InternalError, match=message):
        unix_seconds(value, "get grant", "Grant.expires_at")


def test_token_lifetimes() -> None:
    assert _seconds(timedelta(minutes=2, microseconds=5), "token", "x") == 120
    assert _seconds(90, "token", "x") == 90
    for bad in (-5, timedelta(seconds=-1), 1.5, False):
        with pytest.raises(InternalError):
            _seconds(bad, "token", "x")


def test_inherited_placeholders_do_not_count() -> None:
    class Partial(IdentityProvider):
        def authorize(self, request: object) -> object:  # type: ignore[override]
            return None

        def token(self, request: object) -> object:  # type: ignore[override]
            return None

    class Whole(Partial):
        def introspect(self, request: object) -> object:  # type: ignore[override]
            return None

    assert not is_identity_provider(Partial())
    assert is_identity_provider(Whole())
    assert not is_identity_provider(Whole)  # a class is not an instance


def test_grant_times_before_1970_are_refused_either_way() -> None:
    for value in (datetime(1969, 12, 31, tzinfo=UTC), -86400):
        with pytest.raises(InternalError, match="must not be negative"):
            unix_seconds(value, "get grant", "Grant.created_at")
