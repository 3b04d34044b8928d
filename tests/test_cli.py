"""The command line through click's CliRunner: output, formats and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, REFERENCE_NOTE

from vaulttool import __version__
from vaulttool.cli import main

NEGATIVE = DATA / "negative"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    def invoke(*args: str, cwd: Path | None = None):  # noqa: ANN202
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_validate_example_vault_is_clean(run, example_vault: Path) -> None:  # noqa: ANN001
    result = run("validate", str(example_vault))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "49 notes checked: 0 errors, 0 warnings\n"  # 5 notes, 20 entity notes and 24 tier stubs


def test_validate_prints_exact_lines_and_exits_1(run, negative_vault: Path) -> None:  # noqa: ANN001
    result = run("validate", cwd=negative_vault)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == (NEGATIVE / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_validate_json_parses(run, negative_vault: Path) -> None:  # noqa: ANN001
    result = run("validate", "--format", "json", "duplicate_key.md", "whitespace.md", cwd=negative_vault)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["summary"] == {"notes": 2, "files": 0, "errors": 1, "warnings": 1, "suppressed": 0}
    assert document["findings"][0] == {
        "path": "duplicate_key.md", "line": 3, "col": 1, "code": "VT105", "severity": "error",
        "message": "duplicate key 'title': YAML readers keep only one of them",
    }


def test_validate_github_annotations(run, negative_vault: Path) -> None:  # noqa: ANN001
    result = run("validate", "--format", "github", "whitespace.md", cwd=negative_vault)
    assert result.exit_code == 0  # a warning alone does not fail...
    assert result.stdout == (
        "::warning file=whitespace.md,line=2,col=8,title=VT203::value ' padded ' has leading or trailing whitespace\n"
    )
    assert run("validate", "--strict", "whitespace.md", cwd=negative_vault).exit_code == 1  # ...unless --strict


def test_usage_and_config_errors_exit_2_without_traceback(run, tmp_path: Path) -> None:  # noqa: ANN001
    result = run("validate", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "no such file or folder" in result.stderr
    (tmp_path / "vaulttool.toml").write_text("[vault]\nnope = 1\n")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("vaulttool: ") and ":2: vault.nope is not a known setting" in result.stderr
    assert run("validate", "--format", "xml").exit_code == 2


def test_roundtrip_check_on_the_corpus(run) -> None:  # noqa: ANN001
    result = run("roundtrip", "--check", str(DATA / "roundtrip"))
    assert result.exit_code == 0
    count = len(list((DATA / "roundtrip").glob("*.md")))
    assert result.stderr == f"{count} notes: {count} byte-identical, 0 would change, 0 skipped\n"


def test_roundtrip_lists_unparseable_notes_as_skipped(run) -> None:  # noqa: ANN001
    result = run("roundtrip", "--check", "syntax_error.md", "tab_indentation.md", cwd=NEGATIVE)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "syntax_error.md: skipped, cannot be parsed (2:8: VT103 unclosed [: the list that starts here never ends)",
        "tab_indentation.md: skipped, cannot be parsed (3:1: VT106 tab in indentation: YAML indents with spaces only)",
    ]


@pytest.mark.parametrize("start_method", [None, "spawn"], ids=["default", "spawn"])
def test_parallel_and_serial_runs_agree(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                        start_method: str | None) -> None:
    if start_method:
        monkeypatch.setenv("VAULTTOOL_START_METHOD", start_method)
    data = REFERENCE_NOTE.read_bytes()
    (tmp_path / ".obsidian").mkdir()
    for index in range(250):
        extra = b"" if index % 50 else b"---\nbroken: [\n---\n"
        (tmp_path / f"n{index:03}.md").write_bytes(extra or data)
    serial = run("validate", "-j", "1", str(tmp_path))
    parallel = run("validate", "-j", "2", str(tmp_path))
    assert serial.exit_code == parallel.exit_code == 1
    assert serial.stdout == parallel.stdout and serial.stdout.count("VT103") == 5


def test_python_dash_m_and_version() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "vaulttool", "--version"], capture_output=True, text=True,
                            env={**os.environ}, check=False)
    assert result.returncode == 0
    # Installed (pip install -e ., CI), the distribution's version must be this one; imported from a source
    # tree without installing (tests/windows/run puts the checkout on sys.path), vaulttool says so.
    from importlib import metadata

    try:
        installed = metadata.version("obsidian-vaulttool")
    except metadata.PackageNotFoundError:
        installed = None
    assert installed in (None, __version__), f"a stale install: obsidian-vaulttool {installed}"
    shown = __version__ if installed else "not installed, run from a source tree"
    assert result.stdout == f"vaulttool {__version__} (obsidian-vaulttool {shown})\n"
