"""The provider kinds this SDK serves, with their wire values."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gestalt.provider.v1.runtime_pb2 import ProviderKind as WireKind


class ProviderKind(enum.Enum):
    """A provider kind: the KIND word on the runtime's command line and its wire enum value."""

    INTEGRATION = "integration"
    AUTH = "auth"
    CACHE = "cache"
    SECRETS = "secrets"
    S3 = "s3"

    @property
    def wire_value(self) -> WireKind.ValueType:
        """The ``gestalt.provider.v1.ProviderKind`` value of this kind."""
        # Imported here: gestalt.core is imported by every provider module, and the wire
        # descriptors are loaded only by what serves or calls.
        from gestalt.provider.v1 import runtime_pb2

        return runtime_pb2.ProviderKind.Value(f"PROVIDER_KIND_{self.name}")


#: The protocol version this SDK speaks; it is both bounds of the range it advertises.
PROTOCOL_VERSION = 2
