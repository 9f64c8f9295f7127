"""Modules that fail in the ways provider authors get wrong."""

not_a_provider = 42


class NeedsArguments:
    def __init__(self, region: str) -> None:
        self.region = region

    def get_secret(self, name: str) -> str:
        return name
