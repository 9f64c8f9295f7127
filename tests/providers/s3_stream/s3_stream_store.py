"""Objects generated on the fly: ``obj-<size>`` is ``size`` bytes, read from a generator.

Nothing is stored, so the process's memory shows only what the SDK holds while it streams
a body that a plain ``def`` method returns as a sync iterator.
"""

from __future__ import annotations

from collections.abc import Iterator

from gestalt.s3 import NotFoundError, ObjectMeta, ObjectRef, ReadOptions, UploadBody, WriteOptions

CHUNK = 64 * 1024


def _size(ref: ObjectRef) -> int:
    if not ref.key.startswith("obj-"):
        raise NotFoundError("keys are obj-<size>")
    return int(ref.key[4:])


class GeneratedS3:
    def head_object(self, ref: ObjectRef) -> ObjectMeta:
        return ObjectMeta(ref=ref, size=_size(ref))

    def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, Iterator[bytes]]:
        size = _size(ref)

        def body() -> Iterator[bytes]:
            for start in range(0, size, CHUNK):
                yield bytes([start // CHUNK % 251]) * min(CHUNK, size - start)

        return ObjectMeta(ref=ref, size=size), body()

    def write_object(self, ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        return ObjectMeta(ref=ref, size=sum(len(chunk) for chunk in body))


s3 = GeneratedS3()
