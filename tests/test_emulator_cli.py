"""``python -m gestalt.core.testing``: argument mistakes are one line and exit 2; a call that
returned 500 shows what the provider wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gestalt.core.testing.__main__ import main

PROVIDERS = Path(__file__).parent / "providers"
INTEGRATION = PROVIDERS / "integration_main"
PREFIX = "python -m gestalt.core.testing: error: "


def bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(PREFIX)
    assert lines[0].endswith(" (see --help)")
    return lines[0].removeprefix(PREFIX).removesuffix(" (see --help)")


def write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "calls.json"
    path.write_text(content)
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--kind", "cach"],
            "argument --kind: 'cach' is not one of: integration (or app), auth (or "
            "identity), cache, secrets, s3",
            id="kind-typo",
        ),
        pytest.param(
            ["--config", "{units: C}"],
            "argument --config: the config is not JSON: Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)",
            id="config-not-json",
        ),
        pytest.param(
            ["--config", "[1]"],
            "argument --config: the config must be a JSON object, not list",
            id="config-not-object",
        ),
        pytest.param(
            ["--call", "forecast", "{'city': 'Oslo'}"],
            "argument --call: PARAMS of 'forecast' is not JSON: Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1)",
            id="call-not-json",
        ),
        pytest.param(
            ["--calls", "/nonexistent/calls.json"],
            "argument --calls: cannot read /nonexistent/calls.json: No such file or directory",
            id="calls-missing",
        ),
        pytest.param(
            ["--python", "python3", "--host-python"],
            "argument --host-python: not allowed with argument --python",
            id="two-interpreters",
        ),
    ],
)
def test_argument_mistakes(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bad_arguments([str(INTEGRATION), *args], capsys) == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("[{", "is not JSON: Expecting property name", id="not-json"),
        pytest.param('{"operation": "x"}', "must hold a JSON list of calls", id="not-a-list"),
        pytest.param('[{"params": {}}]', 'item 0 needs an "operation" string', id="no-operation"),
        pytest.param(
            '[{"operation": "x", "parms": {}}]',
            "item 0 has unknown key(s) 'parms'; known: operation, params,",
            id="key-typo",
        ),
        pytest.param(
            '[{"operation": "x"}, {"operation": "y", "params": [1]}]',
            'item 1: "params" must be an object',
            id="params-not-object",
        ),
        pytest.param(
            '[{"operation": "x", "context": {"subject": {"idd": 1}}}]',
            'item 0: "context" is not a RequestContext: ',
            id="bad-context",
        ),
    ],
)
def test_calls_file_mistakes(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, content)
    line = bad_arguments([str(INTEGRATION), "--calls", path], capsys)
    assert line.startswith(f"argument --calls: {path}")
    assert message in line


def test_long_input_is_not_echoed_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    line = bad_arguments([str(INTEGRATION), "--kind", "x" * 100_000], capsys)
    assert len(line) < 700
    assert "x" * 41 not in line  # the kind word is quoted cut to 40 characters
    line = bad_arguments([str(INTEGRATION), "--name", "n", "y" * 100_000], capsys)
    assert len(line) < 700
    assert line.endswith("... (cut)")


def test_run_as_a_module_prints_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gestalt.core.testing", str(INTEGRATION), "--config", "{"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"{PREFIX}argument --config: the config is not JSON: ")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_500_shows_what_the_provider_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = write(tmp_path, json.dumps([{"operation": "crash"}, {"operation": "echo"}]))
    assert main([str(INTEGRATION), "--calls", calls]) == 0
    out = capsys.readouterr().out
    crash, after = out.split("Execute crash {} -> 500 ", 1)[1].split("Execute echo", 1)
    assert "provider output during the call:\n" in crash
    assert "  | ERROR gestalt.integration._servicer: operation 'crash' failed" in crash
    assert "  | RuntimeError: secret detail that must not leak" in crash
    assert "provider output" not in after  # a 200 prints no output


def test_a_200_prints_no_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(INTEGRATION), "--call", "echo", '{"s": "hi"}']) == 0
    out = capsys.readouterr().out
    assert 'Execute echo {"s": "hi"} -> 200 ' in out
    assert "provider output" not in out


def test_suggests_the_kind_the_pyproject_names(capsys: pytest.CaptureFixture[str]) -> None:
    oidc = Path(__file__).parent.parent / "examples" / "oidc"
    assert main([str(oidc)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"emulator: no TARGET for KIND 'integration': [tool.gestalt] in {oidc}/pyproject.toml "
        "has no 'provider' or 'plugin' key; it names a target for KIND 'auth' only; "
        "run with --kind auth\n"
    )
