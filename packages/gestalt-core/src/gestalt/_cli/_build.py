"""``gestalt build``: the seven arguments of ``gestalt._build`` derived from ROOT."""

from __future__ import annotations

import hashlib
import os
import sys

from gestalt._build._bundle import BuildError, BuildRequest, build
from gestalt._build._platform import host_platform
from gestalt._cli._manifest import RUNTIME_KINDS, manifest_fields
from gestalt.core._pyproject import gestalt_section, project_table, target_from_pyproject

# [tool.gestalt] key -> KIND; `plugin` is the legacy spelling of `provider`.
_KEY_KINDS = {
    "provider": "integration",
    "plugin": "integration",
    "auth": "auth",
    "cache": "cache",
    "secrets": "secrets",
    "s3": "s3",
}


def build_command(root: str, *, output: str | None, kind: str | None, name: str | None) -> int:
    """Build ROOT's provider for this machine; prints where the executable is."""
    try:
        request = _request(root, output=output, kind=kind, name=name)
        build(request)
    except BuildError as error:
        print(f"gestalt build: {error}", file=sys.stderr)
        return 1
    digest = _sha256(request.output)
    print(f"built {request.output} ({request.goos}/{request.goarch}, sha256 {digest})")
    return 0


def _request(root: str, *, output: str | None, kind: str | None, name: str | None) -> BuildRequest:
    if not os.path.isdir(root):
        raise BuildError(f"ROOT {root[:200]!r} is not a directory")
    manifest = manifest_fields(root)
    kind = kind or _kind(root, manifest)
    target = target_from_pyproject(root, kind)
    if target is None:
        raise BuildError(
            f"{os.path.join(root, 'pyproject.toml')} names no {kind} provider under "
            "[tool.gestalt]; add e.g. "
            + ('provider = "provider:plugin"' if kind == "integration" else f'{kind} = "module"')
        )
    name = name or _name(root, manifest)
    goos, goarch = host_platform()
    suffix = ".exe" if goos == "windows" else ""
    output = output or os.path.join(root, "dist", f"gestalt-plugin-{name}{suffix}")
    return BuildRequest(root, target, os.path.abspath(output), name, kind, goos, goarch)


def _kind(root: str, manifest: dict[str, str]) -> str:
    if "kind" in manifest:
        word = manifest["kind"]
        if word not in RUNTIME_KINDS:
            raise BuildError(f"the manifest's kind {word[:40]!r} has no provider process")
        return RUNTIME_KINDS[word]
    kinds = sorted({_KEY_KINDS[key] for key in gestalt_section(root) if key in _KEY_KINDS})
    if len(kinds) == 1:
        return kinds[0]
    if not kinds:
        raise BuildError(
            f"{os.path.join(root, 'pyproject.toml')} has no [tool.gestalt] provider entry"
        )
    raise BuildError(f"[tool.gestalt] names several kinds ({', '.join(kinds)}); pass --kind")


def _name(root: str, manifest: dict[str, str]) -> str:
    source = manifest.get("source", "").rstrip("/")
    name = source.rsplit("/", 1)[-1] if source else project_table(root).get("name", "")
    if not name:
        raise BuildError("no plugin name: pass --name, or give the manifest a source")
    return name


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
