"""The host's side of a browser login, with its rewrite of ``state`` (PROTOCOL.md 5).

gestaltd does not send the browser to the provider's ``authorization_url`` as it is: it
replaces the ``state`` parameter with its own wrapper (base64url JSON of the host state,
the provider state and the provider's own ``state``) and re-encodes the query with sorted
keys. On the way back it unwraps the wrapper, puts the provider's ``state`` back (or drops
it), keeps the first value of each parameter, and only then calls ``CompleteLogin``. A
provider that depends on parameter order, on its ``state`` surviving untouched in the
browser, or on repeated parameters breaks there; :class:`HostLogin` reproduces all of it.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import TYPE_CHECKING

from gestalt.provider.v1 import auth_pb2

if TYPE_CHECKING:
    from gestalt.core.testing._process import ProviderProcess

#: The callback the host registers unless configured otherwise (``/api/v1/auth/login/callback``).
DEFAULT_CALLBACK_URL = "https://gestalt.test/api/v1/auth/login/callback"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def wrap_state(authorization_url: str, host_state: str, provider_state: bytes) -> str:
    """The URL the host sends the browser to: ``state`` wrapped, query keys sorted."""
    parts = urllib.parse.urlsplit(authorization_url)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    wrapper: dict[str, str] = {"host_state": host_state}
    if provider_state:
        wrapper["provider_state"] = _b64(provider_state)
    upstream = query.pop("state", None)
    if upstream:
        wrapper["upstream_state"] = upstream[0]
    query["state"] = [_b64(json.dumps(wrapper, separators=(",", ":")).encode())]
    encoded = "&".join(
        f"{urllib.parse.quote_plus(key)}={urllib.parse.quote_plus(value)}"
        for key in sorted(query)  # Go's url.Values.Encode
        for value in query[key]
    )
    return urllib.parse.urlunsplit(parts._replace(query=encoded))


def unwrap_callback(callback: str) -> tuple[dict[str, str], bytes, str]:
    """What the host makes of the browser's return to the callback URL (or its query).

    Returns:
        ``(query, provider_state, host_state)``: the first value of each parameter with the
        provider's own ``state`` restored (absent if it had none), the provider state bytes,
        and the host state the wrapper carried.

    Raises:
        ValueError: The query has no ``state``, or it is not the host's wrapper.
    """
    parts = urllib.parse.urlsplit(callback)
    raw = parts.query if parts.scheme else callback
    values = urllib.parse.parse_qs(raw, keep_blank_values=True)
    query = {key: items[0] for key, items in values.items()}
    try:
        wrapper = json.loads(_unb64(query.pop("state")))
        host_state = str(wrapper["host_state"])
    except (KeyError, ValueError, TypeError) as error:
        raise ValueError(f"callback carries no host state wrapper: {error}") from None
    if "upstream_state" in wrapper:
        query["state"] = str(wrapper["upstream_state"])
    return query, _unb64(str(wrapper.get("provider_state", ""))), host_state


class HostLogin:
    """One login through an auth provider under the emulator, as gestaltd runs it.

    ``begin()`` calls ``BeginLogin`` and returns the URL to send the browser to;
    ``complete(callback)`` takes where the identity provider redirected the browser, checks
    that the host state came back, and calls ``CompleteLogin``.

    Args:
        proc: A launched auth provider.
        host_state: The host's opaque value for this login.
        callback_url: The host's redirect URI.
    """

    def __init__(
        self,
        proc: ProviderProcess,
        host_state: str = "host-state",
        callback_url: str = DEFAULT_CALLBACK_URL,
    ) -> None:
        self._proc = proc
        self.host_state = host_state
        self.callback_url = callback_url
        self.begun: auth_pb2.BeginLoginResponse | None = None

    def begin(self, timeout: float = 10) -> str:
        """``BeginLogin``, then the host's rewrite of its ``authorization_url``."""
        request = auth_pb2.BeginLoginRequest(
            callback_url=self.callback_url, host_state=self.host_state
        )
        self.begun = self._proc.auth.BeginLogin(request, timeout=timeout)
        return wrap_state(self.begun.authorization_url, self.host_state, self.begun.provider_state)

    def complete(self, callback: str, timeout: float = 10) -> auth_pb2.AuthenticatedUser:
        """``CompleteLogin`` for the browser's return to the callback (URL or query).

        Raises:
            ValueError: The wrapper is missing or carries another login's host state.
            grpc.RpcError: The provider refused the login.
        """
        query, provider_state, host_state = unwrap_callback(callback)
        if host_state != self.host_state:
            raise ValueError(f"callback is for host state {host_state!r}, not this login's")
        request = auth_pb2.CompleteLoginRequest(
            query=query, provider_state=provider_state, callback_url=self.callback_url
        )
        return self._proc.auth.CompleteLogin(request, timeout=timeout)
