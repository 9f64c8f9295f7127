"""What ``gestalt build`` and ``gestalt run`` read from a provider manifest: kind and source."""

from __future__ import annotations

from gestalt.core._manifest import manifest_fields as _fields
from gestalt.core._manifest import manifest_path

# The manifest's kind word -> the runtime's KIND, for both generations of manifest:
# protocol 2 calls an integration `plugin`, protocol 5 calls it `app` and auth `identity`.
RUNTIME_KINDS = {
    "plugin": "integration",
    "app": "integration",
    "auth": "auth",
    "identity": "auth",
    "cache": "cache",
    "secrets": "secrets",
    "s3": "s3",
}


def manifest_fields(root: str) -> dict[str, str]:
    """``kind`` and ``source`` of ROOT's manifest, where present and plain strings."""
    path = manifest_path(root)
    fields = _fields(path) if path else {}
    return {key: fields[key] for key in ("kind", "source") if key in fields}
