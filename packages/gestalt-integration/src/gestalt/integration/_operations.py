"""Turning a handler function into an operation: its id, call shape, validator and catalog entry.

The checks run once, when the decorator is applied; ``Execute`` only uses the result.
Serving never reads the catalog entry (the host gets it from the catalog export), so the
parts of it that cannot fail a declaration (the output schema, the schema texts, the
flat parameters) are built on first use. The input schema is built at declaration: its
generation is what rejects a model JSON Schema cannot describe, and that must fail there.

The options a decorator takes are declared once, in :class:`OperationOptions`; each is
either passed to the catalog entry by name or checked by :func:`_catalog_fields`. A new
catalog field is one line here, one in ``CatalogOperation`` and one in its wire form.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import typing
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any, TypedDict

import pydantic

from gestalt.integration._catalog import CatalogOperation, OperationAnnotations
from gestalt.integration._context import Request
from gestalt.integration._schema import (
    OPEN_INPUT_SCHEMA,
    input_schema,
    output_schema,
    parameters,
    schema_text,
)

_SEGMENT = r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"
#: The host's operation id rule (PROTOCOL.md 4.5): ``.``-separated segments.
OPERATION_ID = re.compile(rf"{_SEGMENT}(\.{_SEGMENT})*")
_METHOD = re.compile(r"[A-Z]+")


class OperationOptions(TypedDict, total=False):
    """The keywords of ``@plugin.operation(...)``; every one is optional.

    Attributes:
        id: Operation id; defaults to the function's name.
        method: HTTP-style verb, default ``POST``.
        title: Human title (MCP tool title).
        description: Human text; defaults to the docstring.
        allowed_roles: Roles allowed under a role-based policy.
        tags: Free-form tags.
        required_scopes: Scopes the operation needs.
        read_only: Marks the operation read-only (and sets ``read_only_hint``).
        visible: ``False`` hides it from MCP; ``None`` leaves it visible.
        annotations: Explicit MCP hints (override what ``read_only`` implies).
    """

    id: str | None
    method: str
    title: str
    description: str
    allowed_roles: Sequence[str] | None
    tags: Sequence[str] | None
    required_scopes: Sequence[str] | None
    read_only: bool
    visible: bool | None
    annotations: OperationAnnotations | None


_OPTION_NAMES = frozenset(OperationOptions.__annotations__)


def check_id(op_id: str) -> str:
    """Return ``op_id`` if the host accepts it.

    Raises:
        ValueError: It breaks the id rule; the message names it.
    """
    if not OPERATION_ID.fullmatch(op_id):
        raise ValueError(
            f"invalid operation id {op_id!r}: use one or more '.'-separated segments of "
            "letters, digits, '_' and inner '-' (e.g. 'issues.list')"
        )
    return op_id


@dataclasses.dataclass(frozen=True, slots=True)
class Operation:
    """A declared operation.

    Attributes:
        id: The operation id.
        handler: The author's function.
        input_model: The pydantic model its params validate into, or ``None``.
        input_name: The handler parameter that receives the input: the validated model,
            or the params as a ``dict`` when ``input_model`` is ``None``.
        request_name: The handler parameter that receives the :class:`Request`.
        entry: Builds the catalog entry (once; see :attr:`catalog`).
    """

    id: str
    handler: Callable[..., Any]
    input_model: type[pydantic.BaseModel] | None
    input_name: str | None
    request_name: str | None
    entry: Callable[[], CatalogOperation]

    @property
    def catalog(self) -> CatalogOperation:
        """The operation's catalog entry, built on first use."""
        return self.entry()


@dataclasses.dataclass(frozen=True, slots=True)
class _CallShape:
    """Which handler parameter receives what, found from the annotations."""

    input_model: type[pydantic.BaseModel] | None
    input_name: str | None
    request_name: str | None
    returned: object


def _is_model(hint: object) -> typing.TypeGuard[type[pydantic.BaseModel]]:
    return isinstance(hint, type) and issubclass(hint, pydantic.BaseModel)


def _is_params_mapping(hint: object) -> bool:
    """Whether ``hint`` asks for the raw params: ``dict``/``Mapping``, bare or ``[str, Any]``."""
    origin = typing.get_origin(hint) or hint
    if origin not in (dict, Mapping, MutableMapping):
        return False
    return typing.get_args(hint) in ((), (str, Any))


def build_operation(func: Callable[..., Any], options: OperationOptions) -> Operation:
    """Inspect ``func`` once and describe it as an operation.

    Raises:
        ValueError: Invalid id, method or role.
        TypeError: An unknown option, or a handler signature the SDK cannot call (the
            message says why).
    """
    unknown = sorted(set(options) - _OPTION_NAMES)
    if unknown:
        raise TypeError(f"unknown operation option(s): {', '.join(unknown)}")
    given_id = options.get("id")
    op_id = check_id(getattr(func, "__name__", "") if given_id is None else given_id)
    where = f"operation {op_id!r} ({getattr(func, '__qualname__', func)!r})"
    shape = _call_shape(func, where)
    in_schema = (
        dict(OPEN_INPUT_SCHEMA)
        if shape.input_model is None and shape.input_name is not None
        else _input_schema(shape.input_model, where)
    )
    fields = _catalog_fields(op_id, func, options)

    @functools.cache
    def entry() -> CatalogOperation:
        # An output schema pydantic cannot write is left out, never an error: it can wait.
        return CatalogOperation(
            **fields,
            input_schema=schema_text(in_schema),
            output_schema=schema_text(output_schema(shape.returned)),
            parameters=parameters(in_schema),
        )

    return Operation(op_id, func, shape.input_model, shape.input_name, shape.request_name, entry)


def _catalog_fields(
    op_id: str, func: Callable[..., Any], options: OperationOptions
) -> dict[str, Any]:
    """The catalog entry's fields that come from the options.

    An option the catalog takes as given (``title``, ``read_only``, ``visible``) is passed
    through by name, and ``CatalogOperation``'s own default stands for one left out; the
    rest are checked or filled in here.
    """
    method = options.get("method", "POST")
    verb = method.upper()
    if not _METHOD.fullmatch(verb):
        raise ValueError(f"operation {op_id!r}: method {method!r} is not an HTTP verb")
    annotations = options.get("annotations")
    if options.get("read_only") and annotations is None:
        annotations = OperationAnnotations(read_only_hint=True)
    return {
        **options,
        "id": op_id,
        "method": verb,
        "description": options.get("description") or inspect.cleandoc(func.__doc__ or ""),
        "annotations": annotations,
        "required_scopes": _strings(options.get("required_scopes"), "required_scopes", op_id),
        "tags": _strings(options.get("tags"), "tags", op_id),
        "allowed_roles": _roles(options.get("allowed_roles"), op_id),
    }


def _roles(allowed_roles: Iterable[str] | None, op_id: str) -> tuple[str, ...]:
    roles: dict[str, None] = {}
    for role in allowed_roles or ():
        if not role.strip():
            raise ValueError(f"operation {op_id!r}: allowed role {role!r} is blank")
        roles[role.strip()] = None
    return tuple(roles)


def _strings(values: Iterable[str] | None, what: str, op_id: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"operation {op_id!r}: {what} must be a list of strings, not a string")
    return tuple(values or ())


def _call_shape(func: Callable[..., Any], where: str) -> _CallShape:
    """Find the input and :class:`Request` parameters of ``func`` by their annotations."""
    try:
        hints = typing.get_type_hints(func)
    except Exception as error:
        raise TypeError(f"{where}: cannot resolve its annotations: {error}") from error
    input_model: type[pydantic.BaseModel] | None = None
    input_name = request_name = None
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"{where}: *args and **kwargs are not supported")
        hint = hints.get(param.name)
        if isinstance(hint, type) and issubclass(hint, Request):
            if request_name is not None:
                raise TypeError(f"{where}: more than one Request parameter")
            request_name = param.name
        elif _is_model(hint) or _is_params_mapping(hint):
            if input_name is not None:
                raise TypeError(f"{where}: more than one input ({input_name}, {param.name})")
            input_name = param.name
            input_model = hint if _is_model(hint) else None
        elif param.default is param.empty:
            raise TypeError(
                f"{where}: parameter {param.name!r} must be annotated with a pydantic model "
                "or dict[str, Any] (the input), or Request (the call's context)"
            )
    return _CallShape(input_model, input_name, request_name, hints.get("return"))


def _input_schema(model: type[pydantic.BaseModel] | None, where: str) -> dict[str, Any]:
    if model is None:
        return input_schema(None)
    try:
        model.model_rebuild(raise_errors=True)
        return input_schema(model)
    except Exception as error:
        raise TypeError(f"{where}: input model {model.__name__}: {error}") from error
