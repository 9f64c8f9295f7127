"""Uses the host's cache (bindings "sessions" and "counters") and object store (binding
"files") with the same client code on a protocol-2 and a protocol-5 host.

Only object names differ: a protocol-2 host takes a bucket and a key, a protocol-5 host
(one store per binding) a key only.
"""

from __future__ import annotations

import functools

from pydantic import BaseModel

from gestalt.cache import AsyncCache, Cache
from gestalt.integration import Plugin
from gestalt.s3 import S3, AsyncS3, PresignMethod, PresignOptions

plugin = Plugin("host-clients")
BUCKET = "files"  # protocol 2 only


class Note(BaseModel):
    key: str
    text: str = ""


class Count(BaseModel):
    name: str
    count: int


class Url(BaseModel):
    url: str
    method: str


@functools.cache
def files() -> S3:
    return S3.connect("files", timeout=10)


@functools.cache
def sessions() -> Cache:
    return Cache.connect("sessions", timeout=10)


def _note_object(s3: S3 | AsyncS3, key: str) -> tuple[str, ...]:
    return (key,) if s3.protocol == 5 else (BUCKET, key)


@plugin.operation(title="Save a note")
def save_note(note: Note) -> Note:
    """Write the note to the object store, remember it in the "sessions" cache, read it back."""
    s3 = files()
    handle = s3.object(*_note_object(s3, note.key))
    handle.write_text(note.text)
    sessions().set(f"last:{note.key}", note.text.encode())
    return Note(key=handle.stat().ref.key, text=handle.text())


@plugin.operation(title="Last note", read_only=True, method="GET")
def last_note(note: Note) -> Note:
    """The text the "sessions" cache remembers for a key."""
    return Note(key=note.key, text=(sessions().get(f"last:{note.key}") or b"").decode())


@plugin.operation(title="Count")
async def count(params: Count) -> Count:
    """Add ``count`` to a counter in the "counters" cache (async client)."""
    async with AsyncCache.connect("counters", timeout=10) as cache:
        total = int(await cache.get(params.name) or b"0") + params.count
        await cache.set(params.name, str(total).encode())
    return Count(name=params.name, count=total)


@plugin.operation(title="Copy a note")
async def copy_note(note: Note) -> Note:
    """Copy a note to ``<key>.copy`` within the store (async client)."""
    async with AsyncS3.connect("files", timeout=10) as s3:
        source = s3.object(*_note_object(s3, note.key))
        target = s3.object(*_note_object(s3, f"{note.key}.copy"))
        await s3.copy_object(source.ref, target.ref)
        return Note(key=target.ref.key, text=await target.text())


@plugin.operation(title="Share a note")
def share_note(note: Note) -> Url:
    """A URL for the note: host-mediated on protocol 5, presigned on protocol 2."""
    s3 = files()
    handle = s3.object(*_note_object(s3, note.key))
    options = PresignOptions(PresignMethod.GET)
    result = handle.access_url(options) if s3.protocol == 5 else handle.presign(options)
    return Url(url=result.url, method=result.method.value)
