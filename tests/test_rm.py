"""`vaulttool rm`: a standard note and its tier stubs moved into `.trash/`, whole or not at all, with
the links left dangling listed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint
from test_output import SCHEMA

from vaulttool.cli import main
from vaulttool.commands import remove
from vaulttool.config.settings import DEFAULT_TIERS as TIERS
from vaulttool.disk import vault

STEM = "MICIC(Migrants_in_Countries_in_Crisis)"
FOLDER = "IOM(International_Organization_for_Migration)"
NOTE = f"_Standards/{FOLDER}/{STEM}.md"
STUBS = [f"_{tier}/{FOLDER}/{STEM}.{tier}.md" for tier in TIERS]
LINKER = f"---\nrelated: \"[[{STEM}]]\"\n---\nSee [[{STEM}|MICIC]] and [[{STEM}.secret]].\nNot [[nowhere]].\n"
DANGLING = [
    f"Notes/linker.md:2:11: VT510 link to a removed note: '{STEM}' opens {NOTE}; it opens no file once removed",
    f"Notes/linker.md:4:5: VT510 link to a removed note: '{STEM}' opens {NOTE}; it opens no file once removed",
    (f"Notes/linker.md:4:58: VT510 link to a removed note: '{STEM}.secret' opens {STUBS[-1]}; it opens no file "
     "once removed"),
]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def removing(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (example_vault / "Notes").mkdir()
    (example_vault / "Notes" / "linker.md").write_bytes(LINKER.encode())
    monkeypatch.chdir(example_vault)
    return example_vault


def moved(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("removed ") and " (moved to " in line]


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": VT" in line]


def test_rm_moves_the_note_and_its_stubs_to_the_trash_and_lists_the_links_left_dangling(removing: Path) -> None:
    before = fingerprint(removing)
    result = run("rm", NOTE)
    assert result.exit_code == 1, result.output  # links left dangling
    assert moved(result.output) == [
        f"removed {path} (moved to .trash/{path})" for path in [NOTE, *STUBS]]
    assert findings(result.output) == DANGLING
    after = fingerprint(removing)
    for path in [NOTE, *STUBS]:
        assert path not in after
        assert after[f".trash/{path}"] == before[path]  # the very bytes, in the trash
    assert {path: digest for path, digest in after.items() if not path.startswith(".trash/")} == {
        path: digest for path, digest in before.items() if path not in {NOTE, *STUBS}}
    assert run("tiers-complete").exit_code == 0


def test_rm_dry_run_lists_everything_and_removes_nothing(removing: Path) -> None:
    before = fingerprint(removing)
    result = run("rm", "--dry-run", NOTE)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("would remove ") and "(dry run)" not in line] == [
        f"would remove {path}" for path in [NOTE, *STUBS]]
    assert findings(result.output) == DANGLING
    assert fingerprint(removing) == before
    assert not (removing / ".trash").exists()


def test_rm_without_links_to_the_note_exits_0(removing: Path) -> None:
    (removing / "Notes" / "linker.md").unlink()
    result = run("rm", NOTE)
    assert result.exit_code == 0, result.output
    assert findings(result.output) == []


def test_a_stub_edited_by_hand_refuses_the_removal_unless_forced(removing: Path) -> None:
    edited = removing / STUBS[3]
    edited.write_bytes(edited.read_bytes() + b"\nMy own notes, nowhere else.\n")
    before = fingerprint(removing)
    refused = run("rm", NOTE)
    assert refused.exit_code == 2
    assert refused.output == (f"vaulttool: refused: tier stub {STUBS[3]} edited by hand (no longer what vaulttool "
                              "wrote); nothing removed; --force removes it too, into .trash/\n")
    assert fingerprint(removing) == before
    forced = run("rm", "--force", NOTE)
    assert forced.exit_code == 1, forced.output
    assert fingerprint(removing)[f".trash/{STUBS[3]}"] == before[STUBS[3]]


def test_a_stub_named_alone_is_refused(removing: Path) -> None:
    before = fingerprint(removing)
    result = run("rm", "--force", STUBS[0])
    assert result.exit_code == 2
    assert result.output == (f"vaulttool: refused: {STUBS[0]} is the public tier stub of {NOTE}; remove the standard "
                             f"note with all its stubs (`vaulttool rm {NOTE}`): a single stub is made again by the "
                             "next `vaulttool tiers`; nothing removed\n")
    assert fingerprint(removing) == before


@pytest.mark.parametrize("path, message", [
    ("Notes/linker.md", ("refused: Notes/linker.md is not a standard note (a .md note under _Standards/, not "
                         "skipped by [tiers] skip); nothing removed")),
    (f"_Standards/{FOLDER}/Nothing.md", f"_Standards/{FOLDER}/Nothing.md: no such note, and no tier stub of it"),
])
def test_rm_refuses_what_is_not_a_standard_note_of_the_vault(removing: Path, path: str, message: str) -> None:
    before = fingerprint(removing)
    result = run("rm", path)
    assert result.exit_code == 2
    assert result.output == f"vaulttool: {message}\n"
    assert fingerprint(removing) == before


def test_rm_refuses_a_path_outside_the_vault(removing: Path) -> None:
    (removing.parent / "elsewhere.md").write_text("# not the vault's\n", encoding="utf-8")
    result = run("--root", ".", "rm", "../elsewhere.md")
    assert result.exit_code == 2
    assert result.output == f"vaulttool: {Path('../elsewhere.md')}: not inside the vault\n"  # (as Windows spells it there)
    assert (removing.parent / "elsewhere.md").is_file()


def test_rm_of_a_deleted_standard_note_removes_the_stubs_it_left(removing: Path) -> None:
    (removing / NOTE).unlink()
    assert findings(run("tiers-complete").output) == [f"{stub}:1:1: VT413 orphaned {tier} note: its standard note "
                                                      f"{NOTE} does not exist" for stub, tier in sorted(zip(STUBS, TIERS))]
    result = run("rm", NOTE)
    assert moved(result.output) == [
        f"removed {path} (moved to .trash/{path})" for path in STUBS]
    assert run("tiers-complete").exit_code == 0


def test_a_second_removal_of_the_same_name_keeps_the_first_in_the_trash(removing: Path) -> None:
    assert run("rm", NOTE).exit_code == 1
    first = fingerprint(removing / ".trash")
    assert run("tiers", str(removing / "_Standards" / FOLDER / "IDM(International_Dialogue_on_Migration).md")).exit_code == 0
    (removing / NOTE).write_text("---\naliases:\n  - MICIC again\n---\n\n# MICIC\n", encoding="utf-8")
    assert run("tiers", NOTE).exit_code == 0  # its stubs made again
    result = run("rm", NOTE)
    assert f"removed {NOTE} (moved to .trash/_Standards/{FOLDER}/{STEM} 1.md)" in result.output
    assert f"removed {STUBS[0]} (moved to .trash/_public/{FOLDER}/{STEM}.public 1.md)" in result.output
    kept = fingerprint(removing / ".trash")
    assert all(kept[path] == digest for path, digest in first.items())


def test_a_file_changed_after_it_was_read_is_put_back_not_removed(removing: Path) -> None:
    config = vault.open_vault(removing)
    report = remove.plan(config, [NOTE])
    changed = (removing / STUBS[2]).read_bytes() + b"\nwritten meanwhile\n"
    (removing / STUBS[2]).write_bytes(changed)
    remove.apply(report)
    assert (removing / STUBS[2]).read_bytes() == changed
    assert not (removing / ".trash" / STUBS[2]).exists()
    assert report.failed
    assert [f.text() for f in report.findings if f.code == "VT417"] == [
        f"{STUBS[2]}:1:1: VT417 not removed: it changed since it was read; it was put back"]
    assert report.removed == [NOTE, *STUBS[:2], *STUBS[3:]]


def test_the_stubs_of_a_standard_note_not_removed_stay(removing: Path) -> None:
    config = vault.open_vault(removing)
    report = remove.plan(config, [NOTE])
    (removing / NOTE).write_bytes((removing / NOTE).read_bytes() + b"edited meanwhile\n")
    remove.apply(report)
    assert report.removed == []
    assert all((removing / path).is_file() for path in [NOTE, *STUBS])
    assert [f.text() for f in report.findings if f.code == "VT417"] == [
        f"{NOTE}:1:1: VT417 not removed: it changed since it was read; it was put back",
        *(f"{stub}:1:1: VT417 not removed: its standard note {NOTE} was not" for stub in STUBS)]


def test_rm_json_validates(removing: Path) -> None:
    result = run("rm", "--format", "json", NOTE)
    document = json.loads(result.output)
    jsonschema.validate(document, SCHEMA)
    assert document["command"] == "rm" and document["exit_code"] == 1
    assert document["files"] == [{"path": path, "action": "remove", "written": True} for path in [NOTE, *STUBS]]
    assert document["summary"]["removed"] == 7
