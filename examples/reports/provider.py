"""Reports kept in the host's object store (S3 binding "reports"), views in its cache."""

from __future__ import annotations

import functools
from typing import Annotated

from pydantic import BaseModel, Field

from gestalt.cache import AsyncCache
from gestalt.integration import NotFoundError, Plugin
from gestalt.s3 import AsyncS3, ListOptions
from gestalt.s3 import NotFoundError as NoSuchObject

plugin = Plugin("reports")
PREFIX = "reports/"
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Report name")]


class Row(BaseModel):
    label: str
    value: float


class Report(BaseModel):
    name: Name
    title: str = Field(min_length=1)
    rows: list[Row] = Field(default_factory=list)


class ReportName(BaseModel):
    name: Name


class Saved(BaseModel):
    name: str
    key: str
    size: int
    etag: str


class ListIn(BaseModel):
    prefix: str = Field("", description="Only names that start with this")
    page_size: int = Field(1000, ge=1, le=1000, description="Keys per listing call")


class Listing(BaseModel):
    names: list[str]
    pages: int


class Views(BaseModel):
    name: str
    views: int


# Clients of the host's bindings, made on first use: inside the server's event loop.
@functools.cache
def objects() -> AsyncS3:
    # Objects are named by key: a protocol-5 binding is one store; a protocol-2 host
    # (GESTALT_S3_SOCKET_REPORTS) is sent the bucket "reports".
    return AsyncS3.connect("reports", timeout=10, bucket="reports")


@functools.cache
def counters() -> AsyncCache:
    return AsyncCache.connect("counters", timeout=10)  # GESTALT_CACHE_SOCKET_COUNTERS


def key(name: str) -> str:
    return f"{PREFIX}{name}.json"


@plugin.operation(title="Save report", tags=["reports"])
async def save_report(report: Report) -> Saved:
    """Store a report as JSON, replacing any report of the same name."""
    obj = objects().object(key(report.name))
    meta = await obj.write_json(report.model_dump(mode="json"))
    return Saved(name=report.name, key=meta.ref.key, size=meta.size, etag=meta.etag)


@plugin.operation(method="GET", title="Get report", read_only=True, tags=["reports"])
async def get_report(params: ReportName) -> Report:
    """Read a report back (404 when there is none of that name)."""
    try:
        data = await objects().object(key(params.name)).bytes()
    except NoSuchObject:
        raise NotFoundError(f"no report named {params.name!r}") from None
    return Report.model_validate_json(data)


@plugin.operation(method="GET", title="List reports", read_only=True, tags=["reports"])
async def list_reports(params: ListIn) -> Listing:
    """Names of the stored reports, following the listing across pages."""
    options = ListOptions(prefix=PREFIX + params.prefix, max_keys=params.page_size)
    names: list[str] = []
    pages = 0
    async for page in objects().iter_pages(options):
        pages += 1
        names += [meta.ref.key[len(PREFIX) :].removesuffix(".json") for meta in page.objects]
    return Listing(names=names, pages=pages)


@plugin.operation(title="Record a view", tags=["reports"])
async def record_view(params: ReportName) -> Views:
    """Count a view of a report in the host's cache (get then set: not atomic)."""
    cache, counter = counters(), f"views:{params.name}"
    views = int(await cache.get(counter) or b"0") + 1
    await cache.set(counter, str(views).encode())
    return Views(name=params.name, views=views)
