"""gestalt.auth's public names and what importing it pulls in."""

from __future__ import annotations

import subprocess
import sys

import gestalt.auth

# what a lazily importing __init__ itself binds, besides the public names
LAZY_MACHINERY = {"TYPE_CHECKING", "lazy_attributes"}


def test_all_is_sorted_and_complete() -> None:
    for name in gestalt.auth.__all__:
        getattr(gestalt.auth, name)  # every listed name resolves (most are imported lazily)
    public = {name for name in vars(gestalt.auth) if not name.startswith("_")} - LAZY_MACHINERY
    public.add("__version__")
    assert sorted(gestalt.auth.__all__) == gestalt.auth.__all__
    assert set(gestalt.auth.__all__) == public


def test_import_pulls_neither_pydantic_nor_boto3() -> None:
    code = (
        "import sys, gestalt.auth, gestalt.auth._surface\n"
        "bad = [m for m in ('pydantic', 'boto3', 'gestalt.secrets', 'gestalt.integration',"
        " 'importlib.metadata') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_invalid_token_hides_reason() -> None:
    error = gestalt.auth.InvalidToken("rejected tok-123")
    assert error.message == "token not recognized"
    assert error.grpc_code.name == "NOT_FOUND"
    assert "tok-123" not in str(error)
