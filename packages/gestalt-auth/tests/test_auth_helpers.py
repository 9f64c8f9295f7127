"""authorization_url and ProviderStateSigner, and the surface's value conversions."""

from __future__ import annotations

import urllib.parse
from datetime import timedelta

import pytest

from gestalt.auth import (
    AuthenticatedUser,
    InvalidProviderState,
    ProviderStateSigner,
    authorization_url,
)
from gestalt.auth._login_servicer import _ttl_seconds, _user_message
from gestalt.core import InternalError


def go_reencode(url: str) -> str:
    """What the host does to the query: parse, then encode with sorted keys (url.Values)."""
    parts = urllib.parse.urlsplit(url)
    values = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    query = "&".join(
        f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}"
        for k in sorted(values)
        for v in values[k]
    )
    return urllib.parse.urlunsplit(parts._replace(query=query))


def test_authorization_url_survives_reencoding() -> None:
    params = {
        "redirect_uri": "https://h.test/cb?a=1&b=2",
        "scope": "openid email",
        "state": "a+b c;d=e&f/ü",
        "resource": ["r2", "r1"],
        "prompt": None,
        "empty": "",
    }
    url = authorization_url("https://idp.test/authorize?tenant=t&scope=old#frag", params)
    assert url.endswith("#frag")
    before = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    after = urllib.parse.parse_qs(
        urllib.parse.urlsplit(go_reencode(url)).query, keep_blank_values=True
    )
    assert (
        before
        == after
        == {
            "tenant": ["t"],
            "redirect_uri": ["https://h.test/cb?a=1&b=2"],
            "scope": ["openid email"],
            "state": ["a+b c;d=e&f/ü"],
            "resource": ["r2", "r1"],
            "empty": [""],
        }
    )
    assert ";" not in urllib.parse.urlsplit(url).query  # Go's parser drops pairs with ';'


@pytest.mark.parametrize("base", ["/authorize", "idp.test/authorize", "ftp://idp.test/a"])
def test_authorization_url_needs_absolute_http(base: str) -> None:
    with pytest.raises(ValueError, match="absolute"):
        authorization_url(base, {})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_signer_round_trip_and_expiry() -> None:
    clock = Clock()
    signer = ProviderStateSigner(b"k" * 32, max_age=timedelta(minutes=5), clock=clock)
    state = signer.sign(b"\x00payload\xff")
    assert state.isascii()
    assert signer.verify(state) == b"\x00payload\xff"
    assert signer.verify_json(signer.sign_json({"n": 1})) == {"n": 1}
    clock.now += 301
    with pytest.raises(InvalidProviderState, match="expired"):
        signer.verify(state)


def test_signer_detects_tampering() -> None:
    signer = ProviderStateSigner("x" * 32)
    state = signer.sign_json({"state": "s"})
    payload, expiry, mac = state.split(b".")
    tampered = [
        payload[:-1] + (b"A" if payload[-1:] != b"A" else b"B") + b"." + expiry + b"." + mac,
        payload + b"." + str(int(expiry) + 3600).encode() + b"." + mac,
        ProviderStateSigner("y" * 32).sign_json({"state": "s"}),
    ]
    for bad in tampered:
        with pytest.raises(InvalidProviderState, match="signature") as caught:
            signer.verify(bad)
        assert caught.value.grpc_code.name == "INVALID_ARGUMENT"
    for malformed in (b"", b"abc", b"a.b.c", b"\xff.1.x", "é.1.x".encode()):
        with pytest.raises(InvalidProviderState):
            signer.verify(malformed)
    with pytest.raises(InvalidProviderState, match="malformed"):
        signer.verify_json(signer.sign(b"[1]"))


def test_signer_key_rules() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ProviderStateSigner(b"short")
    with pytest.raises(ValueError, match="positive"):
        ProviderStateSigner(max_age=timedelta(0))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (timedelta(hours=1, microseconds=999_999), 3600),
        (90.7, 90),
        (-5, 0),
        (timedelta(seconds=-1), 0),
        (None, 0),
        (0, 0),
    ],
)
def test_ttl_seconds(value: object, seconds: int) -> None:
    assert _ttl_seconds(value) == seconds


@pytest.mark.parametrize("value", ["60", True, float("nan")])
def test_ttl_seconds_refuses(value: object) -> None:
    with pytest.raises(InternalError):
        _ttl_seconds(value)


def test_user_message() -> None:
    message = _user_message(AuthenticatedUser("s", "e@x.test", claims={"k": "v"}), "x")
    assert message.email == "e@x.test"
    assert dict(message.claims) == {"k": "v"}
    with pytest.raises(InternalError, match="no email"):
        _user_message(AuthenticatedUser("s", "  "), "x")
    with pytest.raises(InternalError, match="nil user"):
        _user_message(None, "x")


def test_random_key_signer() -> None:
    signer = ProviderStateSigner()
    assert signer.verify(signer.sign(b"x")) == b"x"
    with pytest.raises(InvalidProviderState):
        ProviderStateSigner().verify(signer.sign(b"x"))
