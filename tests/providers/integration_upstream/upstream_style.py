"""Upstream's module-level form: no Plugin object, no manifest, hooks by decorator and by name."""

from __future__ import annotations

from typing import Any

from gestalt import integration as gestalt


@gestalt.operation(method="GET", read_only=True)
def echo(params: dict[str, Any], request: gestalt.Request) -> dict[str, Any]:
    return {"params": params, "types": {k: type(v).__name__ for k, v in params.items()}}


@gestalt.session_catalog
def catalog() -> dict[str, Any]:
    return {"name": "session", "operations": [{"id": "only_for_you"}]}


def post_connect() -> dict[str, str]:
    """Upstream's undecorated hook, without the token argument."""
    return {"connected": "yes"}
