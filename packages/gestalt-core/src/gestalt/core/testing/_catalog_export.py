"""Catalog-export mode: run the provider once to write ``catalog.yaml``, then check it."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from gestalt.core._kinds import ProviderKind
from gestalt.core.testing._catalog_check import catalog_problems, parse_catalog_text
from gestalt.core.testing._command import (
    catalog_environment,
    manifest_run_argv,
    resolve_target,
    runtime_argv,
)
from gestalt.core.testing._host_contract import (
    EmulatorError,
    cannot_run,
    short_temp_base,
    start_failure,
    wire_of,
)
from gestalt.core.testing._interpreter import choose_interpreter


@dataclasses.dataclass(frozen=True)
class CatalogExport:
    """The result of a catalog-export run: the file, its parsed content and the output."""

    path: Path
    catalog: dict[str, Any]
    output: str


def export_catalog(
    root: str | Path,
    *,
    target: str | None = None,
    python: str | None = None,
    host_python: bool = False,
    path: str | Path | None = None,
    timeout: float = 60.0,
    protocol: int = 2,
) -> CatalogExport:
    """Run catalog-export mode as the host does and check the file it writes.

    Args:
        root: The integration provider's directory.
        target: TARGET; by default from ``[tool.gestalt]``.
        python: The interpreter; by default the one running this code (``sys.executable``).
        host_python: Pick the interpreter as gestaltd does instead (ROOT's venv,
            ``GESTALT_PYTHON``, ``python3`` on ``PATH``...), to check a deployment.
        path: Where to write; the host uses ``ROOT/catalog.yaml``.
        timeout: A provider that starts serving instead of exiting fails after this long.
        protocol: The host: 2 runs ``python -m gestalt._runtime ROOT TARGET integration``
            elsewhere with ``GESTALT_PLUGIN_WRITE_CATALOG``; 5 runs the manifest's
            ``gestalt run . TARGET integration`` in ROOT with ``GESTALT_APP_WRITE_CATALOG``.

    Raises:
        EmulatorError: Non-zero exit, no file, or a catalog the host would refuse.
    """
    root_path = Path(root).resolve()
    resolved = resolve_target(root_path, "integration", target)
    destination = Path(path).resolve() if path is not None else root_path / "catalog.yaml"
    interpreter = choose_interpreter(root_path, python, host_python)
    scratch = tempfile.mkdtemp(prefix="gstp-cwd-", dir=short_temp_base())
    v5 = wire_of(protocol) == 5
    if v5:
        command = manifest_run_argv(interpreter, resolved, ProviderKind.INTEGRATION)
    else:
        command = runtime_argv(interpreter, root_path, resolved, "integration")
    try:
        done = subprocess.run(
            command,
            cwd=root_path if v5 else scratch,
            env=catalog_environment(destination, protocol),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EmulatorError(
            f"catalog export did not exit within {timeout} s (is it serving?)"
        ) from error
    except OSError as error:
        raise cannot_run(interpreter, error) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        raise start_failure(
            f"generate static catalog: exit status {done.returncode}", interpreter, output
        )
    if not destination.exists():
        raise EmulatorError(f"catalog export exited 0 but wrote no file at {destination}\n{output}")
    try:
        catalog = parse_catalog_text(destination.read_text(encoding="utf-8"))
    except ValueError as error:
        raise EmulatorError(f"catalog file does not parse: {error}") from None
    problems = catalog_problems(catalog, default_name=root_path.name)
    if problems:
        raise EmulatorError(
            "catalog would be refused or lose settings:\n- " + "\n- ".join(problems)
        )
    return CatalogExport(destination, catalog, output)
