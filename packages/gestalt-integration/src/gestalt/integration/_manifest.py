"""The provider name upstream derives from ``manifest.yaml``."""

from __future__ import annotations

import re
from pathlib import Path

from gestalt.core.serving import manifest_fields

_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def slug(value: str) -> str:
    """``value`` reduced to the characters upstream keeps in a plugin name."""
    return _NOT_IN_NAME.sub("-", value.strip()).strip("-") or "plugin"


def manifest_name(path: Path) -> str:
    """The plugin name for the manifest at ``path`` (a file, or a folder with ``manifest.yaml``).

    The last segment of ``source``, else ``display_name``, else the folder's name; an
    unreadable manifest gives the folder's name.
    """
    manifest = path / "manifest.yaml" if path.is_dir() else path
    fallback = manifest.parent.name or "plugin"
    fields = manifest_fields(str(manifest))
    source = fields.get("source", "").strip()
    if source:
        return slug(source.rstrip("/").rsplit("/", 1)[-1])
    return slug(fields.get("display_name", "").strip() or fallback)
