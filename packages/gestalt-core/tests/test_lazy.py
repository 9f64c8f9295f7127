"""lazy_attributes: a package's names imported on first use, then plain attributes."""

from __future__ import annotations

import sys
import types

import pytest

from gestalt.core.serving import lazy_attributes


def test_imports_on_first_use_and_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    package = types.ModuleType("lazypkg")
    package.__path__ = []
    origin = types.ModuleType("lazypkg._impl")
    origin.thing = object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lazypkg", package)
    monkeypatch.setitem(sys.modules, "lazypkg._impl", origin)
    getattr_, dir_ = lazy_attributes("lazypkg", {"thing": "._impl"})
    package.__getattr__ = getattr_  # type: ignore[method-assign]
    assert "thing" in dir_()
    assert "thing" not in vars(package)
    assert package.thing is origin.thing
    assert vars(package)["thing"] is origin.thing  # set on the package once imported
    with pytest.raises(AttributeError, match="has no attribute 'other'"):
        getattr_("other")
