"""The contract between core and a surface distribution.

The runtime maps KIND ``k`` to the module ``gestalt.k._surface`` and reads its attribute
``surface``: the namespace is the registry, so core never names a surface. A surface turns
the user's TARGET object into a :class:`LoadedProvider` for the protocol the host speaks
(2 or 5), which says how to serve it. Most surfaces serve one gRPC service over an object
with known methods: they are one :class:`ServicerSurface` declaration.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from gestalt.core._hooks import Hooks
from gestalt.core._kinds import ProviderKind
from gestalt.core._wire import stubs

if TYPE_CHECKING:
    from pathlib import Path

    import grpc.aio

    from gestalt.core._serving import Runtime


class TargetError(Exception):
    """TARGET does not name a provider the surface can serve; the message says what to fix."""


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedProvider:
    """A provider object ready to serve, as a surface prepared it.

    Attributes:
        provider: The user's provider object.
        hooks: Its lifecycle hooks.
        register: Adds the surface's servicers, of the runtime's protocol, to the server;
            core adds ``ProviderLifecycle``.
        write_catalog: Catalog export (integration only); ``None`` when the kind has none.
        handlers: Every provider callable the servicers call (hooks aside).
        unary: Whether the surface's rpcs are all unary. With ``handlers`` and hooks all
            plain ``def``, the runtime then serves on a thread-pool server (cheaper per
            call than ``grpc.aio`` plus a hop into a pool); otherwise on ``grpc.aio``.
        rename: Gives the provider the name a release build was made with (the name the
            host knows it by); ``None`` when the kind's providers carry no name.
    """

    provider: object
    hooks: Hooks
    register: Callable[[grpc.aio.Server, Runtime], None]
    write_catalog: Callable[[Path], None] | None = None
    handlers: tuple[Callable[..., object], ...] = ()
    unary: bool = False
    rename: Callable[[str], None] | None = None


class Surface(Protocol):
    """What ``gestalt.<kind>._surface.surface`` must be."""

    @property
    def kind(self) -> ProviderKind:
        """The kind this surface serves."""
        ...

    def load(self, target: object, protocol: int) -> LoadedProvider:
        """Check TARGET's object and prepare it to serve a host of ``protocol`` (2 or 5),
        or raise :class:`TargetError`."""
        ...


def provider_from_target(
    target: object, accepts: Callable[[object], bool], *, expected: str
) -> object:
    """The provider a TARGET object stands for: itself, or what a class or factory makes.

    Args:
        target: The object TARGET names.
        accepts: Whether an object is a provider of the wanted kind.
        expected: Words for the wanted kind, used in the error message.

    Raises:
        TargetError: Neither the object nor what it makes is accepted.
    """
    if accepts(target):
        return target
    if inspect.ismodule(target):
        raise TargetError(
            f"module {target.__name__} is not {expected} and names none; point TARGET at "
            "the provider object ('module:attribute')"
        )
    if inspect.isclass(target) or inspect.isroutine(target):
        try:
            signature: inspect.Signature | None = inspect.signature(target)
        except (TypeError, ValueError):
            signature = None
        takes_nothing = signature is None or all(
            p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            for p in signature.parameters.values()
        )
        if takes_nothing:
            made = target()
            if accepts(made):
                return made
            raise TargetError(
                f"calling {_describe(target)} gave {_describe(made)}, which is not {expected}"
            )
    raise TargetError(f"{_describe(target)} is not {expected}")


def has_methods(candidate: object, names: tuple[str, ...]) -> bool:
    """Whether ``candidate`` is an instance (not a class) with every named method."""
    return not isinstance(candidate, type) and all(
        callable(getattr(candidate, name, None)) for name in names
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ServicerSurface:
    """A surface that serves one gRPC service over a provider object found by its methods.

    Attributes:
        kind: The kind served.
        required: The methods a provider must have.
        expected: Words for such a provider, for the start-up error.
        servicer: Makes the servicer from ``(provider, runtime, messages)``, where
            ``messages`` is the served protocol's ``<file>_pb2`` module.
        services: For each protocol served, its wire file and service name, e.g.
            ``{2: ("secrets", "SecretsProvider"), 5: ("secrets", "Secrets")}``; the stubs
            are imported only for the protocol served.
        optional: Methods the servicer calls when the provider has them.
        unary: Whether every rpc of the service is unary (see :class:`LoadedProvider`).
    """

    kind: ProviderKind
    required: tuple[str, ...]
    expected: str
    servicer: Callable[[Any, Runtime, ModuleType], Any]
    services: Mapping[int, tuple[str, str]]
    optional: tuple[str, ...] = ()
    unary: bool = True

    def load(self, target: object, protocol: int) -> LoadedProvider:
        """Accept an object with the required methods, or a class/factory that makes one."""
        if protocol not in self.services:
            raise TargetError(f"{self.kind.value} providers are not served on protocol {protocol}")
        provider = provider_from_target(
            target, lambda candidate: has_methods(candidate, self.required), expected=self.expected
        )
        name, service = self.services[protocol]

        def register(server: grpc.aio.Server, runtime: Runtime) -> None:
            messages, services = stubs(runtime.protocol, name)
            add = getattr(services, f"add_{service}Servicer_to_server")
            add(self.servicer(provider, runtime, messages), server)

        found = (getattr(provider, name, None) for name in self.required + self.optional)
        handlers = tuple(method for method in found if callable(method))
        return LoadedProvider(
            provider, Hooks.find(provider), register, handlers=handlers, unary=self.unary
        )


def _describe(value: object) -> str:
    if inspect.isclass(value):
        return f"class {value.__module__}.{value.__qualname__}"
    if inspect.isroutine(value):
        return f"function {getattr(value, '__qualname__', value)!s}"
    return f"a {type(value).__module__}.{type(value).__qualname__} object"
