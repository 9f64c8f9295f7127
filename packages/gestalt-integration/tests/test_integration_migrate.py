"""``python -m gestalt.integration migrate``: the import and dependency rewrite of a port."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from gestalt.integration._migrate import migrate_requirements, migrate_source

HELPDESK = Path(__file__).parents[3] / "examples" / "helpdesk"


def test_the_upstream_example_becomes_ours() -> None:
    upstream = (HELPDESK / "provider.py.upstream").read_text()
    after, notes = migrate_source(upstream)
    assert after == (HELPDESK / "provider.py").read_text()
    assert notes == []


def test_every_import_form_and_the_names_that_need_a_decision() -> None:
    source = textwrap.dedent(
        """\
        import os
        import gestalt, sys
        from gestalt import (
            Model,
            Cache,
        )
        from gestalt import operation as op
        from gestalt.gen.v1 import plugin_pb2
        from gestalt import integration, core


        def f():
            import gestalt as g
            return g.IndexedDB, g.Model, "gestalt.Model"
        """
    )
    after, notes = migrate_source(source)
    assert after == textwrap.dedent(
        """\
        import os
        import gestalt, sys
        from gestalt.integration import (
            Model,
            Cache,
        )
        from gestalt.integration import operation as op
        from gestalt.gen.v1 import plugin_pb2
        from gestalt import integration, core


        def f():
            from gestalt import integration as g
            return g.IndexedDB, g.Model, "gestalt.Model"
        """
    )
    assert notes[0] == "2: put 'import gestalt' on a line of its own"
    assert notes[1].startswith(
        "5: gestalt.integration.Cache: in this SDK it belongs to gestalt.cache"
    )
    assert notes[2] == "8: upstream's generated protos are gestalt.provider.v1 here"
    assert notes[3].startswith("14: gestalt.integration.IndexedDB belongs to IndexedDB")
    assert len(notes) == 4


def test_requirements() -> None:
    toml = (
        'dependencies = ["gestalt-sdk==0.0.1a18", "httpx"]\n'
        '[tool.uv.sources]\ngestalt-sdk = {git = "x"}\n'
    )
    after, notes = migrate_requirements(toml, toml=True)
    assert after.splitlines()[0] == 'dependencies = ["gestalt-integration", "httpx"]'
    assert notes == ["3: gestalt-sdk is still named here; edit it by hand"]
    after, notes = migrate_requirements("gestalt-sdk>=0.0.1a8\ngestalt-sdkx\n", toml=False)
    assert (after, notes) == ("gestalt-integration\ngestalt-sdkx\n", [])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gestalt.integration", "migrate", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_dry_run_then_write(tmp_path: Path) -> None:
    root = tmp_path / "helpdesk"
    root.mkdir()
    shutil.copy(HELPDESK / "provider.py.upstream", root / "provider.py")
    (root / "pyproject.toml").write_text('[project]\ndependencies = ["gestalt-sdk==0.0.1a18"]\n')
    (root / ".venv").mkdir()
    (root / ".venv" / "skipped.py").write_text("import gestalt\n")
    dry = _cli(str(root))
    assert dry.returncode == 0, dry.stderr
    assert "-import gestalt\n+from gestalt import integration as gestalt\n" in dry.stdout
    assert '+dependencies = ["gestalt-integration"]' in dry.stdout
    assert dry.stdout.endswith("2 file(s) to change (dry run; --write applies); 0 note(s)\n")
    assert "import gestalt\n" in (root / "provider.py").read_text()  # untouched
    wrote = _cli(str(root), "--write")
    assert wrote.stdout.endswith("2 file(s) changed; 0 note(s)\n")
    assert (root / "provider.py").read_text() == (HELPDESK / "provider.py").read_text()
    assert (root / ".venv" / "skipped.py").read_text() == "import gestalt\n"
    assert _cli(str(root)).stdout == "0 file(s) to change (dry run; --write applies); 0 note(s)\n"


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    missing = _cli(str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "no such file or directory" in missing.stderr.splitlines()[-1]
    (tmp_path / "bad.py").write_text("def (:\n")
    broken = _cli(str(tmp_path))
    assert broken.returncode == 1
    assert broken.stdout.splitlines() == [f"{tmp_path / 'bad.py'}:1: not Python: invalid syntax"]
