"""The host's fixed numbers and the emulator's one error type.

Each figure is what gestaltd uses (docs/host.md): the emulator keeps them so that a provider
that passes here has the same margins under the real host.
"""

from __future__ import annotations

import os
import tempfile
from typing import NoReturn

import grpc

#: Variables copied from the host's own environment into a provider's; nothing else is.
SAFE_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")
#: How long the host waits for the provider's socket file, and how often it looks.
READY_TIMEOUT = 10.0
#: A protocol-5 host's wait for the socket and then for the connection to be ready.
READY_TIMEOUT_V5 = 45.0
POLL = 0.025
#: Between SIGTERM and SIGKILL.
KILL_GRACE = 2.0
#: Deadlines of the runtime kinds' unary calls and of their start-up calls.
RUNTIME_CALL_TIMEOUT = 10.0
CONFIGURE_TIMEOUT = 30.0
#: The deadline of the protocol-5 lifecycle ``StartProvider``.
START_TIMEOUT = 120.0
#: How much of the provider's output an error message carries (its end), and of one line.
OUTPUT_TAIL_CHARS = 4000
LINE_CHARS = 500
#: The prefix of the runtime's one-line reason for a start that cannot work.
RUNTIME_PREFIX = "gestalt runtime: "


def wire_of(protocol: int) -> int:
    """The stub generation a host of ``protocol`` speaks: 5's from 5 on, else 2's."""
    return 5 if protocol >= 5 else 2


class EmulatorError(AssertionError):
    """The provider broke the host's contract (or could not be started)."""


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, details: str) -> NoReturn:
    """End a fake host service's call with ``code`` and ``details``."""
    context.abort(code, details)
    raise AssertionError("context.abort returned")  # it raises; keeps NoReturn honest


def short_temp_base() -> str:
    """The first writable of ``/tmp``, the OS temp dir, ``/var/tmp``, ``/dev/shm``, else ``.``."""
    # Unix socket paths are capped near 107 bytes: /tmp first keeps them short (HOST.md 3.1).
    for base in ("/tmp", tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        if os.path.isdir(base) and os.access(base, os.W_OK):
            return base
    return "."


def with_output(message: str, output: str) -> EmulatorError:
    """An error whose message is ``message`` followed by the end of the provider's output."""
    return EmulatorError(f"{message}\n--- provider output ---\n{output[-OUTPUT_TAIL_CHARS:]}")


def reason_line(output: str) -> str:
    """The runtime's one-line reason in ``output``, else its last line, cut to a few hundred
    characters."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    chosen = next((line for line in reversed(lines) if line.startswith(RUNTIME_PREFIX)), None)
    if chosen is None:
        chosen = lines[-1] if lines else "(no output)"
    return chosen if len(chosen) <= LINE_CHARS else chosen[:LINE_CHARS] + "... (cut)"


def cannot_run(python: str, error: OSError) -> EmulatorError:
    """An error for an interpreter that could not be executed at all."""
    return EmulatorError(f"cannot run the interpreter {python!r}: {error.strerror or error}")


def start_failure(what: str, python: str, output: str) -> EmulatorError:
    """An error for a provider that exited instead of starting: ``what``, then the runtime's
    line (with a hint when the interpreter lacks the SDK), then the end of the output."""
    line = reason_line(output)
    if "No module named 'gestalt" in line or "No module named gestalt" in line:
        line += (
            f" ({python} cannot import the SDK: install gestalt-core and the provider's surface"
            " into it, or run with the emulator's own interpreter)"
        )
    return with_output(f"{what}: {line}", output)
