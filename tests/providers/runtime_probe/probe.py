"""A secrets provider whose 'secrets' are facts about its own process, for runtime tests.

Names are commands: ``cwd``, ``env:NAME``, ``modules``, ``sleep:SECONDS``, ``len:PAYLOAD``,
``sys.path0``, ``pid``, ``config``, ``name``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from gestalt.core import InvalidArgumentError, RuntimeMetadata, UnavailableError


class Probe:
    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.name = ""
        self.closed_marker = ""

    def configure(self, name: str, config: dict[str, Any]) -> None:
        if "fail" in config:
            raise RuntimeError(str(config["fail"]))
        if "reject" in config:
            raise InvalidArgumentError(str(config["reject"]))
        self.name, self.config = name, config
        self.closed_marker = str(config.get("close_marker", ""))

    def metadata(self) -> RuntimeMetadata:
        return RuntimeMetadata(display_name=f"Probe {self.name}".strip())

    def warnings(self) -> list[str]:
        return ["probe warning"] if self.config.get("warn") else []

    def health_check(self) -> bool:
        if self.config.get("unhealthy"):
            raise RuntimeError("probe told to be unhealthy: token=abc123")
        if self.config.get("warming"):
            raise UnavailableError("warming up")
        return True

    def close(self) -> None:
        if self.closed_marker:
            with open(self.closed_marker, "w") as handle:
                handle.write("closed")

    def get_secret(self, name: str) -> str:
        command, _, argument = name.partition(":")
        if command == "cwd":
            return os.getcwd()
        if command == "env":
            return os.environ.get(argument, "<unset>")
        if command == "modules":
            return json.dumps(sorted(sys.modules))
        if command == "sleep":
            time.sleep(float(argument))
            return "slept"
        if command == "len":
            return str(len(argument))
        if command == "pid":
            return str(os.getpid())
        if command == "sys.path0":
            return sys.path[0]
        if command == "config":
            return json.dumps(self.config, sort_keys=True)
        if command == "name":
            return self.name
        raise InvalidArgumentError(f"unknown probe command {command!r}")


provider = Probe()
