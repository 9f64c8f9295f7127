"""The ``gestalt`` command: run a provider as gestaltd does, or build its release binary.

Start-up stays as lean as the runtime's: argparse only, and nothing of gRPC until a
subcommand needs it (``gestalt --help`` imports no grpc).
"""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Run or build a Gestalt provider: a directory whose pyproject.toml names the provider
under [tool.gestalt], e.g. provider = "provider:plugin" (an integration) or
cache = "my_cache:provider".

  gestalt run .            serve it the way gestaltd launches it (gestaltd sets the socket)
  gestalt build .          bundle it into one executable for `gestaltd provider release`

To try a provider locally, run it under the host emulator instead:
  python -m gestalt.core.testing ROOT --calls calls.json
"""

RUN_DESCRIPTION = """\
Serve the provider in ROOT exactly as `python -m gestalt._runtime ROOT [TARGET [KIND]]`,
the command gestaltd runs for a provider from source. gestaltd sets GESTALT_PLUGIN_SOCKET
(the Unix socket to serve on) and GESTALT_PLUGIN_PARENT_PID; with
GESTALT_PLUGIN_WRITE_CATALOG set instead, an integration writes its static catalog there
and exits.
"""

BUILD_DESCRIPTION = """\
Bundle the provider in ROOT, the gestalt runtime and its surface into one executable
with PyInstaller (install it with: pip install 'gestalt-core[build]'). The executable
serves when started with no arguments, as gestaltd starts a release. TARGET comes from
[tool.gestalt] in ROOT/pyproject.toml; the build is for this machine's platform only.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gestalt",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="serve a provider as gestaltd launches it",
        description=RUN_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("root", metavar="ROOT", help="the provider directory")
    run.add_argument(
        "target",
        metavar="TARGET",
        nargs="?",
        help="module or module:attribute; default: the [tool.gestalt] entry for KIND",
    )
    run.add_argument(
        "kind",
        metavar="KIND",
        nargs="?",
        help="integration (default), auth, cache, secrets or s3",
    )
    build = commands.add_parser(
        "build",
        help="bundle a provider into one release executable",
        description=BUILD_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "root", metavar="ROOT", nargs="?", default=".", help="the provider directory (default: .)"
    )
    build.add_argument(
        "--output",
        metavar="PATH",
        help="where to write the executable (default: ROOT/dist/gestalt-plugin-NAME)",
    )
    build.add_argument(
        "--kind",
        metavar="K",
        help="integration, auth, cache, secrets or s3 (default: the manifest's kind, "
        "else the only kind in [tool.gestalt])",
    )
    build.add_argument(
        "--name",
        metavar="N",
        help="the plugin name to bundle (default: the last segment of the manifest's "
        "source, else [project] name)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``gestalt`` command; returns the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "run":
        from gestalt._runtime.__main__ import main as runtime_main

        given = [value for value in (args.target, args.kind) if value is not None]
        return runtime_main([args.root, *given])
    from gestalt._cli._build import build_command

    return build_command(args.root, output=args.output, kind=args.kind, name=args.name)
