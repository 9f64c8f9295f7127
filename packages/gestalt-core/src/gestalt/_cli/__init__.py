"""The ``gestalt`` command: run a provider as gestaltd does, or build its release binary.

A host's ``gestalt run . TARGET [KIND]`` starts as lean as ``python -m gestalt._runtime``:
it goes straight to the runtime. Help and the build forms use argparse, and nothing of
gRPC is imported until a subcommand needs it (``gestalt --help`` imports no grpc).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

DESCRIPTION = """\
Run or build a Gestalt provider: a directory whose pyproject.toml names the provider
under [tool.gestalt], e.g. provider = "provider:plugin", and whose manifest.yaml says
its kind and source.

  gestalt run . TARGET [KIND]   serve it as gestaltd starts it (gestaltd sets the socket)
  gestalt build                 bundle it into .gestaltd/bin/NAME, where gestaltd looks

To try a provider locally, run it under the host emulator instead:
  python -m gestalt.core.testing ROOT --calls calls.json
"""

RUN_DESCRIPTION = """\
Serve the provider in ROOT, as a provider manifest's run command asks
(run: {command: [uv, run, gestalt, run, ., TARGET]}); the same as
`python -m gestalt._runtime ROOT TARGET KIND`, which the gestaltd of April 2026 runs.
The host's variables say which protocol to serve: GESTALT_PROVIDER_SOCKET (protocol 5)
or GESTALT_PLUGIN_SOCKET (protocol 2); with GESTALT_APP_WRITE_CATALOG or
GESTALT_PLUGIN_WRITE_CATALOG set instead, an integration writes its static catalog
there and exits.

KIND defaults to the kind ROOT's manifest declares, else the kind whose own
[tool.gestalt] key names TARGET, else integration. TARGET defaults to the
[tool.gestalt] entry for KIND.
"""

BUILD_DESCRIPTION = """\
Bundle the provider in ROOT, the gestalt runtime and its surface into one executable
with PyInstaller (install it with: pip install 'gestalt-core[build]'). The executable
serves when started with no arguments, as gestaltd starts a built provider. With no
arguments or ROOT alone, the kind comes from ROOT's manifest (else [tool.gestalt]),
TARGET from [tool.gestalt], the name from the last segment of the manifest's source,
and the platform from GESTALT_TARGET_OS and GESTALT_TARGET_ARCH, which must name this
machine's platform. The seven-argument form is that of `python -m gestalt._build`,
which the gestaltd of April 2026 runs.
"""

BUILD_USAGE = """\
gestalt build [-h] [--output PATH] [--kind K] [--name N] [ROOT]
       gestalt build ROOT TARGET OUTPUT NAME KIND GOOS GOARCH"""
_EXPLICIT_BUILD_ARGS = 7


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The ``gestalt`` parser and its ``build`` subparser (for errors of the build forms)."""
    import argparse  # not on a host's `gestalt run` start (see main)

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
        help="integration or app, auth or identity, cache, secrets or s3 (any case)",
    )
    build = commands.add_parser(
        "build",
        help="bundle a provider into one executable",
        description=BUILD_DESCRIPTION,
        usage=BUILD_USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "args", metavar="ROOT", nargs="*", help="the provider directory (default: .)"
    )
    build.add_argument(
        "--output",
        metavar="PATH",
        help="where to write the executable (default: ROOT/.gestaltd/bin/NAME)",
    )
    build.add_argument(
        "--kind",
        metavar="K",
        help="integration or app, auth or identity, cache, secrets or s3 (default: the "
        "manifest's kind, else the only kind in [tool.gestalt])",
    )
    build.add_argument(
        "--name",
        metavar="N",
        help="the provider name to bundle (default: the last segment of the manifest's "
        "source, else [project] name)",
    )
    return parser, build


def main(argv: list[str] | None = None) -> int:
    """Run the ``gestalt`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"] and 2 <= len(argv) <= 4 and not any(a.startswith("-") for a in argv):
        # A host's `gestalt run . TARGET [KIND]`: straight to the runtime. argparse (and the
        # shutil, gettext, bz2 and lzma it imports) would cost every start a few ms.
        from gestalt._cli._run import run_command

        root, target, kind = [*argv[1:], "", ""][:3]  # "" stands for "not given"
        return run_command(root, target, kind)
    parser, build_parser = _parsers()
    args = parser.parse_args(argv)
    if args.command == "run":
        from gestalt._cli._run import run_command

        return run_command(args.root, args.target, args.kind)
    from gestalt._cli._build import build_command, explicit_build_command

    given = args.args
    if len(given) == _EXPLICIT_BUILD_ARGS and not (args.output or args.kind or args.name):
        return explicit_build_command(given)
    if len(given) > 1:
        build_parser.error(
            f"gestalt build takes ROOT alone or {_EXPLICIT_BUILD_ARGS} arguments, not {len(given)}"
        )
    root = given[0] if given else "."
    return build_command(root, output=args.output, kind=args.kind, name=args.name)
