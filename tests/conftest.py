"""Shared fixtures for the cross-package tests."""

from __future__ import annotations

from pathlib import Path

import pytest

PROVIDERS = Path(__file__).parent / "providers"


@pytest.fixture(scope="session")
def providers_dir() -> Path:
    """The folder of test provider directories."""
    return PROVIDERS
