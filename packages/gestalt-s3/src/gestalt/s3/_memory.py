"""An in-memory S3 provider with the reference semantics, for tests and small setups."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import threading
import urllib.parse

from gestalt.core import InvalidArgumentError, NotFoundError
from gestalt.core.serving import bounded
from gestalt.s3._conditions import (
    check_read_conditions,
    check_write_conditions,
    resolve_range,
)
from gestalt.s3._provider import S3Provider
from gestalt.s3._types import (
    CopyOptions,
    ListOptions,
    ListPage,
    ObjectMeta,
    ObjectRef,
    PresignOptions,
    PresignResult,
    ReadOptions,
    WriteOptions,
)
from gestalt.s3._upload import UploadBody


@dataclasses.dataclass(frozen=True, slots=True)
class _Stored:
    data: bytes
    meta: ObjectMeta


class MemoryS3(S3Provider):
    """Objects kept in a dict, with S3's rules for ranges, conditions and listings.

    ETags are the quoted MD5 hex of the body, ``last_modified`` has whole seconds, and a
    version id other than ``""`` is not found (the store keeps no versions). Its ``def``
    methods are thread-safe.

    On protocol 5 (refs without a bucket) every object is in the bucket ``""``, the one
    default store, which always exists.

    Args:
        buckets: The buckets that exist; with none given, every bucket exists.
    """

    def __init__(self, *buckets: str) -> None:
        self._buckets = set(buckets)
        self._objects: dict[tuple[str, str], _Stored] = {}
        self._lock = threading.Lock()

    def create_bucket(self, bucket: str) -> None:
        """Make ``bucket`` exist (only matters when buckets were given)."""
        with self._lock:
            self._buckets.add(bucket)

    def keys(self, bucket: str) -> list[str]:
        """Every key in ``bucket``, sorted (for tests)."""
        with self._lock:
            return sorted(key for (b, key) in self._objects if b == bucket)

    def _check_bucket(self, bucket: str) -> None:
        if bucket and self._buckets and bucket not in self._buckets:
            raise NotFoundError(f"no such bucket: {bounded(bucket)}")

    def _get(self, ref: ObjectRef) -> _Stored:
        self._check_bucket(ref.bucket)
        if ref.version_id:
            raise NotFoundError("no such version")
        with self._lock:
            stored = self._objects.get((ref.bucket, ref.key))
        if stored is None:
            raise NotFoundError("no such key")
        return stored

    def head_object(self, ref: ObjectRef) -> ObjectMeta:
        """The object's metadata."""
        return dataclasses.replace(self._get(ref).meta, ref=ref)

    def read_object(self, ref: ObjectRef, options: ReadOptions) -> tuple[ObjectMeta, memoryview]:
        """Metadata and the (ranged) body, a view of the stored bytes (sent without a copy)."""
        stored = self._get(ref)
        check_read_conditions(stored.meta, options)
        start, stop = resolve_range(options.range, len(stored.data))
        return dataclasses.replace(stored.meta, ref=ref), memoryview(stored.data)[start:stop]

    def write_object(self, ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        """Store the body once it has been received completely."""
        self._check_bucket(ref.bucket)
        with self._lock:
            current = self._objects.get((ref.bucket, ref.key))
        check_write_conditions(current.meta if current else None, options)
        parts = list(body)  # raises, and so never commits, when the upload breaks
        data = b"".join(parts)
        meta = ObjectMeta(
            ref=ObjectRef(ref.bucket, ref.key),
            etag=f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"',
            size=len(data),
            content_type=options.content_type or "application/octet-stream",
            last_modified=dt.datetime.now(dt.UTC).replace(microsecond=0),
            metadata=dict(options.metadata),
        )
        with self._lock:
            # Conditions are checked again under the lock: another write may have won.
            current = self._objects.get((ref.bucket, ref.key))
            check_write_conditions(current.meta if current else None, options)
            self._objects[(ref.bucket, ref.key)] = _Stored(data, meta)
        return meta

    def delete_object(self, ref: ObjectRef) -> None:
        """Remove the object; a missing one is fine."""
        self._check_bucket(ref.bucket)
        with self._lock:
            self._objects.pop((ref.bucket, ref.key), None)

    def list_objects(self, options: ListOptions) -> ListPage:
        """One page, with common prefixes folded once per listing."""
        self._check_bucket(options.bucket)
        with self._lock:
            items = sorted(
                (key, stored.meta)
                for (bucket, key), stored in self._objects.items()
                if bucket == options.bucket and key.startswith(options.prefix)
            )
        return list_page(items, options)

    def copy_object(
        self, source: ObjectRef, destination: ObjectRef, options: CopyOptions
    ) -> ObjectMeta:
        """Copy body, content type and metadata; conditions apply to the source."""
        stored = self._get(source)
        check_read_conditions(
            stored.meta, ReadOptions(if_match=options.if_match, if_none_match=options.if_none_match)
        )
        self._check_bucket(destination.bucket)
        meta = dataclasses.replace(
            stored.meta,
            ref=ObjectRef(destination.bucket, destination.key),
            last_modified=dt.datetime.now(dt.UTC).replace(microsecond=0),
            metadata=dict(stored.meta.metadata),
        )
        with self._lock:
            self._objects[(destination.bucket, destination.key)] = _Stored(stored.data, meta)
        return meta

    def presign_object(self, ref: ObjectRef, options: PresignOptions) -> PresignResult:
        """A ``memory://`` URL; it only shows what would be signed."""
        expires = options.expires or dt.timedelta(minutes=15)
        headers = dict(options.headers)
        query = {"method": options.method.value}
        if options.method.value == "PUT":
            if options.content_type:
                headers["Content-Type"] = options.content_type
            if options.content_disposition:
                headers["Content-Disposition"] = options.content_disposition
        else:
            if options.content_type:
                query["response-content-type"] = options.content_type
            if options.content_disposition:
                query["response-content-disposition"] = options.content_disposition
        path = urllib.parse.quote(f"{ref.bucket}/{ref.key}")
        return PresignResult(
            url=f"memory://{path}?{urllib.parse.urlencode(query)}",
            method=options.method,
            expires_at=dt.datetime.now(dt.UTC).replace(microsecond=0) + expires,
            headers=headers,
        )


def _encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode()).decode().rstrip("=")


def _decode_token(token: str) -> str:
    try:
        return base64.b64decode(
            token + "=" * (-len(token) % 4), altchars=b"-_", validate=True
        ).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgumentError("invalid continuation token") from None


def list_page(items: list[tuple[str, ObjectMeta]], options: ListOptions) -> ListPage:
    """A listing page over sorted ``(key, meta)`` pairs that all start with the prefix.

    The continuation token is the last entry returned (a key or a common prefix); keys
    under a common prefix already returned are skipped, so no prefix repeats across pages.
    """
    marker = options.start_after
    if options.continuation_token:
        marker = _decode_token(options.continuation_token)
    limit = options.max_keys if options.max_keys > 0 else 1000
    skip_under = marker if options.delimiter and marker.endswith(options.delimiter) else ""
    page = ListPage()
    last = ""
    count = 0
    for key, meta in items:
        if marker and key <= marker:
            continue
        if skip_under and key.startswith(skip_under):
            continue
        entry = key
        folded = False
        if options.delimiter:
            rest = key[len(options.prefix) :]
            at = rest.find(options.delimiter)
            if at >= 0:
                entry = options.prefix + rest[: at + len(options.delimiter)]
                folded = True
                if entry == last:
                    continue
        if count == limit:
            page.has_more = True
            page.next_continuation_token = _encode_token(last)
            break
        if folded:
            page.common_prefixes.append(entry)
        else:
            page.objects.append(dataclasses.replace(meta, ref=ObjectRef(options.bucket, key)))
        last = entry
        count += 1
    return page
