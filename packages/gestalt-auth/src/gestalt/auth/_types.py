"""The values an auth provider receives and returns, and its invalid-token error."""

from __future__ import annotations

import dataclasses

from gestalt.core import NotFoundError


@dataclasses.dataclass(frozen=True, slots=True)
class BeginLoginRequest:
    """The host starts a browser login.

    Attributes:
        callback_url: The host's absolute redirect URI; use it as the OAuth ``redirect_uri``.
        host_state: An opaque value the host made for this login. Putting it in the
            authorization URL as ``state`` is the usual choice.
        scopes: Optional scope hints (the current host sends none; use configured ones).
        options: Optional hints such as ``prompt`` (the current host sends none).
    """

    callback_url: str
    host_state: str
    scopes: tuple[str, ...] = ()
    options: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class BeginLoginResponse:
    """Where to send the browser, and opaque bytes to get back in ``complete_login``.

    Attributes:
        authorization_url: An absolute URL. The host rewrites its ``state`` parameter and
            re-encodes its query with the keys sorted; build it with
            :func:`authorization_url` so nothing depends on order or encoding.
        provider_state: Bytes that travel through the browser and come back unchanged
            in :attr:`CompleteLoginRequest.provider_state`. The user agent can read and
            change them: keep them small and sign them (:class:`ProviderStateSigner`).
    """

    authorization_url: str
    provider_state: bytes = b""


@dataclasses.dataclass(frozen=True, slots=True)
class CompleteLoginRequest:
    """The browser came back to the host's callback.

    Attributes:
        query: The callback's query parameters, first value each. ``state`` holds the
            ``state`` of your authorization URL (absent if it had none); ``code``,
            ``error`` and the rest are as the identity provider sent them.
        provider_state: The bytes from :attr:`BeginLoginResponse.provider_state`
            (empty if none), as the browser returned them: verify before trusting.
        callback_url: The same value as in :class:`BeginLoginRequest`; send it again in
            the token exchange.
    """

    query: dict[str, str]
    provider_state: bytes
    callback_url: str


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    """The person who logged in, or who owns an external token.

    Attributes:
        subject: The identity provider's stable user id (OIDC ``sub``).
        email: Required: the host keys users by email, so a user without one is refused.
        email_verified: Whether the identity provider verified the email.
        display_name: The name to show.
        avatar_url: A picture URL.
        claims: Extra string claims.
    """

    subject: str
    email: str
    email_verified: bool = False
    display_name: str = ""
    avatar_url: str = ""
    claims: dict[str, str] = dataclasses.field(default_factory=dict)


class InvalidToken(NotFoundError):
    """The external token is not valid (answered as ``NOT_FOUND`` "token not recognized").

    Raise it from ``validate_external_token`` (returning ``None`` does the same). The
    message sent to the host is always ``token not recognized``: a token never appears
    in it, whatever ``reason`` says.

    Args:
        reason: Why, for your own logs only (never sent, never logged by the SDK).
    """

    def __init__(self, reason: str = "") -> None:
        super().__init__("token not recognized")
        self.reason = reason
