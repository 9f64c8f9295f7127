"""The provider name upstream derives from ``manifest.yaml``, read without a YAML library.

Only two top-level scalars matter (``source``, ``display_name``), so a line reader is
enough and the SDK does not depend on PyYAML for one name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_TOP_LEVEL_SCALAR = re.compile(r"(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>[^#\n]*?)\s*(#.*)?$")
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
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return slug(fallback)
    fields = _json_fields(text) if manifest.suffix.lower() == ".json" else _yaml_fields(text)
    source = fields.get("source", "").strip()
    if source:
        return slug(source.rstrip("/").rsplit("/", 1)[-1])
    return slug(fields.get("display_name", "").strip() or fallback)


def _yaml_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _TOP_LEVEL_SCALAR.match(line)  # unindented lines only: top-level keys
        if match and match["key"] not in fields:
            fields[match["key"]] = match["value"].strip("'\"")
    return fields


def _json_fields(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if isinstance(value, str)}
