"""JSON Schema for operation inputs and outputs, and the flat parameter list derived from it."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from gestalt.integration._catalog import NO_DEFAULT, CatalogParameter
from gestalt.integration._results import Response

#: The type words the host knows (PROTOCOL.md 4.5); it reads anything else as ``string``.
HOST_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})
EMPTY_INPUT_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
#: The input schema of an operation that takes the raw params as a mapping: any object.
OPEN_INPUT_SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": True}


def input_schema(model: type[BaseModel] | None) -> dict[str, Any]:
    """The input JSON Schema (an object schema; no properties for an operation without input)."""
    if model is None:
        return dict(EMPTY_INPUT_SCHEMA)
    return model.model_json_schema(mode="validation")


def output_schema(annotation: object) -> dict[str, Any] | None:
    """The JSON Schema of what a handler returns, or ``None`` when it says nothing useful.

    The schema describes the body: ``Response[T]`` counts as ``T`` wherever it appears in
    the return annotation (``Out | Response[Out]`` is ``Out``), and a ``None`` alternative
    is left out (``Out | None`` is ``Out``: a null body says nothing about the shape).
    """
    annotation = body_type(annotation)
    if annotation is None or annotation is Any:
        return None
    try:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation.model_json_schema(mode="serialization")
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)  # type: ignore[arg-type]
        return adapter.json_schema(mode="serialization")
    except Exception:  # an annotation pydantic cannot describe simply gets no schema
        return None


def body_type(annotation: object) -> object:
    """The type of the body a return annotation sends: ``Response`` and ``None`` removed.

    Returns ``Any`` when the body is unknown (a bare ``Response``) and ``None`` when the
    handler returns nothing.
    """
    if annotation is Response:
        return Any
    if typing.get_origin(annotation) is Response:
        (inner,) = typing.get_args(annotation)
        return body_type(inner)
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None if annotation is type(None) else annotation
    members: list[object] = []
    for member in typing.get_args(annotation):
        body = body_type(member)
        if body is Any:
            return Any
        if body is not None and body not in members:
            members.append(body)
    if not members:
        return None
    return typing.Union[tuple(members)]  # noqa: UP007 (built from a runtime list)


def schema_text(schema: Mapping[str, Any] | None) -> str:
    """A schema as the catalog carries it: compact JSON text, ``""`` for none."""
    return "" if schema is None else json.dumps(schema, separators=(",", ":"))


def parameters(schema: Mapping[str, Any]) -> tuple[CatalogParameter, ...]:
    """One flat parameter per top-level property, agreeing with ``schema``."""
    defs: Mapping[str, Any] = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    found = []
    for name, prop in (schema.get("properties") or {}).items():
        found.append(
            CatalogParameter(
                name=name,
                type=fold_type(prop, defs),
                description=str(prop.get("description", "")),
                required=name in required,
                default=prop.get("default", NO_DEFAULT),
            )
        )
    return tuple(found)


def fold_type(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """Fold a property schema into one of the host's type words."""
    words = _words(prop, defs, depth=0) - {"null"}
    if len(words) == 1:
        return next(iter(words))
    if words == {"integer", "number"}:
        return "number"
    # A union of unlike types has no single word; the host reads unknown words as string.
    return "string"


def _words(prop: Mapping[str, Any], defs: Mapping[str, Any], depth: int) -> set[str]:
    if depth > 16:  # recursive models: stop; the name is enough
        return {"object"}
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"))
        return _words(target, defs, depth + 1) if isinstance(target, Mapping) else {"object"}
    kind = prop.get("type")
    if isinstance(kind, str):
        return {kind if kind in HOST_TYPES or kind == "null" else "string"}
    if isinstance(kind, list):
        return {k if k in HOST_TYPES or k == "null" else "string" for k in kind}
    for key in ("anyOf", "oneOf", "allOf"):
        branches = prop.get(key)
        if isinstance(branches, list) and branches:
            words: set[str] = set()
            for branch in branches:
                if isinstance(branch, Mapping):
                    words |= _words(branch, defs, depth + 1)
            return words
    values = prop["enum"] if "enum" in prop else [prop["const"]] if "const" in prop else None
    if values:
        return {_json_word(value) for value in values}
    return {"string"}


def _json_word(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"
