"""Secrets providers for the conformance tests; the name chooses each behaviour."""

from __future__ import annotations

import asyncio
import time

from gestalt.secrets import (
    EnvSecretsProvider,
    PermissionDeniedError,
    SecretNotFound,
    SecretsProvider,
)

VALUES = {"db/password": "hunter2-VALUE", "empty": ""}
LEAKY = "LEAKED-VALUE-7f3a"


class SyncStore(SecretsProvider):
    def get_secret(self, name: str) -> str:
        if name.startswith("slow/"):
            time.sleep(0.2)
            return name[5:]
        if name == "explode":
            raise RuntimeError(f"decrypt failed near {LEAKY}")
        if name == "denied":
            raise PermissionDeniedError("vault refused access")
        if name == "wrongtype":
            return b"bytes"  # type: ignore[return-value]
        if name in VALUES:
            return VALUES[name]
        raise SecretNotFound(name)


class AsyncStore:
    async def get_secret(self, name: str) -> str:
        await asyncio.sleep(0.2)
        if name == "explode":
            raise ValueError(LEAKY)
        if name in VALUES:
            return VALUES[name]
        raise SecretNotFound(name)


secrets = SyncStore()
async_secrets = AsyncStore()
env = EnvSecretsProvider(prefix="APP_")
