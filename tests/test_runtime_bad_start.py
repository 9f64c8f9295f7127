"""Starts that cannot work exit non-zero at once with one stderr line saying what to fix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PROVIDERS = Path(__file__).parent / "providers"
PROBE = PROVIDERS / "runtime_probe"
BROKEN = PROVIDERS / "runtime_broken"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="g", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def run(args: list[str], env: dict[str, str], pythonpath: str | None = None) -> tuple[int, str]:
    full = {"PATH": os.environ["PATH"], **env}
    if pythonpath:
        full["PYTHONPATH"] = pythonpath
    done = subprocess.run(
        [sys.executable, "-m", "gestalt._runtime", *args],
        env=full,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.returncode, done.stderr


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


CASES = [
    pytest.param([], "expected 1 to 3 arguments", id="no-arguments"),
    pytest.param([str(PROBE / "missing")], "is not a directory", id="root-missing"),
    pytest.param(
        [str(PROBE), "probe:provider", "Ca-che"],
        "KIND 'ca-che' is not a kind word",
        id="kind-syntax",
    ),
    pytest.param(
        [str(PROBE), "probe:provider", "indexeddb"],
        "no such surface installed (module gestalt.indexeddb._surface not found); "
        "install it with: pip install gestalt-indexeddb",
        id="unknown-kind",
    ),
    pytest.param(
        [str(PROBE), "probe:a.b", "secrets"],
        "is not 'module' or 'module:attribute'",
        id="target-syntax",
    ),
    pytest.param(
        [str(PROBE), "nowhere:provider", "secrets"],
        "no module named 'nowhere' in ROOT",
        id="module-missing",
    ),
    pytest.param(
        [str(PROBE), "probe:missing", "secrets"],
        "module 'probe' has no attribute 'missing'",
        id="attribute-missing",
    ),
    pytest.param(
        [str(BROKEN), "broken", "secrets"],
        "has none of secrets, provider",
        id="no-default-attribute",
    ),
    pytest.param(
        [str(PROBE), "probe:provider", "cache"], "is not a cache provider", id="wrong-kind"
    ),
    pytest.param(
        [str(BROKEN), "broken:not_a_provider", "secrets"],
        "is not a secrets provider",
        id="not-a-provider",
    ),
    pytest.param(
        [str(BROKEN), "broken:NeedsArguments", "secrets"],
        "is not a secrets provider",
        id="class-needs-arguments",
    ),
    pytest.param(
        [str(BROKEN), "explodes", "secrets"],
        "importing 'explodes' raised RuntimeError: boom at import",
        id="import-raises",
    ),
    pytest.param(
        [str(BROKEN), "upstream_style", "secrets"],
        "'from gestalt import integration as gestalt'",
        id="upstream-api",
    ),
    pytest.param(
        [str(BROKEN), "upstream_from_import", "secrets"],
        "'from gestalt import integration as gestalt'",
        id="upstream-from-import",
    ),
    pytest.param(
        [str(BROKEN), "", "secrets"],
        "is not 'module' or 'module:attribute'",
        id="pyproject-target-bad",
    ),
    pytest.param(
        [str(PROVIDERS), "", "secrets"],
        "pyproject.toml does not exist; create it with a [tool.gestalt] table",
        id="pyproject-missing",
    ),
]


# Where the provider's own code raised, its traceback comes first (the author needs it);
# every other bad start prints the one line and nothing else.
WITH_TRACEBACK = {"import-raises", "upstream-api", "upstream-from-import"}


@pytest.mark.parametrize(("args", "message"), CASES)
def test_bad_start_exits_2_with_one_line(
    args: list[str], message: str, socket_dir: Path, request: pytest.FixtureRequest
) -> None:
    socket_path = socket_dir / "plugin.sock"
    code, stderr = run(args, {"GESTALT_PLUGIN_SOCKET": str(socket_path)})
    assert code == 2, stderr
    line = last_line(stderr)
    assert line.startswith("gestalt runtime: ")
    assert message in line
    assert stderr.count("gestalt runtime: ") == 1
    if request.node.callspec.id in WITH_TRACEBACK:
        assert stderr.startswith("Traceback (most recent call last):")
    else:
        assert stderr.strip() == line
    assert not socket_path.exists()


def test_missing_socket_variable(socket_dir: Path) -> None:
    code, stderr = run([str(PROBE), "probe:provider", "secrets"], {})
    assert code == 2
    assert "GESTALT_PROVIDER_SOCKET (protocol-5 gestaltd) or GESTALT_PLUGIN_SOCKET" in last_line(
        stderr
    )


def test_bad_parent_pid(socket_dir: Path) -> None:
    env = {"GESTALT_PLUGIN_SOCKET": str(socket_dir / "p.sock"), "GESTALT_PLUGIN_PARENT_PID": "host"}
    code, stderr = run([str(PROBE), "probe:provider", "secrets"], env)
    assert code == 2
    assert "GESTALT_PLUGIN_PARENT_PID='host' is not a process id" in last_line(stderr)


def test_regular_file_at_socket_path_is_not_deleted(socket_dir: Path) -> None:
    path = socket_dir / "plugin.sock"
    path.write_text("precious")
    code, stderr = run(
        [str(PROBE), "probe:provider", "secrets"], {"GESTALT_PLUGIN_SOCKET": str(path)}
    )
    assert code == 2
    assert "exists and is not a socket; refusing to delete it" in last_line(stderr)
    assert path.read_text() == "precious"


def test_catalog_export_for_a_kind_without_catalogs(socket_dir: Path) -> None:
    path = socket_dir / "catalog.yaml"
    code, stderr = run(
        [str(PROBE), "probe:provider", "secrets"], {"GESTALT_PLUGIN_WRITE_CATALOG": str(path)}
    )
    assert code == 2
    assert "catalog export is for integration providers only" in last_line(stderr)
    assert not path.exists()


def test_upstream_package_shadowing_the_namespace_is_refused(socket_dir: Path) -> None:
    """pip installs gestalt-sdk and gestalt-core into one site-packages/gestalt/: its regular
    __init__.py turns the namespace into a plain package; the runtime must say so."""
    site = socket_dir / "site"
    shadow = site / "gestalt"
    shutil.copytree(REPO / "packages/gestalt-core/src/gestalt", shadow)
    shutil.copytree(REPO / "packages/gestalt-secrets/src/gestalt/secrets", shadow / "secrets")
    (shadow / "__init__.py").write_text('"""Stands in for gestalt-sdk\'s regular package."""\n')
    code, stderr = run(
        [str(PROBE), "probe:provider", "secrets"],
        {"GESTALT_PLUGIN_SOCKET": str(socket_dir / "p.sock")},
        pythonpath=str(site),
    )
    assert code == 2, stderr
    line = last_line(stderr)
    assert "uninstall gestalt-sdk" in line
    assert str(shadow / "__init__.py") in line
