"""The provider kinds this SDK serves, with their wire values."""

from __future__ import annotations

import enum


class ProviderKind(enum.Enum):
    """A provider kind: the KIND word on the runtime's command line and its wire enum value."""

    INTEGRATION = "integration"
    AUTH = "auth"
    CACHE = "cache"
    SECRETS = "secrets"
    S3 = "s3"

    @property
    def wire_value(self) -> int:
        """The ``gestalt.provider.v1.ProviderKind`` number of this kind."""
        return _WIRE[self]


# ProviderKind numbers from runtime.proto: INTEGRATION=1, AUTH=2, SECRETS=4, CACHE=6, S3=7.
_WIRE = {
    ProviderKind.INTEGRATION: 1,
    ProviderKind.AUTH: 2,
    ProviderKind.SECRETS: 4,
    ProviderKind.CACHE: 6,
    ProviderKind.S3: 7,
}

#: The protocol version this SDK speaks (PROTOCOL.md 2.5); it is both bounds of the range.
PROTOCOL_VERSION = 2
