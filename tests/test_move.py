"""`vaulttool mv` and `tiers` moving the stubs of a renamed standard note: every link rewritten in its
form, every other byte kept, nothing ever overwritten."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint
from test_hooks import commit, git, repo  # noqa: F401  (the hook tests' real git repository)

from vaulttool.cli import main
from vaulttool.tiers.templates import is_untouched

OLD_STEM = "IOM(International_Organization_for_Migration)"
NEW_STEM = "IOM2(Intl_Org_Migration)"
OLD = f"_Standards/UN(United_Nations)/{OLD_STEM}.md"
NEW = f"_Standards/UN(United_Nations)/{NEW_STEM}.md"
TIERS = ("public", "internal", "protect", "private", "personal", "secret")
LINKER = (
    "---\n"
    f'related: "[[{OLD_STEM}#History|IOM]]"\n'
    f"by_path: '[[_Standards/UN(United_Nations)/{OLD_STEM}]]'\n"
    "untouched: \"[[UN(United_Nations)]]\"  \n"
    "---\n"
    f"Bare [[{OLD_STEM}]] and aliased [[{OLD_STEM}|the IOM]] \r\n"
    f"Heading [[{OLD_STEM}#Mandate]], block ![[{OLD_STEM}#^abc]].\n"
    f"Path [[_Standards/UN(United_Nations)/{OLD_STEM}.md|x]]; stub [[{OLD_STEM}.secret]]\n"
    f"Markdown [the IOM](/_Standards/UN(United_Nations)/{OLD_STEM}.md#Top) and [rel](../{OLD}).\n"
    "Others stay: [[UN(United_Nations)]] [[nowhere]]\n"
    f"```\n[[{OLD_STEM}]] in a fence\n```\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def moving(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (example_vault / "Notes").mkdir()
    (example_vault / "Notes" / "linker.md").write_bytes(LINKER.encode())
    monkeypatch.chdir(example_vault)
    return example_vault


def expected_linker() -> bytes:
    text = LINKER.replace(f"[[{OLD_STEM}]] in a fence", "FENCE").replace(OLD_STEM, NEW_STEM)
    return text.replace("FENCE", f"[[{OLD_STEM}]] in a fence").encode()


def test_mv_moves_the_note_and_its_stubs_and_rewrites_every_link(moving: Path) -> None:
    before = fingerprint(moving)
    result = run("mv", OLD, NEW)
    assert result.exit_code == 0, result.output
    assert f"moved {OLD} -> {NEW}" in result.output
    assert (moving / "Notes" / "linker.md").read_bytes() == expected_linker()
    assert not (moving / OLD).exists()
    for tier in TIERS:
        old_stub = moving / f"_{tier}/UN(United_Nations)/{OLD_STEM}.{tier}.md"
        new_stub = moving / f"_{tier}/UN(United_Nations)/{NEW_STEM}.{tier}.md"
        assert not old_stub.exists() and new_stub.is_file()
        data = new_stub.read_bytes()
        assert is_untouched(data)
        assert f'source: "[[_Standards/UN(United_Nations)/{NEW_STEM}]]"'.encode() in data
    note = (moving / NEW).read_text(encoding="utf-8")
    assert f"[{NEW_STEM}.secret](/_secret/UN(United_Nations)/{NEW_STEM}.secret.md)" in note
    assert OLD_STEM not in note.split("---", 2)[2]  # the body: its own heading link and the section
    after = fingerprint(moving)
    changed = {path for path in before if before[path] != after.get(path)}
    # Every file not linking the note is byte for byte as it was.
    assert all(before[p] == after[p] for p in before if p in after and p not in changed)
    assert run("tiers", "--check", ".").exit_code == 0
    checked = run("check", ".")
    assert checked.exit_code == 0, checked.output


def test_mv_dry_run_shows_everything_and_writes_nothing(moving: Path) -> None:
    before = fingerprint(moving)
    result = run("mv", "--dry-run", OLD, NEW)
    assert result.exit_code == 0, result.output
    assert f"rename {OLD} -> {NEW}" in result.output
    assert "+++ b/Notes/linker.md" in result.output
    assert fingerprint(moving) == before


@pytest.mark.parametrize("make", ["new", "stub", "stub-other-case"])
def test_mv_refuses_a_taken_name_and_writes_nothing(moving: Path, make: str) -> None:
    taken = {"new": NEW, "stub": f"_private/UN(United_Nations)/{NEW_STEM}.private.md",
             "stub-other-case": f"_private/UN(United_Nations)/{NEW_STEM.lower()}.private.md"}[make]
    (moving / taken).write_bytes(b"mine\n")
    before = fingerprint(moving)
    result = run("mv", OLD, NEW)
    assert result.exit_code == 2
    assert "exists" in result.output
    assert fingerprint(moving) == before


@pytest.mark.parametrize("new", ["_Standards/UN(United_Nations)/CON.md", "_Standards/a#b.md", "Notes/IOM.md",
                                 "../outside.md"])
def test_mv_refuses_an_unsafe_or_non_standard_name(moving: Path, new: str) -> None:
    before = fingerprint(moving)
    result = run("mv", OLD, new)
    assert result.exit_code == 2, result.output
    assert fingerprint(moving) == before


def test_mv_of_a_missing_note_is_a_usage_error(moving: Path) -> None:
    assert run("mv", "_Standards/nope.md", NEW).exit_code == 2


def test_a_link_in_an_escaped_value_is_vt531_and_only_that_link_kept(moving: Path) -> None:
    linker = moving / "Notes" / "escaped.md"
    data = f'---\nwith_escape: "[[{OLD_STEM}]]\\u0020"\n---\nBody [[{OLD_STEM}]]\n'.encode()
    linker.write_bytes(data)
    result = run("mv", OLD, NEW)
    assert result.exit_code == 1
    assert "Notes/escaped.md:2:" in result.output and "VT531 link not rewritten" in result.output
    assert "this link is left as it was" in result.output
    assert linker.read_bytes() == data.replace(f"Body [[{OLD_STEM}]]".encode(), f"Body [[{NEW_STEM}]]".encode())
    assert (moving / "Notes" / "linker.md").read_bytes() == expected_linker()  # the rest is moved


def test_an_edited_stub_is_moved_and_relinked_as_a_note(moving: Path) -> None:
    stub = moving / f"_secret/UN(United_Nations)/{OLD_STEM}.secret.md"
    stub.write_bytes(stub.read_bytes() + b"My own words.\n")
    assert run("mv", OLD, NEW).exit_code == 0
    moved = (moving / f"_secret/UN(United_Nations)/{NEW_STEM}.secret.md").read_bytes()
    assert moved.endswith(b"My own words.\n") and not is_untouched(moved)
    assert moved.count(f"_Standards/UN(United_Nations)/{NEW_STEM}]]".encode()) == 2
    assert run("tiers", "--check", ".").exit_code == 0


def test_mv_json_validates(moving: Path) -> None:
    from test_output import json_of

    document = json_of(run("mv", "--format", "json", OLD, NEW), "mv")
    assert {"path": NEW, "action": "move", "written": True} in document["files"]


def test_tiers_moves_the_stubs_of_a_renamed_note(moving: Path) -> None:
    (moving / NEW).write_bytes((moving / OLD).read_bytes())
    (moving / OLD).unlink()
    checked = run("tiers", "--check", NEW)
    assert checked.exit_code == 1 and "VT530 tier stubs of a renamed standard note" in checked.output
    result = run("tiers", "--fail-on-change", NEW)
    assert result.exit_code == 1
    assert f"moved _public/UN(United_Nations)/{OLD_STEM}.public.md" in result.output
    assert (moving / "Notes" / "linker.md").read_bytes() == expected_linker()
    assert run("tiers", "--check", ".").exit_code == 0
    assert run("check", ".").exit_code == 0


def test_git_mv_then_the_hooks_move_the_stubs(repo: Path) -> None:  # noqa: F811
    (repo / "Notes").mkdir()
    (repo / "Notes" / "linker.md").write_bytes(LINKER.encode())
    assert commit(repo, "a note linking IOM").returncode == 0
    assert git(repo, "mv", OLD, NEW).returncode == 0
    first = git(repo, "commit", "-m", "rename IOM")
    assert first.returncode != 0
    assert f"moved _secret/UN(United_Nations)/{OLD_STEM}.secret.md" in first.stdout + first.stderr
    assert (repo / "Notes" / "linker.md").read_bytes() == expected_linker()
    second = commit(repo, "rename IOM")
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(repo, "status", "--porcelain").stdout == ""
    checked = subprocess.run([sys.executable, "-m", "vaulttool", "check", "."], cwd=repo, capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not list(repo.glob(f"_*/UN(United_Nations)/{OLD_STEM}.*.md"))


def test_mv_gives_a_note_without_a_links_section_one(moving: Path) -> None:
    note = moving / OLD
    data = note.read_bytes()
    note.write_bytes(data[:data.index(b"## Confidential Links & Embeds: ")])
    assert run("mv", OLD, NEW).exit_code == 0
    assert (moving / NEW).read_bytes().count(b"### #is_/same_as :: [") == 7  # the note itself and its six tiers
    assert run("tiers", "--check").exit_code == 0
