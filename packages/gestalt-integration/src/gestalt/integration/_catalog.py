"""Catalog types, their wire form, and the static catalog file the host reads."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from gestalt.core.serving import python_to_value


class _Unset(enum.Enum):
    UNSET = "unset"


#: Marks a parameter without a default (``None`` is a real default: JSON ``null``).
NO_DEFAULT = _Unset.UNSET

JSONSchema = str | Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class OperationAnnotations:
    """MCP hints for an operation; ``None`` means unknown (the host derives it from the method)."""

    read_only_hint: bool | None = None
    idempotent_hint: bool | None = None
    destructive_hint: bool | None = None
    open_world_hint: bool | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CatalogParameter:
    """One top-level input of an operation.

    Attributes:
        name: The input's name.
        type: ``string``, ``integer``, ``number``, ``boolean``, ``array`` or ``object``.
        description: Human text.
        required: Whether the caller must give it.
        default: A JSON value, or ``NO_DEFAULT``.
    """

    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    default: Any = NO_DEFAULT


@dataclasses.dataclass(frozen=True, slots=True)
class CatalogOperation:
    """One operation of a catalog (PROTOCOL.md 4.5).

    ``input_schema``/``output_schema`` are JSON Schema documents, as a string or a mapping;
    an empty string means none.
    """

    id: str
    method: str = "POST"
    title: str = ""
    description: str = ""
    input_schema: JSONSchema = ""
    output_schema: JSONSchema = ""
    annotations: OperationAnnotations | None = None
    parameters: Sequence[CatalogParameter] = ()
    required_scopes: Sequence[str] = ()
    tags: Sequence[str] = ()
    read_only: bool = False
    visible: bool | None = None
    transport: str = ""
    allowed_roles: Sequence[str] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Catalog:
    """A provider's operations: the static catalog, or a session catalog for one caller."""

    name: str
    operations: Sequence[CatalogOperation] = ()
    display_name: str = ""
    description: str = ""
    icon_svg: str = ""


def _schema_text(schema: JSONSchema) -> str:
    if isinstance(schema, str):
        return schema
    return json.dumps(schema, separators=(",", ":"))


# The catalog messages have the same fields on both protocols but are distinct classes:
# ``messages`` is the served protocol's ``plugin_pb2`` (2) or ``app_pb2`` (5) module.


def _annotations_proto(hints: OperationAnnotations, messages: ModuleType) -> Any:
    message = messages.OperationAnnotations()
    for name in ("read_only_hint", "idempotent_hint", "destructive_hint", "open_world_hint"):
        value = getattr(hints, name)
        if value is not None:
            setattr(message, name, value)
    return message


def operation_to_proto(op: CatalogOperation, messages: ModuleType) -> Any:
    """The wire form of one operation, as a ``messages.CatalogOperation``."""
    message = messages.CatalogOperation(
        id=op.id,
        method=op.method,
        title=op.title,
        description=op.description,
        input_schema=_schema_text(op.input_schema),
        output_schema=_schema_text(op.output_schema),
        required_scopes=list(op.required_scopes),
        tags=list(op.tags),
        read_only=op.read_only,
        transport=op.transport,
        allowed_roles=list(op.allowed_roles),
    )
    if op.annotations is not None:
        message.annotations.CopyFrom(_annotations_proto(op.annotations, messages))
    if op.visible is not None:
        message.visible = op.visible
    for param in op.parameters:
        item = message.parameters.add(
            name=param.name, type=param.type, description=param.description, required=param.required
        )
        if param.default is not NO_DEFAULT:
            item.default.CopyFrom(python_to_value(param.default))
    return message


def catalog_to_proto(catalog: Catalog | Mapping[str, Any], messages: ModuleType) -> Any:
    """The wire form (a ``messages.Catalog``) of a catalog given as a :class:`Catalog` or a
    mapping.

    A mapping may use the JSON names (``displayName``) or the field names
    (``display_name``), and schemas as strings or objects.

    Raises:
        TypeError: ``catalog`` is neither.
        ValueError: The mapping does not describe a catalog.
    """
    if isinstance(catalog, Catalog):
        return messages.Catalog(
            name=catalog.name,
            display_name=catalog.display_name,
            description=catalog.description,
            icon_svg=catalog.icon_svg,
            operations=[operation_to_proto(op, messages) for op in catalog.operations],
        )
    if not isinstance(catalog, Mapping):
        raise TypeError(f"expected a Catalog or a mapping, got {type(catalog).__name__}")
    # json_format only where a catalog is built from data: not on the serving path.
    from google.protobuf import json_format

    data = dict(catalog)
    operations = []
    for op in data.get("operations") or ():
        if isinstance(op, CatalogOperation):
            operations.append(json_format.MessageToDict(operation_to_proto(op, messages)))
            continue
        if not isinstance(op, Mapping):
            raise ValueError(f"an operation must be a mapping, got {type(op).__name__}")
        op = dict(op)
        for key in ("inputSchema", "input_schema", "outputSchema", "output_schema"):
            if key in op and not isinstance(op[key], str):
                op[key] = _schema_text(op[key])
        operations.append(op)
    data["operations"] = operations
    try:
        return json_format.ParseDict(data, messages.Catalog())
    except json_format.ParseError as error:
        raise ValueError(str(error)) from None


def catalog_file_data(message: Any) -> dict[str, Any]:
    """The static catalog file's content: protobuf JSON names, schemas as objects (HOST.md 7.3)."""
    # Only the catalog export needs json_format: keep it off the serving path's start-up.
    from google.protobuf import json_format

    data = json_format.MessageToDict(message)
    for op in data.get("operations", ()):
        for key in ("inputSchema", "outputSchema"):
            if op.get(key):
                op[key] = json.loads(op[key])
    return data


def write_catalog_file(message: Any, path: Path) -> None:
    """Write the static catalog to ``path`` as JSON (also valid YAML), making parent dirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(catalog_file_data(message), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
