"""Identity providers (protocol 5) through the real runtime and the host emulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest

from gestalt.core.testing import EmulatorError, ProviderProcess, launch
from gestalt.provider.v1 import auth_pb2
from gestalt.provider.v5 import identity_pb2

PROVIDERS = Path(__file__).parent / "providers"
ROOT = PROVIDERS / "identity_basic"
DUAL = PROVIDERS / "identity_dual"
V2_ROOT = PROVIDERS / "auth_basic"
BEARER = "x-gestalt-caller-bearer-token"


def _launch(target: str, root: Path = ROOT) -> ProviderProcess:
    return launch(root, "auth", protocol=5, target=target, python=sys.executable)


@pytest.fixture(scope="module")
def proc() -> Iterator[ProviderProcess]:
    with _launch("identity_basic_provider:identity") as provider:
        yield provider


@pytest.fixture(scope="module")
def minimal() -> Iterator[ProviderProcess]:
    with _launch("identity_basic_provider:RequiredOnly") as provider:
        yield provider


def _code(call: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error: Any = caught.value
    return error.code(), error.details()


def _as(token: str, *more: str) -> tuple[tuple[str, str | bytes], ...]:
    """Metadata naming the caller by bearer token (each value is sent, in order)."""
    return tuple((BEARER, value) for value in (token, *more))


# -- start-up ---------------------------------------------------------------------------


def test_identity_kind_number(proc: ProviderProcess) -> None:
    assert proc.identity is not None
    assert proc.identity.kind == 2  # PROVIDER_KIND_IDENTITY, as AUTH on protocol 2


# -- Authorize ---------------------------------------------------------------------------


def test_authorize_redirects_with_code_and_state(proc: ProviderProcess) -> None:
    request = identity_pb2.AuthorizeRequest(
        response_type="code",
        client_id="cli",
        redirect_uri="https://client.test/cb",
        scope="alice",
        state="st 1",
    )
    answer = proc.identity_provider.Authorize(request, timeout=10)
    assert answer.redirect_uri == "https://client.test/cb?code=code-alice&state=st+1"


@pytest.mark.parametrize(
    ("client_id", "code", "message"),
    [
        ("none", grpc.StatusCode.INTERNAL, "identity provider returned nil response"),
        ("boom", grpc.StatusCode.UNKNOWN, "authorize: internal error"),
        ("denied", grpc.StatusCode.PERMISSION_DENIED, "client not allowed"),
        (
            "wrongtype",
            grpc.StatusCode.INTERNAL,
            "authorize: provider returned str, not AuthorizeResponse",
        ),
    ],
)
def test_authorize_errors(
    proc: ProviderProcess, client_id: str, code: grpc.StatusCode, message: str
) -> None:
    request = identity_pb2.AuthorizeRequest(
        client_id=client_id, redirect_uri="https://client.test/cb", state="STATE-LEAK-1"
    )
    assert _code(lambda: proc.identity_provider.Authorize(request, timeout=10)) == (code, message)
    assert "STATE-LEAK-1" not in proc.output()


# -- Token -------------------------------------------------------------------------------


def test_token_for_an_authorization_code(proc: ProviderProcess) -> None:
    request = identity_pb2.TokenRequest(
        grant_type="authorization_code",
        code="code-dana",
        redirect_uri="https://client.test/cb",
        client_id="cli",
    )
    assert proc.identity_provider.Token(request, timeout=10) == identity_pb2.TokenResponse(
        access_token="tok-dana",
        token_type="Bearer",
        expires_in=3600,
        refresh_token="refresh-1",
        scope="openid",
        grant_id="g-1",
    )


def test_token_exchange_keeps_the_requested_lifetime(proc: ProviderProcess) -> None:
    request = identity_pb2.TokenRequest(
        grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token="tok-erin",
        subject_token_type="urn:ietf:params:oauth:token-type:access_token",
        scope="repo:read",
        expires_in=120,
    )
    answer = proc.identity_provider.Token(request, timeout=10)
    assert (answer.access_token, answer.expires_in, answer.scope, answer.grant_id) == (
        "tok-erin",
        120,
        "repo:read",
        "g-2",
    )


@pytest.mark.parametrize(
    ("grant_type", "code", "status", "message"),
    [
        ("authorization_code", "stolen", grpc.StatusCode.INVALID_ARGUMENT, "invalid_grant"),
        ("password", "x", grpc.StatusCode.INVALID_ARGUMENT, "unsupported_grant_type"),
        (
            "authorization_code",
            "negative",
            grpc.StatusCode.INTERNAL,
            "token: TokenResponse.expires_in must not be negative",
        ),
        (
            "authorization_code",
            "empty",
            grpc.StatusCode.INTERNAL,
            "token: TokenResponse.access_token must not be empty",
        ),
    ],
)
def test_token_errors(
    proc: ProviderProcess, grant_type: str, code: str, status: grpc.StatusCode, message: str
) -> None:
    request = identity_pb2.TokenRequest(grant_type=grant_type, code=code)
    assert _code(lambda: proc.identity_provider.Token(request, timeout=10)) == (status, message)


# -- Introspect --------------------------------------------------------------------------


def _introspect(proc: ProviderProcess, token: str) -> identity_pb2.IntrospectResponse:
    request = identity_pb2.IntrospectRequest(token=token, token_type_hint="access_token")
    answer: identity_pb2.IntrospectResponse = proc.identity_provider.Introspect(request, timeout=10)
    return answer


def test_introspect_active_token(proc: ProviderProcess) -> None:
    assert _introspect(proc, "tok-fay") == identity_pb2.IntrospectResponse(
        active=True,
        subject="user:fay",
        scope="repo:read",
        client_id="cli",
        audience=["gestalt", "api"],
    )


@pytest.mark.parametrize("token", ["unknown-1", "invalid-TOKEN-LEAK-2"])
def test_unknown_tokens_are_inactive_not_errors(proc: ProviderProcess, token: str) -> None:
    assert _introspect(proc, token) == identity_pb2.IntrospectResponse(active=False)
    assert token not in proc.output()


@pytest.mark.parametrize(
    ("token", "code", "message"),
    [
        ("none", grpc.StatusCode.INTERNAL, "identity provider returned nil response"),
        ("boom-TOKEN-LEAK-3", grpc.StatusCode.UNKNOWN, "introspect: internal error"),
        (
            "nosubject",
            grpc.StatusCode.INTERNAL,
            "introspect: an active token needs a subject (a Gestalt subject id such as "
            "'user:<id>')",
        ),
    ],
)
def test_introspect_errors(
    proc: ProviderProcess, token: str, code: grpc.StatusCode, message: str
) -> None:
    assert _code(lambda: _introspect(proc, token)) == (code, message)
    assert "TOKEN-LEAK-3" not in proc.output()


# -- the caller's bearer token -----------------------------------------------------------


def test_user_info_gets_the_first_bearer_value_stripped(proc: ProviderProcess) -> None:
    answer = proc.identity_provider.UserInfo(
        identity_pb2.UserInfoRequest(), metadata=_as("  tok-gus  ", "tok-other"), timeout=10
    )
    assert answer == identity_pb2.UserInfoResponse(
        subject_id="user:gus", email="gus@example.com", name="Gus"
    )


def test_missing_bearer_reaches_the_handler_empty(proc: ProviderProcess) -> None:
    # The provider decides: this one refuses an empty token as UNAUTHENTICATED.
    assert _code(lambda: proc.identity_provider.UserInfo(identity_pb2.UserInfoRequest())) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "a valid bearer token is required",
    )


def test_bearer_never_logged_nor_echoed(proc: ProviderProcess) -> None:
    for call in (
        lambda: proc.identity_provider.UserInfo(
            identity_pb2.UserInfoRequest(), metadata=_as("crash-BEARER-LEAK-5"), timeout=10
        ),
        lambda: proc.identity_provider.ListGrants(
            identity_pb2.ListGrantsRequest(), metadata=_as("BEARER-LEAK-4"), timeout=10
        ),
    ):
        _, message = _code(call)
        assert "BEARER-LEAK" not in message
    output = proc.output()
    assert "userinfo failed with RuntimeError" in output
    assert "BEARER-LEAK" not in output


def test_64_callers_each_get_their_own_token(proc: ProviderProcess) -> None:
    def one(i: int) -> str:
        request = identity_pb2.UserInfoRequest()
        answer = proc.identity_provider.UserInfo(request, metadata=_as(f"tok-u{i}"), timeout=10)
        email: str = answer.email
        return email

    with ThreadPoolExecutor(64) as pool:
        emails = list(pool.map(one, range(64)))
    assert emails == [f"u{i}@example.com" for i in range(64)]


# -- grants ------------------------------------------------------------------------------


def test_list_grants(proc: ProviderProcess) -> None:
    answer = proc.identity_provider.ListGrants(
        identity_pb2.ListGrantsRequest(), metadata=_as("tok-hal"), timeout=10
    )
    assert list(answer.grant_ids) == ["g-1", "g-2"]


def test_get_grant_times_are_unix_seconds(proc: ProviderProcess) -> None:
    answer = proc.identity_provider.GetGrant(
        identity_pb2.GetGrantRequest(grant_id="g-1"), metadata=_as("tok-hal"), timeout=10
    )
    assert answer == identity_pb2.GetGrantResponse(
        scopes=[
            identity_pb2.GrantScope(scope="repo:read", resource=["repo:a", "repo:b"]),
            identity_pb2.GrantScope(scope="profile"),
        ],
        created_at=1767323045,  # 2026-01-02T03:04:05Z, given as an aware datetime
        expires_at=1_900_000_000,  # given as seconds
    )
    unknown = identity_pb2.GetGrantRequest(grant_id="g-2")
    assert proc.identity_provider.GetGrant(unknown, metadata=_as("tok-hal"), timeout=10) == (
        identity_pb2.GetGrantResponse(scopes=[identity_pb2.GrantScope(scope="admin")])
    )


@pytest.mark.parametrize(
    ("grant_id", "code", "message"),
    [
        ("g-404", grpc.StatusCode.NOT_FOUND, "no such grant"),
        ("", grpc.StatusCode.INVALID_ARGUMENT, "grant id is required"),
        (
            "naive",
            grpc.StatusCode.INTERNAL,
            "get grant: Grant.created_at is a naive datetime; give it a timezone (e.g. UTC)",
        ),
    ],
)
def test_get_grant_errors(
    proc: ProviderProcess, grant_id: str, code: grpc.StatusCode, message: str
) -> None:
    request = identity_pb2.GetGrantRequest(grant_id=grant_id)
    assert _code(
        lambda: proc.identity_provider.GetGrant(request, metadata=_as("tok-hal"), timeout=10)
    ) == (code, message)


def test_revoke_grant(proc: ProviderProcess) -> None:
    def revoke(grant_id: str) -> identity_pb2.RevokeGrantResponse:
        request = identity_pb2.RevokeGrantRequest(grant_id=grant_id)
        answer: identity_pb2.RevokeGrantResponse = proc.identity_provider.RevokeGrant(
            request, metadata=_as("tok-ivy"), timeout=10
        )
        return answer

    assert revoke("g-2") == identity_pb2.RevokeGrantResponse()
    assert _code(lambda: revoke("g-404")) == (grpc.StatusCode.NOT_FOUND, "no such grant")
    request = identity_pb2.RevokeGrantRequest(grant_id="g-2")
    assert _code(lambda: proc.identity_provider.RevokeGrant(request, timeout=10)) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "a valid bearer token is required",
    )


# -- a provider of the required methods only (async def) ---------------------------------


@pytest.mark.parametrize(
    ("rpc", "empty", "message"),
    [
        ("UserInfo", identity_pb2.UserInfoRequest(), "user info is not implemented"),
        ("ListGrants", identity_pb2.ListGrantsRequest(), "listing grants is not implemented"),
        ("GetGrant", identity_pb2.GetGrantRequest(), "getting a grant is not implemented"),
        ("RevokeGrant", identity_pb2.RevokeGrantRequest(), "revoking grants is not implemented"),
    ],
)
def test_absent_optional_methods_are_unimplemented(
    minimal: ProviderProcess, rpc: str, empty: Any, message: str
) -> None:
    call = getattr(minimal.identity_provider, rpc)
    assert _code(lambda: call(empty, metadata=_as("tok-a"), timeout=10)) == (
        grpc.StatusCode.UNIMPLEMENTED,
        message,
    )


def test_async_required_methods(minimal: ProviderProcess) -> None:
    authorize = identity_pb2.AuthorizeRequest(redirect_uri="https://c.test/cb", state="s")
    assert minimal.identity_provider.Authorize(authorize, timeout=10).redirect_uri == (
        "https://c.test/cb?code=async&state=s"
    )
    token = minimal.identity_provider.Token(identity_pb2.TokenRequest(code="c"), timeout=10)
    assert (token.access_token, token.expires_in) == ("tok-c", 60)
    assert _introspect(minimal, "tok-a").subject == "user:a"


def test_a_crashed_handler_is_an_error_and_the_server_keeps_serving(
    minimal: ProviderProcess,
) -> None:
    assert _code(lambda: _introspect(minimal, "boom")) == (
        grpc.StatusCode.UNKNOWN,
        "introspect: internal error",
    )
    assert _introspect(minimal, "tok-a").active


def test_a_provider_without_base_class() -> None:
    with _launch("identity_basic_provider:Structural") as provider:
        request = identity_pb2.TokenRequest(grant_type="authorization_code", code="c")
        assert provider.identity_provider.Token(request, timeout=10).access_token == "tok-s"
        code, _ = _code(lambda: provider.identity_provider.UserInfo(identity_pb2.UserInfoRequest()))
        assert code == grpc.StatusCode.UNIMPLEMENTED


# -- one provider for both generations, and the refusals ---------------------------------


def test_a_dual_provider_serves_identity_on_protocol_5() -> None:
    with _launch("identity_dual_provider:provider", DUAL) as provider:
        assert _introspect(provider, "tok-dual").subject == "user:dual"
        answer = provider.identity_provider.UserInfo(
            identity_pb2.UserInfoRequest(), metadata=_as("abc"), timeout=10
        )
        assert answer.name == "holder of 3 characters"
        grants = identity_pb2.ListGrantsRequest()
        code, _ = _code(lambda: provider.identity_provider.ListGrants(grants, timeout=10))
        assert code == grpc.StatusCode.UNIMPLEMENTED


def test_the_dual_provider_logs_in_on_protocol_2() -> None:
    with launch(DUAL, "auth", python=sys.executable) as provider:
        request = auth_pb2.BeginLoginRequest(callback_url="https://h.test/cb", host_state="h1")
        begun = provider.auth.BeginLogin(request, timeout=10)
        assert begun.authorization_url == "https://idp.test/login?state=h1"


def _refusal(root: Path, target: str, protocol: int) -> str:
    """The provider's whole output when a host of ``protocol`` starts it: one line."""
    with pytest.raises(EmulatorError, match=r"exit status 2") as caught:
        launch(root, "auth", protocol=protocol, target=target, python=sys.executable)
    output = str(caught.value).split("--- provider output ---\n", 1)[1]
    assert output.count("\n") == 1, output
    return output


def test_a_v2_provider_started_by_a_v5_host_is_refused_in_one_line() -> None:
    line = _refusal(V2_ROOT, "auth_basic_provider:auth", 5)
    assert "this gestaltd speaks protocol 5, which calls identity providers through Identity" in (
        line
    )
    assert "TARGET is a protocol-2 AuthProvider (begin_login, complete_login)" in line
    assert "implement authorize(request), token(request) and introspect(request)" in line


def test_a_v5_provider_started_by_a_v2_host_is_refused_in_one_line() -> None:
    line = _refusal(ROOT, "identity_basic_provider:identity", 2)
    assert "this gestaltd speaks protocol 2, which calls auth providers through AuthProvider" in (
        line
    )
    assert "TARGET is a protocol-5 identity provider (authorize, token, introspect)" in line
    assert "implement begin_login(request) and complete_login(request)" in line


def test_a_base_class_placeholder_is_not_an_implementation() -> None:
    line = _refusal(ROOT, "identity_basic_provider:NoIntrospect", 5)
    assert "is not an identity provider (an object with authorize(request)" in line


# -- shutdown and imports ----------------------------------------------------------------


def test_sigterm_stops_the_server_cleanly() -> None:
    provider = _launch("identity_basic_provider:identity")
    _introspect(provider, "tok-a")
    result = provider.stop()
    assert (result.exit_code, result.killed, result.socket_removed) == (0, False, True)


@pytest.mark.parametrize(
    ("protocol", "root", "target", "absent"),
    [
        (5, ROOT, "identity", ("gestalt.provider.v1.auth_pb2", "gestalt.auth._login_servicer")),
        (
            2,
            V2_ROOT,
            "auth",
            (
                "gestalt.provider.v5",
                "gestalt.auth._identity_servicer",
                "gestalt.auth._identity_types",
            ),
        ),
    ],
)
def test_each_generation_imports_only_its_own_code(
    protocol: int, root: Path, target: str, absent: tuple[str, ...]
) -> None:
    module = root.name + "_provider"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from gestalt.auth._surface import surface\n"
        f"import {module} as m\n"
        f"surface.load(m.{target}, {protocol})\n"
        f"print([name for name in sys.modules if name.startswith({absent!r})])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
