"""``explain_missing_target``: one distinct line for each way a TARGET goes missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestalt.core._pyproject import (
    explain_missing_target,
    kinds_in_pyproject,
    target_from_pyproject,
)

CASES = [
    pytest.param(
        None,
        "integration",
        "pyproject.toml does not exist; create it with a [tool.gestalt] table holding "
        'provider = "module:attr"',
        id="no-file",
    ),
    pytest.param(
        '[tool.gestalt]\nprovider = "a:b',
        "integration",
        "pyproject.toml is not valid TOML: ",
        id="toml-syntax",
    ),
    pytest.param(
        b'[tool.gestalt]\nprovider = "\xff"\n',
        "integration",
        "pyproject.toml is not UTF-8 text",
        id="not-utf8",
    ),
    pytest.param(
        '[project]\nname = "x"\n',
        "cache",
        'pyproject.toml has no [tool.gestalt] table; add one holding cache = "module:attr"',
        id="no-table",
    ),
    pytest.param(
        '[tool.gestalt]\nprovidr = "a:b"\n',
        "integration",
        "has no 'provider' or 'plugin' key; did you mean 'provider' for 'providr'?",
        id="key-typo",
    ),
    pytest.param(
        '[tool.gestalt]\nsecrets = "a:b"\n',
        "integration",
        "has no 'provider' or 'plugin' key; it names a target for KIND 'secrets' only",
        id="another-kind",
    ),
    pytest.param(
        '[tool.gestalt]\nname = "x"\n',
        "s3",
        "has no 's3' key; add s3 = \"module:attr\"",
        id="no-key",
    ),
    pytest.param(
        "[tool.gestalt]\ncache = 3\n",
        "cache",
        'cache must be a string like "module:attr", not int',
        id="not-a-string",
    ),
    pytest.param(
        '[tool.gestalt]\ncache = "  "\n',
        "cache",
        'cache is empty; set it to "module:attr"',
        id="empty",
    ),
    pytest.param(
        '[tool]\ngestalt.cache = "store:cache"\n',
        "cache",
        "cache is written in a form gestaltd's line reader skips; write cache = 'store:cache' "
        "on one line, under a line that is exactly [tool.gestalt]",
        id="dotted-key",
    ),
    pytest.param(
        '[tool.gestalt]\ncache = """store:big_cache"""\n',
        "cache",
        "cache is written in a form gestaltd's line reader skips",
        id="multi-line-string",
    ),
]


@pytest.mark.parametrize(("content", "kind", "message"), CASES)
def test_each_cause_has_its_own_message(
    tmp_path: Path, content: str | bytes | None, kind: str, message: str
) -> None:
    if isinstance(content, bytes):
        (tmp_path / "pyproject.toml").write_bytes(content)
    elif content is not None:
        (tmp_path / "pyproject.toml").write_text(content)
    assert target_from_pyproject(tmp_path, kind) is None
    explanation = explain_missing_target(tmp_path, kind)
    assert message in explanation
    assert "\n" not in explanation


def test_messages_are_distinct(tmp_path: Path) -> None:
    seen = set()
    for index, case in enumerate(CASES):
        content, kind, _ = case.values
        root = tmp_path / str(index)
        root.mkdir()
        if isinstance(content, bytes):
            (root / "pyproject.toml").write_bytes(content)
        elif isinstance(content, str):
            (root / "pyproject.toml").write_text(content)
        seen.add(explain_missing_target(root, str(kind)).replace(str(root), "ROOT"))
    assert len(seen) == len(CASES)


def test_a_long_key_is_cut(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.gestalt]\nprovider{"x" * 5000} = "a"\n')
    explanation = explain_missing_target(tmp_path, "integration")
    assert len(explanation) < 400 + len(str(tmp_path))


def test_kinds_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gestalt]\nplugin = "p:plugin"\ncache = "c:cache"\ns3 = ""\n'
    )
    assert kinds_in_pyproject(tmp_path) == ["integration", "cache"]
