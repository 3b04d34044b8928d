"""A standard note renamed in Obsidian: the file has its new name and Obsidian has rewritten every link
to it (the stubs' `source` among them), but the stubs keep their old names. `tiers` moves them after
the note, as `mv` would, keeping what was written in them; with or without a Wikidata id."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from test_hooks import commit, git, local_config, repo  # noqa: F401  (the hook tests' real git repository)

from vaulttool.cli import main
from vaulttool.config.settings import DEFAULT_TIERS as TIERS

OLD, NEW = "Migration_Dialogue", "Migration_Dialogue_2026"


def stub(name: str, tier: str) -> str:
    return f"_{tier}/Notes/{name}.{tier}.md"


def note(name: str) -> str:
    return f"_Standards/Notes/{name}.md"


def run(vault: Path, *args: str):  # noqa: ANN201
    return CliRunner().invoke(main, ["--root", str(vault), *args], catch_exceptions=False)


def rename_in_obsidian(vault: Path, old: str, new: str) -> None:
    """What Obsidian does on a rename with "Automatically update internal links": the file moves, and
    each link to it, anywhere in the vault, is written with the new name."""
    (vault / note(old)).rename(vault / note(new))
    for path in vault.rglob("*.md"):
        data = path.read_bytes()
        changed = data.replace(f"_Standards/Notes/{old}]]".encode(), f"_Standards/Notes/{new}]]".encode()).replace(
            f"(/_Standards/Notes/{old}.md)".encode(), f"(/_Standards/Notes/{new}.md)".encode()).replace(
            f"[{old}](".encode(), f"[{new}](".encode())
        if changed != data:
            path.write_bytes(changed)


def make_note(vault: Path, frontmatter: str) -> None:
    path = vault / note(OLD)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\naliases:\n  - Migration dialogue\n{frontmatter}---\n\n# Migration dialogue\n\nText.\n",
                    encoding="utf-8")


@pytest.mark.parametrize("frontmatter", ["", "has_id_wikidata: Q4200001\n"], ids=["without-id", "with-id"])
def test_tiers_moves_the_stubs_of_a_note_obsidian_renamed(example_vault: Path, frontmatter: str) -> None:
    make_note(example_vault, frontmatter)
    assert run(example_vault, "tiers").exit_code == 0
    edited = example_vault / stub(OLD, "secret")
    edited.write_bytes(edited.read_bytes() + b"\nWritten by hand in the secret tier.\n")
    rename_in_obsidian(example_vault, OLD, NEW)

    result = run(example_vault, "tiers")
    assert result.exit_code == 0, result.output
    for tier in TIERS:
        assert not (example_vault / stub(OLD, tier)).exists()
        assert (example_vault / stub(NEW, tier)).is_file()
    assert (example_vault / stub(NEW, "secret")).read_bytes().endswith(b"\nWritten by hand in the secret tier.\n")
    assert "VT413" not in result.output
    assert run(example_vault, "tiers", "--check").exit_code == 0
    assert run(example_vault, "check").exit_code == 0


def test_check_reports_the_stubs_of_a_renamed_note_as_vt530(example_vault: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_vault)
    make_note(example_vault, "")
    assert run(example_vault, "tiers").exit_code == 0
    rename_in_obsidian(example_vault, OLD, NEW)
    result = run(example_vault, "tiers", "--check")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{note(NEW)}:1:1: VT530 tier stubs of a renamed standard note: `vaulttool tiers` moves 6 stubs after it "
        "and rewrites 1 notes' links")
    assert "VT413" not in result.output and "VT411" not in result.output


def test_stubs_whose_links_name_another_note_stay_orphans(example_vault: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Stubs move only after the note their links open: a note merely made beside them gets its own."""
    monkeypatch.chdir(example_vault)
    make_note(example_vault, "")
    assert run(example_vault, "tiers").exit_code == 0
    (example_vault / note(OLD)).rename(example_vault / note(NEW))  # renamed outside Obsidian: no link rewritten
    result = run(example_vault, "tiers", "--check")
    assert result.exit_code == 1
    assert f"{stub(OLD, 'public')}:1:1: VT413 orphaned public note: its standard note {note(OLD)} does not exist" \
        in result.output


def test_a_rename_in_obsidian_commits_after_one_fixer_pass(repo: Path) -> None:  # noqa: F811
    (repo / ".pre-commit-config.yaml").write_text(
        local_config("vaulttool-fix", "vaulttool-tiers", "vaulttool-check"), encoding="utf-8")
    make_note(repo, "")
    assert run(repo, "tiers").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "a note and its stubs")
    rename_in_obsidian(repo, OLD, NEW)

    first = commit(repo, "rename in Obsidian")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "no such file or folder" not in first.stdout + first.stderr  # the check hook skips the stubs tiers moved
    second = commit(repo, "rename in Obsidian")
    assert second.returncode == 0, second.stdout + second.stderr
    tracked = git(repo, "ls-files").stdout.splitlines()
    assert all(stub(NEW, tier) in tracked and stub(OLD, tier) not in tracked for tier in TIERS)


def test_check_skips_only_with_skip_missing_the_paths_that_are_gone(example_vault: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_vault)
    gone = "_public/Notes/gone.public.md"
    assert run(example_vault, "check", gone).exit_code == 2  # a typo is still an error
    result = run(example_vault, "check", "--skip-missing", gone)
    assert (result.exit_code, result.output) == (0, "0 notes checked: 0 errors, 0 warnings\n")
    here = "_Standards/UN(United_Nations)/UN(United_Nations).md"
    result = run(example_vault, "check", "--skip-missing", gone, here)
    assert (result.exit_code, result.output) == (0, "1 note checked: 0 errors, 0 warnings\n")


def test_a_note_of_theirs_in_a_tier_folder_is_never_moved_by_its_source_link(example_vault: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Only stubs vaulttool made are claimed by their link: a note of the person's in a tier folder,
    whose own `source` links a new standard note, stays where it is (an orphan, VT413)."""
    monkeypatch.chdir(example_vault)
    make_note(example_vault, "")
    alice = example_vault / "_private/People/Alice.private.md"
    alice.parent.mkdir(parents=True)
    alice.write_text(f'---\ntier: private\nsource: "[[_Standards/Notes/{OLD}]]"\n---\n\nWhat I know of Alice.\n',
                     encoding="utf-8")
    result = run(example_vault, "tiers")
    assert result.exit_code == 1  # (the orphan is an error)
    assert alice.read_text(encoding="utf-8").endswith("What I know of Alice.\n")
    assert ("_private/People/Alice.private.md:1:1: VT413 orphaned private note: its standard note "
            "_Standards/People/Alice.md does not exist") in result.output
    assert all((example_vault / stub(OLD, tier)).is_file() for tier in TIERS)  # the new note got stubs of its own


def test_check_skip_missing_finds_the_vault_of_paths_all_gone_from_outside_it(example_vault: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A vault in a folder of the repository: pre-commit runs from the repository's root."""
    monkeypatch.chdir(example_vault.parent)
    result = CliRunner().invoke(main, ["check", "--skip-missing", "vault/_public/Notes/gone.public.md"])
    assert (result.exit_code, result.output) == (0, "0 notes checked: 0 errors, 0 warnings\n")
