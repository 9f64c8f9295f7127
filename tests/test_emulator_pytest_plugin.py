"""gestalt-core's pytest plugin, as a provider project meets it: pytest run in a subprocess on
a provider directory with its own tests, the fixtures loaded through the entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

PROBE = Path(__file__).parent / "providers" / "runtime_probe"


def run_pytest(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def probe_project(tmp_path: Path, tests: dict[str, str]) -> Path:
    """A copy of the probe provider with ``tests`` (file name to source) in its tests/."""
    project = tmp_path / "probe"
    shutil.copytree(PROBE, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "tests").mkdir()
    for name, source in tests.items():
        (project / "tests" / name).write_text(textwrap.dedent(source))
    return project


def test_fixtures_launch_the_provider_above_the_tests_once_per_module(tmp_path: Path) -> None:
    project = probe_project(
        tmp_path,
        {
            "test_probe.py": """
            import sys

            pids = []

            def test_plugin_loads_no_grpc_by_itself():
                assert "gestalt._pytest_plugin" in sys.modules
                assert "grpc" not in sys.modules

            def test_started_as_the_host_does(gestalt_provider):
                assert gestalt_provider.kind.value == "secrets"
                assert gestalt_provider.identity.kind == 4
                pids.append(gestalt_provider.pid)

            def test_one_process_per_module(gestalt_provider):
                assert pids == [gestalt_provider.pid]
            """
        },
    )
    done = run_pytest(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_no_provider_above_the_tests_says_what_to_override(tmp_path: Path) -> None:
    (tmp_path / "test_lonely.py").write_text("def test_x(gestalt_provider):\n    pass\n")
    done = run_pytest(tmp_path)
    assert done.returncode == 1
    assert f"no provider directory above {tmp_path} (a pyproject.toml with a" in done.stdout
    assert "override the gestalt_launch fixture" in done.stdout


def test_host_services_and_an_overridden_launch(tmp_path: Path) -> None:
    project = tmp_path / "two_kinds"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.gestalt]\nprovider = "p:plugin"\ncache = "c:cache"\n'
    )
    (project / "test_services.py").write_text(
        textwrap.dedent(
            f"""
            import pytest

            @pytest.fixture(scope="module")
            def gestalt_launch(gestalt_host_cache, gestalt_host_s3):
                return {{
                    "root": {str(PROBE)!r},
                    "kind": "secrets",
                    "host_services": [gestalt_host_cache],
                }}

            def test_secrets_kind_gets_no_host_services(request):
                with pytest.raises(Exception, match="only integration providers get host"):
                    request.getfixturevalue("gestalt_provider")

            def test_fresh_unnamed_bindings(gestalt_host_cache, gestalt_host_s3):
                assert (gestalt_host_cache.service, gestalt_host_cache.binding) == ("cache", "")
                assert (gestalt_host_s3.service, gestalt_host_s3.binding) == ("s3", "")
            """
        )
    )
    (project / "test_default.py").write_text("def test_x(gestalt_provider):\n    pass\n")
    done = run_pytest(project)
    assert "names targets for several kinds (integration, cache)" in done.stdout
    assert "2 passed, 1 error" in done.stdout, done.stdout


def test_gestalt_protocol_runs_a_module_under_both_hosts(tmp_path: Path) -> None:
    project = probe_project(
        tmp_path,
        {
            "test_both.py": """
            import pytest
            from google.protobuf import empty_pb2

            @pytest.fixture(scope="module", params=[2, 5])
            def gestalt_protocol(request):
                return request.param

            def test_the_host_protocol(gestalt_provider, gestalt_protocol):
                assert gestalt_provider.protocol == gestalt_protocol
                identity = gestalt_provider.lifecycle.GetProviderIdentity(empty_pb2.Empty())
                assert identity.max_protocol_version == gestalt_protocol
            """,
            "test_default.py": """
            def test_two(gestalt_provider):
                assert gestalt_provider.protocol == 2
            """,
        },
    )
    done = run_pytest(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
