"""Regenerate gestalt-core's wire stubs from proto/v*/*.proto, or check that they are current.

    uv run --isolated --no-default-groups --group gen scripts/gen_protos.py          # rewrite
    uv run --isolated --no-default-groups --group gen scripts/gen_protos.py --check  # stale?

Needs the ``gen`` dependency group (grpcio-tools and mypy-protobuf, pinned exactly there, in
an environment of their own: the oldest generator that works pins protobuf < 6). The
generator's release is gestalt-core's grpcio/protobuf floor.
The .proto files keep upstream's names (``v1/<name>.proto``) so that their descriptors
compare byte for byte with upstream's; protoc therefore writes code that assumes a top-level
``v1`` package. Two textual fixes place it under ``gestalt.provider.v1`` without touching the
serialized descriptors: imports between generated modules become package-qualified, and the
module name given to the protobuf builder becomes the real one (otherwise messages report
``__module__ == 'v1.x_pb2'`` and cannot be pickled).

Protocol 5 (``proto/v5``) declares its messages in the private proto package
``gestalt.provider.v5``, so that both generations load into one process; a third fix
gives its gRPC code upstream's service names, ``gestalt.provider.v1.<Service>``, which are
what the method paths are made of.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "proto"
PROVIDER = REPO / "packages" / "gestalt-core" / "src" / "gestalt" / "provider"
#: Each generation's folder under proto/ (and under gestalt/provider/), and its files.
GENERATIONS = {
    "v1": ("runtime", "plugin", "auth", "cache", "secrets", "s3"),
    "v5": ("runtime", "app", "identity", "cache", "secrets", "s3"),
}
WIRE_PACKAGE = "gestalt.provider.v1"
INIT = '"""Generated modules, one per .proto file; none is imported here."""\n'


def _fix(text: str, folder: str) -> str:
    package = f"gestalt.provider.{folder}"
    # 'from v1 import cache_pb2 as v1_dot_cache__pb2' -> package-relative import
    text = re.sub(rf"^from {folder} import (\w+_pb2)", r"from . import \1", text, flags=re.M)
    # the builder's module name, and fully qualified references in the .pyi files
    text = text.replace(f"'{folder}.", f"'{package}.")
    text = re.sub(rf"^import {folder}\.(\w+_pb2)$", rf"import {package}.\1", text, flags=re.M)
    text = re.sub(rf"(?<![\w.]){folder}\.(\w+_pb2)\b", rf"{package}.\1", text)
    if package != WIRE_PACKAGE:
        # service names in the gRPC code: '/gestalt.provider.v5.Cache/Get' -> upstream's
        text = re.sub(rf"(['\"]/?){re.escape(package)}\.(?=[A-Z])", rf"\1{WIRE_PACKAGE}.", text)
    return text


def generate(folder: str, dest: Path) -> None:
    import grpc_tools
    from grpc_tools import protoc

    # protoc-gen-mypy lives next to the interpreter; protoc looks plugins up on PATH.
    bindir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as raw:
        args = [
            "protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={raw}",
            f"--grpc_python_out={raw}",
            f"--mypy_out={raw}",
            f"--mypy_grpc_out={raw}",
            *(f"{folder}/{name}.proto" for name in GENERATIONS[folder]),
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        dest.mkdir(parents=True, exist_ok=True)
        for produced in sorted((Path(raw) / folder).iterdir()):
            (dest / produced.name).write_text(_fix(produced.read_text(), folder))
    (dest / "__init__.py").write_text(INIT)
    (dest / "py.typed").write_text("")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    check = parser.parse_args().check
    if not check:
        for folder in GENERATIONS:
            shutil.rmtree(PROVIDER / folder, ignore_errors=True)
            generate(folder, PROVIDER / folder)
            print(f"wrote {(PROVIDER / folder).relative_to(REPO)}")
        return 0
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in GENERATIONS:
            fresh = Path(tmp) / folder
            generate(folder, fresh)
            cmp = filecmp.dircmp(PROVIDER / folder, fresh, ignore=["__pycache__"])
            names = cmp.left_only + cmp.right_only + cmp.diff_files
            names += [
                name
                for name in cmp.common_files
                if not filecmp.cmp(PROVIDER / folder / name, fresh / name, shallow=False)
            ]
            stale += [f"{folder}/{name}" for name in names]
        if stale:
            print("stale generated stubs: " + ", ".join(sorted(set(stale))), file=sys.stderr)
            print(
                "run: uv run --isolated --no-default-groups --group gen scripts/gen_protos.py",
                file=sys.stderr,
            )
            return 1
    print("generated stubs are current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
