"""An OIDC-shaped auth provider: authorization code with PKCE, then the userinfo endpoint.

Config (``providers.auth.<name>.config``):

- ``issuer``: the identity provider's base URL (required).
- ``client_id`` / ``client_secret``: the OAuth client (the secret may be empty for a
  public client).
- ``authorization_endpoint``, ``token_endpoint``, ``userinfo_endpoint``: default to
  ``issuer`` + ``/authorize``, ``/token``, ``/userinfo``.
- ``scopes``: list of scopes, default ``["openid", "email", "profile"]``.
- ``pkce``: whether to use PKCE (S256), default true.
- ``session_ttl_seconds``: session lifetime, default 8 hours.

The PKCE verifier stays in this process, keyed by the host's state: ``provider_state``
travels through the browser, so it only carries a signed nonce that binds the callback
to the login this process started.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from gestalt.auth import (
    AuthenticatedUser,
    AuthProvider,
    BeginLoginRequest,
    BeginLoginResponse,
    CompleteLoginRequest,
    InvalidArgumentError,
    InvalidToken,
    ProviderStateSigner,
    UnavailableError,
    authorization_url,
)

PENDING_LIFETIME = 600.0
HTTP_TIMEOUT = 5.0
STANDARD_CLAIMS = {"sub", "email", "email_verified", "name", "picture"}


class OIDCAuth(AuthProvider):
    """Log users in at an OIDC identity provider and accept its access tokens."""

    def __init__(self) -> None:
        self.issuer = ""
        self.client_id = ""
        self.client_secret = ""
        self.endpoints: dict[str, str] = {}
        self.scopes: list[str] = ["openid", "email", "profile"]
        self.pkce = True
        self.ttl = timedelta(hours=8)
        self.signer = ProviderStateSigner(max_age=timedelta(seconds=PENDING_LIFETIME))
        self._pending: dict[str, tuple[str, float]] = {}  # host state -> (verifier, expiry)
        self._lock = threading.Lock()

    def configure(self, name: str, config: dict[str, Any]) -> None:
        issuer = config.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise InvalidArgumentError("config 'issuer' is required")
        self.issuer = issuer.rstrip("/")
        self.client_id = str(config.get("client_id", ""))
        self.client_secret = str(config.get("client_secret", ""))
        self.endpoints = {
            kind: str(config.get(f"{kind}_endpoint") or f"{self.issuer}/{path}")
            for kind, path in (
                ("authorization", "authorize"),
                ("token", "token"),
                ("userinfo", "userinfo"),
            )
        }
        self.scopes = [str(scope) for scope in config.get("scopes", self.scopes)]
        self.pkce = bool(config.get("pkce", True))
        self.ttl = timedelta(seconds=float(config.get("session_ttl_seconds", 8 * 3600)))

    # -- login ----------------------------------------------------------------------------

    def begin_login(self, request: BeginLoginRequest) -> BeginLoginResponse:
        nonce = secrets.token_urlsafe(16)
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": request.callback_url,
            "scope": " ".join(request.scopes or self.scopes),
            "state": request.host_state,  # comes back as query["state"]
            "nonce": nonce,
            "prompt": request.options.get("prompt"),
        }
        if self.pkce:
            verifier = secrets.token_urlsafe(48)
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            params["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            params["code_challenge_method"] = "S256"
            with self._lock:
                self._forget_expired()
                self._pending[request.host_state] = (verifier, time.monotonic() + PENDING_LIFETIME)
        return BeginLoginResponse(
            authorization_url=authorization_url(self.endpoints["authorization"], params),
            provider_state=self.signer.sign_json({"state": request.host_state, "nonce": nonce}),
        )

    def complete_login(self, request: CompleteLoginRequest) -> AuthenticatedUser:
        signed = self.signer.verify_json(request.provider_state)  # InvalidProviderState
        state = request.query.get("state", "")
        if not state or state != signed.get("state"):
            raise InvalidArgumentError("callback state does not match the login")
        if "error" in request.query:
            # The error code is the IdP's fixed vocabulary (access_denied, ...), safe to show.
            raise InvalidArgumentError(f"identity provider refused: {request.query['error']}")
        code = request.query.get("code", "")
        if not code:
            raise InvalidArgumentError("callback has no code")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.callback_url,
            "client_id": self.client_id,
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        if self.pkce:
            with self._lock:
                pending = self._pending.pop(state, None)
            if pending is None or pending[1] < time.monotonic():
                raise InvalidArgumentError("login expired or already used; start again")
            form["code_verifier"] = pending[0]
        tokens = self._post_form(self.endpoints["token"], form)
        access_token = tokens.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise UnavailableError("token endpoint gave no access token")
        user = self._userinfo(access_token)
        if user is None:
            raise UnavailableError("userinfo refused the fresh access token")
        return user

    # -- optional methods -----------------------------------------------------------------

    def validate_external_token(self, token: str) -> AuthenticatedUser | None:
        user = self._userinfo(token)
        if user is None:
            raise InvalidToken("userinfo refused the token")
        return user

    def session_ttl(self) -> timedelta:
        return self.ttl

    # -- HTTP -----------------------------------------------------------------------------

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for key in [key for key, (_, expiry) in self._pending.items() if expiry < now]:
            del self._pending[key]

    def _post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        body = urllib.parse.urlencode(form).encode("ascii")
        request = urllib.request.Request(
            url,
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                data = json.load(response)
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500:
                raise InvalidArgumentError(
                    f"token endpoint refused the code (HTTP {error.code})"
                ) from None
            raise UnavailableError(f"token endpoint failed (HTTP {error.code})") from None
        except (urllib.error.URLError, TimeoutError):
            raise UnavailableError("token endpoint is unreachable") from None
        if not isinstance(data, dict):
            raise UnavailableError("token endpoint did not answer a JSON object")
        return data

    def _userinfo(self, access_token: str) -> AuthenticatedUser | None:
        """The user behind an access token, or ``None`` when userinfo refuses it."""
        request = urllib.request.Request(
            self.endpoints["userinfo"],
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                info = json.load(response)
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                return None
            raise UnavailableError(f"userinfo failed (HTTP {error.code})") from None
        except (urllib.error.URLError, TimeoutError):
            raise UnavailableError("userinfo is unreachable") from None
        if not isinstance(info, dict) or not isinstance(info.get("sub"), str):
            raise UnavailableError("userinfo did not answer a JSON object with 'sub'")
        verified = info.get("email_verified", False)
        return AuthenticatedUser(
            subject=info["sub"],
            email=str(info.get("email") or ""),
            email_verified=verified is True or verified == "true",
            display_name=str(info.get("name") or ""),
            avatar_url=str(info.get("picture") or ""),
            claims={
                key: value
                for key, value in info.items()
                if key not in STANDARD_CLAIMS and isinstance(value, str)
            },
        )


auth = OIDCAuth()
