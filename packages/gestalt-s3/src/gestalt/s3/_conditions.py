"""Helpers that give a provider the reference semantics of ranges and conditions."""

from __future__ import annotations

import datetime as dt

from gestalt.core import FailedPreconditionError, OutOfRangeError
from gestalt.s3._convert import check_range
from gestalt.s3._types import ByteRange, ObjectMeta, ReadOptions, WriteOptions


def resolve_range(byte_range: ByteRange | None, size: int) -> tuple[int, int]:
    """The half-open ``(start, stop)`` slice a read returns for an object of ``size`` bytes.

    No range, or one with both bounds unset, is the whole object. An ``end`` past the
    last byte is clipped, as S3 does (PROTOCOL.md 8.3).

    Raises:
        OutOfRangeError: A negative bound, ``start > end``, or a start past the last byte.
    """
    check_range(byte_range)
    if byte_range is None or (byte_range.start is None and byte_range.end is None):
        return 0, size
    start = byte_range.start if byte_range.start is not None else 0
    if start >= size:
        raise OutOfRangeError(f"invalid range: start {start} is past the end of the object")
    end = byte_range.end if byte_range.end is not None else size - 1
    return start, min(end, size - 1) + 1


def _seconds(value: dt.datetime) -> dt.datetime:
    # HTTP dates carry whole seconds; compare at that precision, as S3 does.
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.replace(microsecond=0)


def check_read_conditions(meta: ObjectMeta, options: ReadOptions | None) -> None:
    """Raise :class:`FailedPreconditionError` when a read condition fails (8.3 table)."""
    if options is None:
        return
    if options.if_match and options.if_match != meta.etag:
        raise FailedPreconditionError("precondition failed: if_match")
    if options.if_none_match and options.if_none_match in (meta.etag, "*"):
        raise FailedPreconditionError("not modified: if_none_match")
    modified = meta.last_modified
    since = options.if_modified_since
    if since is not None and modified is not None and _seconds(modified) <= _seconds(since):
        raise FailedPreconditionError("not modified: if_modified_since")
    until = options.if_unmodified_since
    if until is not None and modified is not None and _seconds(modified) > _seconds(until):
        raise FailedPreconditionError("precondition failed: if_unmodified_since")


def check_write_conditions(current: ObjectMeta | None, options: WriteOptions | None) -> None:
    """Raise :class:`FailedPreconditionError` when a write condition fails (8.4 table).

    Args:
        current: The object as it is now, ``None`` when it does not exist.
        options: The write's options.
    """
    if options is None:
        return
    if options.if_match and (current is None or current.etag != options.if_match):
        raise FailedPreconditionError("precondition failed: if_match")
    if (
        options.if_none_match
        and current is not None
        and options.if_none_match in ("*", current.etag)
    ):
        raise FailedPreconditionError("precondition failed: if_none_match")
