"""mkdocs hooks: a public name without a docstring is a warning, so ``--strict`` fails on it.

mkdocstrings renders such a name with an empty body and says nothing; this hook walks the
same packages with griffe (which mkdocstrings uses) and reports each one. Public means
exported by a public module (its ``__all__``, else its names without a leading ``_``),
followed through re-exports to where it is defined, and the public methods of those classes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import griffe

PACKAGES = (
    "gestalt.core",
    "gestalt.core.testing",
    "gestalt.integration",
    "gestalt.auth",
    "gestalt.cache",
    "gestalt.secrets",
    "gestalt.s3",
)
log = logging.getLogger("mkdocs.plugins.gestalt")
# Gaps known when this check was added, left to their owners: each entry is a prefix of the
# reported names. An entry that no longer matches anything is itself a warning, so the list
# only shrinks.
KNOWN_GAPS: tuple[str, ...] = ()


def _exported(module: griffe.Module) -> list[str]:
    names = module.exports
    if names is not None:
        return [name if isinstance(name, str) else name.name for name in names]
    return [name for name in module.members if not name.startswith("_")]


def _target(member: griffe.Object | griffe.Alias) -> griffe.Object | None:
    if not member.is_alias:
        return member  # type: ignore[return-value]
    try:
        target = member.final_target  # type: ignore[union-attr]
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None  # defined outside the loaded packages (grpc, typing, ...)
    return target if target.path.startswith("gestalt.") else None


def missing_docstrings(module: griffe.Module) -> list[str]:
    """``module.name`` for every public name of ``module`` whose definition has no docstring."""
    found = [] if module.docstring else [module.path]
    for name in _exported(module):
        member = module.members.get(name)
        target = _target(member) if member is not None else None
        if target is None or not (target.is_class or target.is_function):
            continue
        if target.docstring is None:
            found.append(f"{module.path}.{name}")
        if target.is_class:
            for method_name, method in target.members.items():
                if method_name.startswith("_") or method.is_alias or not method.is_function:
                    continue
                if method.docstring is None and not _inherits_docstring(target, method_name):
                    found.append(f"{module.path}.{name}.{method_name}")
    return found


def _inherits_docstring(cls: griffe.Object, name: str) -> bool:
    # An override keeps its base's documentation; a base outside the loaded packages
    # (io.RawIOBase, ...) cannot be read, so its possible overrides are given the benefit.
    if not isinstance(cls, griffe.Class):
        return False
    if len(cls.resolved_bases) < len(cls.bases):
        return True
    for base in cls.mro():
        inherited = base.members.get(name)
        if inherited is not None and inherited.docstring is not None:
            return True
    return False


def on_pre_build(config: Any) -> None:
    """Warn for every public name without a docstring."""
    repo = Path(config["config_file_path"]).parent
    loader = griffe.GriffeLoader(search_paths=sorted(map(str, repo.glob("packages/*/src"))))
    for package in PACKAGES:
        loader.load(package)
    loader.resolve_aliases(implicit=True, external=False)
    missing: list[str] = []
    for package in PACKAGES:
        module = loader.modules_collection.get_member(package)
        assert isinstance(module, griffe.Module)
        missing += missing_docstrings(module)
    for path in missing:
        if not path.startswith(KNOWN_GAPS):
            log.warning("no docstring: %s", path)
    for gap in KNOWN_GAPS:
        if not any(path.startswith(gap) for path in missing):
            log.warning("KNOWN_GAPS entry %r is documented now: remove it", gap)
