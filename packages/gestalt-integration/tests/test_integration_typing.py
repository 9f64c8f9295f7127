"""Type-checked by mypy: decorated handlers keep their types (run, too, as a smoke test)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, assert_type

from pydantic import BaseModel

from gestalt.integration import Plugin, Request, Response, ok

plugin = Plugin("typed")


class In(BaseModel):
    x: int


class Out(BaseModel):
    y: int


@plugin.operation
def bare(params: In) -> Out:
    return Out(y=params.x)


@plugin.operation(id="with.keywords", method="GET", read_only=True)
async def keywords(params: In, request: Request) -> Response[Out]:
    return ok(Out(y=params.x))


def test_types_survive_the_decorator() -> None:
    assert_type(bare(In(x=1)), Out)
    coroutine = keywords(In(x=2), Request())
    checked = assert_type(coroutine, Coroutine[Any, Any, Response[Out]])
    checked.close()
    assert bare(In(x=1)) == Out(y=1)
    assert set(plugin.operations) == {"bare", "with.keywords"}
