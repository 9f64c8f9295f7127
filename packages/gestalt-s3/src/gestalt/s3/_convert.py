"""Conversions between the wire messages and the surface's dataclasses (the edge).

The two generations differ only in the bucket: a protocol-2 ``S3ObjectRef`` and
``ListObjectsRequest`` carry one, a protocol-5 one has none (the provider serves one
store, chosen by its own configuration). On protocol 5 an :class:`ObjectRef` therefore
has ``bucket == ""``. :class:`S3Wire` builds and reads the messages of one generation;
the option conversions below read fields that are the same on both.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType
from typing import Any

from google.protobuf import timestamp_pb2

from gestalt.core import InvalidArgumentError, OutOfRangeError
from gestalt.core._wire import stubs
from gestalt.core.serving import bounded
from gestalt.s3._types import (
    ByteRange,
    CopyOptions,
    ListOptions,
    ListPage,
    ObjectMeta,
    ObjectRef,
    PresignMethod,
    PresignOptions,
    PresignResult,
    ReadOptions,
    WriteOptions,
)

# The PresignMethod numbers, the same on both generations (0 is UNSPECIFIED).
_METHOD_TO_WIRE = {
    PresignMethod.GET: 1,
    PresignMethod.PUT: 2,
    PresignMethod.DELETE: 3,
    PresignMethod.HEAD: 4,
}
_WIRE_TO_METHOD = {wire: method for method, wire in _METHOD_TO_WIRE.items()}


def ts_to_dt(ts: timestamp_pb2.Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def dt_to_ts(value: dt.datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    ts.FromDatetime(value)
    return ts


class S3Wire:
    """The ``s3`` messages of one protocol generation, and conversions to and from them.

    Attributes:
        protocol: 2 (refs carry a bucket) or 5 (one store, no bucket on the wire).
        pb: The generation's ``s3_pb2`` module.
    """

    def __init__(self, protocol: int, messages: ModuleType | None = None) -> None:
        self.protocol = protocol
        self.pb = messages if messages is not None else stubs(protocol, "s3")[0]
        self.bucketed = protocol == 2

    # -- refs and metadata -------------------------------------------------------------

    def ref_from(self, ref: Any, *, what: str = "ref") -> ObjectRef:
        """A checked ref from a request: a key always, a bucket on protocol 2 only
        (INVALID_ARGUMENT otherwise)."""
        bucket = ref.bucket if self.bucketed else ""
        if self.bucketed and not bucket:
            raise InvalidArgumentError(f"{what}.bucket is required")
        if not ref.key:
            raise InvalidArgumentError(f"{what}.key is required")
        return ObjectRef(bucket, ref.key, ref.version_id)

    def ref_to(self, ref: ObjectRef) -> Any:
        """A request's ref; a bucket on protocol 5 is refused, never dropped.

        Raises:
            InvalidArgumentError: A bucket was given to a protocol-5 host.
        """
        self.check_bucket(ref.bucket)
        return self._reply_ref(ref)

    def check_bucket(self, bucket: str) -> None:
        """Refuse a bucket on protocol 5 (the binding is one store); never drop it.

        Raises:
            InvalidArgumentError: A bucket was given to a protocol-5 host.
        """
        if bucket and not self.bucketed:
            raise InvalidArgumentError(
                "a protocol-5 host has no buckets: each binding is one store, so name "
                f"objects by key only, e.g. s3.object(key) (got bucket {bounded(bucket)!r})"
            )

    def _reply_ref(self, ref: ObjectRef) -> Any:
        # A provider's own bucket never reaches a protocol-5 host.
        if self.bucketed:
            return self.pb.S3ObjectRef(bucket=ref.bucket, key=ref.key, version_id=ref.version_id)
        return self.pb.S3ObjectRef(key=ref.key, version_id=ref.version_id)

    def meta_from(self, meta: Any) -> ObjectMeta:
        """The metadata of a reply."""
        bucket = meta.ref.bucket if self.bucketed else ""
        return ObjectMeta(
            ref=ObjectRef(bucket, meta.ref.key, meta.ref.version_id),
            etag=meta.etag,
            size=meta.size,
            content_type=meta.content_type,
            last_modified=ts_to_dt(meta.last_modified) if meta.HasField("last_modified") else None,
            metadata=dict(meta.metadata),
            storage_class=meta.storage_class,
        )

    def meta_to(self, meta: ObjectMeta, echo: ObjectRef | None = None) -> Any:
        """A reply's metadata; ``echo`` replaces its bucket and key by those asked for
        (the host strips its namespace from the key it gets back, so it must match)."""
        ref = meta.ref
        if echo is not None:
            ref = ObjectRef(echo.bucket, echo.key, meta.ref.version_id)
        wire = self.pb.S3ObjectMeta(
            ref=self._reply_ref(ref),
            etag=meta.etag,
            size=meta.size,
            content_type=meta.content_type,
            metadata=meta.metadata,
            storage_class=meta.storage_class,
        )
        if meta.last_modified is not None:
            wire.last_modified.CopyFrom(dt_to_ts(meta.last_modified))
        return wire

    # -- requests a client sends -------------------------------------------------------

    def read_request(self, ref: ObjectRef, options: ReadOptions | None) -> Any:
        """A ``ReadObjectRequest``."""
        request = self.pb.ReadObjectRequest(ref=self.ref_to(ref))
        if options is None:
            return request
        if options.range is not None:
            if options.range.start is not None:
                request.range.start = options.range.start
            if options.range.end is not None:
                request.range.end = options.range.end
            request.range.SetInParent()
        request.if_match = options.if_match
        request.if_none_match = options.if_none_match
        if options.if_modified_since is not None:
            request.if_modified_since.CopyFrom(dt_to_ts(options.if_modified_since))
        if options.if_unmodified_since is not None:
            request.if_unmodified_since.CopyFrom(dt_to_ts(options.if_unmodified_since))
        return request

    def write_open(self, ref: ObjectRef, options: WriteOptions | None) -> Any:
        """The ``open`` frame of a write, as a ``WriteObjectRequest``."""
        options = options or WriteOptions()
        return self.pb.WriteObjectRequest(
            open=self.pb.WriteObjectOpen(
                ref=self.ref_to(ref),
                content_type=options.content_type,
                cache_control=options.cache_control,
                content_disposition=options.content_disposition,
                content_encoding=options.content_encoding,
                content_language=options.content_language,
                metadata=options.metadata,
                if_match=options.if_match,
                if_none_match=options.if_none_match,
            )
        )

    def list_request(self, options: ListOptions) -> Any:
        """A ``ListObjectsRequest`` (with the bucket on protocol 2 only; refused on 5)."""
        fields: dict[str, Any] = {
            "prefix": options.prefix,
            "delimiter": options.delimiter,
            "continuation_token": options.continuation_token,
            "start_after": options.start_after,
            "max_keys": options.max_keys,
        }
        self.check_bucket(options.bucket)
        if self.bucketed:
            fields["bucket"] = options.bucket
        return self.pb.ListObjectsRequest(**fields)

    def copy_request(
        self, source: ObjectRef, destination: ObjectRef, options: CopyOptions | None
    ) -> Any:
        """A ``CopyObjectRequest`` (within the one store on protocol 5)."""
        options = options or CopyOptions()
        return self.pb.CopyObjectRequest(
            source=self.ref_to(source),
            destination=self.ref_to(destination),
            if_match=options.if_match,
            if_none_match=options.if_none_match,
        )

    def presign_request(
        self, ref: ObjectRef, options: PresignOptions | None, *, access_url: bool = False
    ) -> Any:
        """A ``PresignObjectRequest``, or (``access_url``, protocol 5) the
        ``CreateObjectAccessURLRequest`` with the same fields."""
        options = options or PresignOptions()
        seconds = 0 if options.expires is None else int(options.expires.total_seconds())
        kind = self.pb.CreateObjectAccessURLRequest if access_url else self.pb.PresignObjectRequest
        return kind(
            ref=self.ref_to(ref),
            method=_METHOD_TO_WIRE[PresignMethod(options.method)],
            expires_seconds=seconds,
            content_type=options.content_type,
            content_disposition=options.content_disposition,
            headers=options.headers,
        )

    # -- replies a provider sends ------------------------------------------------------

    def list_options_from(self, request: Any) -> ListOptions:
        """A listing's options (the bucket is required on protocol 2)."""
        bucket = request.bucket if self.bucketed else ""
        if self.bucketed and not bucket:
            raise InvalidArgumentError("bucket is required")
        return ListOptions(
            bucket=bucket,
            prefix=request.prefix,
            delimiter=request.delimiter,
            continuation_token=request.continuation_token,
            start_after=request.start_after,
            max_keys=request.max_keys if request.max_keys > 0 else 1000,
        )

    def page_to(self, page: ListPage) -> Any:
        """A ``ListObjectsResponse``."""
        return self.pb.ListObjectsResponse(
            objects=[self.meta_to(meta) for meta in page.objects],
            common_prefixes=page.common_prefixes,
            next_continuation_token=page.next_continuation_token if page.has_more else "",
            has_more=page.has_more,
        )

    def page_from(self, wire: Any) -> ListPage:
        """A listing page from a ``ListObjectsResponse``."""
        return ListPage(
            objects=[self.meta_from(meta) for meta in wire.objects],
            common_prefixes=list(wire.common_prefixes),
            next_continuation_token=wire.next_continuation_token,
            has_more=wire.has_more,
        )

    def presign_result_to(self, result: PresignResult) -> Any:
        """A ``PresignObjectResponse``."""
        wire = self.pb.PresignObjectResponse(
            url=result.url,
            method=_METHOD_TO_WIRE[PresignMethod(result.method)],
            headers=result.headers,
        )
        if result.expires_at is not None:
            wire.expires_at.CopyFrom(dt_to_ts(result.expires_at))
        return wire


def check_range(byte_range: ByteRange | None) -> None:
    """Refuse a negative bound or ``start > end`` (OUT_OF_RANGE), whatever the object."""
    if byte_range is None:
        return
    start, end = byte_range.start, byte_range.end
    if (start is not None and start < 0) or (end is not None and end < 0):
        raise OutOfRangeError(f"invalid range: negative bound ({start}, {end})")
    if start is not None and end is not None and start > end:
        raise OutOfRangeError(f"invalid range: start {start} > end {end}")


def read_options_from_wire(request: Any) -> ReadOptions:
    byte_range = None
    if request.HasField("range"):
        byte_range = ByteRange(
            request.range.start if request.range.HasField("start") else None,
            request.range.end if request.range.HasField("end") else None,
        )
    return ReadOptions(
        range=byte_range,
        if_match=request.if_match,
        if_none_match=request.if_none_match,
        if_modified_since=(
            ts_to_dt(request.if_modified_since) if request.HasField("if_modified_since") else None
        ),
        if_unmodified_since=(
            ts_to_dt(request.if_unmodified_since)
            if request.HasField("if_unmodified_since")
            else None
        ),
    )


def write_options_from_wire(wire: Any) -> WriteOptions:
    return WriteOptions(
        content_type=wire.content_type,
        cache_control=wire.cache_control,
        content_disposition=wire.content_disposition,
        content_encoding=wire.content_encoding,
        content_language=wire.content_language,
        metadata=dict(wire.metadata),
        if_match=wire.if_match,
        if_none_match=wire.if_none_match,
    )


def copy_options_from_wire(request: Any) -> CopyOptions:
    return CopyOptions(if_match=request.if_match, if_none_match=request.if_none_match)


def presign_options_from_wire(request: Any) -> PresignOptions:
    """Checked presign options: UNSPECIFIED is GET; an unknown method or negative expiry is
    INVALID_ARGUMENT."""
    wire_method = int(request.method)
    if wire_method == 0:
        method = PresignMethod.GET
    elif wire_method in _WIRE_TO_METHOD:
        method = _WIRE_TO_METHOD[wire_method]
    else:
        raise InvalidArgumentError(f"unknown presign method {wire_method}")
    if request.expires_seconds < 0:
        raise InvalidArgumentError("expires_seconds must not be negative")
    return PresignOptions(
        method=method,
        expires=dt.timedelta(seconds=request.expires_seconds) if request.expires_seconds else None,
        content_type=request.content_type,
        content_disposition=request.content_disposition,
        headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
    )


def presign_result_from_wire(wire: Any, requested: PresignMethod) -> PresignResult:
    """A presign (or object access URL) reply; an unknown method means the one asked for."""
    method = _WIRE_TO_METHOD.get(int(wire.method), requested)
    return PresignResult(
        url=wire.url,
        method=method,
        expires_at=ts_to_dt(wire.expires_at) if wire.HasField("expires_at") else None,
        headers=dict(wire.headers),
    )
