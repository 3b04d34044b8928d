"""Names judged as every OS would judge them, on the real filesystem: a vault is shared between
Windows, macOS and Linux, so a name Windows reserves, or two names that macOS and Windows take for
one, are refused on Linux too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vaulttool.commands import tiers as tiers_command
from vaulttool.disk import vault
from vaulttool.engine.paths import check_name
from vaulttool.errors import UnsafePathError

RESERVED = ["CON", "con.md", "aux.md", "AUX.public.md", "nul.tar.gz", "COM1.md", "lpt9.md", "COM¹.md", "CON .md",
            "PRN  .public.md", "conin$.md", "CONOUT$.md", "note.", "note ", "note.md."]
ORDINARY = ["Con(Thing).md", "Con(Thing).public.md", "CONTEXT.md", "auxiliary.md", "COM10.md", "nul_.md", "Genève.md",
            "МОМ.md", "IOM(International_Organization_for_Migration).md"]


@pytest.mark.parametrize("name", RESERVED)
def test_windows_reserved_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafePathError):
        check_name(name)


@pytest.mark.parametrize("name", ORDINARY)
def test_names_windows_opens_as_files_are_not(name: str) -> None:
    check_name(name)


def test_a_name_python_could_not_decode_is_refused_not_a_traceback() -> None:
    with pytest.raises(UnsafePathError, match="not UTF-8"):
        check_name("Gen\udce8ve.md")  # os.fsdecode(b"Gen\xe8ve.md")


def standard(example_vault: Path, name: str, folder: str = "X") -> Path:
    path = example_vault / "_Standards" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"---\naliases:\n  - x\n---\n")
    return path


def planned(example_vault: Path) -> tiers_command.TiersReport:
    config = vault.open_vault(example_vault)
    return tiers_command.plan(config, vault.discover(config, [example_vault]))


def refused(report: tiers_command.TiersReport) -> dict[str, str]:
    return {f.path.rsplit("/", 1)[-1]: f.message for f in report.findings if f.code == "VT414"}


@pytest.mark.skipif(os.name == "nt", reason="Windows cannot make a file with a reserved name (the test writes one "
                    "to see it refused where such files exist: Linux and macOS)")
@pytest.mark.parametrize("name", ["aux.md", "CON.md", "nul .md", "COM3.md"])
def test_a_standard_note_with_a_reserved_name_gets_no_stubs_on_linux_either(example_vault: Path, name: str) -> None:
    standard(example_vault, name)
    report = planned(example_vault)
    assert "is a reserved name (Windows)" in refused(report)[name]
    assert not [action for action in report.actions if "/X/" in action.vault_path]


def test_con_thing_is_an_ordinary_name(example_vault: Path) -> None:
    standard(example_vault, "Con(Thing).md")
    report = planned(example_vault)
    assert refused(report) == {}
    assert sorted(action.vault_path for action in report.actions if action.kind == tiers_command.CREATE
                  and "/X/" in action.vault_path) == [f"_{tier}/X/Con(Thing).{tier}.md" for tier in
                                                      sorted(("public", "internal", "protect", "private", "personal",
                                                              "secret"))]


@pytest.mark.usefixtures("distinct_spellings")
def test_of_two_standard_notes_spelt_alike_but_for_case_the_second_is_refused(example_vault: Path) -> None:
    standard(example_vault, "A.md")
    standard(example_vault, "a.md")
    report = planned(example_vault)
    assert refused(report) == {
        "a.md": "refused: _Standards/X/a.md and _Standards/X/A.md would be one file on macOS and Windows (their names "
                "differ only in case or Unicode normalisation); nothing written for this note",
    }
    assert {action.vault_path for action in report.actions if action.kind == tiers_command.CREATE
            and "/X/" in action.vault_path} == {f"_{tier}/X/A.{tier}.md" for tier in
                                                ("public", "internal", "protect", "private", "personal", "secret")}


@pytest.mark.usefixtures("distinct_spellings")
def test_the_collision_is_found_when_both_have_their_stubs_already(example_vault: Path) -> None:
    """Stubs made on Linux before: each exists, so no stub is planned, and the pair is still reported."""
    for name in ("A.md", "a.md"):
        standard(example_vault, name)
        for tier in ("public", "internal", "protect", "private", "personal", "secret"):
            stub = example_vault / f"_{tier}" / "X" / f"{name[:-3]}.{tier}.md"
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_bytes(b"---\n---\n")
    assert set(refused(planned(example_vault))) == {"a.md"}


@pytest.mark.usefixtures("distinct_spellings")
def test_folders_spelt_alike_are_refused(example_vault: Path) -> None:
    standard(example_vault, "One.md", "Folder")
    standard(example_vault, "Two.md", "folder")
    assert set(refused(planned(example_vault))) == {"Two.md"}  # in folder/, which Folder/ is on macOS and Windows


@pytest.mark.usefixtures("distinct_spellings")
def test_nfc_and_nfd_spellings_of_one_name_are_refused(example_vault: Path) -> None:
    standard(example_vault, "Gene\u0300ve.md")  # as macOS writes Genève
    standard(example_vault, "Gen\u00e8ve.md")
    assert set(refused(planned(example_vault))) == {"Gen\u00e8ve.md"}  # the NFD spelling sorts first


def test_vault_paths_are_slash_separated_in_findings_and_the_cache(example_vault: Path) -> None:
    path = standard(example_vault, "deep.md", "X/Y/Z")
    path.write_bytes(b"---\naliases:\n  - x\nkey: [[y]]\n---\n")
    config = vault.open_vault(example_vault)
    notes = vault.discover(config, [example_vault])
    assert "_Standards/X/Y/Z/deep.md" in {note.vault_path for note in notes}
    from vaulttool.commands import validate

    result = validate.run(config, notes)
    assert any(f.code == "VT201" and f.path.endswith("_Standards/X/Y/Z/deep.md") for f in result.findings)
    cache = json.loads((example_vault / ".vaulttool" / "cache" / "validate.json").read_text(encoding="utf-8"))
    assert "_Standards/X/Y/Z/deep.md" in cache["notes"]
    assert all("\\" not in key for key in cache["notes"])
