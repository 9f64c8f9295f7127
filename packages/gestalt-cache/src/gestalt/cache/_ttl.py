"""TTLs between ``timedelta`` and the wire's ``google.protobuf.Duration`` (PROTOCOL.md 6)."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf import duration_pb2

from gestalt.core import InvalidArgumentError

#: The largest span a ``Duration`` may hold (about 10,000 years); protobuf's own bound.
MAX_TTL_SECONDS = 315_576_000_000
_NANOS_PER_SECOND = 1_000_000_000


def ttl_from_wire(duration: duration_pb2.Duration | None) -> timedelta | None:
    """The TTL a request carries: ``None`` (no expiry) when absent or zero.

    Raises:
        InvalidArgumentError: ``ttl must be >= 0`` for a negative TTL; also for ``nanos``
            outside ``[0, 1e9)`` or more seconds than a ``Duration`` allows.
    """
    if duration is None:
        return None
    seconds, nanos = duration.seconds, duration.nanos
    if seconds < 0 or (seconds == 0 and nanos < 0):
        raise InvalidArgumentError("ttl must be >= 0")
    if not 0 <= nanos < _NANOS_PER_SECOND:
        raise InvalidArgumentError("ttl nanos must be within [0, 1e9)")
    if seconds > MAX_TTL_SECONDS:
        raise InvalidArgumentError(f"ttl must be at most {MAX_TTL_SECONDS} seconds")
    if seconds == 0 and nanos == 0:
        return None
    # timedelta keeps microseconds; a TTL under 1 µs rounds up so it is not "no expiry".
    micros = max(1, -(-nanos // 1000)) if seconds == 0 else nanos // 1000
    return timedelta(seconds=seconds, microseconds=micros)


def ttl_to_wire(ttl: timedelta | float | None) -> duration_pb2.Duration | None:
    """The ``Duration`` a client sends: ``None`` for no expiry (zero is never sent).

    Args:
        ttl: A ``timedelta``, a number of seconds, or ``None``.

    Raises:
        InvalidArgumentError: The TTL is negative.
    """
    if ttl is None:
        return None
    span = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
    if span < timedelta(0):
        raise InvalidArgumentError("ttl must be >= 0")
    if not span:
        return None
    duration = duration_pb2.Duration()
    duration.FromTimedelta(span)
    return duration
