"""The optional lifecycle methods of a provider, found by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from gestalt.core._metadata import RuntimeMetadata


@dataclasses.dataclass(frozen=True, slots=True)
class Hooks:
    """The optional lifecycle methods of a provider; each may be ``def`` or ``async def``.

    Attributes:
        configure: ``configure(name, config)``, run on ``ConfigureProvider``/``StartProvider``.
        start: ``start()``, run once when a protocol-5 host says it is ready for the
            provider's own background work (``ProviderLifecycle.StartProvider``).
        health_check: ``health_check()``; raising or returning ``False`` means "not ready".
        metadata: A :class:`RuntimeMetadata`, or ``metadata()`` returning one.
        warnings: ``warnings()`` returning strings for the host to show.
        close: ``close()``, run once when the runtime stops.
    """

    configure: Callable[[str, dict[str, Any]], object] | None = None
    start: Callable[[], object] | None = None
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
            start=method("start"),
            health_check=method("health_check"),
            metadata=metadata if isinstance(metadata, RuntimeMetadata) else method("metadata"),
            warnings=method("warnings"),
            close=method("close"),
        )
