"""What the release tools need from a distribution's CHANGELOG.md and the git history.

Each distribution keeps ``packages/gestalt-<x>/CHANGELOG.md`` with a ``## Unreleased``
section on top; a release moves its entries under ``## <version> - <date>`` and is tagged
``gestalt-<x>-v<version>``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

DISTRIBUTIONS = ("core", "integration", "auth", "cache", "secrets", "s3")
UNRELEASED = "## Unreleased"
#: git's empty tree: "since the start" for a distribution that has no release tag yet.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_HEADING = re.compile(r"^## ", re.MULTILINE)


class ChangelogError(ValueError):
    """A CHANGELOG.md the tools cannot work with; the message says what to fix."""


def package_dir(repo: Path, surface: str) -> Path:
    """``packages/gestalt-<surface>`` in ``repo``."""
    return repo / "packages" / f"gestalt-{surface}"


def tag_prefix(surface: str) -> str:
    """The tag of a release is this prefix followed by the version."""
    return f"gestalt-{surface}-v"


def unreleased_entries(text: str) -> list[str]:
    """The list items under ``## Unreleased`` (the lines that start with ``- ``)."""
    start = text.find(f"\n{UNRELEASED}\n")
    if start < 0:
        raise ChangelogError(f"no '{UNRELEASED}' section")
    body_start = start + len(UNRELEASED) + 2
    following = _HEADING.search(text, body_start)
    body = text[body_start : following.start() if following else len(text)]
    return [line for line in body.splitlines() if line.startswith("- ")]


def release_changelog(text: str, version: str, date: str) -> str:
    """Move the ``Unreleased`` entries under ``## <version> - <date>``; a new empty
    ``Unreleased`` stays on top.

    Raises:
        ChangelogError: No ``Unreleased`` section, or nothing in it to release.
    """
    if not unreleased_entries(text):
        raise ChangelogError(f"'{UNRELEASED}' lists no change: nothing to release")
    if re.search(rf"^## {re.escape(version)}\b", text, re.MULTILINE):
        raise ChangelogError(f"version {version} is already in the changelog")
    return text.replace(f"\n{UNRELEASED}\n", f"\n{UNRELEASED}\n\n## {version} - {date}\n", 1)


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its standard output."""
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise ChangelogError(f"git {' '.join(args)} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def last_tag(repo: Path, surface: str) -> str | None:
    """The highest ``gestalt-<surface>-v*`` tag by version, or ``None``."""
    tags = git(repo, "tag", "--list", f"{tag_prefix(surface)}*", "--sort=-v:refname").split()
    return tags[0] if tags else None
