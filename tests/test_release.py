"""Release tooling: the per-distribution release (dry run, as CI runs it) and the changelog
check, the latter in a throwaway git repository with real commits and tags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
CACHE = REPO / "packages" / "gestalt-cache"


def _script(name: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# -- scripts/release.py ---------------------------------------------------------------------


def test_dry_run_builds_checks_and_prints_the_tag_without_touching_the_tree() -> None:
    watched = [CACHE / "CHANGELOG.md", CACHE / "src" / "gestalt" / "cache" / "_version.py"]
    before = [path.read_bytes() for path in watched]
    done = _script("release.py", "cache", "7.8.9", "--dry-run", "--date", "2026-01-02")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "gestalt-cache-v7.8.9"
    assert "gestalt_cache-7.8.9-py3-none-any.whl" in done.stdout
    assert "gestalt_cache-7.8.9.tar.gz" in done.stdout
    assert done.stdout.count("PASSED") == 2  # twine check --strict, wheel and sdist
    assert [path.read_bytes() for path in watched] == before


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("0.0.1", "is not above the current"),
        ("1.2", "is not major, minor, patch or X.Y.Z"),
        ("1.0.0.dev1; rm -rf /", "is not major, minor, patch or X.Y.Z"),
    ],
)
def test_bad_versions_are_refused_in_one_line(version: str, message: str) -> None:
    done = _script("release.py", "cache", version, "--dry-run")
    assert done.returncode == 1
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- scripts/check_changelogs.py, in a throwaway repository -----------------------------------

CHANGELOG = "# Changelog\n\n## Unreleased\n{entries}\n## 0.1.0 - 2026-01-01\n\n- First.\n"


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    package = tmp_path / "packages" / "gestalt-cache"
    (package / "src" / "gestalt" / "cache").mkdir(parents=True)
    (package / "src" / "gestalt" / "cache" / "_memory.py").write_text("SIZE = 1\n")
    (package / "pyproject.toml").write_text('[project]\nname = "gestalt-cache"\n')
    (package / "CHANGELOG.md").write_text(CHANGELOG.format(entries=""))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "gestalt-cache 0.1.0")
    return tmp_path


def test_no_tag_yet_counts_all_code_as_changed(repo: Path) -> None:
    done = _script("check_changelogs.py", cwd=repo)
    assert done.returncode == 1
    assert "gestalt-cache: code changed since the start (no tag yet)" in done.stderr


def test_a_code_change_after_the_tag_needs_an_unreleased_entry(repo: Path) -> None:
    _git(repo, "tag", "gestalt-cache-v0.1.0")
    assert _script("check_changelogs.py", cwd=repo).returncode == 0

    source = repo / "packages" / "gestalt-cache" / "src" / "gestalt" / "cache" / "_memory.py"
    source.write_text("SIZE = 2\n")
    _git(repo, "commit", "-qam", "change the code, forget the changelog")
    done = _script("check_changelogs.py", cwd=repo)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "gestalt-cache: code changed since gestalt-cache-v0.1.0 "
        "(packages/gestalt-cache/src/gestalt/cache/_memory.py) but "
        "packages/gestalt-cache/CHANGELOG.md has no entry under '## Unreleased'"
    )

    changelog = repo / "packages" / "gestalt-cache" / "CHANGELOG.md"
    changelog.write_text(CHANGELOG.format(entries="\n### Changed\n\n- SIZE is 2.\n"))
    assert _script("check_changelogs.py", cwd=repo).returncode == 0


def test_a_changelog_only_change_needs_no_entry(repo: Path) -> None:
    _git(repo, "tag", "gestalt-cache-v0.1.0")
    changelog = repo / "packages" / "gestalt-cache" / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + "\n- Typo fixed.\n")
    assert _script("check_changelogs.py", cwd=repo).returncode == 0


def test_the_newest_tag_by_version_is_the_base(repo: Path) -> None:
    _git(repo, "tag", "gestalt-cache-v0.1.0")
    source = repo / "packages" / "gestalt-cache" / "src" / "gestalt" / "cache" / "_memory.py"
    source.write_text("SIZE = 3\n")
    _git(repo, "commit", "-qam", "0.10.0")
    _git(repo, "tag", "gestalt-cache-v0.10.0")  # sorts after v0.9.0 by version, not by text
    _git(repo, "tag", "gestalt-cache-v0.9.0", "HEAD~1")
    assert _script("check_changelogs.py", cwd=repo).returncode == 0


def test_this_repository_passes_its_own_check() -> None:
    done = _script("check_changelogs.py")
    assert done.returncode == 0, done.stderr


# -- .github/workflows/publish.yml: the tag step, run here as the runner would ----------------


def _tag_step(tag: str, output: Path) -> subprocess.CompletedProcess[str]:
    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["build"]["steps"] if s.get("id") == "tag"]
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=REPO,
        env={**os.environ, "TAG": tag, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_publish_reads_the_tag_that_release_prints(tmp_path: Path) -> None:
    version = (CACHE / "src" / "gestalt" / "cache" / "_version.py").read_text().split('"')[1]
    output = tmp_path / "github_output"
    done = _tag_step(f"gestalt-cache-v{version}", output)
    assert done.returncode == 0, done.stdout
    assert output.read_text().splitlines() == ["surface=cache", f"version={version}"]


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("gestalt-cache-v99.0.0", "does not match packages/gestalt-cache"),
        ("gestalt-nothing-v0.1.0", "names no distribution"),
    ],
)
def test_publish_refuses_a_tag_that_is_not_a_release(
    tag: str, message: str, tmp_path: Path
) -> None:
    done = _tag_step(tag, tmp_path / "github_output")
    assert done.returncode == 1
    assert message in done.stdout
