"""``python -m gestalt.core.testing ROOT``: run a provider under the host emulator.

For an integration provider: export its static catalog, launch it, run the start-up
sequence, execute the calls given with ``--call`` or ``--calls FILE``, then stop it.
Other kinds: launch, start up, health-check, stop. Each step is printed as it happens.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import grpc
from google.protobuf import empty_pb2

from gestalt.core._pyproject import (
    explain_missing_target,
    kinds_in_pyproject,
    target_from_pyproject,
)
from gestalt.core.testing._catalog_export import export_catalog
from gestalt.core.testing._cli_args import Call, parse_arguments
from gestalt.core.testing._host_cache import HostCacheService
from gestalt.core.testing._host_contract import OUTPUT_TAIL_CHARS, EmulatorError
from gestalt.core.testing._host_s3 import HostS3Service
from gestalt.core.testing._host_services import HostService
from gestalt.core.testing._interpreter import choose_interpreter
from gestalt.core.testing._process import ProviderProcess, launch, result_text

say = print


def _interpreter_origin(args: argparse.Namespace) -> str:
    if args.python is not None:
        return "--python"
    if args.host_python:
        return "gestaltd's choice, --host-python"
    return "the emulator's own; --host-python for gestaltd's choice"


def _run_call(proc: ProviderProcess, call: Call) -> None:
    before = len(proc.output())
    result = proc.execute(
        call.operation,
        call.params,
        token=call.token,
        connection_params=call.connection_params,
        invocation_id=f"demo-{call.operation}",
        context=call.context,
    )
    extras = [
        name
        for name, given in (
            ("connection_params", call.connection_params),
            ("context", call.context),
            ("token", call.token),
        )
        if given
    ]
    given = f" (+ {', '.join(extras)})" if extras else ""
    params = json.dumps(call.params)
    say(f"Execute {call.operation} {params}{given} -> {result.status} {result_text(result)}")
    if result.status >= 500:
        # The host shows the user only the status; the provider's stderr says why.
        written = proc.output()[before:][-OUTPUT_TAIL_CHARS:].rstrip()
        say("provider output during the call:" if written else "provider wrote nothing")
        for line in written.splitlines():
            say(f"  | {line}")


def _suggest_kind(root: Path, kind: str, target: str | None) -> None:
    # A provider of another kind run with the default --kind: say which flag to add.
    if target is None and target_from_pyproject(root, kind) is None:
        others = [other for other in kinds_in_pyproject(root) if other != kind]
        if others:
            raise EmulatorError(
                f"no TARGET for KIND {kind!r}: {explain_missing_target(root, kind)}; "
                f"run with --kind {others[0]}"
            )


def _run(args: argparse.Namespace) -> None:
    root = Path(args.root).resolve()
    _suggest_kind(root, args.kind, args.target)
    python = choose_interpreter(root, args.python, args.host_python)
    say(f"interpreter: {python} ({_interpreter_origin(args)})")
    services: list[HostService] = [HostCacheService(b) for b in args.cache]
    services += [HostS3Service(b) for b in args.s3]
    if args.kind == "integration":
        with tempfile.TemporaryDirectory(prefix="gstp-catalog-") as scratch:
            exported = export_catalog(
                root,
                target=args.target,
                python=python,
                path=Path(scratch) / "catalog.yaml",
                protocol=args.protocol,
            )
        ids = [op["id"] for op in exported.catalog.get("operations", [])]
        say(f"catalog export: exit 0, {len(ids)} operations: {', '.join(ids)}")
    with launch(
        root,
        args.kind,
        target=args.target,
        name=args.name,
        config=args.config,
        python=python,
        host_services=services,
        protocol=args.protocol,
    ) as proc:
        shown = " ".join(["python", *proc.command[1:]])
        where = f" in {root}" if args.protocol == 5 else ""
        say(f"spawned pid {proc.pid} (protocol {args.protocol}): {shown}{where}")
        for variable, path in proc.host_env.items():
            say(f"host service: {variable}={path}")
        say(f"socket ready after {proc.time_to_socket * 1000:.0f} ms")
        if proc.metadata is not None:
            say(f"GetMetadata: supports_session_catalog={proc.metadata.supports_session_catalog}")
            say(f"StartProvider(name={args.name!r}): protocol version {args.protocol} accepted")
        if proc.identity is not None:
            say(f"identity: {proc.identity.name or '(unnamed)'} {proc.identity.version}".rstrip())
            say(f"ConfigureProvider(name={args.name!r}): protocol version {args.protocol} accepted")
            health = proc.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10)
            say(f"HealthCheck: ready={health.ready} {health.message}".rstrip())
        for call in [*args.call, *args.calls]:
            _run_call(proc, call)
        stop = proc.stop()
    removed = "socket removed" if stop.socket_removed else "socket left behind"
    say(f"SIGTERM: exit {stop.exit_code} after {stop.seconds * 1000:.0f} ms, {removed}")


def main(argv: list[str] | None = None) -> int:
    """Run the emulator CLI; returns the exit status (2: bad arguments, 1: the provider failed)."""
    args = parse_arguments(argv, __doc__.splitlines()[0] if __doc__ else None)
    say(f"host emulator: {args.root} (kind {args.kind})")
    try:
        _run(args)
    except EmulatorError as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 1
    except grpc.RpcError as error:
        print(
            f"emulator: the provider answered {error.code().name}: {error.details()}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
