"""read_launch: the host's command line and variables, read once into one description."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestalt._runtime._launch import Launch, LaunchError, read_launch

ENV = {"GESTALT_PLUGIN_SOCKET": "/tmp/p.sock", "GESTALT_PLUGIN_PARENT_PID": "42"}


def test_complete_description(tmp_path: Path) -> None:
    launch = read_launch([str(tmp_path), "pkg.mod:obj", "cache"], ENV)
    assert launch == Launch(
        str(tmp_path.resolve()),
        "pkg.mod:obj",
        "pkg.mod",
        "obj",
        "cache",
        protocol=2,
        socket_path="/tmp/p.sock",
        parent_pid=42,
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
    ("endpoint", "socket_path", "tcp_address"),
    [
        ("/run/app.sock", "/run/app.sock", ""),
        ("unix:///run/app.sock", "/run/app.sock", ""),
        ("tcp://127.0.0.1:50051", "", "127.0.0.1:50051"),
    ],
)
def test_protocol_5_host_is_told_by_its_variables(
    endpoint: str, socket_path: str, tcp_address: str, tmp_path: Path
) -> None:
    env = {"GESTALT_PROVIDER_SOCKET": endpoint, "GESTALT_APP_PARENT_PID": "7"}
    launch = read_launch([str(tmp_path), "m", "identity"], env)
    assert (launch.protocol, launch.socket_path, launch.tcp_address) == (
        5,
        socket_path,
        tcp_address,
    )
    assert (launch.parent_pid, launch.kind) == (7, "auth")
    # protocol 2's parent variable means nothing to a protocol-5 launch
    other = read_launch([str(tmp_path), "m"], {**env, "GESTALT_APP_PARENT_PID": ""})
    assert other.parent_pid is None
    assert other.kind == "integration"


def test_protocol_2_launch_keeps_its_words(tmp_path: Path) -> None:
    launch = read_launch([str(tmp_path), "m", "auth"], ENV)
    assert (launch.protocol, launch.kind, launch.tcp_address) == (2, "auth", "")
    assert read_launch([str(tmp_path), "m", "app"], ENV).kind == "integration"


def test_catalog_mode_of_either_generation(tmp_path: Path) -> None:
    five = read_launch([str(tmp_path), "m"], {"GESTALT_APP_WRITE_CATALOG": "/tmp/c.yaml"})
    assert (five.protocol, five.catalog_path) == (5, "/tmp/c.yaml")
    two = read_launch([str(tmp_path), "m"], {"GESTALT_PLUGIN_WRITE_CATALOG": "/tmp/c.yaml"})
    assert (two.protocol, two.catalog_path) == (2, "/tmp/c.yaml")


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], ENV, "expected 1 to 3 arguments"),
        (["/nonexistent-root"], ENV, "is not a directory"),
        (["."], ENV, "no TARGET given"),
        ([".", "m", "Ca-che"], ENV, "is not a kind word"),
        ([".", "a-b:c"], ENV, "is not 'module' or 'module:attribute'"),
        ([".", "m:a:b"], ENV, "is not 'module' or 'module:attribute'"),
        ([".", "m"], {}, "GESTALT_PROVIDER_SOCKET .* or GESTALT_PLUGIN_SOCKET .* must be set"),
        (
            [".", "m"],
            {**ENV, "GESTALT_PROVIDER_SOCKET": "/tmp/q.sock"},
            r"both GESTALT_PLUGIN_SOCKET \(protocol 2\) and GESTALT_PROVIDER_SOCKET "
            r"\(protocol 5\) are set",
        ),
        (
            [".", "m"],
            {"GESTALT_PLUGIN_WRITE_CATALOG": "/a", "GESTALT_APP_WRITE_CATALOG": "/b"},
            "both GESTALT_PLUGIN_WRITE_CATALOG",
        ),
        ([".", "m"], {"GESTALT_PROVIDER_SOCKET": "http://x:1"}, "expected a socket path"),
        ([".", "m"], {"GESTALT_PROVIDER_SOCKET": "unix://"}, "expected a socket path"),
        ([".", "m"], {"GESTALT_PROVIDER_SOCKET": "tcp://host"}, "expected a socket path"),
        (
            [".", "m"],
            {"GESTALT_PROVIDER_SOCKET": "s", "GESTALT_APP_PARENT_PID": "x"},
            "GESTALT_APP_PARENT_PID='x' is not a process id",
        ),
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
