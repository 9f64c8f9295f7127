"""``python -m gestalt.integration migrate PATH [--write]``: port an upstream provider.

Dry run by default: prints the unified diff of every file it would change and the uses
that need a decision by hand. ``--write`` applies the diff.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gestalt.integration._migrate import migrate_tree


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (1 when a file is not Python)."""
    parser = argparse.ArgumentParser(
        prog="python -m gestalt.integration",
        description="Tools for gestalt-integration providers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser(
        "migrate",
        help="rewrite an upstream gestalt-sdk provider's imports and dependency lines",
    )
    migrate.add_argument("path", type=Path, help="the provider's directory (or one file)")
    migrate.add_argument("--write", action="store_true", help="apply the changes")
    args = parser.parse_args(argv)
    if not args.path.exists():
        parser.error(f"{args.path}: no such file or directory")
    try:
        changes = list(migrate_tree(args.path))
    except SyntaxError as error:
        print(f"{error.filename or args.path}:{error.lineno}: not Python: {error.msg}")
        return 1
    for change in changes:
        sys.stdout.write(change.diff())
        for note in change.notes:
            print(f"{change.path}:{note}")
        if args.write and change.after != change.before:
            change.path.write_text(change.after, encoding="utf-8")
    edited = sum(change.after != change.before for change in changes)
    verb = "changed" if args.write else "to change (dry run; --write applies)"
    print(f"{edited} file(s) {verb}; {sum(len(c.notes) for c in changes)} note(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
