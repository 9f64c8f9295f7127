"""The ready S3 provider backed by boto3 (``pip install gestalt-s3[boto3]``).

boto3 is imported only when the client is built, in ``configure``: importing
:mod:`gestalt.s3` never pulls it in. The client is created once and shared by the handler
threads (boto3 clients are thread-safe, sessions are not).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gestalt.core import (
    FailedPreconditionError,
    GestaltError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    UnimplementedError,
)
from gestalt.core.serving import bounded
from gestalt.s3._conditions import check_read_conditions, check_write_conditions
from gestalt.s3._convert import check_range
from gestalt.s3._provider import S3Provider
from gestalt.s3._types import (
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
from gestalt.s3._upload import UploadBody

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: Size of the multipart upload parts: a write holds at most one part in memory.
PART_BYTES = 8 * 1024 * 1024
#: Size of the chunks a read passes on.
READ_CHUNK = 64 * 1024
_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")

_NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "NotFound", "404"}
# ConditionalRequestConflict (409): another conditional write to the key won the race.
_PRECONDITION = {"PreconditionFailed", "NotModified", "ConditionalRequestConflict", "412", "304"}
_RANGE = {"InvalidRange", "416"}
_DENIED = {
    "AccessDenied",
    "403",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
}
# 414: an endpoint refusing an over-long key in the URL (S3 itself says KeyTooLongError).
_INVALID = {
    "InvalidArgument",
    "InvalidBucketName",
    "KeyTooLongError",
    "400",
    "414",
    "InvalidRequest",
}
_UNIMPLEMENTED = {"NotImplemented", "501", "EntityTooLarge"}


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _mapped(error: Exception) -> Exception:
    """The SDK error for a botocore error: its code, never internals; input is bounded."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return error
    code = bounded(_code(error))
    status = str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    for names, cls in (
        (_NOT_FOUND, NotFoundError),
        (_PRECONDITION, FailedPreconditionError),
        (_RANGE, OutOfRangeError),
        (_DENIED, PermissionDeniedError),
        (_INVALID, InvalidArgumentError),
        (_UNIMPLEMENTED, UnimplementedError),
    ):
        if code in names or status in names:
            return cls(f"s3: {code or status}")
    return InternalError(f"s3 backend error: {code or status or 'unknown'}")


def _make_client(config: dict[str, Any]) -> S3Client:
    # Imported here, at configure: importing gestalt.s3 never pulls boto3 in.
    import boto3
    import botocore.config

    options: dict[str, Any] = {}
    for ours, theirs in (
        ("endpoint", "endpoint_url"),
        ("region", "region_name"),
        ("access_key_id", "aws_access_key_id"),
        ("secret_access_key", "aws_secret_access_key"),
        ("session_token", "aws_session_token"),
    ):
        value = config.get(ours)
        if value:
            options[theirs] = str(value)
    style = "path" if config.get("force_path_style", bool(config.get("endpoint"))) else "auto"
    client_config = botocore.config.Config(
        s3={"addressing_style": style},  # type: ignore[arg-type]
        retries={"max_attempts": int(config.get("max_attempts", 3)), "mode": "standard"},
        max_pool_connections=int(config.get("max_pool_connections", 32)),
        connect_timeout=float(config.get("connect_timeout", 5)),
        read_timeout=float(config.get("read_timeout", 60)),
    )
    session = boto3.session.Session()
    return session.client("s3", config=client_config, **options)


def _stored_headers(options: WriteOptions) -> dict[str, Any]:
    """The PutObject / CreateMultipartUpload arguments that store the write's headers."""
    headers: dict[str, Any] = {"Metadata": dict(options.metadata)}
    for field, arg in (
        ("content_type", "ContentType"),
        ("cache_control", "CacheControl"),
        ("content_disposition", "ContentDisposition"),
        ("content_encoding", "ContentEncoding"),
        ("content_language", "ContentLanguage"),
    ):
        value = getattr(options, field)
        if value:
            headers[arg] = value
    return headers


class _MultipartUpload:
    """A multipart upload, created with its first part; aborted unless completed."""

    def __init__(self, client: S3Client, ref: ObjectRef, headers: dict[str, Any]) -> None:
        self._client = client
        self._ref = ref
        self._headers = headers
        self._upload_id = ""
        self._parts: list[dict[str, Any]] = []

    @property
    def started(self) -> bool:
        return bool(self._upload_id)

    def add_part(self, data: bytearray) -> None:
        bucket, key = self._ref.bucket, self._ref.key
        if not self._upload_id:
            created = self._client.create_multipart_upload(Bucket=bucket, Key=key, **self._headers)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        part = self._client.upload_part(
            Bucket=bucket, Key=key, UploadId=self._upload_id, PartNumber=number, Body=bytes(data)
        )
        self._parts.append({"ETag": part["ETag"], "PartNumber": number})

    def complete(self, conditions: dict[str, Any]) -> None:
        self._client.complete_multipart_upload(
            Bucket=self._ref.bucket,
            Key=self._ref.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},  # type: ignore[typeddict-item]
            **conditions,
        )
        self._upload_id = ""

    def abort(self) -> None:
        if self._upload_id:
            with contextlib.suppress(Exception):  # the original failure matters more
                self._client.abort_multipart_upload(
                    Bucket=self._ref.bucket, Key=self._ref.key, UploadId=self._upload_id
                )
            self._upload_id = ""


class Boto3S3Provider(S3Provider):
    """An S3 provider over any S3-compatible endpoint, through boto3.

    Config keys (from the host's configure Struct, over the constructor's defaults):
    ``endpoint``, ``region``, ``access_key_id``, ``secret_access_key``, ``session_token``,
    ``force_path_style`` (default: on when an endpoint is set), ``bucket`` (the one bucket
    served to a protocol-5 host, whose refs carry no bucket; required there),
    ``buckets`` (the bucket policy: when given, only these buckets may be used, others
    are PERMISSION_DENIED), ``part_size`` (multipart part size in bytes, at least 5 MiB),
    timeouts and retries.
    """

    def __init__(self, **defaults: Any) -> None:
        self._defaults = dict(defaults)
        self._client: S3Client | None = None
        self._buckets: frozenset[str] | None = None
        self._bucket = ""
        self._protocol = 2
        self._part_bytes = PART_BYTES

    def serving_protocol(self, protocol: int) -> None:
        """Learn the host's protocol (the runtime calls this before configure)."""
        self._protocol = protocol

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Build the boto3 client once, from the config.

        Raises:
            InvalidArgumentError: A config value has the wrong shape, or a protocol-5 host
                configures the provider without ``bucket``.
        """
        merged = {**self._defaults, **config}
        bucket = merged.get("bucket", "")
        if not isinstance(bucket, str):
            raise InvalidArgumentError("config 'bucket' must be a bucket name")
        if self._protocol == 5 and not bucket:
            raise InvalidArgumentError(
                "config 'bucket' is required: a protocol-5 host names objects by key only, "
                "so the provider serves the one bucket its config names"
            )
        self._bucket = bucket
        buckets = merged.get("buckets")
        if buckets is not None:
            if not isinstance(buckets, list) or not all(isinstance(b, str) for b in buckets):
                raise InvalidArgumentError("config 'buckets' must be a list of bucket names")
            self._buckets = frozenset(buckets)
        self._part_bytes = max(int(merged.get("part_size", PART_BYTES)), 5 * 1024 * 1024)
        self._client = _make_client(merged)

    def close(self) -> None:
        """Close the client's connection pool."""
        if self._client is not None:
            self._client.close()

    def _s3(self, *buckets: str) -> S3Client:
        if self._client is None:
            raise FailedPreconditionError("s3 provider is not configured")
        if self._buckets is not None:
            for bucket in buckets:
                if bucket not in self._buckets:
                    raise PermissionDeniedError(
                        f"bucket {bounded(bucket)!r} is not allowed by the bucket policy"
                    )
        return self._client

    def _in_store(self, ref: ObjectRef) -> ObjectRef:
        """``ref`` with the configured bucket when it names none (protocol 5)."""
        return ref if ref.bucket else ObjectRef(self._bucket, ref.key, ref.version_id)

    @staticmethod
    def _version(ref: ObjectRef) -> dict[str, Any]:
        return {"VersionId": ref.version_id} if ref.version_id else {}

    def _meta(self, ref: ObjectRef, head: Any, size: int | None = None) -> ObjectMeta:
        return ObjectMeta(
            ref=ObjectRef(ref.bucket, ref.key, str(head.get("VersionId") or ref.version_id or "")),
            etag=str(head.get("ETag", "")),
            size=int(head.get("ContentLength", 0)) if size is None else size,
            content_type=str(head.get("ContentType", "")),
            last_modified=head.get("LastModified"),
            metadata=dict(head.get("Metadata") or {}),
            storage_class=str(head.get("StorageClass", "")),
        )

    def head_object(self, ref: ObjectRef) -> ObjectMeta:
        """HeadObject."""
        ref = self._in_store(ref)
        client = self._s3(ref.bucket)
        try:
            head = client.head_object(Bucket=ref.bucket, Key=ref.key, **self._version(ref))
        except Exception as error:
            raise _mapped(error) from None
        return self._meta(ref, head)

    def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, Iterator[bytes]]:
        """GetObject with the range and conditions passed to S3 (which clips the range end)."""
        ref = self._in_store(ref)
        client = self._s3(ref.bucket)
        check_range(options.range)
        args: dict[str, Any] = {"Bucket": ref.bucket, "Key": ref.key, **self._version(ref)}
        byte_range = options.range
        if byte_range is not None and not (byte_range.start is None and byte_range.end is None):
            start = byte_range.start or 0
            end = "" if byte_range.end is None else str(byte_range.end)
            args["Range"] = f"bytes={start}-{end}"
        if options.if_match:
            args["IfMatch"] = options.if_match
        if options.if_none_match:
            args["IfNoneMatch"] = options.if_none_match
        if options.if_modified_since is not None:
            args["IfModifiedSince"] = options.if_modified_since
        if options.if_unmodified_since is not None:
            args["IfUnmodifiedSince"] = options.if_unmodified_since
        try:
            got = client.get_object(**args)
        except Exception as error:
            raise _mapped(error) from None
        size = None
        match = _CONTENT_RANGE.match(str(got.get("ContentRange", "")))
        if match:
            size = int(match.group(1))
        body = got["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(READ_CHUNK)
            except Exception as error:
                raise _mapped(error) from None
            finally:
                body.close()

        return self._meta(ref, got, size), chunks()

    def write_object(self, ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        """PutObject for small bodies, multipart upload (aborted on failure) for large ones."""
        ref = self._in_store(ref)
        client = self._s3(ref.bucket)
        conditions = self._write_conditions(ref, options)
        headers = _stored_headers(options)
        upload = _MultipartUpload(client, ref, headers)
        buffer = bytearray()
        try:
            for chunk in body:
                buffer += chunk
                if len(buffer) >= self._part_bytes:
                    if not upload.started and conditions:
                        # Fail before uploading parts, on backends that ignore the
                        # conditions of CompleteMultipartUpload too.
                        self._check_current(ref, options)
                    upload.add_part(buffer)
                    buffer.clear()
            # The body ended normally: the upload is complete and may be committed.
            if upload.started:
                if buffer:
                    upload.add_part(buffer)
                upload.complete(conditions)
            else:
                client.put_object(
                    Bucket=ref.bucket, Key=ref.key, Body=bytes(buffer), **headers, **conditions
                )
        except BaseException as error:
            upload.abort()
            if isinstance(error, GestaltError) or not isinstance(error, Exception):
                raise
            if conditions.get("IfMatch") and _code(error) == "NoSuchKey":
                # S3 answers a conditional write on a missing key with 404.
                raise FailedPreconditionError("precondition failed: if_match") from None
            raise _mapped(error) from None
        return self.head_object(ObjectRef(ref.bucket, ref.key))

    def _check_current(self, ref: ObjectRef, options: WriteOptions) -> ObjectMeta | None:
        """Check the write conditions against the object as it is now (one HeadObject)."""
        try:
            current: ObjectMeta | None = self.head_object(ObjectRef(ref.bucket, ref.key))
        except NotFoundError:
            current = None
        check_write_conditions(current, options)
        return current

    def _write_conditions(self, ref: ObjectRef, options: WriteOptions) -> dict[str, Any]:
        """The condition arguments that make S3 check and write in one step.

        S3 takes ``If-Match: <etag>`` and ``If-None-Match: *`` on PutObject and
        CompleteMultipartUpload. Any other combination (``if_none_match`` naming an
        ETag) is checked here with a HeadObject, and the write is then pinned to the
        state seen, so a change in between fails the write instead of being lost.
        """
        if_match, if_none_match = options.if_match, options.if_none_match
        if not (if_match or if_none_match):
            return {}
        if if_none_match == "*" and not if_match:
            return {"IfNoneMatch": "*"}
        if if_match and not if_none_match:
            return {"IfMatch": if_match}
        current = self._check_current(ref, options)
        return {"IfNoneMatch": "*"} if current is None else {"IfMatch": current.etag}

    def delete_object(self, ref: ObjectRef) -> None:
        """DeleteObject (a missing key succeeds, as in S3)."""
        ref = self._in_store(ref)
        client = self._s3(ref.bucket)
        try:
            client.delete_object(Bucket=ref.bucket, Key=ref.key, **self._version(ref))
        except Exception as error:
            raise _mapped(error) from None

    def list_objects(self, options: ListOptions) -> ListPage:
        """ListObjectsV2; objects and common prefixes both count toward ``max_keys``."""
        bucket = options.bucket or self._bucket
        client = self._s3(bucket)
        args: dict[str, Any] = {
            "Bucket": bucket,
            "Prefix": options.prefix,
            "MaxKeys": options.max_keys if options.max_keys > 0 else 1000,
        }
        if options.delimiter:
            args["Delimiter"] = options.delimiter
        if options.continuation_token:
            args["ContinuationToken"] = options.continuation_token
        elif options.start_after:
            args["StartAfter"] = options.start_after
        try:
            response = client.list_objects_v2(**args)
        except Exception as error:
            raise _mapped(error) from None
        objects = [
            ObjectMeta(
                ref=ObjectRef(bucket, str(item["Key"])),
                etag=str(item.get("ETag", "")),
                size=int(item.get("Size", 0)),
                last_modified=item.get("LastModified"),
                storage_class=str(item.get("StorageClass", "")),
            )
            for item in response.get("Contents", [])
        ]
        prefixes = [str(item["Prefix"]) for item in response.get("CommonPrefixes", [])]
        more = bool(response.get("IsTruncated"))
        return ListPage(
            objects=objects,
            common_prefixes=prefixes,
            next_continuation_token=str(response.get("NextContinuationToken", "")) if more else "",
            has_more=more,
        )

    def copy_object(
        self, source: ObjectRef, destination: ObjectRef, options: CopyOptions
    ) -> ObjectMeta:
        """CopyObject; the conditions are S3's copy-source conditions."""
        source, destination = self._in_store(source), self._in_store(destination)
        client = self._s3(source.bucket, destination.bucket)
        copy_source: dict[str, str] = {"Bucket": source.bucket, "Key": source.key}
        if source.version_id:
            copy_source["VersionId"] = source.version_id
        args: dict[str, Any] = {}
        if options.if_match or options.if_none_match:
            # Checked here as well: not every S3-compatible backend honours the
            # copy-source conditions (moto ignores them).
            check_read_conditions(
                self.head_object(source),
                ReadOptions(if_match=options.if_match, if_none_match=options.if_none_match),
            )
        if options.if_match:
            args["CopySourceIfMatch"] = options.if_match
        if options.if_none_match:
            args["CopySourceIfNoneMatch"] = options.if_none_match
        try:
            client.copy_object(
                Bucket=destination.bucket,
                Key=destination.key,
                CopySource=copy_source,  # type: ignore[arg-type]
                **args,
            )
        except Exception as error:
            raise _mapped(error) from None
        return self.head_object(ObjectRef(destination.bucket, destination.key))

    def presign_object(self, ref: ObjectRef, options: PresignOptions) -> PresignResult:
        """A presigned URL from boto3; PUT headers are signed and returned."""
        ref = self._in_store(ref)
        client = self._s3(ref.bucket)
        seconds = int(options.expires.total_seconds()) if options.expires else 900
        method = {
            PresignMethod.GET: "get_object",
            PresignMethod.PUT: "put_object",
            PresignMethod.DELETE: "delete_object",
            PresignMethod.HEAD: "head_object",
        }[options.method]
        params: dict[str, Any] = {"Bucket": ref.bucket, "Key": ref.key, **self._version(ref)}
        headers = dict(options.headers)
        if options.method is PresignMethod.PUT:
            if options.content_type:
                params["ContentType"] = headers["Content-Type"] = options.content_type
            if options.content_disposition:
                params["ContentDisposition"] = headers["Content-Disposition"] = (
                    options.content_disposition
                )
        elif options.method is PresignMethod.GET:
            if options.content_type:
                params["ResponseContentType"] = options.content_type
            if options.content_disposition:
                params["ResponseContentDisposition"] = options.content_disposition
        try:
            url = client.generate_presigned_url(method, Params=params, ExpiresIn=seconds)
        except Exception as error:
            raise _mapped(error) from None
        return PresignResult(
            url=url,
            method=options.method,
            expires_at=dt.datetime.now(dt.UTC).replace(microsecond=0)
            + dt.timedelta(seconds=seconds),
            headers=headers,
        )


def boto3_provider(**defaults: Any) -> Boto3S3Provider:
    """The ready boto3-backed provider; config keys as in :class:`Boto3S3Provider`.

    Use it as TARGET (``s3 = "gestalt.s3:boto3_provider"`` does not work across
    packages, so write ``s3 = boto3_provider()`` in your module). boto3 is imported when
    the host configures the provider; without ``gestalt-s3[boto3]`` that raises
    ``ModuleNotFoundError: No module named 'boto3'``.
    """
    return Boto3S3Provider(**defaults)
