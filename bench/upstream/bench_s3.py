"""The benchmark's S3 provider in gestalt-sdk 0.0.1a8's API: a store that keeps nothing.

a8 gives S3 providers the raw wire (generated servicer, protobuf frames). Bodies are
``BLOCK`` repeated up to the size in the key (``obj-<size>``); writes are checked
against the pattern and answered with the size seen and etag ``match``/``mismatch``.
"""

import grpc

from gestalt import S3Provider
from gestalt.gen.v1 import s3_pb2 as pb

FRAME = 64 * 1024
BLOCK = bytes(range(256)) * (FRAME // 256)
TWICE = BLOCK * 2


def _size(ref, context):
    if not ref.key.startswith("obj-"):
        context.abort(grpc.StatusCode.NOT_FOUND, "no such object")
    return int(ref.key[4:])


class NullS3(S3Provider):
    def HeadObject(self, request, context):
        size = _size(request.ref, context)
        return pb.HeadObjectResponse(
            meta=pb.S3ObjectMeta(ref=request.ref, size=size, etag="pattern")
        )

    def ReadObject(self, request, context):
        size = _size(request.ref, context)
        yield pb.ReadObjectChunk(meta=pb.S3ObjectMeta(ref=request.ref, size=size, etag="pattern"))
        full, rest = divmod(size, FRAME)
        for _ in range(full):
            yield pb.ReadObjectChunk(data=BLOCK)
        if rest:
            yield pb.ReadObjectChunk(data=BLOCK[:rest])

    def WriteObject(self, request_iterator, context):
        first = next(request_iterator)
        seen, good = 0, True
        for message in request_iterator:
            chunk = message.data
            start = seen % FRAME
            good = good and len(chunk) <= FRAME and TWICE[start : start + len(chunk)] == chunk
            seen += len(chunk)
        meta = pb.S3ObjectMeta(ref=first.open.ref, size=seen, etag="match" if good else "mismatch")
        return pb.WriteObjectResponse(meta=meta)


s3 = NullS3()
