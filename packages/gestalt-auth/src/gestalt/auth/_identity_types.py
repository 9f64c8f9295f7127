"""The values an identity provider (protocol 5) receives and returns.

Tokens, codes and bearer credentials are left out of every ``repr``, so a request or
response that reaches a log line or a traceback never shows one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar


@dataclasses.dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, as the host forwards it to the per-user rpcs.

    ``user_info``, ``list_grants``, ``get_grant`` and ``revoke_grant`` act for the person
    whose bearer token the host received; the provider checks that token itself.

    Attributes:
        bearer_token: The caller's bearer token, stripped of surrounding blanks; ``""``
            when the host sent none. Refuse an empty or unknown token, usually with
            :class:`gestalt.core.UnauthenticatedError`. Never put it in an error message.
    """

    bearer_token: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """The host relays an OAuth 2.0 authorization request (RFC 6749 section 4.1.1).

    Attributes:
        response_type: Normally ``code``.
        client_id: The client that asks.
        redirect_uri: Where the client wants the user agent sent back.
        scope: Space-separated scopes asked for ("" for the default).
        state: The client's opaque value; hand it back unchanged in the redirect.
    """

    response_type: str
    client_id: str
    redirect_uri: str
    scope: str = ""
    state: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizeResponse:
    """Where the host sends the user agent next.

    Attributes:
        redirect_uri: The client's redirect URI with the response parameters already
            appended (``code`` and ``state``, or ``error`` and ``state``), or the URL of a
            login page of yours that ends in such a redirect.
    """

    redirect_uri: str


@dataclasses.dataclass(frozen=True, slots=True)
class TokenRequest:
    """The host relays an OAuth 2.0 token request.

    Attributes:
        grant_type: :attr:`AUTHORIZATION_CODE` (uses ``code``, ``redirect_uri``,
            ``client_id``, ``state``) or :attr:`TOKEN_EXCHANGE` (uses ``subject_token``,
            ``subject_token_type``, ``scope``). There is no refresh-token grant.
        code: The authorization code your ``authorize`` issued.
        redirect_uri: Must equal the one the code was issued for.
        client_id: The client that asks.
        state: The ``state`` of the authorization request.
        scope: Space-separated scopes wanted (token exchange).
        subject_token: The token to exchange (token exchange).
        subject_token_type: Its RFC 8693 type URI.
        expires_in: The lifetime the caller would like for the access token, in seconds;
            0 means "your default". You may grant less or more: what counts is the
            :attr:`TokenResponse.expires_in` you return.
    """

    #: RFC 6749's authorization-code grant: the end of a browser login.
    AUTHORIZATION_CODE: ClassVar[str] = "authorization_code"
    #: RFC 8693's token exchange: an API token minted from another token.
    TOKEN_EXCHANGE: ClassVar[str] = "urn:ietf:params:oauth:grant-type:token-exchange"

    grant_type: str
    code: str = dataclasses.field(default="", repr=False)
    redirect_uri: str = ""
    client_id: str = ""
    state: str = ""
    scope: str = ""
    subject_token: str = dataclasses.field(default="", repr=False)
    subject_token_type: str = ""
    expires_in: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class TokenResponse:
    """The tokens issued.

    Attributes:
        access_token: The access token; must not be empty.
        token_type: Normally ``Bearer``.
        expires_in: Lifetime of the access token: a :class:`~datetime.timedelta` or whole
            seconds (0 when it does not expire on its own).
        refresh_token: A refresh token, if you issue one.
        scope: The scopes granted, space-separated.
        grant_id: The id of the grant behind the token (what ``list_grants`` lists), if
            you track grants.
    """

    access_token: str = dataclasses.field(repr=False)
    token_type: str = "Bearer"
    expires_in: timedelta | int = 0
    refresh_token: str = dataclasses.field(default="", repr=False)
    scope: str = ""
    grant_id: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class IntrospectRequest:
    """The host asks what a token is (RFC 7662).

    Attributes:
        token: The token presented to the host.
        token_type_hint: ``access_token``, ``refresh_token`` or "" (a hint only).
    """

    token: str = dataclasses.field(repr=False)
    token_type_hint: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Introspection:
    """What a token is. A token you do not know (or one expired or revoked) is
    ``Introspection(active=False)``, never an error.

    Attributes:
        active: Whether the token is valid now.
        subject: The Gestalt subject it acts for, in canonical form such as
            ``user:<stable id>``; not the upstream identity provider's ``sub``. Required
            when ``active``.
        scope: Space-separated scopes; "" grants unrestricted first-party access.
        client_id: The client the token was issued to.
        audience: The audiences it is meant for.
    """

    active: bool
    subject: str = ""
    scope: str = ""
    client_id: str = ""
    audience: Sequence[str] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class UserInfo:
    """The profile of the caller.

    Attributes:
        subject_id: The caller's Gestalt subject id (as in :attr:`Introspection.subject`);
            required.
        email: Their email address.
        name: The name to show.
    """

    subject_id: str
    email: str = ""
    name: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class GrantScope:
    """One scope of a grant, optionally narrowed to resources.

    Attributes:
        scope: The scope.
        resources: The resources it applies to (none: all).
    """

    scope: str
    resources: Sequence[str] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Grant:
    """One grant of the caller: what it allows and when it was made and ends.

    Times are timezone-aware :class:`~datetime.datetime` values or whole Unix seconds;
    the host receives Unix seconds. A naive ``datetime`` is refused (its zone would be a
    guess).

    Attributes:
        scopes: What the grant allows.
        created_at: When it was issued (``None``: not known).
        expires_at: When it ends (``None``: it does not expire).
    """

    scopes: Sequence[GrantScope] = ()
    created_at: datetime | int | None = None
    expires_at: datetime | int | None = None
