"""The Execute path in-process (the conformance tests cover it over the wire)."""

from __future__ import annotations

import asyncio
import datetime
import enum
import json
from typing import Any

from pydantic import BaseModel

from gestalt.core import ProviderKind
from gestalt.core.serving import Hooks, Runtime, dict_to_struct
from gestalt.integration import Plugin, Response
from gestalt.integration._servicer import BoundOperation
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


def run(op_id: str, params: dict[str, Any] | None) -> tuple[int, Any]:
    async def go() -> plugin_pb2.OperationResult:
        runtime = Runtime(ProviderKind.INTEGRATION, Hooks())
        try:
            bound = BoundOperation(plugin.operations[op_id], runtime)
            request = plugin_pb2.ExecuteRequest(operation=op_id)
            if params is not None:
                request.params.CopyFrom(dict_to_struct(params))
            return await bound.run(request)
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
