"""Helpers every real auth provider needs: the authorization URL and signed provider state."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import cast

from gestalt.core import InvalidArgumentError

#: A query value: one string, or several (repeated key, order kept).
QueryValue = str | Iterable[str]


def authorization_url(base: str, params: Mapping[str, QueryValue | None]) -> str:
    """``base`` with ``params`` added to its query, encoded so the host's rewrite keeps it.

    The host parses the URL, replaces ``state`` and re-encodes the query with the keys
    sorted (PROTOCOL.md 5, step 3). This builds a query that means the same after that:
    every key and value is fully percent-encoded (nothing relies on ``;``, ``+`` or
    order), repeated values keep their order, and parameters already in ``base`` are
    kept. A ``state`` you put here is your *upstream* state: the host hands it back in
    ``CompleteLoginRequest.query["state"]``.

    Args:
        base: The identity provider's absolute ``http``/``https`` authorization endpoint;
            it may carry a query of its own.
        params: Parameters to add; a ``None`` value is left out. A parameter named both
            here and in ``base`` takes the value given here.

    Returns:
        The absolute URL.

    Raises:
        ValueError: ``base`` is not an absolute http(s) URL.
    """
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"authorization endpoint {base!r} is not an absolute http(s) URL")
    pairs = [
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if key not in params
    ]
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.extend((key, str(item)) for item in value)
    query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe="")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class InvalidProviderState(InvalidArgumentError):
    """The provider state that came back is malformed, tampered with or expired.

    Answered as ``INVALID_ARGUMENT``: the browser brought back a login the provider did
    not start, which is a bad request, not a provider failure. The message says which
    check failed and never includes the state itself.
    """


_DOMAIN = b"gestalt-auth provider-state v1\x00"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ProviderStateSigner:
    """Signs ``provider_state`` with HMAC-SHA256 and an expiry, and checks it on return.

    ``provider_state`` travels through the browser (PROTOCOL.md 5.1), so the user agent
    can read and change it. Signing detects any change; it does not hide the content, so
    never put secrets (PKCE verifiers, tokens) in it.

    The signed form is ASCII: ``<payload>.<expiry>.<mac>``, payload and mac base64url
    without padding, expiry in Unix seconds.

    Args:
        key: The HMAC key, at least 32 bytes; ``None`` makes a random key for this
            process (fine for one provider process, which is how the host runs it).
        max_age: How long a signed state stays valid.
        clock: Current Unix time in seconds (tests pass their own).

    Example::

        signer = ProviderStateSigner(max_age=timedelta(minutes=10))
        state = signer.sign_json({"nonce": nonce})
        ...
        claims = signer.verify_json(request.provider_state)  # InvalidProviderState if bad
    """

    def __init__(
        self,
        key: bytes | str | None = None,
        *,
        max_age: timedelta = timedelta(minutes=10),
        clock: Callable[[], float] = time.time,
    ) -> None:
        if key is None:
            key = secrets.token_bytes(32)
        elif isinstance(key, str):
            key = key.encode("utf-8")
        if len(key) < 32:
            raise ValueError("the provider state key must be at least 32 bytes")
        if max_age.total_seconds() <= 0:
            raise ValueError("max_age must be positive")
        self._key = key
        self._max_age = max_age.total_seconds()
        self._clock = clock

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, _DOMAIN + body, hashlib.sha256).digest()

    def sign(self, data: bytes) -> bytes:
        """The signed form of ``data``, to return as ``provider_state``."""
        expiry = int(self._clock() + self._max_age)
        body = f"{_b64(data)}.{expiry}".encode("ascii")
        return body + b"." + _b64(self._mac(body)).encode("ascii")

    def verify(self, state: bytes) -> bytes:
        """The data ``state`` was signed over, after checking signature and expiry.

        Raises:
            InvalidProviderState: ``state`` is empty, malformed, altered, signed with
                another key, or expired.
        """
        if not state:
            raise InvalidProviderState("provider state is missing")
        try:
            payload, expiry_text, mac_text = state.decode("ascii").split(".")
            mac = _unb64(mac_text)
            expiry = int(expiry_text)
        except (UnicodeDecodeError, ValueError, binascii.Error):
            raise InvalidProviderState("provider state is malformed") from None
        body = f"{payload}.{expiry_text}".encode("ascii")
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidProviderState("provider state signature does not match")
        if self._clock() > expiry:
            raise InvalidProviderState("provider state has expired; start the login again")
        try:
            return _unb64(payload)
        except (ValueError, binascii.Error):
            raise InvalidProviderState("provider state is malformed") from None

    def sign_json(self, value: Mapping[str, object]) -> bytes:
        """:meth:`sign` over the compact JSON of ``value``."""
        return self.sign(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))

    def verify_json(self, state: bytes) -> dict[str, object]:
        """:meth:`verify`, then the JSON object inside.

        Raises:
            InvalidProviderState: As :meth:`verify`, or the payload is not a JSON object.
        """
        data = self.verify(state)
        try:
            value = json.loads(data)
        except ValueError:
            raise InvalidProviderState("provider state is malformed") from None
        if not isinstance(value, dict):
            raise InvalidProviderState("provider state is malformed")
        return cast(dict[str, object], value)
