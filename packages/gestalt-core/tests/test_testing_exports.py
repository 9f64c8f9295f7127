"""``gestalt.core.testing`` exports exactly its public names, each documented."""

from __future__ import annotations

import inspect
import types

import gestalt.core.testing as testing


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(testing).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert testing.__all__ == sorted(public)


def test_every_exported_name_has_a_docstring() -> None:
    undocumented = [name for name in testing.__all__ if not inspect.getdoc(getattr(testing, name))]
    assert undocumented == []
