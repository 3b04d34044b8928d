"""The vault layer on the real filesystem: discovery, symlinks, atomic and careful writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import posix_only, symlinks

from vaulttool.disk import fileio, vault
from vaulttool.errors import ConcurrentChangeError, UsageError


def make(root: Path, relative: str, data: bytes = b"---\na: 1\n---\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_discovery_skips_what_is_not_a_note(tmp_path: Path) -> None:
    for name in ["a.md", "sub/b.md", ".obsidian/c.md", ".git/d.md", ".trash/e.md", ".vaulttool/f.md",
                 "_Templates/g.md", "notes.txt", "Drafts/h.md"]:
        make(tmp_path, name)
    (tmp_path / ".obsidian" / "templates.json").write_text('{"folder": "_Templates"}')
    (tmp_path / "vaulttool.toml").write_text('[vault]\nexclude = ["Drafts"]\n')
    config = vault.open_vault(tmp_path)
    assert [note.vault_path for note in vault.discover(config, [])] == ["a.md", "sub/b.md"]


@symlinks
def test_symlinks_out_of_the_vault_are_never_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "vault", tmp_path / "outside"
    make(outside, "secret.md")
    make(root, "note.md")
    (root / ".obsidian").mkdir()
    os.symlink(outside, root / "linked_folder")
    os.symlink(outside / "secret.md", root / "linked_note.md")
    config = vault.open_vault(root)
    assert [note.vault_path for note in vault.discover(config, [])] == ["note.md"]
    with pytest.raises(UsageError, match="outside the vault"):
        vault.discover(config, [root / "linked_note.md"])
    with pytest.raises(UsageError, match="outside the vault"):
        vault.discover(config, [outside / "secret.md"])


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        vault.open_vault(tmp_path / "nope")


@posix_only
def test_write_is_atomic_keeps_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = make(tmp_path, "n.md", b"old")
    os.chmod(path, 0o640)
    snapshot = fileio.read_snapshot(path)
    assert fileio.replace_if_changed(path, b"new", snapshot) is True
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]


def test_same_bytes_are_not_written(tmp_path: Path) -> None:
    path = make(tmp_path, "n.md", b"same")
    before = path.stat().st_mtime_ns
    os.utime(path, ns=(before - 10**9, before - 10**9))
    snapshot = fileio.read_snapshot(path)
    assert fileio.replace_if_changed(path, b"same", snapshot) is False
    assert path.stat().st_mtime_ns == before - 10**9


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path: Path) -> None:
    path = make(tmp_path, "n.md", b"first")
    snapshot = fileio.read_snapshot(path)
    path.write_bytes(b"someone else's edit")
    with pytest.raises(ConcurrentChangeError, match="changed on disk"):
        fileio.replace_if_changed(path, b"ours", snapshot)
    assert path.read_bytes() == b"someone else's edit"
    path.unlink()
    with pytest.raises(ConcurrentChangeError, match="removed"):
        fileio.replace_if_changed(path, b"ours", snapshot)
    assert not path.exists()


# --- a vault at the root of a drive (`E:\`) or of the file system (`/`) ----------------------------
# A drive's root is the one folder whose name ends in a separator: `root + os.sep` prefixes never match
# there, and cutting `len(root) + 1` characters took the first letter of every vault path.

FILE_SYSTEM_ROOT = os.path.abspath(os.sep)  # `/` here, the current drive's `C:\` on Windows


def test_a_vault_at_a_drive_root_names_its_notes_whole() -> None:
    note = os.path.join(FILE_SYSTEM_ROOT, "Notes", "a.md")
    assert vault.vault_path_of(note, FILE_SYSTEM_ROOT) == "Notes/a.md"
    assert vault.display_path(note, cwd=FILE_SYSTEM_ROOT) == "Notes/a.md"
    assert vault.is_inside(note, FILE_SYSTEM_ROOT) and vault.is_inside(FILE_SYSTEM_ROOT, FILE_SYSTEM_ROOT)


def test_inside_means_under_the_folder_not_beside_it(tmp_path: Path) -> None:
    root = str(tmp_path / "vault")
    assert vault.is_inside(os.path.join(root, "a.md"), root) and vault.is_inside(root, root)
    assert not vault.is_inside(root + "x" + os.sep + "a.md", root)  # a sibling whose name starts alike
    assert not vault.is_inside(str(tmp_path), root)
    assert vault.vault_path_of(os.path.join(root, "sub", "a.md"), root) == "sub/a.md"


def test_mv_finds_a_note_of_a_vault_at_a_drive_root(tmp_path: Path) -> None:
    from vaulttool.cli.mv import note_vault_path
    from vaulttool.config.settings import Config

    note = make(tmp_path, "Notes/a.md")
    config = Config(root=Path(FILE_SYSTEM_ROOT))
    expected = Path(os.path.relpath(os.path.realpath(note), FILE_SYSTEM_ROOT)).as_posix()
    assert note_vault_path(config, note, must_exist=True) == expected
