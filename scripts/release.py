"""Release ONE distribution: bump, changelog, build, check, and the tag to push.

    uv run scripts/release.py cache minor             # 0.1.0 -> 0.2.0, in the work tree
    uv run scripts/release.py s3 0.3.0rc1 --dry-run   # the same on a copy; nothing changes

Steps: write the new version to ``src/gestalt/<x>/_version.py``; move the CHANGELOG's
``## Unreleased`` entries under ``## <version> - <date>``; build only that distribution
(``uv build --package gestalt-<x>``); ``twine check --strict`` the wheel and sdist; print
the tag ``gestalt-<x>-v<version>``. Pushing the tag makes the publish workflow upload to
PyPI. ``--dry-run`` does all of it on a temporary copy of the distribution (CI runs it).
"""

from __future__ import annotations

import argparse
import datetime
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from changelog import (
    DISTRIBUTIONS,
    ChangelogError,
    package_dir,
    release_changelog,
    tag_prefix,
)

REPO = Path(__file__).resolve().parent.parent
BUMPS = ("major", "minor", "patch")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)((?:a|b|rc)\d+)?$")
_VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)


class ReleaseError(Exception):
    """A release that cannot go ahead; the message says why."""


def version_file(directory: Path, surface: str) -> Path:
    """``src/gestalt/<surface>/_version.py`` of a distribution directory."""
    return directory / "src" / "gestalt" / surface / "_version.py"


def read_version(directory: Path, surface: str) -> str:
    """The ``__version__`` a distribution declares."""
    match = _VERSION_LINE.search(version_file(directory, surface).read_text(encoding="utf-8"))
    if match is None:
        raise ReleaseError(f"no __version__ line in {version_file(directory, surface)}")
    return match.group(1)


def next_version(current: str, wanted: str) -> str:
    """``wanted`` itself (X.Y.Z, optionally aN/bN/rcN), or ``current`` bumped by its name.

    Raises:
        ReleaseError: A malformed version, or one not above ``current``.
    """
    now = _VERSION.match(current)
    if now is None:
        raise ReleaseError(f"current version {current!r} is not X.Y.Z[aN|bN|rcN]")
    major, minor, patch = (int(part) for part in now.groups()[:3])
    if wanted in BUMPS:
        return {
            "major": f"{major + 1}.0.0",
            "minor": f"{major}.{minor + 1}.0",
            "patch": f"{major}.{minor}.{patch + 1}",
        }[wanted]
    new = _VERSION.match(wanted)
    if new is None:
        raise ReleaseError(
            f"VERSION {wanted[:40]!r} is not major, minor, patch or X.Y.Z[aN|bN|rcN]"
        )
    if _order(new) <= _order(now):
        raise ReleaseError(f"VERSION {wanted} is not above the current {current}")
    return wanted


def _order(match: re.Match[str]) -> tuple[int, int, int, int, str]:
    # A pre-release sorts before its final release; aN < bN < rcN by their letters.
    major, minor, patch, pre = match.groups()
    return int(major), int(minor), int(patch), 0 if pre else 1, pre or ""


def apply(directory: Path, surface: str, version: str, date: str) -> None:
    """Write the version and move the changelog entries, in ``directory``."""
    changelog = directory / "CHANGELOG.md"
    text = release_changelog(changelog.read_text(encoding="utf-8"), version, date)
    path = version_file(directory, surface)
    path.write_text(
        _VERSION_LINE.sub(f'__version__ = "{version}"', path.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    changelog.write_text(text, encoding="utf-8")


def build_and_check(build: list[str], out: Path) -> list[Path]:
    """Run the build command into ``out``, then ``twine check --strict`` what it made."""
    subprocess.run([*build, "--no-sources", "--out-dir", str(out)], check=True, timeout=600)
    made = sorted(path for path in out.iterdir() if path.suffix in (".whl", ".gz"))
    if len(made) != 2:
        raise ReleaseError(f"expected a wheel and an sdist in {out}, found {len(made)} files")
    subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, made)],
        check=True,
        timeout=120,
    )
    return made


def release(surface: str, wanted: str, *, dry_run: bool, date: str) -> str:
    """Release one distribution (or rehearse it); returns the tag to push."""
    directory = package_dir(REPO, surface)
    version = next_version(read_version(directory, surface), wanted)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="gestalt-release-") as scratch:
            copy = Path(scratch) / directory.name
            shutil.copytree(directory, copy)
            apply(copy, surface, version, date)
            made = build_and_check(["uv", "build", str(copy)], Path(scratch) / "dist")
            print(f"dry run: built and checked {', '.join(path.name for path in made)}")
    else:
        apply(directory, surface, version, date)
        out = REPO / "dist" / f"gestalt-{surface}-{version}"
        shutil.rmtree(out, ignore_errors=True)
        made = build_and_check(["uv", "build", "--package", f"gestalt-{surface}"], out)
        print(f"built and checked {', '.join(str(path) for path in made)}")
    return f"{tag_prefix(surface)}{version}"


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and release; returns the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("surface", choices=DISTRIBUTIONS, help="the distribution gestalt-SURFACE")
    parser.add_argument("version", help="major, minor, patch, or an explicit X.Y.Z[aN|bN|rcN]")
    parser.add_argument("--dry-run", action="store_true", help="rehearse on a copy")
    parser.add_argument(
        "--date",
        default=datetime.date.today().isoformat(),
        help="the release date for the changelog (default: today)",
    )
    args = parser.parse_args(argv)
    try:
        tag = release(args.surface, args.version, dry_run=args.dry_run, date=args.date)
    except (ReleaseError, ChangelogError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"release: {error.cmd[0]} failed (exit status {error.returncode})", file=sys.stderr)
        return 1
    if not args.dry_run:
        print(f'next: git commit -am "gestalt-{args.surface}: release {tag}" && git tag {tag}')
        print(f"      git push origin {tag}   (the publish workflow uploads it to PyPI)")
    print(tag)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
