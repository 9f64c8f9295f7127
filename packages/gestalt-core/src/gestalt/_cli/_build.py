"""``gestalt build``: the seven arguments of ``gestalt._build``, derived from ROOT or given.

With no arguments (a protocol-5 manifest's build command, run in ROOT) or with ROOT alone,
everything comes from ROOT: the kind from its manifest (else ``[tool.gestalt]``), TARGET
from ``[tool.gestalt]``, the name from the last segment of the manifest's ``source``, the
platform from ``GESTALT_TARGET_OS``/``GESTALT_TARGET_ARCH`` (else this machine's), and the
output ``ROOT/.gestaltd/bin/<name>``, where a protocol-5 host looks for the program it
starts. The seven-argument form is ``python -m gestalt._build``'s.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping

from gestalt._build._bundle import BuildError, BuildRequest, build
from gestalt._build._platform import target_platform
from gestalt._cli._kind import KindError, declared_kind, kind_word
from gestalt._cli._manifest import manifest_fields
from gestalt.core._pyproject import explain_missing_target, project_table, target_from_pyproject

#: Where a protocol-5 host expects a provider's build output, under ROOT.
OUTPUT_DIR = os.path.join(".gestaltd", "bin")


def build_command(root: str, *, output: str | None, kind: str | None, name: str | None) -> int:
    """Build ROOT's provider for this machine; prints where the executable is."""
    try:
        request = build_request(root, output=output, kind=kind, name=name, environ=os.environ)
    except (BuildError, KindError) as error:
        print(f"gestalt build: {error}", file=sys.stderr)
        return 1
    return _build_and_report(request)


def explicit_build_command(args: list[str]) -> int:
    """``gestalt build ROOT TARGET OUTPUT NAME KIND GOOS GOARCH``, KIND in either
    generation's word."""
    root, target, output, name, kind, goos, goarch = args
    try:
        request = BuildRequest(root, target, output, name, kind_word(kind), goos, goarch)
    except KindError as error:
        print(f"gestalt build: {error}", file=sys.stderr)
        return 1
    return _build_and_report(request)


def _build_and_report(request: BuildRequest) -> int:
    try:
        build(request)
    except BuildError as error:
        print(f"gestalt build: {error}", file=sys.stderr)
        return 1
    digest = _sha256(request.output)
    print(f"built {request.output} ({request.goos}/{request.goarch}, sha256 {digest})")
    return 0


def build_request(
    root: str,
    *,
    output: str | None,
    kind: str | None,
    name: str | None,
    environ: Mapping[str, str],
) -> BuildRequest:
    """The build ``gestalt build [ROOT]`` asks for, options overriding what ROOT says.

    Raises:
        BuildError: ROOT is not a directory, or names no TARGET or no name.
        KindError: The kind word, or the manifest's kind, is not one this SDK serves, or
            ROOT names several kinds and no ``--kind`` says which.
    """
    if not os.path.isdir(root):
        raise BuildError(f"ROOT {root[:200]!r} is not a directory")
    manifest = manifest_fields(root)
    word = kind_word(kind) if kind else declared_kind(root, "pass --kind")
    word = word or "integration"
    target = target_from_pyproject(root, word, protocol=5)
    if target is None:
        raise BuildError(explain_missing_target(root, word, protocol=5))
    name = name or _name(root, manifest)
    if name in (".", "..") or os.sep in name:
        raise BuildError(f"the provider name {name[:80]!r} cannot name a file")
    goos, goarch = target_platform(environ)
    suffix = ".exe" if goos == "windows" else ""
    output = output or os.path.join(root, OUTPUT_DIR, name + suffix)
    return BuildRequest(root, target, os.path.abspath(output), name, word, goos, goarch)


def _name(root: str, manifest: dict[str, str]) -> str:
    source = manifest.get("source", "").rstrip("/")
    name = source.rsplit("/", 1)[-1] if source else project_table(root).get("name", "")
    if not name:
        raise BuildError("no provider name: pass --name, or give the manifest a source")
    return name


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
