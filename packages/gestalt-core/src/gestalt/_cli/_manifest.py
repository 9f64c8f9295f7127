"""The two fields ``gestalt build`` reads from a provider manifest: ``kind`` and ``source``.

gestaltd looks for ``manifest.json``, ``manifest.yaml``, ``manifest.yml`` in that order. Only
top-level scalar fields are needed, so YAML is read with a line scanner (no PyYAML).
"""

from __future__ import annotations

import json
import os
import re

MANIFEST_NAMES = ("manifest.json", "manifest.yaml", "manifest.yml")
# The manifest's kind word -> the runtime's KIND (plugin is the integration kind).
RUNTIME_KINDS = {
    "plugin": "integration",
    "auth": "auth",
    "cache": "cache",
    "secrets": "secrets",
    "s3": "s3",
}
_TOP_LEVEL = re.compile(r"^([A-Za-z]+):\s*(.*?)\s*$")


def manifest_fields(root: str) -> dict[str, str]:
    """``kind`` and ``source`` of ROOT's manifest, where present and plain strings."""
    for name in MANIFEST_NAMES:
        path = os.path.join(root, name)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            continue
        fields = _json_fields(text) if name.endswith(".json") else _yaml_fields(text)
        return {key: fields[key] for key in ("kind", "source") if key in fields}
    return {}


def _json_fields(text: str) -> dict[str, str]:
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
        if match and match.group(2) and not match.group(2).startswith("#"):
            value = match.group(2).split(" #", 1)[0].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            found[match.group(1)] = value
    return found
