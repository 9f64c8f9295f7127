"""The public names of gestalt.core (provider authors) and gestalt.core.serving (surfaces)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import pytest

import gestalt.core
import gestalt.core.serving
from gestalt.core import GestaltError

# Surfaces installed in the dev workspace; each re-exports the whole core error set.
SURFACES = (
    "gestalt.auth",
    "gestalt.cache",
    "gestalt.integration",
    "gestalt.s3",
    "gestalt.secrets",
)


def _public(module: ModuleType) -> set[str]:
    names = {name for name in vars(module) if not name.startswith("_")}
    # Submodules are attributes once imported, but not names of the module's API.
    return {name for name in names if not isinstance(vars(module)[name], ModuleType)}


@pytest.mark.parametrize("module", [gestalt.core, gestalt.core.serving])
def test_all_is_complete(module: ModuleType) -> None:
    expected = _public(module) | ({"__version__"} if module is gestalt.core else set())
    expected.discard("check_namespace")  # runs at import; not part of the API
    assert len(set(module.__all__)) == len(module.__all__)  # ruff's RUF022 keeps it sorted
    assert set(module.__all__) == expected


def test_every_public_name_has_a_docstring() -> None:
    for module in (gestalt.core, gestalt.core.serving):
        for name in module.__all__:
            value = getattr(module, name)
            if getattr(value, "__module__", "").startswith("gestalt.") and callable(value):
                assert (value.__doc__ or "").strip(), f"{module.__name__}.{name}"


def test_core_is_for_authors_serving_for_surfaces() -> None:
    author = set(gestalt.core.__all__)
    assert not author & set(gestalt.core.serving.__all__)
    assert {"Runtime", "guard", "Surface", "lazy_attributes"} <= set(gestalt.core.serving.__all__)


@pytest.mark.parametrize("surface", SURFACES)
def test_surfaces_reexport_the_core_error_set(surface: str) -> None:
    module = importlib.import_module(surface)
    errors = [
        name
        for name in gestalt.core.__all__
        if isinstance(getattr(gestalt.core, name), type)
        and issubclass(getattr(gestalt.core, name), GestaltError)
    ]
    assert len(errors) == 12
    for name in errors:
        assert getattr(module, name) is getattr(gestalt.core, name), f"{surface}.{name}"


def test_upstream_package_shadowing_fails_in_one_line(tmp_path: object) -> None:
    """With upstream gestalt-sdk's regular gestalt/__init__.py in front, importing gestalt.core
    raises one ImportError that names the fix, before any wire descriptor is loaded."""
    code = (
        "import sys, types\n"
        "fake = types.ModuleType('gestalt'); fake.__file__ = '/site/gestalt/__init__.py'\n"
        "import gestalt; fake.__path__ = gestalt.__path__; sys.modules['gestalt'] = fake\n"
        "try:\n"
        "    import gestalt.core\n"
        "except ImportError as error:\n"
        "    assert error.name == 'gestalt', error.name\n"
        "    assert 'pip uninstall gestalt-sdk' in str(error), error\n"
        "    assert not any(m.endswith('_pb2') for m in sys.modules)\n"
        "    print('refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "refused", result.stderr
