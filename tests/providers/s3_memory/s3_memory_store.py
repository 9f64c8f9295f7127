"""The in-memory S3 provider, served as is (``s3``) and behind ``async def`` methods."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gestalt.s3 import (
    CopyOptions,
    ListOptions,
    ListPage,
    MemoryS3,
    ObjectMeta,
    ObjectRef,
    PresignOptions,
    PresignResult,
    ReadOptions,
    UploadBody,
    WriteOptions,
)

s3 = MemoryS3("bkt", "bkt2")


class AsyncMemory:
    """The same store through ``async def`` methods and an async body."""

    def __init__(self) -> None:
        self._store = MemoryS3("bkt", "bkt2")

    async def head_object(self, ref: ObjectRef) -> ObjectMeta:
        return self._store.head_object(ref)

    async def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, AsyncIterator[bytes]]:
        meta, view = self._store.read_object(ref, options)

        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(view), 100_000):  # not a multiple of the frame size
                yield bytes(view[start : start + 100_000])

        return meta, body()

    async def write_object(
        self, ref: ObjectRef, options: WriteOptions, body: UploadBody
    ) -> ObjectMeta:
        parts = [chunk async for chunk in body]
        return self._store.write_object(ref, options, iter(parts))  # type: ignore[arg-type]

    async def delete_object(self, ref: ObjectRef) -> None:
        self._store.delete_object(ref)

    async def list_objects(self, options: ListOptions) -> ListPage:
        return self._store.list_objects(options)

    async def copy_object(
        self, source: ObjectRef, destination: ObjectRef, options: CopyOptions
    ) -> ObjectMeta:
        return self._store.copy_object(source, destination, options)

    async def presign_object(self, ref: ObjectRef, options: PresignOptions) -> PresignResult:
        return self._store.presign_object(ref, options)


async_s3 = AsyncMemory()
