"""``python -m gestalt._runtime ROOT [TARGET [KIND]]``: what gestaltd launches (HOST.md 1)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time


def _env_socket() -> tuple[str, int | None]:
    from gestalt._runtime._launch import LaunchError

    socket_path = os.environ.get("GESTALT_PLUGIN_SOCKET", "")
    if not socket_path:
        raise LaunchError(
            "GESTALT_PLUGIN_SOCKET is not set: the runtime is meant to be started by gestaltd "
            "(or gestalt.core.testing); set it to the Unix socket path to serve on"
        )
    raw_pid = os.environ.get("GESTALT_PLUGIN_PARENT_PID", "").strip()
    if not raw_pid:
        return socket_path, None
    try:
        return socket_path, int(raw_pid)
    except ValueError:
        raise LaunchError(f"GESTALT_PLUGIN_PARENT_PID={raw_pid!r} is not a process id") from None


def main(argv: list[str] | None = None) -> int:
    """Run the runtime; returns the exit status."""
    # The host hands us its stderr descriptor for both streams (HOST.md 9): flush by line
    # so nothing sits in a buffer when the process is killed.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )

    from gestalt._runtime._launch import (
        LaunchError,
        check_namespace,
        load_surface,
        load_target,
        parse_args,
    )
    from gestalt.core._surface import TargetError

    try:
        launch = parse_args(sys.argv[1:] if argv is None else argv)
        check_namespace()
        surface = load_surface(launch.kind)
        catalog_path = os.environ.get("GESTALT_PLUGIN_WRITE_CATALOG", "")
        # Catalog export comes first: the host sets no socket variable for it (HOST.md 7.2).
        socket_path, parent_pid = ("", None) if catalog_path else _env_socket()
        try:
            loaded = surface.load(load_target(launch))
        except TargetError as error:
            raise LaunchError(f"TARGET {launch.target!r} (KIND {launch.kind!r}): {error}") from None
        if catalog_path:
            if loaded.write_catalog is None:
                raise LaunchError(
                    f"GESTALT_PLUGIN_WRITE_CATALOG is set, but KIND {launch.kind!r} has no "
                    "catalog; catalog export is for integration providers only"
                )
            from pathlib import Path

            loaded.write_catalog(Path(catalog_path))
            return 0

        from gestalt._runtime._process import handlers_still_running, serve

        asyncio.run(serve(loaded, surface.kind, launch.root, socket_path, parent_pid))
    except LaunchError as error:
        print(f"gestalt runtime: {error}", file=sys.stderr)
        return 2
    if handlers_still_running(time.monotonic() + 0.2):
        # A blocking handler outlived the drain; interpreter exit would wait for it and
        # the host would SIGKILL us. Leave now.
        logging.shutdown()
        os._exit(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
