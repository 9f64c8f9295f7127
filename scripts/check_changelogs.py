"""Fail when a distribution's code changed since its last release without a changelog entry.

    uv run scripts/check_changelogs.py

For each distribution, the code (``src/`` and ``pyproject.toml`` of
``packages/gestalt-<x>``) is compared between its last tag ``gestalt-<x>-v*`` (or, before
its first release, nothing at all) and the working tree. If anything changed, its
CHANGELOG.md must list at least one entry under ``## Unreleased``. CI runs this.
"""

from __future__ import annotations

import sys
from pathlib import Path

from changelog import (
    DISTRIBUTIONS,
    EMPTY_TREE,
    ChangelogError,
    git,
    last_tag,
    package_dir,
    unreleased_entries,
)


def problems(repo: Path) -> list[str]:
    """One line per distribution whose changed code has no ``Unreleased`` entry."""
    found = []
    for surface in DISTRIBUTIONS:
        directory = package_dir(repo, surface)
        if not directory.is_dir():
            continue
        tag = last_tag(repo, surface)
        since = tag or EMPTY_TREE
        relative = directory.relative_to(repo).as_posix()
        changed = git(
            repo,
            "diff",
            "--name-only",
            since,
            "--",
            f"{relative}/src",
            f"{relative}/pyproject.toml",
        ).split()
        # Files added since and not yet committed count too.
        changed += git(
            repo, "ls-files", "--others", "--exclude-standard", "--", f"{relative}/src"
        ).split()
        if not changed:
            continue
        changelog = directory / "CHANGELOG.md"
        try:
            entries = unreleased_entries(changelog.read_text(encoding="utf-8"))
        except (OSError, ChangelogError) as error:
            found.append(f"gestalt-{surface}: {changelog.relative_to(repo)}: {error}")
            continue
        if not entries:
            shown = ", ".join(changed[:3]) + (
                f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            )
            found.append(
                f"gestalt-{surface}: code changed since {tag or 'the start (no tag yet)'} "
                f"({shown}) but "
                f"{changelog.relative_to(repo)} has no entry under '## Unreleased'"
            )
    return found


def main() -> int:
    """Print each problem; exit 1 if there is any."""
    repo = Path(git(Path.cwd(), "rev-parse", "--show-toplevel").strip())
    try:
        found = problems(repo)
    except ChangelogError as error:
        print(f"check_changelogs: {error}", file=sys.stderr)
        return 2
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print("changelogs: every changed distribution has an Unreleased entry")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
