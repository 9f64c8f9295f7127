"""Turning a handler function into an operation: its id, call shape, validator and catalog entry.

Everything here runs once, when the decorator is applied; ``Execute`` only uses the result.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pydantic

from gestalt.integration._catalog import CatalogOperation, OperationAnnotations
from gestalt.integration._context import Request
from gestalt.integration._results import Response
from gestalt.integration._schema import input_schema, output_schema, parameters, schema_text

_SEGMENT = r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"
#: The host's operation id rule (PROTOCOL.md 4.5): ``.``-separated segments.
OPERATION_ID = re.compile(rf"{_SEGMENT}(\.{_SEGMENT})*")
_METHOD = re.compile(r"[A-Z]+")


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
        input_name: The handler parameter that receives the input.
        request_name: The handler parameter that receives the :class:`Request`.
        catalog: The operation's catalog entry.
    """

    id: str
    handler: Callable[..., Any]
    input_model: type[pydantic.BaseModel] | None
    input_name: str | None
    request_name: str | None
    catalog: CatalogOperation


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


def build_operation(
    func: Callable[..., Any],
    *,
    id: str | None,
    method: str,
    title: str,
    description: str,
    allowed_roles: Sequence[str] | None,
    tags: Sequence[str] | None,
    required_scopes: Sequence[str] | None,
    read_only: bool,
    visible: bool | None,
    annotations: OperationAnnotations | None,
) -> Operation:
    """Inspect ``func`` once and describe it as an operation.

    Raises:
        ValueError: Invalid id, method or role.
        TypeError: A handler signature the SDK cannot call (the message says why).
    """
    op_id = check_id(id if id is not None else getattr(func, "__name__", ""))
    verb = method.upper()
    if not _METHOD.fullmatch(verb):
        raise ValueError(f"operation {op_id!r}: method {method!r} is not an HTTP verb")
    where = f"operation {op_id!r} ({getattr(func, '__qualname__', func)!r})"
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
        elif isinstance(hint, type) and issubclass(hint, pydantic.BaseModel):
            if input_name is not None:
                raise TypeError(f"{where}: more than one input model ({input_name}, {param.name})")
            input_model, input_name = hint, param.name
        elif param.default is param.empty:
            raise TypeError(
                f"{where}: parameter {param.name!r} must be annotated with a pydantic model "
                "(the input) or Request (the call's context)"
            )
    if input_model is not None:
        try:
            input_model.model_rebuild(raise_errors=True)
            in_schema = input_schema(input_model)
        except Exception as error:
            raise TypeError(f"{where}: input model {input_model.__name__}: {error}") from error
    else:
        in_schema = input_schema(None)
    returned = hints.get("return")
    if typing.get_origin(returned) is Response:
        (returned,) = typing.get_args(returned)
    elif returned is Response:
        returned = None
    out_schema = output_schema(returned)
    if read_only and annotations is None:
        annotations = OperationAnnotations(read_only_hint=True)
    doc = description or inspect.cleandoc(func.__doc__ or "")
    entry = CatalogOperation(
        id=op_id,
        method=verb,
        title=title,
        description=doc,
        input_schema=schema_text(in_schema),
        output_schema=schema_text(out_schema),
        annotations=annotations,
        parameters=parameters(in_schema),
        required_scopes=_strings(required_scopes, "required_scopes", op_id),
        tags=_strings(tags, "tags", op_id),
        read_only=read_only,
        visible=visible,
        allowed_roles=_roles(allowed_roles, op_id),
    )
    return Operation(op_id, func, input_model, input_name, request_name, entry)
