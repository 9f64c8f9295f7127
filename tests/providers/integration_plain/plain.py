"""A provider without session catalogs or post-connect."""

from gestalt.integration import Plugin

plugin = Plugin("plain")


@plugin.operation
async def ping() -> str:
    return "pong"
