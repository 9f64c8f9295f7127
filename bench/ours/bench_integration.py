"""The benchmark's integration provider on this SDK (gestalt-integration).

``plugin`` declares ``greet`` as ``async def`` (the fast path: it runs on the event loop);
``plugin_def`` declares the same operation as a plain ``def`` (it runs in the handler
thread pool), so the benchmark also shows what the thread hop costs.
"""

from __future__ import annotations

from typing import Any

from gestalt.integration import Model, Plugin, field

plugin = Plugin("bench")
plugin_def = Plugin("bench")


class GreetIn(Model):
    name: str = field(description="Who to greet")
    greeting: str = field(description="Greeting word", default="hello")
    excited: bool = field(description="End with '!'", default=False)
    tags: list[str] = field(description="Echoed back", default_factory=list)
    weight: float = field(description="Echoed back", default=1.0)


def _answer(params: GreetIn) -> dict[str, Any]:
    end = "!" if params.excited else "."
    return {
        "message": f"{params.greeting}, {params.name}{end}",
        "tags": params.tags,
        "weight": params.weight,
    }


@plugin.operation(id="greet")
async def greet(params: GreetIn) -> dict[str, Any]:
    return _answer(params)


@plugin_def.operation(id="greet")
def greet_def(params: GreetIn) -> dict[str, Any]:
    return _answer(params)
