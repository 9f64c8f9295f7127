"""The host's fixed numbers and the emulator's one error type.

Each figure is what gestaltd uses (docs/host.md): the emulator keeps them so that a provider
that passes here has the same margins under the real host.
"""

from __future__ import annotations

import os
import tempfile

#: Variables copied from the host's own environment into a provider's; nothing else is.
SAFE_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")
#: How long the host waits for the provider's socket file, and how often it looks.
READY_TIMEOUT = 10.0
POLL = 0.025
#: Between SIGTERM and SIGKILL.
KILL_GRACE = 2.0
#: Deadlines of the runtime kinds' unary calls and of their start-up calls.
RUNTIME_CALL_TIMEOUT = 10.0
CONFIGURE_TIMEOUT = 30.0
#: How much of the provider's output an error message carries (its end).
OUTPUT_TAIL_CHARS = 4000


class EmulatorError(AssertionError):
    """The provider broke the host's contract (or could not be started)."""


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
