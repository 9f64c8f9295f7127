"""Release builds: ``python -m gestalt._build`` and ``gestalt build`` make one-file binaries that
the host emulator launches as gestaltd launches a release (no arguments, socket and
parent-pid environment), through start-up, calls, SIGTERM and host death; ``gestalt build``
with no arguments makes the ``.gestaltd/bin/<name>`` a protocol-5 host starts. Then the
``gestalt`` command's forms for protocol-5 manifests (``gestalt run . TARGET [KIND]``).

The PyInstaller builds are the slow part (about 25 s each): each is made once per module.
Set GESTALT_SKIP_RELEASE_BUILDS=1 only where PyInstaller cannot be installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gestalt._build._bundle import BuildError, BuildRequest
from gestalt._cli._build import build_request
from gestalt._cli._kind import KindError, manifest_kind
from gestalt._cli._run import runtime_args
from gestalt.core._pyproject import check_target, target_from_pyproject
from gestalt.core.serving import dict_to_struct
from gestalt.core.testing import launch
from gestalt.provider.v1 import cache_pb2, plugin_pb2

REPO = Path(__file__).resolve().parent.parent
WEATHER = REPO / "examples" / "weather"
CACHE = Path(__file__).resolve().parent / "providers" / "cache_memory"
GESTALT = str(Path(sys.executable).parent / "gestalt")
BUILD = [sys.executable, "-m", "gestalt._build"]


needs_pyinstaller = pytest.mark.skipif(
    os.environ.get("GESTALT_SKIP_RELEASE_BUILDS") == "1",
    reason="GESTALT_SKIP_RELEASE_BUILDS=1: PyInstaller cannot be installed here",
)


def _platform() -> list[str]:
    from gestalt._build._platform import host_platform

    return list(host_platform())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass(frozen=True)
class Binaries:
    """The release binaries built once for this module."""

    weather: Path
    cache: Path
    cache_again: Path
    cli_stdout: str
    seconds: dict[str, float]
    v5_root: Path


@pytest.fixture(scope="module")
def binaries(tmp_path_factory: pytest.TempPathFactory) -> Binaries:
    staging = tmp_path_factory.mktemp("release")
    seconds: dict[str, float] = {}
    weather = staging / "gestalt-plugin-weather"
    started = time.monotonic()
    # Exactly as gestaltd runs it: cwd ROOT, seven arguments, OUTPUT absolute.
    done = _run(
        [
            *BUILD,
            str(WEATHER),
            "provider:plugin",
            str(weather),
            "weather-release",  # PLUGIN_NAME: the name the host knows the release by
            "integration",
            *_platform(),
        ],
        WEATHER,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seconds["weather"] = time.monotonic() - started
    cache = staging / "first" / "gestalt-plugin-cache"
    started = time.monotonic()
    built = _run(
        [GESTALT, "build", str(CACHE), "--output", str(cache)],
        REPO,
        SOURCE_DATE_EPOCH="1700000000",
    )
    assert built.returncode == 0, built.stderr[-3000:]
    seconds["cache"] = time.monotonic() - started
    cache_again = staging / "second" / "gestalt-plugin-cache"
    again = _run(
        [GESTALT, "build", str(CACHE), "--output", str(cache_again)],
        REPO,
        SOURCE_DATE_EPOCH="1700000000",
    )
    assert again.returncode == 0, again.stderr[-3000:]
    # A protocol-5 host's build phase: `gestalt build`, no arguments, in ROOT.
    v5_root = _lay_out_v5_cache(staging)
    started = time.monotonic()
    goos, goarch = _platform()
    v5 = _run([GESTALT, "build"], v5_root, GESTALT_TARGET_OS=goos, GESTALT_TARGET_ARCH=goarch)
    assert v5.returncode == 0, v5.stderr[-3000:]
    seconds["v5"] = time.monotonic() - started
    print(f"release build seconds: {seconds}")
    return Binaries(weather, cache, cache_again, built.stdout, seconds, v5_root)


# -- the binaries, as the host runs a release -----------------------------------------------


@needs_pyinstaller
def test_integration_binary_is_named_by_its_plugin_name(binaries: Binaries, tmp_path: Path) -> None:
    """The bundled PLUGIN_NAME names the provider, as upstream's release does."""
    catalog = tmp_path / "catalog.yaml"
    done = subprocess.run(
        [str(binaries.weather)],
        env={"PATH": os.environ["PATH"], "GESTALT_PLUGIN_WRITE_CATALOG": str(catalog)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(catalog.read_text())["name"] == "weather-release"


@needs_pyinstaller
def test_integration_binary_serves_with_no_arguments(binaries: Binaries) -> None:
    with launch(WEATHER, command=[str(binaries.weather)], config={"unit": "F"}) as proc:
        assert proc.metadata is not None
        response = proc.integration.Execute(
            plugin_pb2.ExecuteRequest(
                operation="forecast", params=dict_to_struct({"city": "Oslo", "days": 2})
            ),
            timeout=10,
        )
        assert response.status == 200
        assert '"unit":"F"' in response.body
        assert response.body.count("sunny") == 2
    assert proc.result is not None
    assert proc.result.exit_code == 0
    assert not proc.result.killed
    assert proc.result.seconds < 2.0
    assert proc.result.socket_removed


@needs_pyinstaller
def test_cache_binary_sets_and_gets(binaries: Binaries) -> None:
    with launch(CACHE, "cache", command=[str(binaries.cache)]) as proc:
        assert proc.identity is not None
        assert proc.identity.kind == 6  # PROVIDER_KIND_CACHE
        proc.cache.Set(cache_pb2.CacheSetRequest(key="k", value=b"v"), timeout=10)
        got = proc.cache.Get(cache_pb2.CacheGetRequest(key="k"), timeout=10)
        assert (got.found, got.value) == (True, b"v")
    assert proc.result is not None
    assert proc.result.exit_code == 0
    assert proc.result.seconds < 2.0


@needs_pyinstaller
def test_no_argument_build_serves_a_protocol_5_host(binaries: Binaries) -> None:
    binary = binaries.v5_root / ".gestaltd" / "bin" / "fast-cache"
    assert binary.is_file()
    assert not binary.is_symlink()
    assert os.access(binary, os.X_OK)
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    bundled = json.loads(CArchiveReader(str(binary)).extract("gestalt-runtime.json"))
    assert bundled == {
        "app_name": "fast-cache",  # protocol 5's key, beside protocol 2's
        "plugin_name": "fast-cache",
        "runtime_kind": "cache",
        "target": "cache_memory_provider:cache",
    }
    _set_and_get_on_protocol_5(binaries.v5_root, [str(binary)])


@needs_pyinstaller
def test_sigterm_during_a_call_drains_through_the_bootloader(binaries: Binaries) -> None:
    # The bootloader forwards SIGTERM to Python; the in-flight call still gets its answer.
    with launch(CACHE, "cache", command=[str(binaries.cache)]) as proc:
        future = proc.cache.Get.future(cache_pb2.CacheGetRequest(key="slow"), timeout=10)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)  # to the bootloader, the pid the host knows
        assert future.result(timeout=5).found is False
        result = proc.stop()
    assert result.exit_code == 0
    assert not result.killed
    assert result.seconds < 2.0


@needs_pyinstaller
def test_host_death_stops_the_bootloader_and_python(binaries: Binaries, tmp_path: Path) -> None:
    socket_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"gstb-{os.getpid()}"
    socket_dir.mkdir(exist_ok=True)
    socket_path = socket_dir / "plugin.sock"
    host_script = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        env = {{"PATH": os.environ["PATH"], "GESTALT_PLUGIN_SOCKET": {str(socket_path)!r},
                "GESTALT_PLUGIN_PARENT_PID": str(os.getpid())}}
        child = subprocess.Popen([{str(binaries.cache)!r}], env=env, cwd={str(tmp_path)!r},
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    host = subprocess.Popen([sys.executable, "-c", host_script], stdout=subprocess.PIPE)
    try:
        assert host.stdout is not None
        bootloader = int(host.stdout.readline())
        deadline = time.monotonic() + 15
        while not socket_path.exists():
            assert time.monotonic() < deadline, "the binary never made its socket"
            time.sleep(0.05)
        python = _children(bootloader)
        assert len(python) == 1, python
        time.sleep(1.2)  # several parent polls with getppid() != host pid: it stays up
        assert _alive(bootloader)
        assert _alive(python[0])
        host.kill()
        host.wait()
        for pid in (python[0], bootloader):
            _wait_gone(pid, 3.0)
    finally:
        host.kill()
        host.wait()
        if host.stdout is not None:
            host.stdout.close()
        for pid in _children(bootloader) if "bootloader" in locals() else []:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(socket_dir, ignore_errors=True)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(word) for word in text.split()]


def _alive(pid: int) -> bool:
    from gestalt._runtime._process import pid_alive

    return pid_alive(pid)


def _wait_gone(pid: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        assert time.monotonic() < deadline, f"process {pid} outlived the host by {seconds} s"
        time.sleep(0.02)


# -- what the build produces ------------------------------------------------------------------


@needs_pyinstaller
def test_building_twice_gives_the_same_bytes(binaries: Binaries) -> None:
    assert _sha256(binaries.cache) == _sha256(binaries.cache_again)


@needs_pyinstaller
def test_binaries_hold_no_build_machine_paths(binaries: Binaries) -> None:
    for binary in (binaries.weather, binaries.cache):
        content = binary.read_bytes()
        assert str(REPO).encode() not in content
        assert b"gestalt-build-" not in content  # the private work directory


@needs_pyinstaller
def test_cli_build_names_the_file_and_its_sha256(binaries: Binaries) -> None:
    line = binaries.cli_stdout.strip()
    assert line.startswith(f"built {binaries.cache} (")
    assert line.endswith(f"sha256 {_sha256(binaries.cache)})")


# -- bad builds: one line each, before PyInstaller runs ------------------------------------------


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_wrong_argument_count_prints_usage_and_exits_2(tmp_path: Path) -> None:
    done = _run([*BUILD, str(WEATHER), "provider:plugin"], tmp_path)
    assert done.returncode == 2
    assert _one_line(done).startswith("usage: python -m gestalt._build ROOT TARGET OUTPUT")


def test_another_platform_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run(
        [*BUILD, str(WEATHER), "provider:plugin", str(out), "w", "integration", "plan9", "mips"],
        tmp_path,
    )
    assert done.returncode == 1
    assert "cannot build plan9/mips" in _one_line(done)
    assert "does not cross-compile" in done.stderr
    assert not out.exists()


def test_missing_pyinstaller_says_which_extra(tmp_path: Path) -> None:
    args = [str(WEATHER), "provider:plugin", str(tmp_path / "out"), "w", "integration"]
    code = (
        "import sys; sys.modules['PyInstaller'] = None\n"  # what find_spec sees when absent
        "from gestalt._build.__main__ import main\n"
        f"raise SystemExit(main({[*args, *_platform()]!r}))"
    )
    done = _run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 1
    assert "pip install 'gestalt-core[build]'" in _one_line(done)


def test_missing_module_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "needs_dep.py").write_text("import no_such_dependency_xyz\n")
    out = tmp_path / "out"
    done = _run(
        [*BUILD, str(tmp_path), "needs_dep", str(out), "x", "cache", *_platform()], tmp_path
    )
    assert done.returncode == 1
    line = _one_line(done)
    assert "No module named 'no_such_dependency_xyz'" in line
    assert line.startswith("gestalt build: TARGET 'needs_dep'")
    assert not out.exists()


def test_uninstalled_surface_fails_in_one_line(tmp_path: Path) -> None:
    done = _run(
        [
            *BUILD,
            str(CACHE),
            "cache_memory_provider",
            str(tmp_path / "o"),
            "x",
            "indexeddb",
            *_platform(),
        ],
        tmp_path,
    )
    assert done.returncode == 1
    assert "gestalt.indexeddb._surface is not installed" in _one_line(done)


# -- the gestalt command ------------------------------------------------------------------------


def test_gestalt_run_serves_like_the_runtime() -> None:
    with launch(WEATHER, command=[GESTALT, "run", str(WEATHER)]) as proc:
        assert proc.metadata is not None
    assert proc.result is not None
    assert proc.result.exit_code == 0


def test_gestalt_run_without_a_host_says_what_is_missing(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GESTALT_")}
    done = subprocess.run(
        [GESTALT, "run", str(CACHE), "", "cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "GESTALT_PROVIDER_SOCKET (protocol-5 gestaltd) or GESTALT_PLUGIN_SOCKET" in _one_line(
        done
    )


def test_help_imports_no_grpc() -> None:
    code = (
        "import sys\n"
        "from gestalt._cli import main\n"
        "for argv in (['--help'], ['build', '--help'], ['run', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'grpc'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "gestalt build" in done.stdout
    assert "pip install 'gestalt-core[build]'" in done.stdout
    assert done.stdout.strip().endswith("[]")


def test_a_hosts_gestalt_run_skips_argparse(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from gestalt._cli import main\n"
        f"assert main(['run', {str(tmp_path / 'absent')!r}, 'm:x', 'cache']) == 2\n"
        "print('argparse' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
    assert "gestalt run: ROOT " in done.stderr
    assert "is not a directory" in done.stderr


@pytest.fixture
def two_kinds(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "both"\n\n[tool.gestalt]\ncache = "c"\nsecrets = "s"\n'
    )
    return tmp_path


def _request(root: Path, **options: str | None) -> BuildRequest:
    given: dict[str, str | None] = {"output": None, "kind": None, "name": None, **options}
    return build_request(str(root), environ={}, **given)


def test_build_request_from_pyproject_and_manifest(two_kinds: Path) -> None:
    with pytest.raises(KindError, match=r"several kinds \(cache, secrets\); pass --kind"):
        _request(two_kinds)
    request = _request(two_kinds, kind="secrets")
    assert (request.target, request.kind, request.plugin_name) == ("s", "secrets", "both")
    assert request.output == str(two_kinds / ".gestaltd" / "bin" / "both")
    (two_kinds / "manifest.yaml").write_text(
        "kind: cache  # the manifest decides\nsource: github.com/acme/providers/fast-cache\n"
        "spec:\n  source: nested/is/ignored\n"
    )
    request = _request(two_kinds, output="x/bin")
    assert (request.target, request.kind, request.plugin_name) == ("c", "cache", "fast-cache")
    assert request.output == os.path.abspath("x/bin")
    (two_kinds / "manifest.json").write_text('{"kind": "plugin", "source": "a/b/json-name"}')
    with pytest.raises(BuildError, match="has no 'provider' or 'plugin' key"):
        _request(two_kinds)


# -- protocol-5 manifests: gestalt run . TARGET [KIND], gestalt build --------------------------


def _gestalt(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m gestalt._cli ARGS`` (the ``gestalt`` command) without any host variables."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GESTALT_")}
    return subprocess.run(
        [sys.executable, "-m", "gestalt._cli", *args],
        cwd=cwd,
        env={**clean, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _set_and_get_on_protocol_5(root: Path, command: list[str]) -> None:
    """Run ``command`` in ROOT under the emulator's protocol-5 host; set and get a key."""
    with launch(
        root, "cache", target="cache_memory_provider:cache", command=command, protocol=5
    ) as proc:
        assert proc.identity is not None
        assert (proc.identity.kind, proc.identity.max_protocol_version) == (6, 5)  # CACHE
        cache_pb2, _ = proc.stubs("cache")
        proc.cache.Set(cache_pb2.CacheSetRequest(key="k", value=b"v"), timeout=10)
        assert proc.cache.Get(cache_pb2.CacheGetRequest(key="k"), timeout=10).value == b"v"
    assert proc.result is not None
    assert proc.result.exit_code == 0


def _lay_out_v5_cache(parent: Path) -> Path:
    """A cache provider laid out for a protocol-5 host: manifest kind and ``provider`` key."""
    root = parent / "fast-cache"
    root.mkdir()
    shutil.copy(CACHE / "cache_memory_provider.py", root)
    (root / "pyproject.toml").write_text(
        '[tool.gestalt]\nprovider = "cache_memory_provider:cache"\n'
    )
    (root / "manifest.yaml").write_text(
        "source: github.com/acme/providers/cache/fast-cache\nversion: 0.1.0\nkind: cache\n"
        "install: {command: [uv, sync, --frozen]}\nbuild: {command: [uv, run, gestalt, build]}\n"
        "run:\n  command: [uv, run, gestalt, run, ., cache_memory_provider:cache, cache]\n"
    )
    return root


@pytest.fixture
def v5_cache(tmp_path: Path) -> Path:
    return _lay_out_v5_cache(tmp_path)


@pytest.mark.parametrize("kind", [None, "cache", "CACHE"])
def test_gestalt_run_dot_target_serves_a_protocol_5_host(v5_cache: Path, kind: str | None) -> None:
    # The manifest's run command, cwd ROOT, as a protocol-5 host starts it; without KIND the
    # manifest's kind decides.
    command = [GESTALT, "run", ".", "cache_memory_provider:cache", *([kind] if kind else [])]
    _set_and_get_on_protocol_5(v5_cache, command)


@pytest.mark.parametrize(
    ("given", "kind"),
    [("App", "integration"), (" identity ", "auth"), ("AUTH", "auth"), ("s3", "s3")],
)
def test_gestalt_run_takes_both_generations_kind_words(
    v5_cache: Path, given: str, kind: str
) -> None:
    assert runtime_args(str(v5_cache), "m:x", given) == [str(v5_cache), "m:x", kind]


def test_gestalt_run_infers_the_kind_only_from_what_root_says(v5_cache: Path) -> None:
    root = str(v5_cache)
    assert runtime_args(root, "any:target", None) == [root, "any:target", "cache"]  # manifest
    (v5_cache / "manifest.yaml").unlink()
    assert runtime_args(root, "m:x", None) == [root, "m:x"]  # `provider` names no kind
    (v5_cache / "pyproject.toml").write_text('[tool.gestalt]\nsecrets = "m:x"\ncache = "m:y"\n')
    assert runtime_args(root, "m:x", None) == [root, "m:x", "secrets"]  # its own key
    assert runtime_args(root, "m:z", None) == [root, "m:z"]
    assert runtime_args(root, None, "cache") == [root, "m:y", "cache"]


@pytest.mark.parametrize(
    ("word", "says"),
    [
        ("bogus", "KIND 'bogus' is not a kind word; use integration (or app), auth (or identity)"),
        ("Agent", "KIND 'Agent' is a gestaltd kind this SDK has no surface for"),
        ("x" * 500, "KIND '" + "x" * 40 + "' is not a kind word"),
    ],
)
def test_gestalt_run_refuses_a_bad_kind_word(v5_cache: Path, word: str, says: str) -> None:
    done = _gestalt("run", ".", "cache_memory_provider:cache", word, cwd=v5_cache)
    assert done.returncode == 2
    assert _one_line(done).startswith(f"gestalt run: {says}")


def test_a_manifest_kind_without_a_surface_is_refused(v5_cache: Path) -> None:
    text = (v5_cache / "manifest.yaml").read_text().replace("kind: cache", "kind: workflow")
    (v5_cache / "manifest.yaml").write_text(text)
    done = _gestalt("run", ".", "cache_memory_provider:cache", cwd=v5_cache)
    assert done.returncode == 2
    assert "the manifest's kind 'workflow' is a gestaltd kind this SDK has no surface" in (
        _one_line(done)
    )


def test_a_defaulted_kind_says_to_add_the_kind_word(v5_cache: Path) -> None:
    (v5_cache / "manifest.yaml").unlink()  # nothing says it is a cache
    done = _gestalt(
        "run",
        ".",
        "cache_memory_provider:cache",
        cwd=v5_cache,
        GESTALT_PROVIDER_SOCKET=str(v5_cache / "p.sock"),
    )
    assert done.returncode == 2
    line = _one_line(done)
    assert "(KIND 'integration')" in line
    assert line.endswith("add its kind word after TARGET (auth or identity, cache, secrets, s3)")


@pytest.mark.parametrize("command", [["run", "."], ["build"]])
def test_missing_target_asks_for_provider(v5_cache: Path, command: list[str]) -> None:
    (v5_cache / "pyproject.toml").write_text('[tool.gestalt]\nprovder = "typo"\n')
    done = _gestalt(*command, cwd=v5_cache)
    assert done.returncode == (2 if command[0] == "run" else 1)
    line = _one_line(done)
    assert line.startswith(f"gestalt {command[0]}: ")
    assert "has no 'cache' or 'provider' key; did you mean 'provider' for 'provder'?" in line


def test_missing_table_asks_for_provider(v5_cache: Path) -> None:
    (v5_cache / "pyproject.toml").write_text('[project]\nname = "x"\n')
    done = _gestalt("run", ".", cwd=v5_cache)
    assert 'has no [tool.gestalt] table; add one holding provider = "module:attr"' in (
        _one_line(done)
    )


def test_build_with_no_arguments_derives_a_protocol_5_build(
    v5_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(v5_cache)  # the host's build phase runs in ROOT
    goos, goarch = _platform()
    environ = {"GESTALT_TARGET_OS": goos, "GESTALT_TARGET_ARCH": goarch}
    request = build_request(".", output=None, kind=None, name=None, environ=environ)
    assert request == BuildRequest(
        ".",
        "cache_memory_provider:cache",
        str(v5_cache / ".gestaltd" / "bin" / "fast-cache"),
        "fast-cache",
        "cache",
        goos,
        goarch,
    )
    request = build_request(".", output=None, kind="Identity", name=None, environ={})
    assert (request.kind, request.goos) == ("auth", goos)


def test_build_refuses_another_target_platform_in_one_line(v5_cache: Path) -> None:
    done = _gestalt("build", cwd=v5_cache, GESTALT_TARGET_OS="plan9", GESTALT_TARGET_ARCH="mips")
    assert done.returncode == 1
    assert _one_line(done).startswith("gestalt build: cannot build plan9/mips on this ")
    assert not (v5_cache / ".gestaltd").exists()


def test_build_forms_by_argument_count(v5_cache: Path) -> None:
    three = _gestalt("build", ".", "t", "o", cwd=v5_cache)
    assert three.returncode == 2
    assert three.stderr.strip().endswith("takes ROOT alone or 7 arguments, not 3")
    seven = [".", "cache_memory_provider:cache", "out", "n"]
    bad = _gestalt("build", *seven, "Bogus", "plan9", "mips", cwd=v5_cache)
    assert _one_line(bad).startswith("gestalt build: KIND 'Bogus' is not a kind word")
    # gestalt-sdk's seven-argument form with a protocol-5 word: the kind passes, the platform not.
    good = _gestalt("build", *seven, "identity", "plan9", "mips", cwd=v5_cache)
    assert _one_line(good).startswith("gestalt build: cannot build plan9/mips")


# -- the examples' manifests: each names a provider that exists ---------------------------------
# A manifest with a run command (a protocol-5 host's) is run as that host exports a catalog
# (its command in the example's directory, GESTALT_APP_WRITE_CATALOG set; `uv run gestalt` is
# this environment's gestalt), then as it serves, under the emulator's protocol-5 host. One
# without a run command (a protocol-2 host's) names an importable target.

EXAMPLES = sorted(
    path for path in (REPO / "examples").iterdir() if (path / "pyproject.toml").is_file()
)
UV_RUN_GESTALT = ["uv", "run", "gestalt"]


def _manifest(example: Path) -> dict[str, Any]:
    data = yaml.safe_load((example / "manifest.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_has_a_manifest_named_by_its_directory(example: Path) -> None:
    manifest = _manifest(example)
    assert manifest["source"].rsplit("/", 1)[-1] == example.name
    assert manifest_kind(str(example)) is not None


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if "run" in _manifest(example)],
    ids=lambda path: path.name,
)
def test_the_run_command_serves_what_it_names(example: Path, tmp_path: Path) -> None:
    manifest = _manifest(example)
    assert manifest["kind"] == "app"
    assert manifest["install"] == {"command": ["uv", "sync", "--frozen"]}
    assert manifest["build"] == {"command": [*UV_RUN_GESTALT, "build"]}
    command = manifest["run"]["command"]
    assert command[:5] == [*UV_RUN_GESTALT, "run", "."]
    assert len(command) == 6, "an app takes no kind word"
    catalog = tmp_path / "catalog.yaml"
    done = _gestalt(*command[3:], cwd=example, GESTALT_APP_WRITE_CATALOG=str(catalog))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(catalog.read_text())["name"] == example.name
    # ... and serves: the command exactly as written, no KIND (the manifest's kind decides).
    command = [sys.executable, "-m", "gestalt._cli", *command[3:]]
    config = {"base_url": "http://127.0.0.1:9/api"}  # helpdesk needs one; the others ignore it
    with launch(example, command=command, protocol=5, config=config) as proc:
        assert proc.metadata is not None
    assert proc.result is not None
    assert proc.result.exit_code == 0


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if "run" not in _manifest(example)],
    ids=lambda path: path.name,
)
def test_a_manifest_without_run_names_an_importable_target(example: Path) -> None:
    kind = manifest_kind(str(example))
    assert kind is not None
    target = target_from_pyproject(example, kind)
    assert target is not None
    module, attribute = check_target(target)
    code = f"import {module} as m; assert hasattr(m, {attribute or kind!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=example, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
