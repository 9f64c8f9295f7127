"""What a provider's ``pyproject.toml`` says, read the way gestaltd reads it.

gestaltd finds a provider's TARGET with a line scanner, not a TOML parser (HOST.md 1.2): only
a line that is exactly ``[tool.gestalt]`` opens the section, and only single-line
``key = "value"`` or ``key = 'value'`` lines count. The runtime and the emulator both use this
scanner so that a target the host cannot see fails here too.

Protocol-5 providers name the target of every kind ``provider = "module[:attr]"``; the v2
host reads ``provider`` (or the legacy ``plugin``) for an integration and a key named after
the kind for the others. Lookups for protocol 5 read the kind's own key first, then
``provider``, so one ``pyproject.toml`` serves both generations.

The scanner is on the runtime's start path and avoids ``tomllib`` (about 4 ms). Only when it
finds no target does :func:`explain_missing_target` parse the file properly to say why.
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


def target_keys(kind: str, protocol: int = 2) -> tuple[str, ...]:
    """The ``[tool.gestalt]`` keys read for a KIND, in order.

    Args:
        kind: The surface's KIND word (``integration``, ``auth``, ``cache``, ...).
        protocol: 2 for the keys the protocol-2 host reads; 5 adds ``provider`` after the
            kind's own key, as protocol-5 providers name every kind's target.
    """
    if kind == "integration":
        return ("provider", "plugin")
    return (kind,) if protocol == 2 else (kind, "provider")


#: Every KIND the host reads a ``[tool.gestalt]`` key for, in its order.
HOST_KINDS = ("integration", "auth", "cache", "indexeddb", "s3", "secrets")
_ALL_KEYS = frozenset(key for kind in HOST_KINDS for key in target_keys(kind))


def target_from_pyproject(root: StrPath, kind: str, protocol: int = 2) -> str | None:
    """The TARGET for KIND, or ``None`` when every key is absent or empty.

    With ``protocol=2`` it is the TARGET the protocol-2 host would launch; with 5 the
    lookup of :func:`target_keys` for 5, which finds every target 2 finds.
    """
    section = gestalt_section(root)
    for key in target_keys(kind, protocol):
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


def kinds_in_pyproject(root: StrPath) -> list[str]:
    """The KINDs whose target the host would find in ``root/pyproject.toml``."""
    section = gestalt_section(root)
    return [
        kind
        for kind in HOST_KINDS
        if any(section.get(key, "").strip() for key in target_keys(kind))
    ]


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def explain_missing_target(root: StrPath, kind: str, protocol: int = 2) -> str:
    """Why :func:`target_from_pyproject` found no TARGET for KIND, in one line.

    The key it suggests adding is ``provider`` for every kind on protocol 5, the key the
    host reads first on 2. Tells apart a missing or unreadable file, a TOML syntax error, a missing
    ``[tool.gestalt]`` table, a missing key (naming the kinds the file does have, or the
    key it probably meant), a value that is not a non-empty string, and a key the host's
    line reader cannot see. Meant for the failure path only: it parses with ``tomllib``.
    """
    import difflib
    import tomllib

    path = os.path.join(root, "pyproject.toml")
    read = target_keys(kind, protocol)
    keys = " or ".join(repr(key) for key in read)
    example = f'{"provider" if protocol == 5 else read[0]} = "module:attr"'
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        return f"{path} does not exist; create it with a [tool.gestalt] table holding {example}"
    except UnicodeDecodeError:
        return f"{path} is not UTF-8 text"
    except OSError as error:
        return f"cannot read {path}: {error.strerror}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return f"{path} is not valid TOML: {error}"
    tool = data.get("tool")
    table = tool.get("gestalt") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return f"{path} has no [tool.gestalt] table; add one holding {example}"
    where = f"[tool.gestalt] in {path}"
    present = next((key for key in read if key in table), None)
    if present is None:
        others = [other for other in kinds_in_pyproject(root) if other != kind]
        if others:
            named = ", ".join(repr(other) for other in others)
            return f"{where} has no {keys} key; it names a target for KIND {named} only"
        unknown = [str(key) for key in table if key not in _ALL_KEYS]
        for key in unknown:
            close = difflib.get_close_matches(key, read, n=1, cutoff=0.6)
            if close:
                return f"{where} has no {keys} key; did you mean {close[0]!r} for {_cut(key)!r}?"
        return f"{where} has no {keys} key; add {example}"
    value = table[present]
    if not isinstance(value, str):
        return f'{where}: {present} must be a string like "module:attr", not {type(value).__name__}'
    if not value.strip():
        return f'{where}: {present} is empty; set it to "module:attr"'
    return (
        f"{where}: {present} is written in a form gestaltd's line reader skips; write "
        f"{present} = {_cut(value)!r} on one line, under a line that is exactly [tool.gestalt]"
    )
