"""The upload body and its pumps, in process: the two forms, completion, contextvars."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest

from gestalt.core import InternalError
from gestalt.s3 import ObjectMeta, ObjectRef, UploadBody, WriteOptions
from gestalt.s3._upload import NextChunk, write_async, write_in_thread

REF = ObjectRef("bkt", "k")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def _source(*chunks: bytes) -> NextChunk:
    pending = list(chunks)

    async def next_chunk() -> bytes | None:
        return pending.pop(0) if pending else None

    return next_chunk


def _run_in_thread(write: object, *chunks: bytes) -> object:
    async def main() -> object:
        request_id.set("req-7")
        with ThreadPoolExecutor(2) as pool:
            return await write_in_thread(write, REF, WriteOptions(), _source(*chunks), pool)  # type: ignore[arg-type]

    return asyncio.run(main())


def test_def_write_reads_every_chunk_and_sees_the_callers_contextvars() -> None:
    seen: list[object] = []

    def write(ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        seen.append(request_id.get())
        seen.append(b"".join(body))
        return ObjectMeta(ref=ref, size=3)

    meta = _run_in_thread(write, b"ab", b"c")
    assert isinstance(meta, ObjectMeta)
    assert seen == ["req-7", b"abc"]


def test_each_body_refuses_the_other_form_of_iteration() -> None:
    def sync_write(ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        aiter(body)
        raise AssertionError("unreachable")

    with pytest.raises(TypeError, match="use 'for chunk in body'"):
        _run_in_thread(sync_write, b"x")

    async def async_write(ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        iter(body)
        raise AssertionError("unreachable")

    with pytest.raises(TypeError, match="use 'async for chunk in body'"):
        asyncio.run(write_async(async_write, REF, WriteOptions(), _source(b"x")))


def test_returning_before_the_end_of_the_body_is_an_internal_error() -> None:
    def lazy(ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        next(iter(body))
        return ObjectMeta(ref=ref)

    with pytest.raises(InternalError, match="before reading the whole body"):
        _run_in_thread(lazy, b"a", b"b")

    async def async_lazy(ref: ObjectRef, options: WriteOptions, body: UploadBody) -> ObjectMeta:
        return ObjectMeta(ref=ref)

    with pytest.raises(InternalError, match="before reading the whole body"):
        asyncio.run(write_async(async_lazy, REF, WriteOptions(), _source(b"a")))
