"""The host's checks on a catalog (HOST.md 7.3 and 7.4), for the emulator to assert."""

from __future__ import annotations

import json
import re
from typing import Any

TOP_LEVEL_KEYS = frozenset(
    {
        "name",
        "displayName",
        "description",
        "iconSvg",
        "baseUrl",
        "authStyle",
        "headers",
        "operations",
    }
)
OPERATION_KEYS = frozenset(
    {
        "id", "providerId", "method", "path", "title", "description", "inputSchema",
        "outputSchema", "annotations", "allowedRoles", "parameters", "requiredScopes", "tags",
        "readOnly", "visible", "transport", "query",
    }
)  # fmt: skip
ANNOTATION_KEYS = frozenset({"readOnlyHint", "idempotentHint", "destructiveHint", "openWorldHint"})
PARAMETER_KEYS = frozenset(
    {"name", "wireName", "type", "location", "description", "required", "default"}
)
_SEGMENT = r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"
OPERATION_ID = re.compile(rf"^{_SEGMENT}(\.{_SEGMENT})*$")


def parse_catalog_text(text: str) -> dict[str, Any]:
    """Parse a catalog file as the host does (YAML; JSON text is valid YAML)."""
    try:
        data = json.loads(text)
    except ValueError:
        try:
            import yaml
        except ImportError as error:  # pragma: no cover - the dev environment has PyYAML
            raise ValueError(
                "catalog is not JSON and PyYAML is not installed to read YAML"
            ) from error
        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog must be a mapping, got {type(data).__name__}")
    return data


def catalog_problems(data: dict[str, Any], *, default_name: str = "") -> list[str]:
    """Every way ``data`` breaks the host's rules; empty when the host would accept it.

    Unknown operation keys are reported too: the real host drops them silently, which is
    how snake_case keys (``read_only``, ``input_schema``) lose settings.
    """
    problems = [f"unknown top-level key {key!r}" for key in data if key not in TOP_LEVEL_KEYS]
    if not str(data.get("name") or default_name).strip():
        problems.append("catalog name is empty")
    operations = data.get("operations") or []
    if not isinstance(operations, list) or not operations:
        problems.append("catalog declares no operation")
        return problems
    seen: set[str] = set()
    for index, op in enumerate(operations):
        where = f"operations[{index}]"
        if not isinstance(op, dict):
            problems.append(f"{where} is not a mapping")
            continue
        problems += [
            f"{where}: key {key!r} is not one the host reads"
            for key in op
            if key not in OPERATION_KEYS
        ]
        op_id = str(op.get("id", ""))
        if not OPERATION_ID.match(op_id):
            problems.append(f"{where}: invalid operation id {op_id!r}")
        elif op_id in seen:
            problems.append(f"{where}: duplicate operation id {op_id!r}")
        seen.add(op_id)
        annotations = op.get("annotations") or {}
        problems += [
            f"{where}.annotations: unknown key {key!r}"
            for key in annotations
            if key not in ANNOTATION_KEYS
        ]
        for p_index, param in enumerate(op.get("parameters") or []):
            p_where = f"{where}.parameters[{p_index}]"
            problems += [
                f"{p_where}: unknown key {key!r}" for key in param if key not in PARAMETER_KEYS
            ]
            if not str(param.get("name", "")).strip():
                problems.append(f"{p_where}: empty name")
            if not str(param.get("type", "")).strip():
                problems.append(f"{p_where}: empty type")
        for role in op.get("allowedRoles") or []:
            if not str(role).strip():
                problems.append(f"{where}: blank allowed role")
    return problems
