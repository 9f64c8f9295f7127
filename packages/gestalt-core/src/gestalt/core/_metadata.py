"""Runtime metadata: how a provider names and describes itself to the host."""

from __future__ import annotations

import dataclasses

from gestalt.core._pyproject import StrPath, project_table


@dataclasses.dataclass(frozen=True, slots=True)
class RuntimeMetadata:
    """A provider's self-description, sent in ``ProviderIdentity`` (and ``ProviderMetadata``).

    Every field may be left empty. Fields left empty are filled from the ``[project]``
    table of the provider's ``pyproject.toml`` (``name``, ``description``, ``version``).

    Attributes:
        name: Machine name of the provider.
        display_name: Human name.
        description: One line on what it does.
        version: The provider's own version.
        warnings: Non-fatal start-up warnings for the host to show.
    """

    name: str = ""
    display_name: str = ""
    description: str = ""
    version: str = ""
    warnings: tuple[str, ...] = ()

    def merged_over(self, base: RuntimeMetadata) -> RuntimeMetadata:
        """This metadata with its empty fields taken from ``base`` (warnings are joined)."""
        return RuntimeMetadata(
            name=self.name or base.name,
            display_name=self.display_name or base.display_name,
            description=self.description or base.description,
            version=self.version or base.version,
            warnings=base.warnings + self.warnings,
        )


def metadata_from_pyproject(root: StrPath) -> RuntimeMetadata:
    """Defaults read from ``root/pyproject.toml``'s ``[project]`` table."""
    project = project_table(root)
    return RuntimeMetadata(
        name=project.get("name", ""),
        description=project.get("description", ""),
        version=project.get("version", ""),
    )
