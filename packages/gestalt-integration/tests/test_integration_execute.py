"""The Execute path in-process (the conformance tests cover it over the wire)."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import enum
import json
import math
import threading
import uuid
from typing import Any

import pytest
from google.protobuf.struct_pb2 import Struct
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gestalt.core import ProviderKind
from gestalt.core.serving import Hooks, Runtime, dict_to_struct, struct_to_dict
from gestalt.integration import Plugin, Response
from gestalt.integration._generation import generation
from gestalt.integration._servicer import BoundOperation, Results
from gestalt.provider.v1 import plugin_pb2


class Color(enum.Enum):
    RED = "red"


class When(BaseModel):
    day: datetime.date
    color: Color
    count: int = 1


plugin = Plugin("p")


@plugin.operation
def when(params: When) -> Response[When]:
    return Response(201, params)


@plugin.operation
def nothing() -> None:
    return None


def run(op_id: str, params: dict[str, Any] | Struct | None) -> tuple[int, Any]:
    async def go() -> plugin_pb2.OperationResult:
        runtime = Runtime(ProviderKind.INTEGRATION, Hooks())
        try:
            bound = BoundOperation(plugin.operations[op_id], runtime, Results(generation(2)))
            request = plugin_pb2.ExecuteRequest(operation=op_id)
            if params is not None:
                struct = params if isinstance(params, Struct) else dict_to_struct(params)
                request.params.CopyFrom(struct)
            result: plugin_pb2.OperationResult = await bound.run(request)
            return result
        finally:
            runtime.shutdown_pools()

    result = asyncio.run(go())
    return result.status, json.loads(result.body)


def test_text_forms_of_dates_and_enums_parse() -> None:
    status, body = run("when", {"day": "2024-05-01", "color": "red", "count": 2.0})
    assert (status, body) == (201, {"day": "2024-05-01", "color": "red", "count": 2})


def test_bad_date_and_enum_are_400() -> None:
    status, body = run("when", {"day": "May 1st", "color": "green"})
    assert status == 400
    assert [d["path"] for d in body["details"]] == ["day", "color"]
    assert "May 1st" not in json.dumps(body)  # inputs are never echoed


def test_none_result_is_json_null() -> None:
    assert run("nothing", None) == (200, None)


class Inner(BaseModel):
    n: int


class Wide(BaseModel):
    """One field of each kind of type an input declares, for the strictness property."""

    i: int = 0
    f: float = 0.0
    s: str = ""
    b: bool = False
    day: datetime.date | None = None
    at: datetime.datetime | None = None
    id: uuid.UUID | None = None
    color: Color | None = None
    amount: decimal.Decimal | None = None
    pair: tuple[int, str] | None = None
    names: set[str] | None = None
    counts: dict[str, int] | None = None
    inner: Inner | None = None
    items: list[Inner] | None = None


@plugin.operation
async def wide(params: Wide) -> Wide:
    return params


_TEXTS = st.sampled_from(
    [
        "",
        "x",
        "3",
        "red",
        "2024-05-01",
        "2024-05-01T10:00:00Z",
        "1.5",
        "12345678-1234-5678-1234-567812345678",
        "é😀",
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXTS
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXTS, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(Wide.model_fields)), _VALUES, max_size=5))
def test_validation_matches_strict_json_mode_of_the_params(params: dict[str, Any]) -> None:
    # Execute validates the params as strict JSON, whatever encoder writes that JSON: the
    # same values and the same failing paths as json.dumps text validated strictly.
    received = struct_to_dict(dict_to_struct(params))  # what the host's Struct carries
    try:
        expected: tuple[int, Any] = (
            200,
            json.loads(
                Wide.model_validate_json(json.dumps(received), strict=True).model_dump_json()
            ),
        )
    except ValidationError as error:
        # Sorted: a protobuf map has no order, so neither have the failures inside one.
        expected = (400, sorted(".".join(map(str, e["loc"])) for e in error.errors()))
    status, body = run("wide", params)
    got = (status, body if status == 200 else sorted(d["path"] for d in body["details"]))
    assert got == expected


def test_non_finite_floats_and_non_ascii_text_arrive_as_sent() -> None:
    # The host's Struct can carry doubles JSON has no word for: they validate as a float
    # field's inf (sent back as JSON null), as they did when the params went through
    # json.dumps text.
    params = dict_to_struct({"s": "é😀"})
    params.fields["f"].number_value = math.inf
    status, body = run("wide", params)
    assert status == 200
    assert (body["f"], body["s"]) == (None, "é😀")
    params.fields["i"].number_value = math.nan
    status, body = run("wide", params)
    assert (status, [d["path"] for d in body["details"]]) == (400, ["i"])
    assert run("wide", {"i": "3"})[1]["details"][0]["path"] == "i"  # strict: no coercion


def _handler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("gestalt-handler")}


@pytest.mark.parametrize(("op_id", "started"), [("when", 1), ("wide", 0)])
def test_warm_pools_starts_a_worker_only_for_def_operations(op_id: str, started: int) -> None:
    # The runtime warms the pool once the socket is up, so the first `def` call does not
    # wait for a thread to start; a provider of only `async def` handlers starts none.
    async def go() -> int:
        runtime = Runtime(ProviderKind.INTEGRATION, Hooks())
        try:
            before = _handler_threads()
            BoundOperation(plugin.operations[op_id], runtime, Results(generation(2)))
            runtime.warm_pools()
            return len(_handler_threads() - before)
        finally:
            runtime.shutdown_pools()

    assert asyncio.run(go()) == started
