"""The reference build's docstring check (scripts/mkdocs_hooks.py) on a package made here."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import griffe

REPO = Path(__file__).resolve().parent.parent


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mkdocs_hooks", REPO / "scripts" / "mkdocs_hooks.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_undocumented_public_names_are_found_through_reexports(tmp_path: Path) -> None:
    package = tmp_path / "gestalt" / "probe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""A probe package."""\n'
        "from gestalt.probe._impl import Documented, Undocumented, bare, helper\n"
        '__all__ = ["Documented", "Undocumented", "bare"]\n'
    )
    (package / "_impl.py").write_text(
        "class Base:\n"
        '    """Base."""\n'
        "    def run(self):\n"
        '        """Run."""\n'
        "class Documented(Base):\n"
        '    """Documented."""\n'
        "    def run(self): ...\n"  # inherits Base.run's docstring
        "    def stop(self): ...\n"
        "    def _private(self): ...\n"
        "class Undocumented:\n"
        "    pass\n"
        "def bare(): ...\n"
        "def helper(): ...\n"  # not exported
    )
    loader = griffe.GriffeLoader(search_paths=[str(tmp_path)])
    loader.load("gestalt.probe")
    loader.resolve_aliases(implicit=True, external=False)
    module = loader.modules_collection.get_member("gestalt.probe")
    assert isinstance(module, griffe.Module)
    assert sorted(_hooks().missing_docstrings(module)) == [
        "gestalt.probe.Documented.stop",
        "gestalt.probe.Undocumented",
        "gestalt.probe.bare",
    ]
