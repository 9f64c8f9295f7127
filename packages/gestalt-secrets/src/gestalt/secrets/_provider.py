"""The secrets provider interface and its not-found error."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from gestalt.core import NotFoundError
from gestalt.core.serving import bounded


class SecretNotFound(NotFoundError):
    """No secret has this name (answered as ``NOT_FOUND``).

    Args:
        name: The secret's name (a reference, not a value: it may appear in the message).
    """

    def __init__(self, name: str) -> None:
        super().__init__(f"secret {bounded(name)!r} not found")
        self.name = name


class SecretsProvider:
    """Base class for a secrets provider; subclassing is optional.

    Any object with a ``get_secret(name) -> str`` method (``def`` or ``async def``) serves
    as a secrets provider. The optional hooks ``configure(name, config)``,
    ``health_check()``, ``metadata()``, ``warnings()`` and ``close()`` are found by name.
    """

    def get_secret(self, name: str) -> str | Awaitable[str]:
        """Return the value of secret ``name``; an empty string is a valid value.

        Raises:
            SecretNotFound: There is no such secret.
        """
        raise NotImplementedError("SecretsProvider subclasses implement get_secret(name)")

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Receive the instance name and config from the host (default: ignore them)."""
