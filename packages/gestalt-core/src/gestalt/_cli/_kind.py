"""Which kind a ``gestalt run`` or ``gestalt build`` is for: the word given, else the manifest's.

Both generations' words are accepted, in any case: ``integration`` or ``app``, ``auth`` or
``identity``, ``cache``, ``secrets``, ``s3``. The result is always the surface's word
(``integration``, ``auth``, ...), which names the surface package the runtime imports.
"""

from __future__ import annotations

from gestalt._cli._manifest import RUNTIME_KINDS, manifest_fields
from gestalt.core._kinds import ProviderKind
from gestalt.core._pyproject import gestalt_section, kinds_in_pyproject

ACCEPTED = "integration (or app), auth (or identity), cache, secrets or s3"
# Kinds gestaltd runs as processes that no surface of this SDK serves.
_UNSERVED = frozenset(
    (
        "agent",
        "authorization",
        "externalcredentials",
        "indexeddb",
        "runtime",
        "telemetry",
        "workflow",
    )
)


class KindError(ValueError):
    """A kind word or a manifest kind this SDK cannot serve; the message is one line."""


def kind_word(word: str) -> str:
    """The surface's word for a KIND word of either generation.

    Raises:
        KindError: The word names no kind this SDK serves.
    """
    cleaned = word.strip().lower()
    try:
        return ProviderKind.from_word(cleaned).value
    except ValueError:
        raise KindError(_unserved("KIND", word)) from None


def manifest_kind(root: str) -> str | None:
    """The surface's word for the ``kind`` of ROOT's manifest, or ``None`` without one.

    Raises:
        KindError: The manifest's kind is one this SDK does not serve.
    """
    word = manifest_fields(root).get("kind")
    if word is None:
        return None
    if word.strip().lower() not in RUNTIME_KINDS:
        raise KindError(_unserved("the manifest's kind", word))
    return RUNTIME_KINDS[word.strip().lower()]


def infer_kind(root: str, target: str) -> str | None:
    """The kind ROOT itself says TARGET is, when that is unambiguous; ``None`` else.

    The manifest's ``kind`` decides (the host launches ROOT as that kind). Without a
    manifest kind, a ``[tool.gestalt]`` key named after one kind (``cache = "..."``) whose
    value is TARGET decides. Two small file reads and no import: the kind of a v5
    manifest's ``gestalt run . TARGET`` costs the start nothing measurable.

    Raises:
        KindError: The manifest's kind is one this SDK does not serve.
    """
    found = manifest_kind(root)
    if found is not None:
        return found
    section = gestalt_section(root)
    named = {
        kind.value
        for kind in ProviderKind
        if kind is not ProviderKind.INTEGRATION and section.get(kind.value, "").strip() == target
    }
    return named.pop() if len(named) == 1 else None


def declared_kind(root: str, advice: str) -> str | None:
    """The kind ROOT declares: its manifest's kind, else the one kind ``[tool.gestalt]``
    names a target for (``provider`` counts as an integration); ``None`` when it names none.

    Args:
        root: The provider directory.
        advice: What to do when ``[tool.gestalt]`` names several kinds (ends the error).

    Raises:
        KindError: The manifest's kind is not served, or ``[tool.gestalt]`` names several
            kinds and no manifest says which one.
    """
    found = manifest_kind(root)
    if found is not None:
        return found
    kinds = kinds_in_pyproject(root)
    if len(kinds) > 1:
        raise KindError(f"[tool.gestalt] names several kinds ({', '.join(kinds)}); {advice}")
    return kinds[0] if kinds else None


def _unserved(what: str, word: str) -> str:
    shown = word[:40]
    if word.strip().lower() in _UNSERVED:
        return (
            f"{what} {shown!r} is a gestaltd kind this SDK has no surface for; it serves {ACCEPTED}"
        )
    return f"{what} {shown!r} is not a kind word; use {ACCEPTED}"
