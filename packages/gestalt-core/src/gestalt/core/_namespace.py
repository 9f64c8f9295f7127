"""Refuse to run when upstream's single-package SDK hides the ``gestalt`` namespace."""

from __future__ import annotations

import sys


class NamespaceShadowedError(ImportError):
    """A regular ``gestalt`` package (upstream ``gestalt-sdk``) is installed beside ours."""


def check_namespace() -> None:
    """Raise :class:`NamespaceShadowedError` when ``gestalt`` is a regular package.

    Upstream's ``gestalt-sdk`` ships ``gestalt/__init__.py`` and the same wire files; with
    it installed, our generated modules would die in protobuf with a long "duplicate file
    name" traceback. One line that names the fix is kinder.
    """
    package = sys.modules.get("gestalt")
    shadow = getattr(package, "__file__", None)
    if shadow is not None:
        raise NamespaceShadowedError(
            f"'gestalt' resolves to the regular package {shadow} (upstream gestalt-sdk), "
            "which hides the gestalt namespace of gestalt-core: run "
            "'pip uninstall gestalt-sdk', and never name a provider package 'gestalt'",
            name="gestalt",
        )
