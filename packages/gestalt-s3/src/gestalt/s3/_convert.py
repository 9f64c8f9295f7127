"""Conversions between the wire messages and the surface's dataclasses (the edge)."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from gestalt.core import InvalidArgumentError, OutOfRangeError
from gestalt.provider.v1 import s3_pb2
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

_METHOD_TO_WIRE = {
    PresignMethod.GET: s3_pb2.PRESIGN_METHOD_GET,
    PresignMethod.PUT: s3_pb2.PRESIGN_METHOD_PUT,
    PresignMethod.DELETE: s3_pb2.PRESIGN_METHOD_DELETE,
    PresignMethod.HEAD: s3_pb2.PRESIGN_METHOD_HEAD,
}
_WIRE_TO_METHOD: dict[int, PresignMethod] = {
    int(wire): method for method, wire in _METHOD_TO_WIRE.items()
}


def ts_to_dt(ts: timestamp_pb2.Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def dt_to_ts(value: dt.datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    ts.FromDatetime(value)
    return ts


def ref_from_wire(ref: s3_pb2.S3ObjectRef, *, what: str = "ref") -> ObjectRef:
    """A checked ref: bucket and key are required (INVALID_ARGUMENT otherwise)."""
    if not ref.bucket:
        raise InvalidArgumentError(f"{what}.bucket is required")
    if not ref.key:
        raise InvalidArgumentError(f"{what}.key is required")
    return ObjectRef(ref.bucket, ref.key, ref.version_id)


def ref_to_wire(ref: ObjectRef) -> s3_pb2.S3ObjectRef:
    return s3_pb2.S3ObjectRef(bucket=ref.bucket, key=ref.key, version_id=ref.version_id)


def meta_from_wire(meta: s3_pb2.S3ObjectMeta) -> ObjectMeta:
    return ObjectMeta(
        ref=ObjectRef(meta.ref.bucket, meta.ref.key, meta.ref.version_id),
        etag=meta.etag,
        size=meta.size,
        content_type=meta.content_type,
        last_modified=ts_to_dt(meta.last_modified) if meta.HasField("last_modified") else None,
        metadata=dict(meta.metadata),
        storage_class=meta.storage_class,
    )


def meta_to_wire(meta: ObjectMeta) -> s3_pb2.S3ObjectMeta:
    wire = s3_pb2.S3ObjectMeta(
        ref=ref_to_wire(meta.ref),
        etag=meta.etag,
        size=meta.size,
        content_type=meta.content_type,
        metadata=meta.metadata,
        storage_class=meta.storage_class,
    )
    if meta.last_modified is not None:
        wire.last_modified.CopyFrom(dt_to_ts(meta.last_modified))
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


def read_options_from_wire(request: s3_pb2.ReadObjectRequest) -> ReadOptions:
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


def read_request_to_wire(ref: ObjectRef, options: ReadOptions | None) -> s3_pb2.ReadObjectRequest:
    request = s3_pb2.ReadObjectRequest(ref=ref_to_wire(ref))
    if options is None:
        return request
    if options.range is not None:
        wire_range = s3_pb2.ByteRange()
        if options.range.start is not None:
            wire_range.start = options.range.start
        if options.range.end is not None:
            wire_range.end = options.range.end
        request.range.CopyFrom(wire_range)
    request.if_match = options.if_match
    request.if_none_match = options.if_none_match
    if options.if_modified_since is not None:
        request.if_modified_since.CopyFrom(dt_to_ts(options.if_modified_since))
    if options.if_unmodified_since is not None:
        request.if_unmodified_since.CopyFrom(dt_to_ts(options.if_unmodified_since))
    return request


def write_options_from_wire(wire: s3_pb2.WriteObjectOpen) -> WriteOptions:
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


def write_open_to_wire(ref: ObjectRef, options: WriteOptions | None) -> s3_pb2.WriteObjectOpen:
    options = options or WriteOptions()
    return s3_pb2.WriteObjectOpen(
        ref=ref_to_wire(ref),
        content_type=options.content_type,
        cache_control=options.cache_control,
        content_disposition=options.content_disposition,
        content_encoding=options.content_encoding,
        content_language=options.content_language,
        metadata=options.metadata,
        if_match=options.if_match,
        if_none_match=options.if_none_match,
    )


def list_options_from_wire(request: s3_pb2.ListObjectsRequest) -> ListOptions:
    if not request.bucket:
        raise InvalidArgumentError("bucket is required")
    return ListOptions(
        bucket=request.bucket,
        prefix=request.prefix,
        delimiter=request.delimiter,
        continuation_token=request.continuation_token,
        start_after=request.start_after,
        max_keys=request.max_keys if request.max_keys > 0 else 1000,
    )


def list_request_to_wire(options: ListOptions) -> s3_pb2.ListObjectsRequest:
    return s3_pb2.ListObjectsRequest(
        bucket=options.bucket,
        prefix=options.prefix,
        delimiter=options.delimiter,
        continuation_token=options.continuation_token,
        start_after=options.start_after,
        max_keys=options.max_keys,
    )


def page_to_wire(page: ListPage) -> s3_pb2.ListObjectsResponse:
    return s3_pb2.ListObjectsResponse(
        objects=[meta_to_wire(meta) for meta in page.objects],
        common_prefixes=page.common_prefixes,
        next_continuation_token=page.next_continuation_token if page.has_more else "",
        has_more=page.has_more,
    )


def page_from_wire(wire: s3_pb2.ListObjectsResponse) -> ListPage:
    return ListPage(
        objects=[meta_from_wire(meta) for meta in wire.objects],
        common_prefixes=list(wire.common_prefixes),
        next_continuation_token=wire.next_continuation_token,
        has_more=wire.has_more,
    )


def copy_options_from_wire(request: s3_pb2.CopyObjectRequest) -> CopyOptions:
    return CopyOptions(if_match=request.if_match, if_none_match=request.if_none_match)


def presign_options_from_wire(request: s3_pb2.PresignObjectRequest) -> PresignOptions:
    """Checked presign options: UNSPECIFIED is GET; an unknown method or negative expiry is
    INVALID_ARGUMENT (PROTOCOL.md 8.8, 9.9)."""
    wire_method = int(request.method)
    if wire_method == s3_pb2.PRESIGN_METHOD_UNSPECIFIED:
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


def presign_request_to_wire(
    ref: ObjectRef, options: PresignOptions | None
) -> s3_pb2.PresignObjectRequest:
    options = options or PresignOptions()
    seconds = 0 if options.expires is None else int(options.expires.total_seconds())
    return s3_pb2.PresignObjectRequest(
        ref=ref_to_wire(ref),
        method=_METHOD_TO_WIRE[PresignMethod(options.method)],
        expires_seconds=seconds,
        content_type=options.content_type,
        content_disposition=options.content_disposition,
        headers=options.headers,
    )


def presign_result_to_wire(result: PresignResult) -> s3_pb2.PresignObjectResponse:
    wire = s3_pb2.PresignObjectResponse(
        url=result.url, method=_METHOD_TO_WIRE[PresignMethod(result.method)], headers=result.headers
    )
    if result.expires_at is not None:
        wire.expires_at.CopyFrom(dt_to_ts(result.expires_at))
    return wire


def presign_result_from_wire(
    wire: s3_pb2.PresignObjectResponse, requested: PresignMethod
) -> PresignResult:
    method = _WIRE_TO_METHOD.get(int(wire.method), requested)
    return PresignResult(
        url=wire.url,
        method=method,
        expires_at=ts_to_dt(wire.expires_at) if wire.HasField("expires_at") else None,
        headers=dict(wire.headers),
    )
