"""The benchmark's S3 provider on this SDK (gestalt-s3): a store that keeps nothing.

Every object's body is ``BLOCK`` repeated up to the size in its key (``obj-<size>``), so
reads cost only the transfer; writes are checked against the same pattern chunk by
chunk and answered with the size seen and etag ``match`` or ``mismatch``. ``s3`` is
``async def`` (the fast path), ``s3_def`` plain ``def`` (run in the thread pool).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from gestalt.s3 import NotFoundError, ObjectMeta, ObjectRef, ReadOptions, UploadBody, WriteOptions

FRAME = 64 * 1024
BLOCK = bytes(range(256)) * (FRAME // 256)
TWICE = BLOCK * 2  # any chunk of <= 64 KiB at any offset is a slice of this


def _size(ref: ObjectRef) -> int:
    if not ref.key.startswith("obj-"):
        raise NotFoundError(f"no object {ref.key!r}")
    return int(ref.key[4:])


def _frames(size: int) -> Iterator[bytes]:
    full, rest = divmod(size, FRAME)
    for _ in range(full):
        yield BLOCK
    if rest:
        yield BLOCK[:rest]


def _check(offset: int, chunk: bytes) -> bool:
    start = offset % FRAME
    return len(chunk) <= FRAME and TWICE[start : start + len(chunk)] == chunk


class NullS3:
    async def head_object(self, ref: ObjectRef) -> ObjectMeta:
        return ObjectMeta(ref=ref, size=_size(ref), etag="pattern")

    async def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, AsyncIterator[bytes]]:
        size = _size(ref)

        async def chunks() -> AsyncIterator[bytes]:
            for frame in _frames(size):
                yield frame

        return ObjectMeta(ref=ref, size=size, etag="pattern"), chunks()

    async def write_object(
        self, ref: ObjectRef, options: WriteOptions, body: UploadBody
    ) -> ObjectMeta:
        seen, good = 0, True
        async for chunk in body:
            good = good and _check(seen, chunk)
            seen += len(chunk)
        return ObjectMeta(ref=ref, size=seen, etag="match" if good else "mismatch")


class NullS3Def:
    def head_object(self, ref: ObjectRef) -> ObjectMeta:
        return ObjectMeta(ref=ref, size=_size(ref), etag="pattern")

    def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, Iterator[bytes]]:
        size = _size(ref)
        return ObjectMeta(ref=ref, size=size, etag="pattern"), _frames(size)

    def write_object(self, ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        seen, good = 0, True
        for chunk in body:
            good = good and _check(seen, chunk)
            seen += len(chunk)
        return ObjectMeta(ref=ref, size=seen, etag="match" if good else "mismatch")


s3 = NullS3()
s3_def = NullS3Def()
