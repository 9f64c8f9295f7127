"""Upstream's 'from gestalt import operation' form, which this SDK's namespace cannot serve."""

from gestalt import operation  # type: ignore[attr-defined]

__all__ = ["operation"]
