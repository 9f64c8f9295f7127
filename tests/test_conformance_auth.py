"""Auth providers through the real runtime and the host emulator (PROTOCOL.md 5).

``AuthProvider`` exists on protocol 2 only; what holds on both wires runs under each
(the ``protocol`` fixture). The protocol-5 ``Identity`` suite is test_conformance_identity.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2

from gestalt.core.testing import (
    EmulatorError,
    HostLogin,
    ProviderProcess,
    launch,
    unwrap_callback,
    wrap_state,
)
from gestalt.provider.v1 import auth_pb2

ROOT = Path(__file__).parent / "providers" / "auth_basic"
DUAL_ROOT = Path(__file__).parent / "providers" / "identity_dual"
OIDC_ROOT = Path(__file__).parent.parent / "examples" / "oidc"
CALLBACK = "https://gestalt.test/api/v1/auth/login/callback"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proc() -> Iterator[ProviderProcess]:
    with launch(ROOT, "auth", python=sys.executable) as process:
        yield process


@pytest.fixture(scope="module")
def async_proc() -> Iterator[ProviderProcess]:
    with launch(ROOT, "auth", target="auth_basic_provider:async_auth", python=sys.executable) as p:
        yield p


def _code(call: Any) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error: Any = caught.value
    return error.code(), error.details()


# -- BeginLogin -------------------------------------------------------------------------


def test_identity_is_auth(proc: ProviderProcess) -> None:
    assert proc.identity is not None
    assert proc.identity.kind == 2  # PROVIDER_KIND_AUTH


def test_begin_login_url_and_state(proc: ProviderProcess) -> None:
    answer = proc.auth.BeginLogin(
        auth_pb2.BeginLoginRequest(callback_url=CALLBACK, host_state="hs 1/&="), timeout=10
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.authorization_url).query)
    assert query == {
        "tenant": ["t1"],
        "state": ["hs 1/&="],
        "redirect_uri": [CALLBACK],
        "scope": ["openid email"],
    }
    assert answer.provider_state  # signed


@pytest.mark.parametrize(
    ("host_state", "code", "message"),
    [
        ("none", grpc.StatusCode.INTERNAL, "auth provider returned nil response"),
        ("boom-TOPSECRET", grpc.StatusCode.UNKNOWN, "begin login: internal error"),
        (
            "relative",
            grpc.StatusCode.INTERNAL,
            "begin login: authorization_url must be an absolute URL",
        ),
        ("denied", grpc.StatusCode.PERMISSION_DENIED, "logins are closed"),
    ],
)
def test_begin_login_errors(
    proc: ProviderProcess, host_state: str, code: grpc.StatusCode, message: str
) -> None:
    request = auth_pb2.BeginLoginRequest(callback_url=CALLBACK, host_state=host_state)
    assert _code(lambda: proc.auth.BeginLogin(request, timeout=10)) == (code, message)


# -- CompleteLogin ----------------------------------------------------------------------


def _begin(proc: ProviderProcess, host_state: str) -> auth_pb2.BeginLoginResponse:
    request = auth_pb2.BeginLoginRequest(callback_url=CALLBACK, host_state=host_state)
    return proc.auth.BeginLogin(request, timeout=10)


def test_complete_login_through_host_rewrite(proc: ProviderProcess) -> None:
    begun = _begin(proc, "host-state-1")
    redirected = wrap_state(begun.authorization_url, "host-state-1", begun.provider_state)
    # The identity provider sends back our (wrapped) state plus a code and a repeated param.
    wrapped = urllib.parse.parse_qs(urllib.parse.urlsplit(redirected).query)["state"][0]
    callback = urllib.parse.urlencode(
        [("code", "alice"), ("state", wrapped), ("x", "1"), ("x", "2")]
    )
    query, provider_state, host_state = unwrap_callback(callback)
    assert host_state == "host-state-1"
    assert query == {"code": "alice", "state": "host-state-1", "x": "1"}
    user = proc.auth.CompleteLogin(
        auth_pb2.CompleteLoginRequest(
            query=query, provider_state=provider_state, callback_url=CALLBACK
        ),
        timeout=10,
    )
    assert user == auth_pb2.AuthenticatedUser(
        subject="sub-alice",
        email="alice@example.com",
        email_verified=True,
        display_name="User alice",
        avatar_url="https://img.example/alice.png",
        claims={"code_seen": "alice"},
    )


def test_tampered_provider_state(proc: ProviderProcess) -> None:
    begun = _begin(proc, "hs-tamper")
    _payload, expiry, mac = begun.provider_state.split(b".")
    forged = _b64(json.dumps({"state": "hs-tamper", "admin": True}).encode()).encode()
    for state in (forged + b"." + expiry + b"." + mac, b"garbage", b""):
        request = auth_pb2.CompleteLoginRequest(
            query={"code": "mallory", "state": "hs-tamper"},
            provider_state=state,
            callback_url=CALLBACK,
        )
        code, message = _code(lambda r=request: proc.auth.CompleteLogin(r, timeout=10))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert message.startswith("provider state ")
        assert "mallory" not in message


@pytest.mark.parametrize(
    ("mode", "code", "message"),
    [
        ("none", grpc.StatusCode.INTERNAL, "auth provider returned nil user"),
        ("boom", grpc.StatusCode.UNKNOWN, "complete login: internal error"),
        (
            "badclaims",
            grpc.StatusCode.INTERNAL,
            "complete login: AuthenticatedUser.claims must map str to str",
        ),
        (
            "wrongtype",
            grpc.StatusCode.INTERNAL,
            "complete login: provider returned dict, not AuthenticatedUser",
        ),
    ],
)
def test_complete_login_errors(
    proc: ProviderProcess, mode: str, code: grpc.StatusCode, message: str
) -> None:
    request = auth_pb2.CompleteLoginRequest(
        query={"mode": mode, "code": "CODE-XYZ"}, callback_url=CALLBACK
    )
    assert _code(lambda: proc.auth.CompleteLogin(request, timeout=10)) == (code, message)


def test_complete_login_author_status_kept(proc: ProviderProcess) -> None:
    request = auth_pb2.CompleteLoginRequest(query={"state": "s"}, callback_url=CALLBACK)
    assert _code(lambda: proc.auth.CompleteLogin(request, timeout=10)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "callback has no code",
    )


def test_user_without_email_refused(proc: ProviderProcess) -> None:
    request = auth_pb2.CompleteLoginRequest(
        query={"mode": "noemail", "code": "c"}, callback_url=CALLBACK
    )
    code, message = _code(lambda: proc.auth.CompleteLogin(request, timeout=10))
    assert code == grpc.StatusCode.INTERNAL
    assert "has no email" in message
    assert "keys users by email" in message


def test_codes_never_logged(proc: ProviderProcess) -> None:
    request = auth_pb2.CompleteLoginRequest(
        query={"mode": "boom", "code": "CODE-LEAK-1"}, callback_url=CALLBACK
    )
    _code(lambda: proc.auth.CompleteLogin(request, timeout=10))
    output = proc.output()
    assert "complete login failed with RuntimeError" in output
    assert "CODE-LEAK-1" not in output
    assert "TOPSECRET" not in output


# -- ValidateExternalToken --------------------------------------------------------------


def _validate(proc: ProviderProcess, token: str) -> auth_pb2.AuthenticatedUser:
    return proc.auth.ValidateExternalToken(
        auth_pb2.ValidateExternalTokenRequest(token=token), timeout=10
    )


def test_validate_external_token_ok(proc: ProviderProcess) -> None:
    assert _validate(proc, "ok-bob").email == "bob@example.com"


@pytest.mark.parametrize(
    ("token", "code", "message"),
    [
        ("unknown-tok-1", grpc.StatusCode.NOT_FOUND, "token not recognized"),
        ("invalid-tok-2", grpc.StatusCode.NOT_FOUND, "token not recognized"),
        ("boom-tok-3", grpc.StatusCode.UNKNOWN, "validate external token: internal error"),
    ],
)
def test_validate_external_token_errors(
    proc: ProviderProcess, token: str, code: grpc.StatusCode, message: str
) -> None:
    assert _code(lambda: _validate(proc, token)) == (code, message)
    assert token not in proc.output()


def test_validate_external_token_without_email(proc: ProviderProcess) -> None:
    code, message = _code(lambda: _validate(proc, "noemail-tok-4"))
    assert code == grpc.StatusCode.INTERNAL
    assert "no email" in message
    assert "noemail-tok-4" not in message


def test_validate_external_token_unimplemented(async_proc: ProviderProcess) -> None:
    code, _ = _code(lambda: _validate(async_proc, "ok-x"))
    assert code == grpc.StatusCode.UNIMPLEMENTED


# -- GetSessionSettings -----------------------------------------------------------------


def test_session_ttl_whole_seconds(proc: ProviderProcess) -> None:
    assert proc.session_ttl_seconds == 8 * 3600
    settings = proc.auth.GetSessionSettings(empty_pb2.Empty(), timeout=10)
    assert settings.session_ttl_seconds == 8 * 3600


def test_session_settings_unimplemented(async_proc: ProviderProcess) -> None:
    assert async_proc.session_ttl_seconds == 24 * 3600
    code, _ = _code(lambda: async_proc.auth.GetSessionSettings(empty_pb2.Empty(), timeout=10))
    assert code == grpc.StatusCode.UNIMPLEMENTED


def test_negative_ttl_clamped() -> None:
    with launch(ROOT, "auth", target="auth_basic_provider:NegativeTTL", python=sys.executable) as p:
        assert p.auth.GetSessionSettings(empty_pb2.Empty(), timeout=10).session_ttl_seconds == 0
        assert p.session_ttl_seconds == 24 * 3600


def test_failing_ttl_is_unknown() -> None:
    with launch(ROOT, "auth", target="auth_basic_provider:FailingTTL", python=sys.executable) as p:
        assert _code(lambda: p.auth.GetSessionSettings(empty_pb2.Empty(), timeout=10)) == (
            grpc.StatusCode.UNKNOWN,
            "session settings: internal error",
        )
        assert p.session_ttl_seconds == 24 * 3600


def test_not_a_provider_fails_at_start(protocol: int) -> None:
    with pytest.raises(EmulatorError, match=r"is not an (auth|identity) provider \(an object with"):
        launch(
            ROOT,
            "auth",
            target="auth_basic_provider:not_a_provider",
            protocol=protocol,
            python=sys.executable,
        )


def test_a_provider_of_both_interfaces_is_kind_2_on_either_wire(protocol: int) -> None:
    with launch(DUAL_ROOT, "auth", protocol=protocol, python=sys.executable) as dual:
        assert dual.identity is not None
        assert dual.identity.kind == 2  # AUTH on protocol 2, IDENTITY on 5


# -- async and concurrency --------------------------------------------------------------


def test_async_provider_login(async_proc: ProviderProcess) -> None:
    begun = _begin(async_proc, "a1")
    assert begun.authorization_url == "https://idp.test/a?state=a1"
    assert begun.provider_state == b""
    request = auth_pb2.CompleteLoginRequest(query={"code": "carol"}, callback_url=CALLBACK)
    assert async_proc.auth.CompleteLogin(request, timeout=10).email == "carol@example.com"
    boom = auth_pb2.CompleteLoginRequest(
        query={"code": "K-9", "mode": "boom"}, callback_url=CALLBACK
    )
    assert _code(lambda: async_proc.auth.CompleteLogin(boom, timeout=10)) == (
        grpc.StatusCode.UNKNOWN,
        "complete login: internal error",
    )


def test_64_concurrent_async(async_proc: ProviderProcess) -> None:
    def one(i: int) -> str:
        request = auth_pb2.CompleteLoginRequest(query={"code": f"u{i}"}, callback_url=CALLBACK)
        return async_proc.auth.CompleteLogin(request, timeout=10).email

    with ThreadPoolExecutor(64) as pool:
        emails = list(pool.map(one, range(64)))
    assert emails == [f"u{i}@example.com" for i in range(64)]


def test_64_concurrent_sync(proc: ProviderProcess) -> None:
    with ThreadPoolExecutor(64) as pool:
        users = list(pool.map(lambda i: _validate(proc, f"slow-v{i}"), range(64)))
    assert [u.subject for u in users] == [f"sub-v{i}" for i in range(64)]


# -- the OIDC example, walked end to end against a local identity provider ---------------


class _IdP(http.server.BaseHTTPRequestHandler):
    codes: dict[str, dict[str, str]]
    tokens: dict[str, dict[str, Any]]
    authorize_queries: list[dict[str, list[str]]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/authorize":
            query = urllib.parse.parse_qs(url.query)
            self.authorize_queries.append(query)
            code = secrets.token_urlsafe(8)
            self.codes[code] = {
                "redirect_uri": query["redirect_uri"][0],
                "challenge": query.get("code_challenge", [""])[0],
                "login": query.get("login_hint", ["dana"])[0],
            }
            back = urllib.parse.urlencode({"code": code, "state": query["state"][0]})
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri'][0]}?{back}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token in self.tokens:
                self._json(200, self.tokens[token])
            else:
                self._json(401, {"error": "invalid_token"})
        else:
            self._json(404, {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if (
            grant is None
            or form.get("client_secret") != "s3cret"
            or grant["redirect_uri"] != form.get("redirect_uri")
            or grant["challenge"] != challenge
        ):
            self._json(400, {"error": "invalid_grant"})
            return
        token = secrets.token_urlsafe(16)
        login = grant["login"]
        self.tokens[token] = {
            "sub": f"idp|{login}",
            "email": f"{login}@corp.test",
            "email_verified": True,
            "name": login.title(),
            "picture": f"https://corp.test/{login}.png",
            "groups": "admins",
            "age": 7,
        }
        self._json(200, {"access_token": token, "token_type": "Bearer"})


@pytest.fixture(scope="module")
def idp() -> Iterator[tuple[str, type[_IdP]]]:
    handler = type("IdP", (_IdP,), {"codes": {}, "tokens": {}, "authorize_queries": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def oidc(idp: tuple[str, type[_IdP]]) -> Iterator[ProviderProcess]:
    config = {
        "issuer": idp[0],
        "client_id": "gestalt",
        "client_secret": "s3cret",
        "session_ttl_seconds": 3600,
    }
    with launch(OIDC_ROOT, "auth", python=sys.executable, config=config) as process:
        yield process


def _browser_login(oidc: ProviderProcess, host_state: str) -> auth_pb2.AuthenticatedUser:
    login = HostLogin(oidc, host_state, callback_url=CALLBACK)
    redirect = login.begin()
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(redirect, timeout=5)
    location = caught.value.headers["Location"]
    caught.value.close()
    assert location.startswith(CALLBACK + "?")
    return login.complete(location)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_oidc_full_login(oidc: ProviderProcess, idp: tuple[str, type[_IdP]]) -> None:
    assert oidc.session_ttl_seconds == 3600
    user = _browser_login(oidc, "host/state+1 ü")
    assert user.subject == "idp|dana"
    assert user.email == "dana@corp.test"
    assert user.email_verified
    assert user.display_name == "Dana"
    assert user.avatar_url == "https://corp.test/dana.png"
    assert dict(user.claims) == {"groups": "admins"}
    seen = idp[1].authorize_queries[-1]
    assert seen["code_challenge_method"] == ["S256"]
    assert seen["scope"] == ["openid email profile"]


def test_oidc_code_replay_refused(oidc: ProviderProcess) -> None:
    begun = _begin(oidc, "hs-replay")
    request = auth_pb2.CompleteLoginRequest(
        query={"code": "never-issued", "state": "hs-replay"},
        provider_state=begun.provider_state,
        callback_url=CALLBACK,
    )
    code, message = _code(lambda: oidc.auth.CompleteLogin(request, timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "never-issued" not in message


def test_oidc_state_mismatch(oidc: ProviderProcess) -> None:
    begun = _begin(oidc, "hs-a")
    request = auth_pb2.CompleteLoginRequest(
        query={"code": "c", "state": "hs-b"},
        provider_state=begun.provider_state,
        callback_url=CALLBACK,
    )
    assert _code(lambda: oidc.auth.CompleteLogin(request, timeout=10)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "callback state does not match the login",
    )


def test_oidc_external_token(oidc: ProviderProcess, idp: tuple[str, type[_IdP]]) -> None:
    _browser_login(oidc, "hs-token")
    token = next(iter(idp[1].tokens))
    assert _validate(oidc, token).email == "dana@corp.test"
    assert _code(lambda: _validate(oidc, "not-a-token")) == (
        grpc.StatusCode.NOT_FOUND,
        "token not recognized",
    )
    assert token not in oidc.output()


def test_host_login_refuses_another_logins_callback(proc: ProviderProcess) -> None:
    login = HostLogin(proc, "mine", callback_url=CALLBACK)
    url = login.begin()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert list(query) == sorted(query)  # the host re-encodes with sorted keys
    other = wrap_state("https://idp.test/authorize", "theirs", b"")
    theirs = urllib.parse.parse_qs(urllib.parse.urlsplit(other).query)["state"][0]
    with pytest.raises(ValueError, match="host state 'theirs'"):
        login.complete(f"{CALLBACK}?code=alice&state={theirs}")
    with pytest.raises(ValueError, match="no host state wrapper"):
        login.complete("code=alice")
    mine = query["state"][0]
    user = login.complete(f"{CALLBACK}?code=alice&state={urllib.parse.quote(mine)}")
    assert user.email == "alice@example.com"
