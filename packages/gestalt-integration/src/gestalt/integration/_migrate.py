"""Rewrite an upstream ``gestalt-sdk`` integration provider's imports and dependency lines.

The edits are the ones docs/migrating.md asks for: ``import gestalt`` becomes
``from gestalt import integration as gestalt``, ``from gestalt import X`` becomes
``from gestalt.integration import X``, and a ``gestalt-sdk`` requirement becomes
``gestalt-integration``. Names this distribution does not offer are reported, not
rewritten: each needs a decision (another distribution, or a feature not on this wire).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import re
from collections.abc import Iterator
from pathlib import Path

import gestalt.integration
from gestalt.integration._compat import missing_name

#: A requirement string in ``pyproject.toml`` (quoted) or a ``requirements.txt`` line.
_TOML_REQUIREMENT = re.compile(r"""(?P<q>["'])gestalt-sdk(?:[\s\[<>=!~;@][^"'\n]*)?(?P=q)""")
_TXT_REQUIREMENT = re.compile(r"^gestalt-sdk\b.*$", re.MULTILINE)
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
_GENERATED = ("gestalt.gen.", "gestalt._gen.")
_MENTION = re.compile(r"\bgestalt-sdk\b")
#: Modules of this SDK's namespace: ``from gestalt import integration`` is already ported.
_PORTIONS = frozenset({"core", "integration", "auth", "cache", "secrets", "s3", "provider"})


@dataclasses.dataclass(frozen=True, slots=True)
class FileChange:
    """What the migration does to one file.

    Attributes:
        path: The file.
        before: Its text now.
        after: Its text after the rewrite (equal to ``before`` when nothing changes).
        notes: ``line: message`` for each use that needs a decision by hand.
    """

    path: Path
    before: str
    after: str
    notes: tuple[str, ...]

    def diff(self) -> str:
        """The change as a unified diff (empty when there is none)."""
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=str(self.path),
                tofile=str(self.path),
            )
        )


def migrate_tree(root: Path) -> Iterator[FileChange]:
    """The change to each Python, ``pyproject.toml`` and ``requirements*.txt`` file under root.

    Hidden directories (``.venv``, ``.git``, ...) and caches are skipped. ``root`` may also
    be a single file.
    """
    paths = [root] if root.is_file() else sorted(_files(root))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            after, notes = migrate_source(text, str(path))
        else:
            after, notes = migrate_requirements(text, toml=path.suffix == ".toml")
        if after != text or notes:
            yield FileChange(path, text, after, tuple(notes))


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") or part in _SKIPPED_DIRS for part in parts[:-1]):
            continue
        if path.is_file() and (
            path.suffix == ".py"
            or path.name == "pyproject.toml"
            or (path.name.startswith("requirements") and path.suffix == ".txt")
        ):
            yield path


def migrate_requirements(text: str, *, toml: bool) -> tuple[str, list[str]]:
    """``text`` with each ``gestalt-sdk`` requirement replaced, and notes on other mentions."""
    if toml:
        after = _TOML_REQUIREMENT.sub(lambda m: f"{m['q']}gestalt-integration{m['q']}", text)
    else:
        after = _TXT_REQUIREMENT.sub("gestalt-integration", text)
    notes = [
        f"{number}: gestalt-sdk is still named here; edit it by hand"
        for number, line in enumerate(after.splitlines(), start=1)
        if _MENTION.search(line)
    ]
    return after, notes


def migrate_source(text: str, filename: str = "<source>") -> tuple[str, list[str]]:
    """The rewritten module source, and notes on the uses that need a decision by hand.

    Raises:
        SyntaxError: ``text`` is not Python.
    """
    tree = ast.parse(text, filename)
    edits: list[tuple[ast.stmt, str]] = []
    notes: list[str] = []
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "gestalt" for a in node.names):
            if len(node.names) > 1:
                notes.append(f"{node.lineno}: put 'import gestalt' on a line of its own")
                continue
            local = node.names[0].asname or "gestalt"
            aliases.add(local)
            edits.append((node, f"from gestalt import integration as {local}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "gestalt" and not node.level:
            if {a.name for a in node.names} <= _PORTIONS:
                continue
            notes.extend(f"{a.lineno}: {n}" for a in node.names if (n := _check(a.name)))
            edits.append((node, _import_from(node)))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and f"{node.module}.".startswith(_GENERATED):
            notes.append(f"{node.lineno}: upstream's generated protos are gestalt.provider.v1 here")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and (note := _check(node.attr))
        ):
            notes.append(f"{node.lineno}: {note}")
    return _apply(text, edits), sorted(set(notes), key=lambda n: int(n.split(":")[0]))


def _check(name: str) -> str:
    """Why ``gestalt.integration.<name>`` will not work, or ``""`` when it will."""
    if name == "*" or name in vars(gestalt.integration):
        return ""
    return str(missing_name(name))


def _import_from(node: ast.ImportFrom) -> str:
    names = [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in node.names]
    if node.lineno == node.end_lineno:
        return f"from gestalt.integration import {', '.join(names)}"
    indent = " " * (node.col_offset + 4)
    lines = "".join(f"{indent}{name},\n" for name in names)
    return f"from gestalt.integration import (\n{lines}{' ' * node.col_offset})"


def _apply(text: str, edits: list[tuple[ast.stmt, str]]) -> str:
    # ast positions are UTF-8 byte offsets within a line: edit the encoded text.
    data = text.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for node, replacement in sorted(
        edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True
    ):
        assert node.end_lineno is not None  # set for every statement ast.parse makes
        assert node.end_col_offset is not None
        start = starts[node.lineno - 1] + node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset
        data = data[:start] + replacement.encode("utf-8") + data[end:]
    return data.decode("utf-8")
