"""A folder of the vault that cannot be read is a finding (VT110) in every command, never a traceback,
and the run goes on with the rest of the vault. Permissions decide only for an ordinary user (root reads
everything), so each command runs as one (conftest's OrdinaryUser)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import IS_ROOT, ORDINARY_USER, OrdinaryUser, copy_example_vault, fingerprint, posix_only

import vaulttool
from vaulttool.cli import main

pytestmark = posix_only

# The user cannot read this interpreter's library (root's): every module a command imports lazily is
# imported now, while the forked child is still root.
for _module in ("ctypes", "glob", "importlib.metadata", "importlib.readers", "socket", "tempfile",
                "concurrent.futures.thread", "multiprocessing.pool", "traceback"):
    importlib.import_module(_module)
for _module in pkgutil.walk_packages(vaulttool.__path__, "vaulttool."):
    importlib.import_module(_module.name)

HIDDEN = "_private/UN(United_Nations)"
UN = "_Standards/UN(United_Nations)"
STUB = "_public/IOM(International_Organization_for_Migration)/IDM(International_Dialogue_on_Migration).public.md"
FOLDER_FINDING = f"{HIDDEN}:1:1: VT110 cannot read the folder: Permission denied; the notes in it are not checked"


def note_finding(stem: str) -> str:
    return (f"{UN}/{stem}.md:1:1: VT110 cannot read the folder {HIDDEN}: Permission denied; "
            "no tier stubs or links section written")


STANDARD_FINDINGS = [note_finding("IOM(International_Organization_for_Migration)"), note_finding("UN(United_Nations)")]


def a_vault_with_a_hidden_tier_folder(user: OrdinaryUser) -> Path:
    """The example vault, the user's, but for one tier folder they may not read (made by someone else)."""
    vault = copy_example_vault(user.folder / "vault")
    if IS_ROOT:
        for folder, _, names in os.walk(vault):
            for path in [folder, *(os.path.join(folder, name) for name in names)]:
                os.chown(path, ORDINARY_USER, ORDINARY_USER)
    (vault / STUB).unlink()  # a stub to write, of a note whose tier folders can all be read
    os.chmod(vault / HIDDEN, 0)
    return vault


def run_as(user: OrdinaryUser, *args: str) -> tuple[int, list[str], str]:
    """`vaulttool ARGS` in the vault as the user: exit code, lines of standard output, standard error."""

    def command() -> tuple[int, list[str], str]:
        os.chdir("vault")
        result = CliRunner().invoke(main, list(args))
        error = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            error += "".join(traceback.format_exception(result.exception))
        return result.exit_code, result.stdout.splitlines(), error

    return tuple(user.run(command))  # type: ignore[arg-type,return-value]


@pytest.fixture
def user(ordinary_user: OrdinaryUser) -> OrdinaryUser:
    a_vault_with_a_hidden_tier_folder(ordinary_user)
    return ordinary_user


def test_tiers_reports_the_folder_and_writes_the_other_notes_stubs(user: OrdinaryUser) -> None:
    code, lines, error = run_as(user, "tiers")
    assert "Traceback" not in error
    assert (code, lines) == (1, [f"created {STUB}", *STANDARD_FINDINGS, FOLDER_FINDING])
    assert error == "46 notes checked: wrote 1 file; 3 errors, 0 warnings\n"
    assert (user.folder / "vault" / STUB).is_file()


def test_tiers_check_reports_the_folder(user: OrdinaryUser) -> None:
    code, lines, error = run_as(user, "tiers", "--check")
    assert (code, error) == (1, "46 notes checked: 4 errors, 0 warnings\n")
    missing = (f"_Standards/IOM(International_Organization_for_Migration)/IDM(International_Dialogue_on_Migration)"
               f".md:1:1: VT411 missing tier stub {STUB}")
    assert lines == [missing, *STANDARD_FINDINGS, FOLDER_FINDING]


@pytest.mark.parametrize("command", [["check"], ["sync", "--offline"]])
def test_check_and_sync_report_the_folder(user: OrdinaryUser, command: list[str]) -> None:
    code, lines, error = run_as(user, *command)
    assert "Traceback" not in error and code == 1
    assert FOLDER_FINDING in lines and set(STANDARD_FINDINGS) <= set(lines)


@pytest.mark.parametrize("command", [["validate"], ["entities", "--offline"], ["links", "--check"],
                                     ["refresh", "--offline"], ["validate", "--fix"]])
def test_the_other_commands_report_the_folder(user: OrdinaryUser, command: list[str]) -> None:
    code, lines, error = run_as(user, *command)
    assert "Traceback" not in error and code == 1
    assert FOLDER_FINDING in lines


def test_mv_refuses_a_note_whose_stub_folder_cannot_be_read(user: OrdinaryUser) -> None:
    vault = user.folder / "vault"
    before = fingerprint(vault / "_Standards")
    code, lines, error = run_as(user, "mv", f"{UN}/UN(United_Nations).md", f"{UN}/UNO(United_Nations).md")
    refused = f"vaulttool: cannot read the folder {HIDDEN}: Permission denied; nothing moved\n"
    assert (code, lines, error) == (2, [], refused)
    assert fingerprint(vault / "_Standards") == before


def test_a_path_named_inside_the_folder_is_a_finding(user: OrdinaryUser) -> None:
    code, lines, error = run_as(user, "validate", f"{HIDDEN}/UN(United_Nations).private.md", UN)
    assert "Traceback" not in error
    assert (code, lines) == (1, [f"{HIDDEN}/UN(United_Nations).private.md:1:1: VT110 cannot read: Permission denied"])


@pytest.mark.parametrize("command", ["mv", "rm"])
def test_a_note_named_inside_the_folder_is_refused_clearly(user: OrdinaryUser, command: str) -> None:
    named = f"{HIDDEN}/UN(United_Nations).private.md"
    code, lines, error = run_as(user, command, named, *([f"{UN}/UNO(United_Nations).md"] if command == "mv" else []))
    assert (code, lines, error) == (2, [], f"vaulttool: {named}: cannot read: Permission denied\n")
