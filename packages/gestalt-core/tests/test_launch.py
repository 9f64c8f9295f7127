"""read_launch: the host's command line and variables, read once into one description."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestalt._runtime._launch import Launch, LaunchError, read_launch

ENV = {"GESTALT_PLUGIN_SOCKET": "/tmp/p.sock", "GESTALT_PLUGIN_PARENT_PID": "42"}


def test_complete_description(tmp_path: Path) -> None:
    launch = read_launch([str(tmp_path), "pkg.mod:obj", "cache"], ENV)
    assert launch == Launch(
        str(tmp_path.resolve()), "pkg.mod:obj", "pkg.mod", "obj", "cache", "/tmp/p.sock", 42
    )


def test_target_from_pyproject_and_default_kind(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.gestalt]\nprovider = "weather"\n')
    launch = read_launch([str(tmp_path)], {"GESTALT_PLUGIN_SOCKET": "s"})
    assert (launch.module, launch.attribute, launch.kind, launch.parent_pid) == (
        "weather",
        None,
        "integration",
        None,
    )


def test_catalog_mode_needs_no_socket(tmp_path: Path) -> None:
    launch = read_launch([str(tmp_path), "m"], {"GESTALT_PLUGIN_WRITE_CATALOG": "/tmp/c.yaml"})
    assert (launch.catalog_path, launch.socket_path) == ("/tmp/c.yaml", "")


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], ENV, "expected 1 to 3 arguments"),
        (["/nonexistent-root"], ENV, "is not a directory"),
        (["."], ENV, "no TARGET given"),
        ([".", "m", "Cache"], ENV, "is not a kind word"),
        ([".", "a-b:c"], ENV, "is not 'module' or 'module:attribute'"),
        ([".", "m:a:b"], ENV, "is not 'module' or 'module:attribute'"),
        ([".", "m"], {}, "GESTALT_PLUGIN_SOCKET is not set"),
        ([".", "m"], {**ENV, "GESTALT_PLUGIN_PARENT_PID": "x" * 10_000}, "is not a process id"),
    ],
)
def test_bad_launches_say_what_to_fix(
    argv: list[str],
    env: dict[str, str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LaunchError, match=message) as caught:
        read_launch(argv, env)
    assert len(str(caught.value)) < 400  # bounded, whatever the input
