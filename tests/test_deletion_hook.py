"""The `vaulttool-tiers-complete` hook through the real pre-commit framework in a real git repository:
pre-commit passes only files that exist, so a deleted note or stub is caught by this hook alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from test_hooks import commit, git, local_config, repo  # noqa: F401  (the hook tests' real git repository)

from vaulttool.cli import main
from vaulttool.config.settings import DEFAULT_TIERS as TIERS

STEM = "UN(United_Nations)"
NOTE = f"_Standards/UN(United_Nations)/{STEM}.md"
STUBS = [f"_{tier}/UN(United_Nations)/{STEM}.{tier}.md" for tier in TIERS]


@pytest.fixture
def guarded(repo: Path) -> Path:  # noqa: F811
    (repo / ".pre-commit-config.yaml").write_text(
        local_config("vaulttool-tiers", "vaulttool-check", "vaulttool-tiers-complete"), encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "--no-verify", "-m", "the deletion hook")
    return repo


def test_a_deleted_stub_is_caught(guarded: Path) -> None:
    (guarded / STUBS[0]).unlink()
    result = commit(guarded, "delete a stub")
    assert result.returncode != 0
    assert f"{NOTE}:1:1: VT411 missing tier stub {STUBS[0]}" in (result.stdout + result.stderr).splitlines()
    assert "the deletion hook" in git(guarded, "log", "-1", "--format=%s").stdout


def test_a_deleted_standard_note_is_caught(guarded: Path) -> None:
    (guarded / NOTE).unlink()
    result = commit(guarded, "delete a note")
    assert result.returncode != 0
    orphans = [f"{stub}:1:1: VT413 orphaned {tier} note: its standard note {NOTE} does not exist"
               for stub, tier in sorted(zip(STUBS, TIERS))]
    assert [line for line in (result.stdout + result.stderr).splitlines() if ": VT413 " in line] == orphans
    assert "the deletion hook" in git(guarded, "log", "-1", "--format=%s").stdout


def test_a_note_removed_with_rm_passes(guarded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(guarded)
    note = "_Standards/IOM(International_Organization_for_Migration)/IDM(International_Dialogue_on_Migration).md"
    removed = CliRunner().invoke(main, ["rm", note], catch_exceptions=False)
    assert removed.exit_code in (0, 1), removed.output  # (1: links to it left dangling, listed)
    result = commit(guarded, "remove IDM")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "remove IDM" in git(guarded, "log", "-1", "--format=%s").stdout


def test_an_untouched_vault_passes_and_the_check_is_exact(guarded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(guarded)
    assert CliRunner().invoke(main, ["tiers-complete"], catch_exceptions=False).exit_code == 0
    (guarded / STUBS[2]).unlink()
    (guarded / "_secret" / "Gone").mkdir()
    (guarded / "_secret" / "Gone" / "Gone.secret.md").write_text("# orphan\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["tiers-complete"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{NOTE}:1:1: VT411 missing tier stub {STUBS[2]}",
        ("_secret/Gone/Gone.secret.md:1:1: VT413 orphaned secret note: its standard note _Standards/Gone/Gone.md "
         "does not exist")]
