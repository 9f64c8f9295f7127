"""The auth surface: how ``python -m gestalt._runtime ROOT TARGET auth`` (or ``identity``)
serves.

The two host generations call identity code through unrelated services: a protocol-2
host drives a browser login through ``AuthProvider`` (``begin_login``,
``complete_login``), a protocol-5 host treats the provider as an OAuth 2.0 authorization
server through ``Identity`` (``authorize``, ``token``, ``introspect``, ...). Neither
translates into the other, so a provider implements the interface of each generation it
is to serve, and a start by the other generation fails with one line that says so. Only
the served generation's servicer and stubs are imported.
"""

from __future__ import annotations

from gestalt.core import ProviderKind
from gestalt.core.serving import LoadedProvider, TargetError, has_methods, provider_from_target

#: What a protocol-2 auth provider has.
LOGIN_METHODS = ("begin_login", "complete_login")
LOGIN_EXPECTED = (
    "an auth provider (an object with begin_login(request) and complete_login(request))"
)
#: What a protocol-5 identity provider has.
IDENTITY_METHODS = ("authorize", "token", "introspect")
IDENTITY_EXPECTED = (
    "an identity provider (an object with authorize(request), token(request) and "
    "introspect(request))"
)

_LOGIN_SHAPE = "a protocol-2 AuthProvider (begin_login, complete_login)"
_IDENTITY_SHAPE = "a protocol-5 identity provider (authorize, token, introspect)"


class AuthSurface:
    """Serves ``AuthProvider`` to a protocol-2 host and ``Identity`` to a protocol-5 one."""

    @property
    def kind(self) -> ProviderKind:
        """Auth (``identity`` on protocol 5; the same kind number on both wires)."""
        return ProviderKind.AUTH

    def load(self, target: object, protocol: int) -> LoadedProvider:
        """The provider TARGET names, ready to serve ``protocol``'s service.

        Raises:
            TargetError: TARGET is neither kind of provider, or only the kind the host
                does not call.
        """
        if protocol == 5:
            return self._load_identity(target)
        if protocol != 2:
            raise TargetError(f"auth providers are not served on protocol {protocol}")
        provider = provider_from_target(
            target,
            lambda candidate: (
                has_methods(candidate, LOGIN_METHODS) or has_methods(candidate, IDENTITY_METHODS)
            ),
            expected=LOGIN_EXPECTED,
        )
        if not has_methods(provider, LOGIN_METHODS):
            raise TargetError(
                "this gestaltd speaks protocol 2, which calls auth providers through "
                "AuthProvider (begin_login, complete_login); "
                f"TARGET is {_IDENTITY_SHAPE}: implement begin_login(request) "
                "and complete_login(request) (gestalt.auth.AuthProvider) to serve it"
            )
        from gestalt.auth._login_servicer import surface

        return surface.load(provider, protocol)

    def _load_identity(self, target: object) -> LoadedProvider:
        from gestalt.auth._identity_servicer import is_identity_provider, surface

        provider = provider_from_target(
            target,
            lambda candidate: (
                is_identity_provider(candidate) or has_methods(candidate, LOGIN_METHODS)
            ),
            expected=IDENTITY_EXPECTED,
        )
        if not is_identity_provider(provider):
            raise TargetError(
                "this gestaltd speaks protocol 5, which calls identity providers through "
                "Identity (authorize, token, introspect, user_info, grants); "
                f"TARGET is {_LOGIN_SHAPE}: implement authorize(request), "
                "token(request) and introspect(request) (gestalt.auth.IdentityProvider) "
                "to serve it"
            )
        return surface.load(provider, 5)


surface = AuthSurface()
