"""Package attributes imported on first use, so that serving a kind loads only its path.

The runtime imports ``gestalt.<kind>._surface``, which first imports the package
``gestalt.<kind>``. If that package imported its clients and ready providers eagerly, every
start would pay for code it never runs (a few ms per kind, measured in ``bench/``). A
surface's ``__init__`` therefore names where each public attribute lives and lets
:func:`lazy_attributes` import it on first access, the way pydantic's package does; the real
imports sit under ``TYPE_CHECKING`` for type checkers.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_attributes(
    package: str, origins: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` for ``package``.

    Args:
        package: The package's ``__name__``.
        origins: Attribute name -> the submodule that defines it, relative (``"._client"``).

    Returns:
        ``(__getattr__, __dir__)``; an attribute, once imported, is set on the package so
        later lookups are plain attribute reads.
    """

    def __getattr__(name: str) -> object:
        origin = origins.get(name)
        if origin is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origin, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(origins))

    return __getattr__, __dir__
