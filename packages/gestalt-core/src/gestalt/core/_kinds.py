"""The provider kinds this SDK serves, with their wire values."""

from __future__ import annotations

import enum


class ProviderKind(enum.Enum):
    """A provider kind: the KIND word on the runtime's command line and its wire enum value.

    Protocol 5 renamed two kinds without renumbering them: ``integration`` became ``app``
    and ``auth`` became ``identity``. Both words are accepted (:meth:`from_word`).
    """

    INTEGRATION = "integration"
    AUTH = "auth"
    CACHE = "cache"
    SECRETS = "secrets"
    S3 = "s3"

    @property
    def wire_value(self) -> int:
        """The ``ProviderKind`` enum number of this kind, the same on every protocol."""
        return _WIRE_NUMBERS[self]

    @classmethod
    def from_word(cls, word: str) -> ProviderKind:
        """The kind a KIND word names, protocol 5's ``app`` and ``identity`` included.

        Raises:
            ValueError: The word names no kind this SDK serves.
        """
        return _ALIASES.get(word) or cls(word)


# PROVIDER_KIND_INTEGRATION/APP = 1, AUTH/IDENTITY = 2, SECRETS = 4, CACHE = 6, S3 = 7
# (a test checks these against both generations' generated enums).
_WIRE_NUMBERS = {
    ProviderKind.INTEGRATION: 1,
    ProviderKind.AUTH: 2,
    ProviderKind.SECRETS: 4,
    ProviderKind.CACHE: 6,
    ProviderKind.S3: 7,
}
_ALIASES = {"app": ProviderKind.INTEGRATION, "identity": ProviderKind.AUTH}

#: The protocol version of the seed's gestaltd, the first this SDK served; every version
#: served is in :data:`PROTOCOL_VERSIONS`.
PROTOCOL_VERSION = 2
#: Every protocol version this SDK serves: 2 (the seed's gestaltd) and 5 (every gestaltd
#: since mid-2026). A host of another version is refused at its first configure call.
PROTOCOL_VERSIONS = (2, 5)
