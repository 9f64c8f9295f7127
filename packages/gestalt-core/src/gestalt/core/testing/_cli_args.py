"""The emulator CLI's arguments, checked before anything starts: each mistake is one line."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from google.protobuf import json_format

from gestalt.core._kinds import ProviderKind
from gestalt.core._wire import stubs
from gestalt.core.testing._host_contract import LINE_CHARS, wire_of

_CALL_KEYS = ("operation", "params", "connection_params", "context", "token")


@dataclasses.dataclass(frozen=True)
class Call:
    """One ``Execute`` to make, as given on the command line or in a ``--calls`` file;
    ``context`` is a ``RequestContext`` of the ``--protocol``'s generation."""

    operation: str
    params: dict[str, Any]
    token: str = ""
    connection_params: dict[str, str] = dataclasses.field(default_factory=dict)
    context: Any = None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage block, and never an unbounded echo of what was typed.
        message = " ".join(message.split())
        if len(message) > LINE_CHARS:
            message = message[:LINE_CHARS] + "... (cut)"
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _kind_word(word: str) -> str:
    """A kind word of either protocol, as the surface's word (``identity`` is ``auth``)."""
    try:
        return ProviderKind.from_word(word.strip().lower()).value
    except ValueError:
        words = "integration (or app), auth (or identity), cache, secrets, s3"
        raise argparse.ArgumentTypeError(f"{word[:40]!r} is not one of: {words}") from None


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{what} is not JSON: {error}") from None
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise argparse.ArgumentTypeError(f"{what} must be a JSON object, not {kind}")
    return value


def config_argument(text: str) -> dict[str, Any]:
    """``--config``: a JSON object."""
    return _json_object(text, "the config")


class _CallAction(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        operation, params = values if isinstance(values, list) else ("", "")
        try:
            call = Call(operation, _json_object(params, f"PARAMS of {_cut(operation)!r}"))
        except argparse.ArgumentTypeError as error:
            raise argparse.ArgumentError(self, str(error)) from None
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), call])


def _call_from(item: object, where: str, protocol: int) -> Call:
    if not isinstance(item, dict):
        raise argparse.ArgumentTypeError(f"{where} is not a JSON object")
    unknown = sorted(set(item) - set(_CALL_KEYS))
    if unknown:
        names = ", ".join(repr(_cut(str(key), 40)) for key in unknown[:5])
        raise argparse.ArgumentTypeError(
            f"{where} has unknown key(s) {names}; known: {', '.join(_CALL_KEYS)}"
        )
    operation, params = item.get("operation"), item.get("params") or {}
    token, connection = item.get("token", ""), item.get("connection_params") or {}
    if not isinstance(operation, str) or not operation:
        raise argparse.ArgumentTypeError(f'{where} needs an "operation" string')
    if not isinstance(params, dict):
        raise argparse.ArgumentTypeError(f'{where}: "params" must be an object')
    if not isinstance(token, str):
        raise argparse.ArgumentTypeError(f'{where}: "token" must be a string')
    if not isinstance(connection, dict) or not all(
        isinstance(value, str) for value in connection.values()
    ):
        raise argparse.ArgumentTypeError(f'{where}: "connection_params" must map to strings')
    context = None
    if item.get("context"):
        wire = wire_of(protocol)
        messages = stubs(wire, "app" if wire == 5 else "plugin")[0]
        try:
            context = json_format.ParseDict(item["context"], messages.RequestContext())
        except json_format.ParseError as error:
            raise argparse.ArgumentTypeError(
                f'{where}: "context" is not a RequestContext: {error}'
            ) from None
    return Call(operation, params, token, connection, context)


def calls_argument(text: str, protocol: int = 2) -> list[Call]:
    """``--calls FILE``: a JSON list of calls, read and checked at once (contexts against
    ``protocol``'s ``RequestContext``)."""
    name = _cut(text)
    try:
        raw = Path(text).read_text(encoding="utf-8")
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {name}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise argparse.ArgumentTypeError(f"{name} is not UTF-8 text") from None
    try:
        items = json.loads(raw)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{name} is not JSON: {error}") from None
    if not isinstance(items, list):
        raise argparse.ArgumentTypeError(f"{name} must hold a JSON list of calls")
    return [_call_from(item, f"{name} item {index}", protocol) for index, item in enumerate(items)]


def _add_protocol(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--protocol",
        type=int,
        choices=(2, 5),
        default=2,
        help="the gestaltd protocol to play: 2 (default) or 5",
    )


def parse_arguments(argv: list[str] | None, description: str | None) -> argparse.Namespace:
    """Parse the CLI's arguments; a mistake exits with status 2 and one line on stderr."""
    # --protocol first: the calls in a --calls file are checked against its messages.
    early = _Parser(prog="python -m gestalt.core.testing", add_help=False)
    _add_protocol(early)
    protocol = early.parse_known_args(argv)[0].protocol
    parser = _Parser(prog="python -m gestalt.core.testing", description=description)
    parser.add_argument("root", help="the provider directory (ROOT)")
    _add_protocol(parser)
    parser.add_argument(
        "--kind",
        default="integration",
        type=_kind_word,
        help="integration (or app), auth (or identity), cache, secrets, s3",
    )
    parser.add_argument("--target", help="TARGET; default: [tool.gestalt] in ROOT/pyproject.toml")
    parser.add_argument("--name", default="demo", help="instance name sent at start-up")
    parser.add_argument(
        "--config", type=config_argument, default={}, help="provider config as a JSON object"
    )
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
        action=_CallAction,
        default=[],
        metavar=("OPERATION", "PARAMS"),
        help="execute OPERATION with PARAMS (a JSON object); repeatable",
    )
    parser.add_argument(
        "--calls",
        type=functools.partial(calls_argument, protocol=protocol),
        default=[],
        metavar="FILE",
        help=f"JSON file: a list of objects with the keys {', '.join(_CALL_KEYS)}",
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
