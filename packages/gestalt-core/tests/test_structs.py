"""Struct/Value conversion: JSON-shaped values round-trip, integral doubles come back as int."""

from __future__ import annotations

import math
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given
from hypothesis import strategies as st

from gestalt.core.serving import dict_to_struct, python_to_value, struct_to_dict

EXACT = 2**53

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-EXACT, max_value=EXACT)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_round_trip(values: dict[str, Any]) -> None:
    assert struct_to_dict(dict_to_struct(values)) == values


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_same_struct_as_protobufs_own_encoder(values: dict[str, Any]) -> None:
    reference = struct_pb2.Struct()
    json_format.ParseDict(values, reference)
    assert dict_to_struct(values) == reference


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (float(EXACT), EXACT),
        (float(-EXACT), -EXACT),
        (float(EXACT) * 2, float(EXACT) * 2),  # beyond 2**53 a double is not an exact int
        (3.0, 3),
        (-0.0, 0),
        (2.5, 2.5),
    ],
)
def test_integral_doubles_within_2_53_are_ints(number: float, expected: float) -> None:
    value = struct_to_dict(dict_to_struct({"n": number}))["n"]
    assert value == expected
    assert type(value) is type(expected)


def test_absent_struct_is_empty() -> None:
    assert struct_to_dict(None) == {}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        python_to_value(bad)


@pytest.mark.parametrize("bad", [{1: "x"}, {"k": object()}, {"k": b"bytes"}])
def test_non_json_values_are_refused(bad: dict[Any, Any]) -> None:
    with pytest.raises(TypeError):
        dict_to_struct(bad)
