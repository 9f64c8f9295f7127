"""The ``greet`` operation written by hand, as the floor for ``Execute``.

A hand-written servicer reads the host's ``params`` Struct in place (no dict, no JSON
text in between), checks each field's kind the way the SDK's strict validation does for
this input (``name: str`` required; ``greeting: str``, ``excited: bool``,
``tags: list[str]`` and ``weight: float`` with defaults), and encodes the result with the
cheapest correct JSON encoder at hand, ``pydantic_core.to_json`` (about 0.3 µs for this
body against 0.6 µs for hand-concatenated ``json.encoder.encode_basestring`` pieces and
1.7 µs for ``json.dumps``). A bad field gives the SDK's answer: status 400 and a body
that names every failing field by its path. Shared by raw_aio.py and raw_sync.py.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic_core
from google.protobuf import struct_pb2

# What strict validation says for each failure this input can have (pydantic's wording).
_MESSAGES = {
    "missing": "Field required",
    "string_type": "Input should be a valid string",
    "bool_type": "Input should be a valid boolean",
    "list_type": "Input should be a valid array",
    "float_type": "Input should be a valid number",
}
_KIND_ERRORS = {
    "string_value": "string_type",
    "bool_value": "bool_type",
    "list_value": "list_type",
    "number_value": "float_type",
}

Failure = tuple[list[str | int], str]

# to_json's first call sets up ~5 ms of state when nothing else in the process used
# pydantic_core yet; a careful server pays that at start-up, not on its first Execute.
pydantic_core.to_json({"warm": [1.0, True, "up"]})


def greet(params: struct_pb2.Struct | None) -> tuple[int, str]:
    """Answer one ``greet`` Execute.

    Args:
        params: The request's params, or ``None`` when the host sent none.

    Returns:
        The HTTP status and JSON body of the operation result.
    """
    if params is None:
        return 400, _invalid([(["name"], "missing")])
    fields = params.fields
    name = fields.get("name")  # one map lookup per field: each is a C call
    greeting = fields.get("greeting")
    excited = fields.get("excited")
    tags = fields.get("tags")
    weight = fields.get("weight")
    failures: list[Failure] = []
    if name is None:
        failures.append((["name"], "missing"))
    _check(failures, "name", name, "string_value")
    _check(failures, "greeting", greeting, "string_value")
    _check(failures, "excited", excited, "bool_value")
    words: list[str] = []
    if _check(failures, "tags", tags, "list_value") and tags is not None:
        for index, item in enumerate(tags.list_value.values):
            if item.WhichOneof("kind") != "string_value":
                failures.append((["tags", index], "string_type"))
            words.append(item.string_value)
    _check(failures, "weight", weight, "number_value")
    if failures:
        return 400, _invalid(failures)
    assert name is not None
    end = "!" if excited is not None and excited.bool_value else "."
    out = {
        "message": f"{greeting.string_value if greeting is not None else 'hello'}, "
        f"{name.string_value}{end}",
        "tags": words,
        "weight": weight.number_value if weight is not None else 1.0,
    }
    return 200, pydantic_core.to_json(out, inf_nan_mode="null").decode()


def _check(failures: list[Failure], key: str, value: struct_pb2.Value | None, kind: str) -> bool:
    """Whether ``value`` is present and of ``kind``; records a failure if it is of another."""
    if value is None:
        return False
    if value.WhichOneof("kind") != kind:
        failures.append(([key], _KIND_ERRORS[kind]))
        return False
    return True


def _invalid(failures: list[Failure]) -> str:
    details: list[dict[str, Any]] = [
        {
            "path": ".".join(str(part) for part in loc),
            "loc": loc,
            "type": kind,
            "msg": _MESSAGES[kind],
        }
        for loc, kind in failures
    ]
    summary = "; ".join(f"{d['path']}: {d['msg']}" for d in details)
    return json.dumps({"error": f"invalid params: {summary}", "details": details})
