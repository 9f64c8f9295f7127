"""The host's object store for an integration provider under test (PROTOCOL.md 8.11).

An in-memory store behind the host's rules: keys live under ``plugin_<len>_<name>/``
(prefixed on the way in, stripped on the way out), continuation tokens are wrapped as
``gestalt_s3_ct_`` + base64url, and presign is refused with ``FAILED_PRECONDITION``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from typing import Any, NoReturn

import grpc
from google.protobuf import empty_pb2

from gestalt.provider.v1 import s3_pb2, s3_pb2_grpc

_TOKEN_PREFIX = "gestalt_s3_ct_"
_FRAME = 64 * 1024


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode()


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("abort returned")


class HostS3Service:
    """One host object-store binding, served by the emulator (``service == "s3"``).

    Args:
        binding: The binding name (``""`` for the unnamed one).

    Attributes:
        objects: The raw store, ``(bucket, namespaced key) -> (body, meta)``, for asserts.
        list_requests: Every ``ListObjectsRequest`` as the provider sent it (before the
            host's namespacing), so tests can see the continuation tokens it passed back.
    """

    service = "s3"

    def __init__(self, binding: str = "") -> None:
        self.binding = binding
        self.prefix = ""
        self.objects: dict[tuple[str, str], tuple[bytes, s3_pb2.S3ObjectMeta]] = {}
        self.list_requests: list[s3_pb2.ListObjectsRequest] = []
        self._lock = threading.Lock()

    def bind(self, plugin_name: str) -> None:
        """Scope every key with the plugin's namespace."""
        self.prefix = f"plugin_{len(plugin_name)}_{plugin_name}/"

    def add_to_server(self, server: grpc.Server) -> None:
        """Add the ``S3`` servicer."""
        s3_pb2_grpc.add_S3Servicer_to_server(_HostS3Servicer(self), server)


class _HostS3Servicer(s3_pb2_grpc.S3Servicer):
    def __init__(self, store: HostS3Service) -> None:
        self._store = store

    def _key(self, ref: s3_pb2.S3ObjectRef, context: grpc.ServicerContext) -> tuple[str, str]:
        if not ref.bucket or not ref.key:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bucket and key are required")
        return ref.bucket, self._store.prefix + ref.key

    def _get(
        self, ref: s3_pb2.S3ObjectRef, context: grpc.ServicerContext
    ) -> tuple[bytes, s3_pb2.S3ObjectMeta]:
        key = self._key(ref, context)
        with self._store._lock:
            found = self._store.objects.get(key)
        if found is None or ref.version_id:
            _abort(context, grpc.StatusCode.NOT_FOUND, "object not found")
        return found

    def _out(self, meta: s3_pb2.S3ObjectMeta) -> s3_pb2.S3ObjectMeta:
        result = s3_pb2.S3ObjectMeta()
        result.CopyFrom(meta)
        result.ref.key = meta.ref.key[len(self._store.prefix) :]
        return result

    def HeadObject(
        self, request: s3_pb2.HeadObjectRequest, context: grpc.ServicerContext
    ) -> s3_pb2.HeadObjectResponse:
        return s3_pb2.HeadObjectResponse(meta=self._out(self._get(request.ref, context)[1]))

    def ReadObject(
        self, request: s3_pb2.ReadObjectRequest, context: grpc.ServicerContext
    ) -> Iterator[s3_pb2.ReadObjectChunk]:
        data, meta = self._get(request.ref, context)
        if request.if_match and request.if_match != meta.etag:
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        if request.if_none_match and request.if_none_match in (meta.etag, "*"):
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "not modified")
        modified = meta.last_modified.ToDatetime(tzinfo=dt.UTC)
        if request.HasField(
            "if_modified_since"
        ) and modified <= request.if_modified_since.ToDatetime(tzinfo=dt.UTC):
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "not modified")
        if request.HasField(
            "if_unmodified_since"
        ) and modified > request.if_unmodified_since.ToDatetime(tzinfo=dt.UTC):
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        start, stop = 0, len(data)
        if request.HasField("range") and (
            request.range.HasField("start") or request.range.HasField("end")
        ):
            first = request.range.start if request.range.HasField("start") else 0
            last = request.range.end if request.range.HasField("end") else len(data) - 1
            if first < 0 or last < 0 or first > last or first >= len(data):
                _abort(context, grpc.StatusCode.OUT_OF_RANGE, "invalid range")
            start, stop = first, min(last, len(data) - 1) + 1
        yield s3_pb2.ReadObjectChunk(meta=self._out(meta))
        for offset in range(start, stop, _FRAME):
            yield s3_pb2.ReadObjectChunk(data=data[offset : min(offset + _FRAME, stop)])

    def WriteObject(
        self, request_iterator: Iterator[s3_pb2.WriteObjectRequest], context: grpc.ServicerContext
    ) -> s3_pb2.WriteObjectResponse:
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("msg") != "open":
            _abort(
                context, grpc.StatusCode.INVALID_ARGUMENT, "first message must be WriteObjectOpen"
            )
        opened = first.open
        key = self._key(opened.ref, context)
        parts: list[bytes] = []
        for frame in request_iterator:
            if frame.WhichOneof("msg") == "open":
                _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "second WriteObjectOpen")
            parts.append(frame.data)
        if not context.is_active():
            _abort(context, grpc.StatusCode.CANCELLED, "cancelled")
        data = b"".join(parts)
        with self._store._lock:
            current = self._store.objects.get(key)
            if opened.if_match and (current is None or current[1].etag != opened.if_match):
                _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
            if (
                opened.if_none_match
                and current is not None
                and opened.if_none_match
                in (
                    "*",
                    current[1].etag,
                )
            ):
                _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
            meta = s3_pb2.S3ObjectMeta(
                ref=s3_pb2.S3ObjectRef(bucket=key[0], key=key[1]),
                etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                size=len(data),
                content_type=opened.content_type or "application/octet-stream",
                metadata=opened.metadata,
            )
            meta.last_modified.FromDatetime(dt.datetime.now(dt.UTC).replace(microsecond=0))
            self._store.objects[key] = (data, meta)
        return s3_pb2.WriteObjectResponse(meta=self._out(meta))

    def DeleteObject(
        self, request: s3_pb2.DeleteObjectRequest, context: grpc.ServicerContext
    ) -> empty_pb2.Empty:
        key = self._key(request.ref, context)
        with self._store._lock:
            self._store.objects.pop(key, None)
        return empty_pb2.Empty()

    def ListObjects(
        self, request: s3_pb2.ListObjectsRequest, context: grpc.ServicerContext
    ) -> s3_pb2.ListObjectsResponse:
        with self._store._lock:
            self._store.list_requests.append(request)
        if not request.bucket:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bucket is required")
        ns = self._store.prefix
        prefix = ns + request.prefix
        marker = ns + request.start_after if request.start_after else ""
        if request.continuation_token:
            token = request.continuation_token
            try:
                if not token.startswith(_TOKEN_PREFIX):
                    raise ValueError(token)
                marker = _unb64(_unb64(token[len(_TOKEN_PREFIX) :]))
            except (ValueError, binascii.Error, UnicodeDecodeError):
                _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "invalid continuation token")
        with self._store._lock:
            keys = sorted(
                (key, meta)
                for (bucket, key), (_, meta) in self._store.objects.items()
                if bucket == request.bucket and key.startswith(prefix)
            )
        limit = request.max_keys if request.max_keys > 0 else 1000
        delimiter = request.delimiter
        skip_under = marker if delimiter and marker.endswith(delimiter) else ""
        response = s3_pb2.ListObjectsResponse()
        last, count = "", 0
        for key, meta in keys:
            if (marker and key <= marker) or (skip_under and key.startswith(skip_under)):
                continue
            entry, folded = key, False
            if delimiter:
                at = key.find(delimiter, len(prefix))
                if at >= 0:
                    entry, folded = key[: at + len(delimiter)], True
                    if entry == last:
                        continue
            if count == limit:
                response.has_more = True
                # The backend's token, wrapped by the host (PROTOCOL.md 8.11).
                response.next_continuation_token = _TOKEN_PREFIX + _b64(_b64(last))
                break
            if folded:
                response.common_prefixes.append(entry[len(ns) :])
            else:
                response.objects.append(self._out(meta))
            last, count = entry, count + 1
        return response

    def CopyObject(
        self, request: s3_pb2.CopyObjectRequest, context: grpc.ServicerContext
    ) -> s3_pb2.CopyObjectResponse:
        data, meta = self._get(request.source, context)
        if request.if_match and request.if_match != meta.etag:
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        if request.if_none_match and request.if_none_match in (meta.etag, "*"):
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        key = self._key(request.destination, context)
        copied = s3_pb2.S3ObjectMeta()
        copied.CopyFrom(meta)
        copied.ref.bucket, copied.ref.key = key
        copied.last_modified.FromDatetime(dt.datetime.now(dt.UTC).replace(microsecond=0))
        with self._store._lock:
            self._store.objects[key] = (data, copied)
        return s3_pb2.CopyObjectResponse(meta=self._out(copied))

    def PresignObject(self, request: Any, context: grpc.ServicerContext) -> NoReturn:
        _abort(
            context,
            grpc.StatusCode.FAILED_PRECONDITION,
            "presign is not supported for plugin-scoped s3 bindings",
        )
