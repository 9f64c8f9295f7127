"""``python -m gestalt._runtime ROOT [TARGET [KIND]]``: what gestaltd launches."""

from __future__ import annotations

import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the runtime; returns the exit status."""
    # The host hands us its stderr descriptor for both streams: flush by line so nothing
    # sits in a buffer when the process is killed.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:  # imports gestalt.core, which refuses a namespace hidden by upstream's package
        from gestalt._runtime._launch import LaunchError, load_provider, read_launch
        from gestalt.core._wire import HOST_VARIABLES
    except ImportError as error:
        if error.name != "gestalt":  # only the shadowed namespace is the user's to fix
            raise
        print(f"gestalt runtime: {error}", file=sys.stderr)
        return 2
    try:
        launch = read_launch(sys.argv[1:] if argv is None else argv, os.environ)
        surface, loaded = load_provider(launch)
        if launch.catalog_path:
            if loaded.write_catalog is None:
                raise LaunchError(
                    f"{HOST_VARIABLES[launch.protocol].write_catalog} is set, but KIND "
                    f"{launch.kind!r} has no "
                    "catalog; catalog export is for integration providers only"
                )
            from pathlib import Path  # catalog export only (pathlib costs a serving start ~4 ms)

            loaded.write_catalog(Path(launch.catalog_path))
            return 0
        from gestalt._runtime._process import serve  # the server, only when serving

        return serve(launch, surface.kind, loaded)
    except LaunchError as error:
        print(f"gestalt runtime: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
