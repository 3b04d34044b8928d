"""Writing planned files, as every command that plans files writes them. Free of click.

A file to CREATE is never put over one that exists; one to UPDATE replaces only the bytes its plan read
(the snapshot). A file that cannot be written is a finding, so the run goes on with the others.

A run that writes many files (tiers' first run, entities) writes them in batches: the new bytes of a
batch go to durable temporary files on a few threads at once, so their syncs overlap (a journaling
file system commits concurrent syncs together) instead of costing one disk flush each; then each is put
in place in turn, as write_planned puts one, and each folder is synced once. A file is old or new
after a crash at any moment, as with one write at a time: its name only ever points at a durable file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, Sequence, TypeVar

from vaulttool.commands import pool
from vaulttool.disk import fileio, vault
from vaulttool.errors import ConcurrentChangeError, ProtectedFileError
from vaulttool.findings import Finding

CREATE, UPDATE = "create", "update"
BATCH = 256  # files of a batch: how many temporary files can be left by a run killed mid-batch
WRITING_THREADS = 8  # temporary files written and synced at once


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
    fileio.new_file_mode()  # (read before any thread writes: see there)
    for start in range(0, len(actions), BATCH):
        _write_batch(actions[start:start + BATCH], written)


def _write_batch(batch: Sequence[_Action], written: Callable[[_Action, Finding | None], None]) -> None:
    # (Each temporary file is gone once its action is put in place or refused; any left, by an
    # interruption, are removed on leaving.)
    with pool.working_ahead(_new_temp, batch, WRITING_THREADS, _remove) as temps:
        folders: list[Path] = []
        try:
            for action, temp in zip(batch, temps):
                refused = _refusal(action.path, temp)
                if refused is None:
                    refused = _refusal(action.path, lambda: _put_in_place(action, temp()))
                if refused is None:
                    folders.append(action.path.parent)
                written(action, refused)
        finally:
            fileio.sync_folders(folders)


def _new_temp(action: Planned) -> str:
    return fileio.new_temp(action.path, action.data, action.snapshot)


def _remove(temp_name: str) -> None:
    Path(temp_name).unlink(missing_ok=True)


def _put_in_place(action: Planned, temp_name: str) -> None:
    if action.kind == UPDATE:
        assert action.snapshot is not None
        if action.data == action.snapshot.data:
            _remove(temp_name)
            return
        fileio.swap_in(action.path, temp_name, action.snapshot)
    else:
        fileio.link_in(action.path, temp_name, action.data)


def _refusal(path: Path, write: Callable[[], object]) -> Finding | None:
    """None once `write` has run, else the finding saying why the file at `path` was not written."""
    try:
        write()
    except ProtectedFileError as error:
        return Finding(vault.display_path(path), 1, 1, error.code, str(error))
    except (ConcurrentChangeError, OSError) as error:
        return Finding(vault.display_path(path), 1, 1, "VT417", f"not written: {error}")
    return None
