"""Writing planned files, as every command that plans files writes them. Free of click.

A file to CREATE is never put over one that exists; one to UPDATE replaces only the bytes its plan read
(the snapshot). A file that cannot be written is a finding, so the run goes on with the others.

A run that writes many files (tiers' first run, entities) writes them in batches: a batch's new bytes
go to temporary files, which are made durable together (one syncfs of their file system on Linux, one
disk flush for the batch, instead of an fsync a file; elsewhere an fsync each, several at once), and
only then is each put in place, as write_planned puts one, and the folders synced once. So a file is
old or new after a crash at any moment, as with one write at a time: its name only ever points at
durable bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, Sequence, TypeVar

from vaulttool.commands import pool
from vaulttool.disk import fileio, vault
from vaulttool.errors import ConcurrentChangeError, ProtectedFileError
from vaulttool.findings import Finding

CREATE, UPDATE = "create", "update"
BATCH = 512  # files of a batch: at most this many temporary files are left by a run killed mid-batch
SYNCING_THREADS = 8  # fsyncs at once, where the file system cannot be synced as a whole


class Planned(Protocol):
    """A file a plan will write: an action of tiers or entities."""

    @property
    def kind(self) -> str: ...  # CREATE or UPDATE
    @property
    def path(self) -> Path: ...
    @property
    def data(self) -> bytes: ...
    @property
    def snapshot(self) -> fileio.Snapshot | None: ...  # what an UPDATE replaces


_Action = TypeVar("_Action", bound=Planned)


def write_planned(kind: str, path: Path, data: bytes, snapshot: fileio.Snapshot | None) -> Finding | None:
    """Create or update the file at `path`; None once written, else the finding saying why it was not
    (VT111/VT112 for a note protected from writing, VT417 when it appeared or changed meanwhile)."""
    if kind == UPDATE:
        assert snapshot is not None
        return _refusal(path, lambda: fileio.replace_if_changed(path, data, snapshot))
    return _refusal(path, lambda: fileio.create_file(path, data))


def write_all_planned(actions: Sequence[_Action], written: Callable[[_Action, Finding | None], None]) -> None:
    """Write every action, as write_planned writes one, in durable batches (see the module's text).
    `written` is called for each in turn once it is in place (None) or refused (its finding)."""
    for start in range(0, len(actions), BATCH):
        _write_batch(actions[start:start + BATCH], written)


def _write_batch(batch: Sequence[_Action], written: Callable[[_Action, Finding | None], None]) -> None:
    temps: list[str | Finding] = []  # each action's temporary file, or why it has none
    folders: list[Path] = []
    try:
        for action in batch:
            try:
                temps.append(fileio.new_temp(action.path, action.data, action.snapshot, durable=False))
            except (ProtectedFileError, OSError) as error:
                temps.append(_finding(action.path, error))
        not_durable = _made_durable([temp for temp in temps if isinstance(temp, str)])
        for action, temp in zip(batch, temps):
            refused: Finding | None
            if isinstance(temp, Finding):
                refused = temp
            elif not_durable is not None:
                refused = _finding(action.path, not_durable)
            else:
                refused = _put_in_place(action, temp)
            if refused is None:
                folders.append(action.path.parent)
            written(action, refused)
    finally:
        # (Each temporary file put in place or refused is gone already; these are an interruption's.)
        for temp in temps:
            if isinstance(temp, str):
                fileio.remove_temp(temp)
        fileio.sync_folders(folders)


def _made_durable(temp_names: list[str]) -> OSError | None:
    """Make the batch's temporary files durable; the error when that failed (no file may then be put in place)."""
    try:
        if temp_names and not fileio.sync_file_systems({Path(name).parent for name in temp_names}):
            pool.on_threads(fileio.sync_file, temp_names, SYNCING_THREADS)
    except OSError as error:
        return error
    return None


def _put_in_place(action: Planned, temp_name: str) -> Finding | None:
    """Put the action's durable temporary file in place, as write_planned would write the file; None
    once done, else the finding why not."""
    if action.kind == UPDATE:
        snapshot = action.snapshot
        assert snapshot is not None
        if action.data == snapshot.data:
            fileio.remove_temp(temp_name)
            return None
        return _refusal(action.path, lambda: fileio.swap_in(action.path, temp_name, snapshot))
    return _refusal(action.path, lambda: fileio.link_in(action.path, temp_name, action.data))


def _refusal(path: Path, write: Callable[[], object]) -> Finding | None:
    """None once `write` has run, else the finding saying why the file at `path` was not written."""
    try:
        write()
    except (ProtectedFileError, ConcurrentChangeError, OSError) as error:
        return _finding(path, error)
    return None


def _finding(path: Path, error: Exception) -> Finding:
    if isinstance(error, ProtectedFileError):
        return Finding(vault.display_path(path), 1, 1, error.code, str(error))
    return Finding(vault.display_path(path), 1, 1, "VT417", f"not written: {error}")
