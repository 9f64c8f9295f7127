"""The ``greet`` operation on pydantic without an SDK: the start-up floor for integrations.

Declares the same input model as the SDK's benchmark provider (bench/ours/
bench_integration.py: five fields with descriptions), so importing this module costs what
``import pydantic`` plus that model cost a provider that uses pydantic directly. Per call
it does what such a provider would: the Struct into a dict, strict validation into the
model, ``pydantic_core.to_json`` for the body, and the SDK's 400 body (every failing field
by its path) for bad params. Shared by raw_aio.py and raw_sync.py (``pydantic`` option).
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pydantic_core
from google.protobuf import struct_pb2


class GreetIn(pydantic.BaseModel):
    """The input of ``greet``, field for field as the SDK's benchmark provider declares it."""

    name: str = pydantic.Field(description="Who to greet")
    greeting: str = pydantic.Field("hello", description="Greeting word")
    excited: bool = pydantic.Field(False, description="End with '!'")
    tags: list[str] = pydantic.Field(default_factory=list, description="Echoed back")
    weight: float = pydantic.Field(1.0, description="Echoed back")


def _value(item: struct_pb2.Value) -> Any:
    kind = item.WhichOneof("kind")
    if kind == "string_value":
        return item.string_value
    if kind == "number_value":
        return item.number_value
    if kind == "bool_value":
        return item.bool_value
    if kind == "list_value":
        return [_value(inner) for inner in item.list_value.values]
    if kind == "struct_value":
        return {key: _value(inner) for key, inner in item.struct_value.fields.items()}
    return None


def greet(params: struct_pb2.Struct | None) -> tuple[int, str]:
    """Answer one ``greet`` Execute.

    Args:
        params: The request's params, or ``None`` when the host sent none.

    Returns:
        The HTTP status and JSON body of the operation result.
    """
    raw = {key: _value(item) for key, item in params.fields.items()} if params is not None else {}
    try:
        given = GreetIn.model_validate(raw, strict=True)
    except pydantic.ValidationError as error:
        details = [
            {"path": ".".join(map(str, e["loc"])), "loc": list(e["loc"]), "msg": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{d['path']}: {d['msg']}" for d in details)
        return 400, json.dumps({"error": f"invalid params: {summary}", "details": details})
    out = {
        "message": f"{given.greeting}, {given.name}{'!' if given.excited else '.'}",
        "tags": given.tags,
        "weight": given.weight,
    }
    return 200, pydantic_core.to_json(out, inf_nan_mode="null").decode()
