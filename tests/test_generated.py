"""The wire definitions and the checked-in stubs: equal to upstream, current, and floored right."""

from __future__ import annotations

import ast
import importlib
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2

REPO = Path(__file__).resolve().parent.parent
CORE = REPO / "packages" / "gestalt-core"
STUBS = CORE / "src" / "gestalt" / "provider" / "v1"
NAMES = ("runtime", "plugin", "auth", "cache", "secrets", "s3")
ORACLE = "gestalt-sdk==0.0.1a8"
#: Protocol 5: our private copy (proto/v5, package gestalt.provider.v5) against upstream's.
V5_NAMES = ("runtime", "app", "identity", "cache", "secrets", "s3")
V5_ORACLE = "gestalt-sdk==0.0.1a29"
#: What upstream's v5 files hold that we leave out: the provider-to-host App service.
V5_LEFT_OUT = {"App", "AppInvokeRequest", "AppInvokeGraphQLRequest"}


def _core_floor(distribution: str) -> str:
    deps = tomllib.loads((CORE / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        match = re.match(rf"^{distribution}>=([0-9.]+)", dep)
        if match:
            return match.group(1)
    raise AssertionError(f"gestalt-core declares no floor for {distribution}")


def _serialized_descriptor(source: str) -> bytes:
    """The bytes passed to AddSerializedFile in a generated _pb2.py, read without importing it."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "AddSerializedFile":
            argument = node.args[0]
            assert isinstance(argument, ast.Constant)
            assert isinstance(argument.value, bytes)
            return argument.value
    raise AssertionError("no serialized descriptor found")


def _fetch_oracle(
    factory: pytest.TempPathFactory, requirement: str, folder: str, names: tuple[str, ...]
) -> dict[str, bytes]:
    """Upstream's descriptors, from a gestalt-sdk wheel installed into a throwaway folder.

    It is never imported: its regular gestalt/__init__.py would shadow our namespace.
    """
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to fetch the upstream oracle"
    target = factory.mktemp("oracle")
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(target), requirement],
        check=True,
        timeout=300,
    )
    generated = target / "gestalt" / folder / "v1"
    return {
        name: _serialized_descriptor((generated / f"{name}_pb2.py").read_text()) for name in names
    }


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _fetch_oracle(tmp_path_factory, ORACLE, "gen", NAMES)


@pytest.fixture(scope="module")
def oracle_v5(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _fetch_oracle(tmp_path_factory, V5_ORACLE, "_gen", V5_NAMES)


def _without_json_names(blob: bytes) -> descriptor_pb2.FileDescriptorProto:
    # protoc --python_out leaves json_name out of the embedded descriptor; upstream's buf
    # build keeps it. Everything else must match.
    proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
    stack = list(proto.message_type)
    while stack:
        message = stack.pop()
        for field in message.field:
            field.ClearField("json_name")
        stack.extend(message.nested_type)
    return proto


@pytest.mark.parametrize("name", NAMES)
def test_descriptors_equal_upstream_message_by_message(name: str, oracle: dict[str, bytes]) -> None:
    ours_module = importlib.import_module(f"gestalt.provider.v1.{name}_pb2")
    ours = _without_json_names(ours_module.DESCRIPTOR.serialized_pb)
    _assert_same_file(ours, _without_json_names(oracle[name]))


def _assert_same_file(
    ours: descriptor_pb2.FileDescriptorProto, theirs: descriptor_pb2.FileDescriptorProto
) -> None:
    """Equal files, compared piece by piece first so that a failure names what differs."""
    assert (ours.name, ours.package, ours.syntax) == (theirs.name, theirs.package, theirs.syntax)
    assert list(ours.dependency) == list(theirs.dependency)
    assert [m.name for m in ours.message_type] == [m.name for m in theirs.message_type]
    for mine, upstream in zip(ours.message_type, theirs.message_type, strict=True):
        # names, numbers, types, labels, json names, oneofs, reserved ranges and names
        assert mine == upstream, f"message {mine.name} differs"
    assert list(ours.enum_type) == list(theirs.enum_type)
    for mine_service, upstream_service in zip(ours.service, theirs.service, strict=True):
        assert mine_service == upstream_service, f"service {mine_service.name} differs"
    assert ours == theirs


DESCRIPTOR_SET = """
import pathlib, sys
import grpc_tools
from grpc_tools import protoc
well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
args = ["protoc", "-Iproto", f"-I{well_known}", f"--descriptor_set_out={sys.argv[1]}"]
folder = sys.argv[2]
raise SystemExit(protoc.main(args + [f"{folder}/{name}.proto" for name in sys.argv[3:]]))
"""


def _compiled(folder: str, names: tuple[str, ...], tmp_path: Path) -> dict[str, bytes]:
    """proto/<folder>/<name>.proto compiled to descriptors, json names included."""
    out = tmp_path / f"{folder}.pb"
    done = _in_generator_env("-c", DESCRIPTOR_SET, str(out), folder, *names)
    assert done.returncode == 0, done.stderr
    return {
        f.name: f.SerializeToString()
        for f in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    }


def test_proto_sources_compile_to_upstream_bytes_json_names_included(
    oracle: dict[str, bytes], tmp_path: Path
) -> None:
    built = _compiled("v1", NAMES, tmp_path)
    for name in NAMES:
        assert built[f"v1/{name}.proto"] == oracle[name], name


def _as_private_v5(blob: bytes) -> descriptor_pb2.FileDescriptorProto:
    """Upstream's v5 file as our private copy states it: package and paths renamed, the
    code-generation options (no wire effect) and the App host service left out."""
    proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
    # Upstream's custom options are extensions this process does not know: unknown fields.
    proto.DiscardUnknownFields()
    text = proto.SerializeToString().replace(b".gestalt.provider.v1.", b".gestalt.provider.v5.")
    proto = descriptor_pb2.FileDescriptorProto.FromString(text)
    proto.name = proto.name.replace("v1/", "v5/")
    proto.package = "gestalt.provider.v5"
    kept = [
        dep
        for dep in proto.dependency
        if dep not in ("v1/annotations.proto", "google/api/visibility.proto")
    ]
    del proto.dependency[:]
    proto.dependency.extend(kept)
    for message in [m for m in proto.message_type if m.name in V5_LEFT_OUT]:
        proto.message_type.remove(message)
    for service in [s for s in proto.service if s.name in V5_LEFT_OUT]:
        proto.service.remove(service)
    _drop_empty_options(proto)
    return proto


def _drop_empty_options(proto: descriptor_pb2.FileDescriptorProto) -> None:
    holders: list[Any] = [proto, *proto.service, *proto.enum_type]
    holders += [method for service in proto.service for method in service.method]
    stack = list(proto.message_type)
    while stack:
        message = stack.pop()
        holders += [message, *message.field, *message.oneof_decl, *message.enum_type]
        stack.extend(message.nested_type)
    for holder in holders:
        if holder.HasField("options") and holder.options.ByteSize() == 0:
            holder.ClearField("options")


@pytest.mark.parametrize("name", V5_NAMES)
def test_v5_descriptors_equal_upstream_field_by_field(
    name: str, oracle_v5: dict[str, bytes], tmp_path: Path
) -> None:
    ours = descriptor_pb2.FileDescriptorProto.FromString(
        _compiled("v5", V5_NAMES, tmp_path)[f"v5/{name}.proto"]
    )
    _assert_same_file(ours, _as_private_v5(oracle_v5[name]))


def test_v5_leaves_out_only_the_app_host_service(oracle_v5: dict[str, bytes]) -> None:
    upstream = descriptor_pb2.FileDescriptorProto.FromString(oracle_v5["app"])
    ours = importlib.import_module("gestalt.provider.v5.app_pb2").DESCRIPTOR
    theirs = {m.name for m in upstream.message_type} | {s.name for s in upstream.service}
    mine = set(ours.message_types_by_name) | set(ours.services_by_name)
    assert theirs - mine == V5_LEFT_OUT


def test_method_paths_are_upstreams() -> None:
    from gestalt.provider.v1 import cache_pb2_grpc, plugin_pb2_grpc, s3_pb2_grpc

    source = Path(plugin_pb2_grpc.__file__).read_text()
    assert "'/gestalt.provider.v1.IntegrationProvider/Execute'" in source
    assert "'/gestalt.provider.v1.Cache/GetMany'" in Path(cache_pb2_grpc.__file__).read_text()
    assert "'/gestalt.provider.v1.S3/WriteObject'" in Path(s3_pb2_grpc.__file__).read_text()


@pytest.mark.parametrize("name", V5_NAMES)
def test_v5_method_paths_are_upstreams(name: str, oracle_v5: dict[str, bytes]) -> None:
    """Every rpc of the private copy is registered and called under upstream's path."""
    upstream = descriptor_pb2.FileDescriptorProto.FromString(oracle_v5[name])
    expected = {
        f"/gestalt.provider.v1.{service.name}/{method.name}"
        for service in upstream.service
        if service.name not in V5_LEFT_OUT
        for method in service.method
    }
    source = (STUBS.parent / "v5" / f"{name}_pb2_grpc.py").read_text()
    found = set(re.findall(r"'(/gestalt\.provider\.v\d\.\w+/\w+)'", source))
    assert found == expected
    registered = set(re.findall(r"'(gestalt\.provider\.v\d\.\w+)', rpc_method_handlers", source))
    assert registered == {f"gestalt.provider.v1.{s.name}" for s in upstream.service} - {
        "gestalt.provider.v1.App"
    }


def _in_generator_env(*args: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in the generator's own environment (the ``gen`` group pins protobuf < 6)."""
    uv = shutil.which("uv")
    assert uv is not None, "uv runs the generator in its own environment"
    return subprocess.run(
        [uv, "run", "--isolated", "--no-default-groups", "--group", "gen", "python", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_stubs_are_current() -> None:
    done = _in_generator_env(str(REPO / "scripts" / "gen_protos.py"), "--check")
    assert done.returncode == 0, done.stderr


def _generated(suffix: str) -> list[str]:
    return [path.read_text() for path in sorted(STUBS.parent.glob(f"v*/*{suffix}"))]


def test_grpcio_floor_matches_the_generator() -> None:
    floor = _core_floor("grpcio")
    for text in _generated("_pb2_grpc.py"):
        generated = re.search(r"GRPC_GENERATED_VERSION = '([0-9.]+)'", text)
        assert generated is not None
        assert generated.group(1) == floor


def test_protobuf_floor_matches_the_generator() -> None:
    floor = _core_floor("protobuf")
    for text in _generated("_pb2.py"):
        # The protobuf release of the generator; the runtime must not be older.
        gencode = re.search(r"^# Protobuf Python Version: ([0-9.]+)$", text, re.MULTILINE)
        assert gencode is not None
        assert gencode.group(1) == floor


def test_generated_messages_pickle_under_their_real_module() -> None:
    import pickle

    from gestalt.provider.v1 import cache_pb2

    message = cache_pb2.CacheGetRequest(key="k")
    assert type(message).__module__ == "gestalt.provider.v1.cache_pb2"
    assert pickle.loads(pickle.dumps(message)) == message


@pytest.mark.parametrize("folder", ["v1", "v5"])
def test_stub_package_imports_no_stub_by_itself(folder: str) -> None:
    code = (
        f"import sys, gestalt.provider.{folder}; "
        "print(sorted(m for m in sys.modules if m.endswith('_pb2')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
