"""What ``gestalt build`` reads from a provider manifest: its ``kind`` and ``source``."""

from __future__ import annotations

from gestalt.core._manifest import manifest_fields as _fields
from gestalt.core._manifest import manifest_path

# The manifest's kind word -> the runtime's KIND (plugin is the integration kind).
RUNTIME_KINDS = {
    "plugin": "integration",
    "auth": "auth",
    "cache": "cache",
    "secrets": "secrets",
    "s3": "s3",
}


def manifest_fields(root: str) -> dict[str, str]:
    """``kind`` and ``source`` of ROOT's manifest, where present and plain strings."""
    path = manifest_path(root)
    fields = _fields(path) if path else {}
    return {key: fields[key] for key in ("kind", "source") if key in fields}
