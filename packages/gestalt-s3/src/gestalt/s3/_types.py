"""The plain data types of the S3 surface, shared by providers and clients."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectRef:
    """Names one object: ``bucket``, ``key`` and optionally a ``version_id`` ("" = current).

    On protocol 5 ``bucket`` is ``""``: the host names objects by key only, within the one
    store of the binding (client side) or of the provider's configuration (provider side).
    """

    bucket: str
    key: str
    version_id: str = ""


@dataclasses.dataclass(slots=True)
class ObjectMeta:
    """What is known about one object.

    Attributes:
        ref: The object's ref; its key is exactly the key that was asked for.
        etag: Opaque; compared byte for byte in conditions.
        size: Size of the whole object in bytes (also for a ranged read).
        content_type: The stored ``Content-Type``.
        last_modified: ``None`` when unknown.
        metadata: User metadata.
        storage_class: The backend's storage class, if it has one.
    """

    ref: ObjectRef
    etag: str = ""
    size: int = 0
    content_type: str = ""
    last_modified: dt.datetime | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    storage_class: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class ByteRange:
    """An inclusive byte range; ``start`` unset means 0, ``end`` unset means the last byte.

    ``ByteRange(2, 5)`` of ``b"0123456789"`` is ``b"2345"``. There is no suffix form.
    """

    start: int | None = None
    end: int | None = None


@dataclasses.dataclass(slots=True)
class ReadOptions:
    """Range and conditions of a read; a failed condition is ``PreconditionFailedError``."""

    range: ByteRange | None = None
    if_match: str = ""
    if_none_match: str = ""
    if_modified_since: dt.datetime | None = None
    if_unmodified_since: dt.datetime | None = None


@dataclasses.dataclass(slots=True)
class WriteOptions:
    """Stored headers, user metadata and conditions of a write.

    ``if_none_match="*"`` means "create only"; ``if_match`` requires the current ETag.
    """

    content_type: str = ""
    cache_control: str = ""
    content_disposition: str = ""
    content_encoding: str = ""
    content_language: str = ""
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    if_match: str = ""
    if_none_match: str = ""


@dataclasses.dataclass(slots=True)
class ListOptions:
    """One listing call: ``max_keys <= 0`` means the default page size (1000).

    ``bucket`` is required on protocol 2 and must stay ``""`` on protocol 5, whose
    bindings are one store each.
    """

    bucket: str = ""
    prefix: str = ""
    delimiter: str = ""
    continuation_token: str = ""
    start_after: str = ""
    max_keys: int = 0


@dataclasses.dataclass(slots=True)
class ListPage:
    """One page of a listing; pass ``next_continuation_token`` back while ``has_more``."""

    objects: list[ObjectMeta] = dataclasses.field(default_factory=list)
    common_prefixes: list[str] = dataclasses.field(default_factory=list)
    next_continuation_token: str = ""
    has_more: bool = False


@dataclasses.dataclass(slots=True)
class CopyOptions:
    """Conditions of a copy; they apply to the **source** object."""

    if_match: str = ""
    if_none_match: str = ""


class PresignMethod(enum.StrEnum):
    """The HTTP method a presigned URL is for."""

    GET = "GET"
    PUT = "PUT"
    DELETE = "DELETE"
    HEAD = "HEAD"


@dataclasses.dataclass(slots=True)
class PresignOptions:
    """What to presign: ``expires=None`` means the backend default (15 minutes on AWS)."""

    method: PresignMethod = PresignMethod.GET
    expires: dt.timedelta | None = None
    content_type: str = ""
    content_disposition: str = ""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class PresignResult:
    """A presigned URL and every header its user must send."""

    url: str
    method: PresignMethod = PresignMethod.GET
    expires_at: dt.datetime | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
