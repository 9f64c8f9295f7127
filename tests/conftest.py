"""Shared fixtures for the cross-package tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROVIDERS = Path(__file__).parent / "providers"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def providers_dir() -> Path:
    """The folder of test provider directories."""
    return PROVIDERS


def _build_distributions(tmp_path_factory: pytest.TempPathFactory, form: str) -> Path:
    uv = shutil.which("uv")
    assert uv is not None, "uv builds the distributions"
    out = tmp_path_factory.mktemp(form.strip("-"))
    subprocess.run(
        [uv, "build", "--all-packages", form, "--no-sources", "--quiet", "-o", str(out)],
        cwd=REPO,
        check=True,
        timeout=600,
    )
    return out


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel per distribution, built from this checkout (packaging and compat tests)."""
    return _build_distributions(tmp_path_factory, "--wheel")


@pytest.fixture(scope="session")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sdist per distribution, built from this checkout."""
    return _build_distributions(tmp_path_factory, "--sdist")
