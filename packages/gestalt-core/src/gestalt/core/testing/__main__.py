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
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format

from gestalt.core.testing._catalog_export import export_catalog
from gestalt.core.testing._host_cache import HostCacheService
from gestalt.core.testing._host_contract import EmulatorError
from gestalt.core.testing._host_s3 import HostS3Service
from gestalt.core.testing._host_services import HostService
from gestalt.core.testing._interpreter import choose_interpreter
from gestalt.core.testing._process import ProviderProcess, launch
from gestalt.provider.v1 import plugin_pb2


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gestalt.core.testing",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("root", help="the provider directory (ROOT)")
    parser.add_argument(
        "--kind", default="integration", help="integration, auth, cache, secrets or s3"
    )
    parser.add_argument("--target", help="TARGET; default: [tool.gestalt] in ROOT/pyproject.toml")
    parser.add_argument("--name", default="demo", help="instance name sent at start-up")
    parser.add_argument("--config", default="{}", help="provider config as a JSON object")
    interpreter = parser.add_mutually_exclusive_group()
    interpreter.add_argument("--python", help="interpreter; default: the one running this")
    interpreter.add_argument(
        "--host-python",
        action="store_true",
        help="pick the interpreter as gestaltd does (ROOT's venv, GESTALT_PYTHON, python3 on"
        " PATH, ...) to check a deployment",
    )
    parser.add_argument(
        "--call",
        nargs=2,
        action="append",
        default=[],
        metavar=("OPERATION", "PARAMS"),
        help="execute OPERATION with PARAMS (a JSON object); repeatable",
    )
    parser.add_argument(
        "--calls",
        type=Path,
        help='JSON file: [{"operation", "params", "connection_params", "context", "token"}, ...]',
    )
    for service in ("cache", "s3"):
        parser.add_argument(
            f"--{service}",
            action="append",
            default=[],
            metavar="BINDING",
            help=f'serve a host {service} binding to the provider ("" for the unnamed one);'
            " repeatable, integration only",
        )
    return parser.parse_args(argv)


def _calls(args: argparse.Namespace) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = [
        {"operation": op, "params": json.loads(params)} for op, params in args.call
    ]
    if args.calls is not None:
        calls += json.loads(args.calls.read_text())
    return calls


def _execute(proc: ProviderProcess, call: dict[str, Any]) -> plugin_pb2.OperationResult:
    context = None
    if call.get("context"):
        context = json_format.ParseDict(call["context"], plugin_pb2.RequestContext())
    return proc.execute(
        call["operation"],
        call.get("params") or {},
        token=call.get("token", ""),
        connection_params=call.get("connection_params"),
        invocation_id=f"demo-{call['operation']}",
        context=context,
    )


def _interpreter_origin(args: argparse.Namespace) -> str:
    if args.python is not None:
        return "--python"
    if args.host_python:
        return "gestaltd's choice, --host-python"
    return "the emulator's own; --host-python for gestaltd's choice"


def main(argv: list[str] | None = None) -> int:
    """Run the emulator CLI; returns the exit status."""
    args = _parse(argv)
    config = json.loads(args.config)
    say = print
    services: list[HostService] = [HostCacheService(b) for b in args.cache]
    services += [HostS3Service(b) for b in args.s3]
    say(f"host emulator: {args.root} (kind {args.kind})")
    try:
        python = choose_interpreter(Path(args.root).resolve(), args.python, args.host_python)
        say(f"interpreter: {python} ({_interpreter_origin(args)})")
        if args.kind == "integration":
            with tempfile.TemporaryDirectory(prefix="gstp-catalog-") as scratch:
                exported = export_catalog(
                    args.root,
                    target=args.target,
                    python=python,
                    path=Path(scratch) / "catalog.yaml",
                )
            ids = [op["id"] for op in exported.catalog.get("operations", [])]
            say(f"catalog export: exit 0, {len(ids)} operations: {', '.join(ids)}")
        with launch(
            args.root,
            args.kind,
            target=args.target,
            name=args.name,
            config=config,
            python=python,
            host_services=services,
        ) as proc:
            say(
                f"spawned pid {proc.pid}: python -m gestalt._runtime "
                f"{proc.root} {proc.target} {args.kind}"
            )
            for variable, path in proc.host_env.items():
                say(f"host service: {variable}={path}")
            say(f"socket ready after {proc.time_to_socket * 1000:.0f} ms")
            if proc.metadata is not None:
                say(
                    "GetMetadata: supports_session_catalog="
                    f"{proc.metadata.supports_session_catalog}"
                )
                say(f"StartProvider(name={args.name!r}): protocol version 2 accepted")
            if proc.identity is not None:
                say(
                    f"identity: {proc.identity.name or '(unnamed)'} "
                    f"{proc.identity.version}".rstrip()
                )
                say(f"ConfigureProvider(name={args.name!r}): protocol version 2 accepted")
                health = proc.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10)
                say(f"HealthCheck: ready={health.ready} {health.message}".rstrip())
            for call in _calls(args):
                result = _execute(proc, call)
                extras = [key for key in ("connection_params", "context", "token") if call.get(key)]
                given = f" (+ {', '.join(extras)})" if extras else ""
                say(
                    f"Execute {call['operation']} {json.dumps(call.get('params') or {})}{given}"
                    f" -> {result.status} {result.body}"
                )
            stop = proc.stop()
        removed = "socket removed" if stop.socket_removed else "socket left behind"
        say(f"SIGTERM: exit {stop.exit_code} after {stop.seconds * 1000:.0f} ms, {removed}")
    except (EmulatorError, grpc.RpcError) as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
