"""The top-level scalar fields of a provider manifest, read the way gestaltd finds it.

gestaltd looks for ``manifest.json``, ``manifest.yaml``, ``manifest.yml`` in that order.
The SDK needs only top-level strings (``kind``, ``source``, ``display_name``), so YAML is
read with a line scanner and no YAML library is a dependency.
"""

from __future__ import annotations

import os
import re

MANIFEST_NAMES = ("manifest.json", "manifest.yaml", "manifest.yml")
_TOP_LEVEL = re.compile(r"^([A-Za-z_]+):\s*(.*?)\s*$")  # unindented lines only


def manifest_path(root: str) -> str | None:
    """The manifest gestaltd would read in ``root``, or ``None``."""
    for name in MANIFEST_NAMES:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            return path
    return None


def manifest_fields(path: str) -> dict[str, str]:
    """The top-level string fields of the manifest file at ``path`` (``{}`` if unreadable)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return {}
    return _json_fields(text) if path.lower().endswith(".json") else _yaml_fields(text)


def _json_fields(text: str) -> dict[str, str]:
    import json  # a JSON manifest only: the runtime's start reads YAML ones without it

    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _yaml_fields(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _TOP_LEVEL.match(line)
        if not match or match.group(1) in found:
            continue
        value = match.group(2)
        if not value or value.startswith("#"):
            continue
        value = value.split(" #", 1)[0].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        found[match.group(1)] = value
    return found
