"""The benchmark's integration provider in gestalt-sdk 0.0.1a8's API (upstream)."""

from gestalt import Model, Plugin, field

plugin = Plugin("bench")


class GreetIn(Model):
    name: str = field(description="Who to greet")
    greeting: str = field(description="Greeting word", default="hello")
    excited: bool = field(description="End with '!'", default=False)
    tags: list[str] = field(description="Echoed back", default_factory=list)
    weight: float = field(description="Echoed back", default=1.0)


@plugin.operation(id="greet")
def greet(params: GreetIn) -> dict:
    end = "!" if params.excited else "."
    return {
        "message": f"{params.greeting}, {params.name}{end}",
        "tags": params.tags,
        "weight": params.weight,
    }
