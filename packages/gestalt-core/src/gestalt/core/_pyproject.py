"""What a provider's ``pyproject.toml`` says, read the way gestaltd reads it.

gestaltd finds a provider's TARGET with a line scanner, not a TOML parser (HOST.md 1.2): only
a line that is exactly ``[tool.gestalt]`` opens the section, and only single-line
``key = "value"`` or ``key = 'value'`` lines count. The runtime and the emulator both use this
scanner so that a target the host cannot see fails here too.
"""

from __future__ import annotations

import ast
import os
import re

StrPath = str | os.PathLike[str]

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_TARGET = re.compile(rf"^{_IDENT}(\.{_IDENT})*(:{_IDENT})?$")
_KEY_VALUE = re.compile(r"^([A-Za-z0-9_-]+)\s*=\s*(.+)$")


class TargetSyntaxError(ValueError):
    """A TARGET that is not ``module`` or ``module:attribute``."""


def check_target(target: str) -> tuple[str, str | None]:
    """Split TARGET into module and attribute, or raise ``TargetSyntaxError``."""
    if not _TARGET.match(target):
        raise TargetSyntaxError(
            f"TARGET {target!r} is not 'module' or 'module:attribute' "
            "(dotted Python identifiers, one attribute name after ':')"
        )
    module, _, attribute = target.partition(":")
    return module, attribute or None


def _strip_comment(line: str) -> str:
    quote = ""
    escaped = False
    for index, char in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _string_value(raw: str) -> str | None:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == "'" and "'" not in raw[1:-1]:
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and not raw.startswith('"""'):
        try:
            value = ast.literal_eval(raw)  # close to Go's string-literal unescaping
        except (SyntaxError, ValueError):
            return None
        return value if isinstance(value, str) else None
    return None


def _read(root: StrPath) -> str:
    try:
        with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return ""


def _section(text: str, header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    inside = False
    for raw_line in text.splitlines():
        line = _strip_comment(raw_line).strip()
        if line.startswith("[") and line.endswith("]"):
            inside = line == header
            continue
        if not inside:
            continue
        match = _KEY_VALUE.match(line)
        if match:
            value = _string_value(match.group(2))
            if value is not None:
                found[match.group(1)] = value
    return found


def gestalt_section(root: StrPath) -> dict[str, str]:
    """The single-line string keys of ``[tool.gestalt]`` in ``root/pyproject.toml``.

    Returns an empty dict when the file or the section is missing.
    """
    return _section(_read(root), "[tool.gestalt]")


def target_keys(kind: str) -> tuple[str, ...]:
    """The ``[tool.gestalt]`` keys the host reads for a KIND, in the host's order."""
    return ("provider", "plugin") if kind == "integration" else (kind,)


def target_from_pyproject(root: StrPath, kind: str) -> str | None:
    """The TARGET the host would launch for KIND, or ``None`` when the key is absent/empty."""
    section = gestalt_section(root)
    for key in target_keys(kind):
        value = section.get(key, "").strip()
        if value:
            return value
    return None


def project_table(root: StrPath) -> dict[str, str]:
    """The single-line string keys of ``[project]`` in ``root/pyproject.toml``.

    Read with the same scanner as ``[tool.gestalt]``, not a TOML parser: the runtime needs
    only ``name``, ``description`` and ``version``, and importing ``tomllib`` would cost a
    kind's cold start about 4 ms. Values written any other way (multi-line, dynamic) are
    simply absent.
    """
    return _section(_read(root), "[project]")
