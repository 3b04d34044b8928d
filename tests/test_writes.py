"""Batched durable writes (commands/writes.py): many planned files written as write_planned writes one,
on the real file system: a file is put in place only over what its plan read, each refusal is its own
finding, `written` hears of a file only once it is in place, and no temporary file outlives the batch,
not even an interrupted one."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from conftest import OrdinaryUser, posix_only

from vaulttool.commands import writes
from vaulttool.commands.tiers import Action
from vaulttool.disk import fileio, vault
from vaulttool.errors import ProtectedFileError
from vaulttool.findings import Finding

COUNT = writes.BATCH + 44  # (more than one batch)


def creations(root: Path, count: int = COUNT) -> list[Action]:
    return [Action(writes.CREATE, f"n/{index:04}.md", root / "n" / f"{index:04}.md", f"note {index}\n".encode())
            for index in range(count)]


def write_all(actions: list[Action]) -> dict[str, str | None]:
    """Each action's finding by vault path (None: written), asserting it was in place when reported."""
    said: dict[str, str | None] = {}

    def written(action: Action, refused: Finding | None) -> None:
        if refused is None:
            assert action.path.read_bytes() == action.data  # (in place before it is said to be)
        said[action.vault_path] = None if refused is None else refused.text().replace(
            vault.display_path(action.path), "PATH").replace(str(action.path), "PATH")

    writes.write_all_planned(actions, written)
    return said


def temps(root: Path) -> list[Path]:
    return list(root.rglob(f"*{fileio.TEMP_SUFFIX}"))


@pytest.mark.parametrize("durable_by", ["syncfs", "an fsync each"])
def test_every_file_is_written_whole_with_the_umasks_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         durable_by: str) -> None:
    if durable_by == "an fsync each":  # (the path of macOS and Windows, which have no syncfs)
        monkeypatch.setattr(fileio, "_syncfs", lambda: None)
    elif fileio._syncfs() is None:
        pytest.skip("no syncfs here")
    actions = creations(tmp_path)
    assert write_all(actions) == {action.vault_path: None for action in actions}
    umask = os.umask(0o022)
    os.umask(umask)
    assert {stat.S_IMODE(action.path.stat().st_mode) for action in actions} == {0o666 & ~umask}
    assert temps(tmp_path) == []


def test_a_file_that_appeared_meanwhile_is_kept_and_the_rest_written(tmp_path: Path) -> None:
    actions = creations(tmp_path)
    theirs = actions[writes.BATCH + 1].path
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"someone's own\n")
    said = write_all(actions)
    assert said.pop(actions[writes.BATCH + 1].vault_path) == (
        "PATH:1:1: VT417 not written: PATH: appeared while vaulttool was working; not replaced")
    assert set(said.values()) == {None}
    assert theirs.read_bytes() == b"someone's own\n" and temps(tmp_path) == []


def test_an_update_replaces_only_what_its_plan_read(tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.md" for name in ("edited", "read-only", "as-planned")]
    for path in paths:
        path.write_bytes(b"old\n")
    os.chmod(paths[2], 0o640)
    mode = stat.S_IMODE(paths[2].stat().st_mode)  # (0o640; on Windows, which has a read-only flag only, 0o666)
    actions = [Action(writes.UPDATE, path.name, path, b"new\n", fileio.read_snapshot(path)) for path in paths]
    paths[0].write_bytes(b"edited by a person\n")
    os.chmod(paths[1], 0o444)
    assert write_all(actions) == {
        "edited.md": "PATH:1:1: VT417 not written: PATH: changed on disk after it was read; not written",
        "read-only.md": "PATH:1:1: VT111 read-only (its owner-write bit is off); not written",
        "as-planned.md": None}
    assert [path.read_bytes() for path in paths] == [b"edited by a person\n", b"old\n", b"new\n"]
    assert stat.S_IMODE(paths[2].stat().st_mode) == mode and temps(tmp_path) == []


def test_a_folder_that_cannot_be_made_is_a_finding_for_its_files_alone(tmp_path: Path) -> None:
    actions = creations(tmp_path, 10)
    (tmp_path / "blocked").write_bytes(b"a file where a folder belongs\n")
    actions[3] = Action(writes.CREATE, "blocked/x.md", tmp_path / "blocked" / "x.md", b"x\n")
    said = write_all(actions)
    exists = "[WinError 183] " if os.name == "nt" else "[Errno 17] File exists: "  # (the folder cannot be made)
    assert said.pop("blocked/x.md", "").startswith(f"PATH:1:1: VT417 not written: {exists}")
    assert set(said.values()) == {None} and len(said) == 9 and temps(tmp_path) == []


def test_an_interrupted_batch_leaves_no_temporary_file(tmp_path: Path) -> None:
    actions = creations(tmp_path)
    told: list[str] = []

    def written(action: Action, refused: Finding | None) -> None:
        told.append(action.vault_path)
        if len(told) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        writes.write_all_planned(actions, written)
    assert temps(tmp_path) == []
    assert sorted(path.relative_to(tmp_path).as_posix() for path in (tmp_path / "n").iterdir()) == told


@posix_only
def test_a_file_with_another_hard_link_is_not_split_from_it(tmp_path: Path) -> None:
    note = tmp_path / "linked.md"
    note.write_bytes(b"old\n")
    action = Action(writes.UPDATE, "linked.md", note, b"new\n", fileio.read_snapshot(note))
    os.link(note, tmp_path / "other-name.md")
    assert write_all([action]) == {"linked.md": "PATH:1:1: VT112 one of 2 hard links to the same file, which "
                                                "replacing it would split; not written"}
    assert note.read_bytes() == b"old\n" and temps(tmp_path) == []


def read_only_among_others() -> dict[str, str | None]:
    """A batch of three updates, the second to a read-only file, on the path of macOS and Windows (no
    syncfs: an fsync of each temporary file, which needs it open for writing)."""
    fileio._syncfs = lambda: None  # (in the forked child alone)
    paths = [Path(f"{name}.md").resolve() for name in ("first", "read-only", "last")]
    for path in paths:
        path.write_bytes(b"old\n")
    os.chmod(paths[1], 0o444)
    actions = [Action(writes.UPDATE, path.name, path, b"new\n", fileio.read_snapshot(path)) for path in paths]
    said: dict[str, str | None] = {}
    writes.write_all_planned(actions, lambda action, refused: said.update({action.vault_path: refused and refused.code}))
    return said


@posix_only
def test_a_read_only_file_in_a_batch_is_refused_alone_for_an_ordinary_user(ordinary_user: OrdinaryUser) -> None:
    assert ordinary_user.run(read_only_among_others) == {"first.md": None, "read-only.md": "VT111", "last.md": None}
    folder = ordinary_user.folder
    assert [(folder / name).read_bytes() for name in ("first.md", "read-only.md", "last.md")] == [
        b"new\n", b"old\n", b"new\n"]
    assert temps(folder) == []


def test_a_read_only_note_is_refused_before_a_temporary_file_is_written(tmp_path: Path) -> None:
    note = tmp_path / "read-only.md"
    note.write_bytes(b"old\n")
    note.chmod(0o444)
    snapshot = fileio.read_snapshot(note)
    with pytest.raises(ProtectedFileError) as refused:
        fileio.new_temp(note, b"new\n", snapshot)
    assert refused.value.code == "VT111" and os.listdir(tmp_path) == ["read-only.md"]


def test_a_temporary_file_left_read_only_is_removed(tmp_path: Path) -> None:
    """Earlier versions gave a read-only note's temporary file its mode; Windows deletes no read-only file."""
    temp = tmp_path / f".note.md.{2 ** 22 + 7}.x{fileio.TEMP_SUFFIX}"  # (a process id no system hands out)
    temp.write_bytes(b"left by a killed run\n")
    os.utime(temp, (1, 1))
    temp.chmod(0o444)
    assert fileio.remove_debris([str(temp)], before=time.time()) == 1 and not temp.exists()
    fileio.remove_temp(temp)  # (gone already: no error)
