"""Ranges, conditions, error mapping and import hygiene of gestalt.s3."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import grpc
import pytest

import gestalt.s3
from gestalt.core import GestaltError
from gestalt.core import NotFoundError as CoreNotFound
from gestalt.core.serving import error_from_rpc
from gestalt.s3 import (
    ByteRange,
    InvalidRangeError,
    NotFoundError,
    ObjectMeta,
    ObjectRef,
    PreconditionFailedError,
    ReadOptions,
    S3Error,
    WriteOptions,
    check_read_conditions,
    check_write_conditions,
    resolve_range,
)


@pytest.mark.parametrize(
    ("byte_range", "expected"),
    [
        (None, (0, 10)),
        (ByteRange(), (0, 10)),
        (ByteRange(2, 5), (2, 6)),
        (ByteRange(start=7), (7, 10)),
        (ByteRange(end=3), (0, 4)),
        (ByteRange(8, 100), (8, 10)),
    ],
)
def test_s3_resolve_range(byte_range: ByteRange | None, expected: tuple[int, int]) -> None:
    assert resolve_range(byte_range, 10) == expected


@pytest.mark.parametrize(
    "byte_range", [ByteRange(-1), ByteRange(end=-1), ByteRange(5, 2), ByteRange(10), ByteRange(0)]
)
def test_s3_resolve_range_refuses(byte_range: ByteRange) -> None:
    size = 0 if byte_range == ByteRange(0) else 10
    with pytest.raises(InvalidRangeError):
        resolve_range(byte_range, size)


def test_s3_conditions() -> None:
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    meta = ObjectMeta(ObjectRef("b", "k"), etag='"e"', last_modified=now)
    check_read_conditions(
        meta, ReadOptions(if_match='"e"', if_modified_since=now - dt.timedelta(1))
    )
    for options in (
        ReadOptions(if_match='"x"'),
        ReadOptions(if_none_match='"e"'),
        ReadOptions(if_modified_since=now),
        ReadOptions(if_unmodified_since=now - dt.timedelta(seconds=1)),
    ):
        with pytest.raises(PreconditionFailedError):
            check_read_conditions(meta, options)
    check_write_conditions(None, WriteOptions(if_none_match="*"))
    with pytest.raises(PreconditionFailedError):
        check_write_conditions(None, WriteOptions(if_match='"e"'))
    with pytest.raises(PreconditionFailedError):
        check_write_conditions(meta, WriteOptions(if_none_match="*"))


class _Failed(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return "why"


def test_s3_errors_are_core_errors() -> None:
    assert gestalt.s3.NotFoundError is CoreNotFound
    assert gestalt.s3.S3NotFoundError is CoreNotFound
    assert gestalt.s3.S3Error is GestaltError
    error = error_from_rpc(_Failed(grpc.StatusCode.NOT_FOUND))
    assert type(error) is NotFoundError
    assert error.grpc_code == grpc.StatusCode.NOT_FOUND
    other = error_from_rpc(_Failed(grpc.StatusCode.INTERNAL))
    assert isinstance(other, S3Error)
    assert other.grpc_code == grpc.StatusCode.INTERNAL


def test_s3_public_names() -> None:
    for name in gestalt.s3.__all__:
        getattr(gestalt.s3, name)  # every listed name resolves (most are imported lazily)
    lazy_machinery = {"TYPE_CHECKING", "lazy_attributes"}
    public = {name for name in vars(gestalt.s3) if not name.startswith("_")} - lazy_machinery
    public -= {name for name in public if isinstance(getattr(gestalt.s3, name), type(gestalt))}
    assert sorted(gestalt.s3.__all__) == sorted(public | {"__version__"})


def test_s3_import_does_not_pull_boto3() -> None:
    code = "import sys, gestalt.s3, gestalt.s3._surface; print('boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
