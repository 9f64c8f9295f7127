"""gestalt.secrets' public names and what importing it pulls in."""

from __future__ import annotations

import subprocess
import sys

import gestalt.secrets


def test_all_is_sorted_and_complete() -> None:
    public = {name for name in vars(gestalt.secrets) if not name.startswith("_")}
    public.add("__version__")
    assert sorted(gestalt.secrets.__all__) == gestalt.secrets.__all__
    assert set(gestalt.secrets.__all__) == public


def test_import_pulls_neither_pydantic_nor_boto3() -> None:
    code = (
        "import sys, gestalt.secrets, gestalt.secrets._surface\n"
        "bad = [m for m in ('pydantic', 'boto3', 'gestalt.auth', 'gestalt.integration',"
        " 'importlib.metadata') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
