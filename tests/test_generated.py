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

import pytest
from google.protobuf import descriptor_pb2

REPO = Path(__file__).resolve().parent.parent
CORE = REPO / "packages" / "gestalt-core"
STUBS = CORE / "src" / "gestalt" / "provider" / "v1"
NAMES = ("runtime", "plugin", "auth", "cache", "secrets", "s3")
ORACLE = "gestalt-sdk==0.0.1a8"


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


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Upstream's descriptors, from the gestalt-sdk wheel installed into a throwaway folder.

    It is never imported: its regular gestalt/__init__.py would shadow our namespace.
    """
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to fetch the upstream oracle"
    target = tmp_path_factory.mktemp("oracle")
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(target), ORACLE],
        check=True,
        timeout=300,
    )
    generated = target / "gestalt" / "gen" / "v1"
    return {
        name: _serialized_descriptor((generated / f"{name}_pb2.py").read_text()) for name in NAMES
    }


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
    theirs = _without_json_names(oracle[name])
    assert (ours.name, ours.package, ours.syntax) == (theirs.name, theirs.package, theirs.syntax)
    assert list(ours.dependency) == list(theirs.dependency)
    assert [m.name for m in ours.message_type] == [m.name for m in theirs.message_type]
    for mine, upstream in zip(ours.message_type, theirs.message_type, strict=True):
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
raise SystemExit(protoc.main(args + [f"v1/{name}.proto" for name in sys.argv[2:]]))
"""


def test_proto_sources_compile_to_upstream_bytes_json_names_included(
    oracle: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "set.pb"
    done = _in_generator_env("-c", DESCRIPTOR_SET, str(out), *NAMES)
    assert done.returncode == 0, done.stderr
    built = {
        f.name: f.SerializeToString()
        for f in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    }
    for name in NAMES:
        assert built[f"v1/{name}.proto"] == oracle[name], name


def test_method_paths_are_upstreams() -> None:
    from gestalt.provider.v1 import cache_pb2_grpc, plugin_pb2_grpc, s3_pb2_grpc

    source = Path(plugin_pb2_grpc.__file__).read_text()
    assert "'/gestalt.provider.v1.IntegrationProvider/Execute'" in source
    assert "'/gestalt.provider.v1.Cache/GetMany'" in Path(cache_pb2_grpc.__file__).read_text()
    assert "'/gestalt.provider.v1.S3/WriteObject'" in Path(s3_pb2_grpc.__file__).read_text()


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


def test_grpcio_floor_matches_the_generator() -> None:
    floor = _core_floor("grpcio")
    for name in NAMES:
        text = (STUBS / f"{name}_pb2_grpc.py").read_text()
        generated = re.search(r"GRPC_GENERATED_VERSION = '([0-9.]+)'", text)
        assert generated is not None
        assert generated.group(1) == floor, name


def test_protobuf_floor_matches_the_generator() -> None:
    floor = _core_floor("protobuf")
    for name in NAMES:
        text = (STUBS / f"{name}_pb2.py").read_text()
        # The protobuf release of the generator; the runtime must not be older.
        gencode = re.search(r"^# Protobuf Python Version: ([0-9.]+)$", text, re.MULTILINE)
        assert gencode is not None
        assert gencode.group(1) == floor, name


def test_generated_messages_pickle_under_their_real_module() -> None:
    import pickle

    from gestalt.provider.v1 import cache_pb2

    message = cache_pb2.CacheGetRequest(key="k")
    assert type(message).__module__ == "gestalt.provider.v1.cache_pb2"
    assert pickle.loads(pickle.dumps(message)) == message


def test_v1_package_imports_no_stub_by_itself() -> None:
    code = (
        "import sys, gestalt.provider.v1; "
        "print(sorted(m for m in sys.modules if m.endswith('_pb2')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
