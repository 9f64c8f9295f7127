"""The host's object store for an integration provider under test (PROTOCOL.md 8.11).

An in-memory store behind the host's rules: keys live under ``plugin_<len>_<name>/``
(prefixed on the way in, stripped on the way out), continuation tokens are wrapped as
``gestalt_s3_ct_`` + base64url, and presign is refused with ``FAILED_PRECONDITION``.

On protocol 5 a binding is one store, so object references carry no bucket (the store
keeps them under the bucket ``""``); the same rules hold (the protocol-5 host's own key
layout is not known, and callers must treat keys and tokens as opaque anyway), and
``S3ObjectAccess.CreateObjectAccessURL`` is refused as by a host without an access-URL
manager.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any, NoReturn

import grpc
from google.protobuf import empty_pb2

from gestalt.core._wire import stubs
from gestalt.core.testing._host_contract import abort, wire_of
from gestalt.core.testing._host_services import add_servicers

_TOKEN_PREFIX = "gestalt_s3_ct_"
_FRAME = 64 * 1024


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode()


class HostS3Service:
    """One host object-store binding, served by the emulator (``service == "s3"``).

    Args:
        binding: The binding name (``""`` for the unnamed one).

    Attributes:
        objects: The raw store, ``(bucket, namespaced key) -> (body, meta)``, for asserts
            (the bucket is ``""`` on protocol 5; ``meta`` is the serving generation's
            ``S3ObjectMeta``).
        list_requests: Every ``ListObjectsRequest`` as the provider sent it (before the
            host's namespacing), so tests can see the continuation tokens it passed back.
    """

    service = "s3"

    def __init__(self, binding: str = "") -> None:
        self.binding = binding
        self.prefix = ""
        self.objects: dict[tuple[str, str], tuple[bytes, Any]] = {}
        self.list_requests: list[Any] = []
        self._lock = threading.Lock()

    def bind(self, plugin_name: str) -> None:
        """Scope every key with the plugin's namespace."""
        self.prefix = f"plugin_{len(plugin_name)}_{plugin_name}/"

    def servicers(self, protocol: int) -> dict[str, object]:
        """``S3`` over this store with ``protocol``'s messages, and ``S3ObjectAccess`` on 5."""
        messages = stubs(wire_of(protocol), "s3")[0]
        if wire_of(protocol) == 2:
            return {"S3": _HostS3Servicer(self, messages)}
        return {"S3": _HostS3Servicer(self, messages), "S3ObjectAccess": _ObjectAccessServicer()}

    def add_to_server(self, server: grpc.Server, protocol: int = 2) -> None:
        """Serve this binding alone on ``server``, as ``protocol``'s host would."""
        add_servicers(server, self, protocol)


class _ObjectAccessServicer:
    """``S3ObjectAccess`` of a host that has no access-URL manager."""

    def CreateObjectAccessURL(self, request: Any, context: grpc.ServicerContext) -> NoReturn:
        abort(
            context,
            grpc.StatusCode.FAILED_PRECONDITION,
            "s3 object access URLs are not available",
        )


class _HostS3Servicer:
    """``S3`` of one generation (``pb``, its messages) over a :class:`HostS3Service`; on
    protocol 5 references have no bucket and the store is the bucket ``""``."""

    def __init__(self, store: HostS3Service, pb: ModuleType) -> None:
        self._store = store
        self._pb = pb
        self._buckets = "bucket" in pb.S3ObjectRef.DESCRIPTOR.fields_by_name

    def _key(self, ref: Any, context: grpc.ServicerContext) -> tuple[str, str]:
        if not self._buckets:
            if not ref.key:
                abort(context, grpc.StatusCode.INVALID_ARGUMENT, "key is required")
            return "", self._store.prefix + ref.key
        if not ref.bucket or not ref.key:
            abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bucket and key are required")
        return ref.bucket, self._store.prefix + ref.key

    def _ref(self, key: tuple[str, str]) -> Any:
        if self._buckets:
            return self._pb.S3ObjectRef(bucket=key[0], key=key[1])
        return self._pb.S3ObjectRef(key=key[1])

    def _get(self, ref: Any, context: grpc.ServicerContext) -> tuple[bytes, Any]:
        key = self._key(ref, context)
        with self._store._lock:
            found = self._store.objects.get(key)
        if found is None or ref.version_id:
            abort(context, grpc.StatusCode.NOT_FOUND, "object not found")
        return found

    def _out(self, meta: Any) -> Any:
        result = self._pb.S3ObjectMeta()
        result.CopyFrom(meta)
        result.ref.key = meta.ref.key[len(self._store.prefix) :]
        return result

    def HeadObject(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._pb.HeadObjectResponse(meta=self._out(self._get(request.ref, context)[1]))

    def ReadObject(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        data, meta = self._get(request.ref, context)
        if request.if_match and request.if_match != meta.etag:
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        if request.if_none_match and request.if_none_match in (meta.etag, "*"):
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "not modified")
        modified = meta.last_modified.ToDatetime(tzinfo=dt.UTC)
        if request.HasField(
            "if_modified_since"
        ) and modified <= request.if_modified_since.ToDatetime(tzinfo=dt.UTC):
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "not modified")
        if request.HasField(
            "if_unmodified_since"
        ) and modified > request.if_unmodified_since.ToDatetime(tzinfo=dt.UTC):
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        start, stop = 0, len(data)
        if request.HasField("range") and (
            request.range.HasField("start") or request.range.HasField("end")
        ):
            first = request.range.start if request.range.HasField("start") else 0
            last = request.range.end if request.range.HasField("end") else len(data) - 1
            if first < 0 or last < 0 or first > last or first >= len(data):
                abort(context, grpc.StatusCode.OUT_OF_RANGE, "invalid range")
            start, stop = first, min(last, len(data) - 1) + 1
        yield self._pb.ReadObjectChunk(meta=self._out(meta))
        for offset in range(start, stop, _FRAME):
            yield self._pb.ReadObjectChunk(data=data[offset : min(offset + _FRAME, stop)])

    def WriteObject(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Any:
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("msg") != "open":
            abort(
                context, grpc.StatusCode.INVALID_ARGUMENT, "first message must be WriteObjectOpen"
            )
        opened = first.open
        key = self._key(opened.ref, context)
        parts: list[bytes] = []
        for frame in request_iterator:
            if frame.WhichOneof("msg") == "open":
                abort(context, grpc.StatusCode.INVALID_ARGUMENT, "second WriteObjectOpen")
            parts.append(frame.data)
        if not context.is_active():
            abort(context, grpc.StatusCode.CANCELLED, "cancelled")
        data = b"".join(parts)
        with self._store._lock:
            current = self._store.objects.get(key)
            if opened.if_match and (current is None or current[1].etag != opened.if_match):
                abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
            if (
                opened.if_none_match
                and current is not None
                and opened.if_none_match
                in (
                    "*",
                    current[1].etag,
                )
            ):
                abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
            meta = self._pb.S3ObjectMeta(
                ref=self._ref(key),
                etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                size=len(data),
                content_type=opened.content_type or "application/octet-stream",
                metadata=opened.metadata,
            )
            meta.last_modified.FromDatetime(dt.datetime.now(dt.UTC).replace(microsecond=0))
            self._store.objects[key] = (data, meta)
        return self._pb.WriteObjectResponse(meta=self._out(meta))

    def DeleteObject(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        key = self._key(request.ref, context)
        with self._store._lock:
            self._store.objects.pop(key, None)
        return empty_pb2.Empty()

    def ListObjects(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self._store._lock:
            self._store.list_requests.append(request)
        bucket = request.bucket if self._buckets else ""
        if self._buckets and not bucket:
            abort(context, grpc.StatusCode.INVALID_ARGUMENT, "bucket is required")
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
                abort(context, grpc.StatusCode.INVALID_ARGUMENT, "invalid continuation token")
        with self._store._lock:
            keys = sorted(
                (key, meta)
                for (stored, key), (_, meta) in self._store.objects.items()
                if stored == bucket and key.startswith(prefix)
            )
        limit = request.max_keys if request.max_keys > 0 else 1000
        delimiter = request.delimiter
        skip_under = marker if delimiter and marker.endswith(delimiter) else ""
        response = self._pb.ListObjectsResponse()
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

    def CopyObject(self, request: Any, context: grpc.ServicerContext) -> Any:
        data, meta = self._get(request.source, context)
        if request.if_match and request.if_match != meta.etag:
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        if request.if_none_match and request.if_none_match in (meta.etag, "*"):
            abort(context, grpc.StatusCode.FAILED_PRECONDITION, "precondition failed")
        key = self._key(request.destination, context)
        copied = self._pb.S3ObjectMeta()
        copied.CopyFrom(meta)
        copied.ref.CopyFrom(self._ref(key))
        copied.last_modified.FromDatetime(dt.datetime.now(dt.UTC).replace(microsecond=0))
        with self._store._lock:
            self._store.objects[key] = (data, copied)
        return self._pb.CopyObjectResponse(meta=self._out(copied))

    def PresignObject(self, request: Any, context: grpc.ServicerContext) -> NoReturn:
        scope = "plugin-scoped" if self._buckets else "app"
        abort(
            context,
            grpc.StatusCode.FAILED_PRECONDITION,
            f"presign is not supported for {scope} s3 bindings",
        )
