"""Regenerate gestalt-core's wire stubs from proto/v1/*.proto, or check that they are current.

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
OUT = REPO / "packages" / "gestalt-core" / "src" / "gestalt" / "provider" / "v1"
PACKAGE = "gestalt.provider.v1"
NAMES = ("runtime", "plugin", "auth", "cache", "secrets", "s3")
INIT = '"""Generated modules, one per .proto file; none is imported here."""\n'


def _fix(text: str) -> str:
    # 'from v1 import cache_pb2 as v1_dot_cache__pb2' -> package-relative import
    text = re.sub(r"^from v1 import (\w+_pb2)", r"from . import \1", text, flags=re.M)
    # the builder's module name, and fully qualified references in the .pyi files
    text = text.replace("'v1.", f"'{PACKAGE}.")
    text = re.sub(r"^import v1\.(\w+_pb2)$", rf"import {PACKAGE}.\1", text, flags=re.M)
    return re.sub(r"(?<![\w.])v1\.(\w+_pb2)\b", rf"{PACKAGE}.\1", text)


def generate(dest: Path) -> None:
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
            *(f"v1/{name}.proto" for name in NAMES),
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        dest.mkdir(parents=True, exist_ok=True)
        for produced in sorted((Path(raw) / "v1").iterdir()):
            (dest / produced.name).write_text(_fix(produced.read_text()))
    (dest / "__init__.py").write_text(INIT)
    (dest / "py.typed").write_text("")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    check = parser.parse_args().check
    if not check:
        shutil.rmtree(OUT, ignore_errors=True)
        generate(OUT)
        print(f"wrote {OUT.relative_to(REPO)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "v1"
        generate(fresh)
        cmp = filecmp.dircmp(OUT, fresh, ignore=["__pycache__"])
        stale = cmp.left_only + cmp.right_only + cmp.diff_files
        stale += [
            name
            for name in cmp.common_files
            if not filecmp.cmp(OUT / name, fresh / name, shallow=False)
        ]
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
