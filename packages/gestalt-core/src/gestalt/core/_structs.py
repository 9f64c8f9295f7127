"""Fast conversion between ``google.protobuf.Struct``/``Value`` and plain Python values.

``json_format.MessageToDict`` is general and slow; these walk the message directly. Every
JSON number travels as a double, so an integral double (within the 2**53 range a double
holds exactly) comes back as ``int``: ``{"days": 3}`` sent by the host arrives as
``{"days": 3}``, not ``3.0``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import struct_pb2

_EXACT = 2**53


def _from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        if number.is_integer() and -_EXACT <= number <= _EXACT:
            return int(number)
        return number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return _from_fields(value.struct_value.fields)
    if kind == "list_value":
        return [_from_value(item) for item in value.list_value.values]
    return None


def _from_fields(fields: Mapping[str, struct_pb2.Value]) -> dict[str, Any]:
    # Keys, then one lookup each: the map's items() is a pure-Python view over the same
    # two steps, with a generator frame per entry on top.
    return {key: _from_value(fields[key]) for key in fields}


def struct_to_dict(message: struct_pb2.Struct | None) -> dict[str, Any]:
    """A ``Struct`` as a dict; an absent (``None``) Struct is ``{}``."""
    if message is None:
        return {}
    return _from_fields(message.fields)


def _fill(target: struct_pb2.Value, value: Any) -> None:
    if value is None:
        target.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"cannot encode {value!r}: JSON numbers must be finite")
        target.number_value = number
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, Mapping):
        fields = target.struct_value.fields
        target.struct_value.SetInParent()
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"cannot encode mapping key {key!r}: JSON object keys are strings")
            _fill(fields[key], item)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        values = target.list_value.values
        target.list_value.SetInParent()
        for item in value:
            _fill(values.add(), item)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as a JSON value")


def dict_to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """A JSON-shaped mapping as a ``Struct`` (raises ``TypeError``/``ValueError`` on others)."""
    message = struct_pb2.Struct()
    for key, item in values.items():
        if not isinstance(key, str):
            raise TypeError(f"cannot encode mapping key {key!r}: JSON object keys are strings")
        _fill(message.fields[key], item)
    return message


def python_to_value(value: Any) -> struct_pb2.Value:
    """A JSON-shaped Python value as a ``Value``."""
    message = struct_pb2.Value()
    _fill(message, value)
    return message
