"""Every writing command, one after another as a person runs them, on a vault big enough for the worker
pool (over 200 notes), with read-only notes among the ones to write: in an ordinary folder, on exFAT
(a USB stick) and at the root of a drive (`E:\\`).

This is the scenario CI's Windows leg runs under real Windows CPython (tests/windows/run); there the
harness gives the exFAT folder and the drive root through VAULTTOOL_TEST_EXFAT and
VAULTTOOL_TEST_DRIVE_ROOT. On Linux the exFAT folder is a FUSE mount of the tests' own, and a vault at
the root of a drive cannot be made."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE_VAULT, REFERENCE_NOTE, fingerprint
from test_faults import vaulttool

from vaulttool.disk import fileio

MANY = 40  # standard notes added to the example vault's, with six stubs each: 280 notes more
BIG_INTEGER = b"big_number: 123456789012345678901\n"  # VT204, which `validate --fix` quotes


@pytest.fixture(params=["folder", "exFAT", "drive root"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """An empty folder the vault is made in."""
    if request.param == "folder":
        return tmp_path / "vault"
    variable = {"exFAT": "VAULTTOOL_TEST_EXFAT", "drive root": "VAULTTOOL_TEST_DRIVE_ROOT"}[request.param]
    given = os.environ.get(variable)
    if given:
        folder = Path(given)
        if any(folder.iterdir()):
            pytest.fail(f"{variable}={given} must name an empty folder")
        return folder
    if request.param == "exFAT":
        return request.getfixturevalue("exfat_folder") / "vault"
    pytest.skip(f"a vault at the root of a drive: set {variable} (tests/windows/run does, under wine)")


def run(vault: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    result = vaulttool(*arguments, cwd=vault, encoding="utf-8", timeout=600)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def under_wine() -> bool:
    """Whether this is Windows CPython under wine (whose ntdll says so), not Windows."""
    if os.name != "nt":
        return False
    import ctypes

    return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")


def make_vault(vault: Path) -> list[Path]:
    """The example vault and MANY more notes shaped like its reference note, each on its own item, with
    that item's answer recorded for offline runs; their stubs are not made yet."""
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"), dirs_exist_ok=True)
    answers = vault / ".vaulttool" / "wikidata" / "entities"
    reference = json.loads((answers / "Q472311.json").read_text(encoding="utf-8"))
    notes = []
    for index in range(MANY + 1):  # (one item more: a note's id is changed to it below)
        item = f"Q{5000 + index}"
        (answers / f"{item}.json").write_text(json.dumps({**reference, "id": item, "title": item}), encoding="utf-8")
        if index < MANY:
            note = vault / "_Standards" / "Many" / f"N{index:03}.md"
            note.parent.mkdir(parents=True, exist_ok=True)
            note.write_bytes(REFERENCE_NOTE.read_bytes().replace(b"Q472311", item.encode()))
            notes.append(note)
    return notes


def make_read_only(path: Path) -> bool:
    """Make `path` read-only; False where the file system keeps no such thing (exFAT under wine)."""
    path.chmod(stat.S_IREAD)
    return not path.stat().st_mode & stat.S_IWUSR


def with_frontmatter_line(note: Path, line: bytes) -> bytes:
    data = note.read_bytes()
    return data.replace(b"\n---\n", b"\n" + line + b"---\n", 1)


def stubs_of(vault: Path, name: str) -> list[Path]:
    return sorted(vault.glob(f"_*/Many/{name}.*.md"))


def test_every_writing_command_on_a_pooled_vault_with_read_only_notes(place: Path) -> None:
    vault = place
    notes = make_vault(vault)

    # tiers: 240 new stubs (a pooled plan), and every new note's links section
    made = run(vault, "tiers", ".")
    assert made.returncode == 0, made.stdout + made.stderr
    assert all(len(stubs_of(vault, note.stem)) == 6 for note in notes)
    clean = run(vault, "sync", "--offline", ".")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    settled = fingerprint(vault)
    again = run(vault, "sync", "--offline", ".")
    assert again.returncode == 0 and fingerprint(vault) == settled, again.stdout + again.stderr

    # validate --fix: a writable note is fixed, a read-only one is refused and left as it was
    fixable, protected = notes[7], notes[8]
    for note in (fixable, protected):
        note.write_bytes(with_frontmatter_line(note, BIG_INTEGER))
    protected_bytes = protected.read_bytes()
    read_only_kept = make_read_only(protected)
    fixed = run(vault, "validate", "--fix", ".")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert b'big_number: "123456789012345678901"' in fixable.read_bytes()
    if read_only_kept:
        assert protected.read_bytes() == protected_bytes
        assert f"_Standards/Many/{protected.name}:1:1: VT111 read-only" in fixed.stdout, fixed.stdout
    protected.chmod(stat.S_IREAD | stat.S_IWRITE)
    for note in (fixable, protected):
        note.write_bytes(note.read_bytes().replace(b'big_number: "123456789012345678901"\n', b"").replace(BIG_INTEGER, b""))

    # refresh: a stale value is brought back, the read-only note's is reported and kept
    stale = (b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"', b'country: "[[_Standards/WikiData/WD~France,142]]"')
    writable, read_only = notes[1], notes[2]
    expected = writable.read_bytes()
    for note in (writable, read_only):
        note.chmod(stat.S_IREAD | stat.S_IWRITE)
        note.write_bytes(note.read_bytes().replace(*stale))
    read_only_bytes = read_only.read_bytes()
    read_only_kept = make_read_only(read_only)
    refreshed = run(vault, "refresh", "--offline", ".")
    assert writable.read_bytes() == expected, refreshed.stdout + refreshed.stderr
    if read_only_kept:
        assert refreshed.returncode != 0 and read_only.read_bytes() == read_only_bytes
        assert f"_Standards/Many/{read_only.name}:1:1: VT111 read-only" in refreshed.stdout, refreshed.stdout
    read_only.chmod(stat.S_IREAD | stat.S_IWRITE)
    read_only.write_bytes(expected.replace(b"Q5001", b"Q5002"))

    # tiers: a note's item changes, so its six stubs are updated; one of them is read-only
    moved_item = notes[3]
    moved_item.write_bytes(moved_item.read_bytes().replace(b"Q5003", f"Q{5000 + MANY}".encode()))
    stubs = stubs_of(vault, moved_item.stem)
    before = {stub: stub.read_bytes() for stub in stubs}
    read_only_kept = make_read_only(stubs[0])
    updated = run(vault, "tiers", ".")
    changed = [stub for stub in stubs if stub.read_bytes() != before[stub]]
    if read_only_kept:
        assert changed == stubs[1:], updated.stdout + updated.stderr
        assert "VT111" in updated.stdout and updated.returncode != 0, updated.stdout + updated.stderr
        stubs[0].chmod(stat.S_IREAD | stat.S_IWRITE)
    else:
        assert changed == stubs, updated.stdout + updated.stderr

    # mv: a rename, and one that changes only the case of a name
    renames = [("N004", "M004"), ("N005", "n005")]
    if under_wine() and os.environ.get("VAULTTOOL_TEST_EXFAT") and vault == Path(os.environ["VAULTTOOL_TEST_EXFAT"]):
        # Wine on a FUSE exFAT: the kernel keeps the case-folded name it looked up as a file of its own,
        # so wine takes the new spelling for a file in the way (WinError 183). Windows and Linux's own
        # exFAT rename it in one step (tests/test_portable.py); vaulttool leaves the note whole, at a
        # name of its own, and says it was not moved.
        renames.pop()
    for old, new in renames:
        moved = run(vault, "mv", f"_Standards/Many/{old}.md", f"_Standards/Many/{new}.md")
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert f"{new}.md" in os.listdir(vault / "_Standards" / "Many")
        assert len(stubs_of(vault, new)) == 6 and (old.lower() == new.lower() or not stubs_of(vault, old))

    # and the vault is whole: sync settles it, a second sync writes nothing, no temporary file is left
    run(vault, "sync", "--offline", ".")
    settled = fingerprint(vault)
    final = run(vault, "sync", "--offline", ".")
    assert final.returncode == 0 and fingerprint(vault) == settled, final.stdout + final.stderr
    checked = run(vault, "check", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not [path for path in vault.rglob("*") if path.name.endswith(fileio.TEMP_SUFFIX)]
