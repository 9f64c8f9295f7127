"""``python -m gestalt._build ROOT TARGET OUTPUT PLUGIN_NAME RUNTIME_KIND GOOS GOARCH``."""

from __future__ import annotations

import sys

USAGE = "usage: python -m gestalt._build ROOT TARGET OUTPUT PLUGIN_NAME RUNTIME_KIND GOOS GOARCH"


def main(argv: list[str] | None = None) -> int:
    """Build a release binary as ``gestaltd provider release`` asks; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 7:
        print(USAGE, file=sys.stderr)
        return 2
    from gestalt._build._bundle import BuildError, BuildRequest, build

    try:
        build(BuildRequest(*args))
    except BuildError as error:
        print(f"gestalt build: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
