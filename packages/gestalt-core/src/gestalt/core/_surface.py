"""The contract between core and a surface distribution.

The runtime maps KIND ``k`` to the module ``gestalt.k._surface`` and reads its attribute
``surface``: the namespace is the registry, so core never names a surface. A surface turns
the user's TARGET object into a :class:`LoadedProvider`, which says how to serve it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from gestalt.core._kinds import ProviderKind
from gestalt.core._metadata import RuntimeMetadata

if TYPE_CHECKING:
    from pathlib import Path

    import grpc.aio

    from gestalt.core._serving import Runtime


class TargetError(Exception):
    """TARGET does not name a provider the surface can serve; the message says what to fix."""


@dataclasses.dataclass(frozen=True, slots=True)
class Hooks:
    """The optional lifecycle methods of a provider; each may be ``def`` or ``async def``.

    Attributes:
        configure: ``configure(name, config)``, run on ``ConfigureProvider``/``StartProvider``.
        health_check: ``health_check()``; raising means "not ready", with the message shown.
        metadata: A :class:`RuntimeMetadata`, or ``metadata()`` returning one.
        warnings: ``warnings()`` returning strings for the host to show.
        close: ``close()``, run once when the runtime stops.
    """

    configure: Callable[[str, dict[str, Any]], object] | None = None
    health_check: Callable[[], object] | None = None
    metadata: RuntimeMetadata | Callable[[], object] | None = None
    warnings: Callable[[], object] | None = None
    close: Callable[[], object] | None = None

    @classmethod
    def find(cls, provider: object) -> Hooks:
        """Find the hooks on ``provider`` by name (structurally: no base class needed)."""

        def method(name: str) -> Callable[..., object] | None:
            found = getattr(provider, name, None)
            return found if callable(found) else None

        metadata = getattr(provider, "metadata", None)
        return cls(
            configure=method("configure"),
            health_check=method("health_check"),
            metadata=metadata if isinstance(metadata, RuntimeMetadata) else method("metadata"),
            warnings=method("warnings"),
            close=method("close"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedProvider:
    """A provider object ready to serve, as a surface prepared it.

    Attributes:
        provider: The user's provider object.
        hooks: Its lifecycle hooks.
        register: Adds the surface's servicers to the server; core adds ``ProviderLifecycle``.
        write_catalog: Catalog export (integration only); ``None`` when the kind has none.
    """

    provider: object
    hooks: Hooks
    register: Callable[[grpc.aio.Server, Runtime], None]
    write_catalog: Callable[[Path], None] | None = None


class Surface(Protocol):
    """What ``gestalt.<kind>._surface.surface`` must be."""

    @property
    def kind(self) -> ProviderKind:
        """The kind this surface serves."""
        ...

    def load(self, target: object) -> LoadedProvider:
        """Check TARGET's object and prepare it, or raise :class:`TargetError`."""
        ...


def resolve_target(target: object, accepts: Callable[[object], bool], *, expected: str) -> object:
    """The provider a TARGET object names: the object itself, or what a class/factory makes.

    Args:
        target: The object TARGET resolved to.
        accepts: Whether an object is a provider of the wanted kind.
        expected: Words for the wanted kind, used in the error message.

    Raises:
        TargetError: Neither the object nor what it makes is accepted.
    """
    if accepts(target):
        return target
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


def _describe(value: object) -> str:
    if inspect.isclass(value):
        return f"class {value.__module__}.{value.__qualname__}"
    if inspect.isroutine(value):
        return f"function {getattr(value, '__qualname__', value)!s}"
    return f"a {type(value).__module__}.{type(value).__qualname__} object"
