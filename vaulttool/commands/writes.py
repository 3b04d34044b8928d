"""Writing one planned file, as every command that plans files writes it. Free of click.

A file to CREATE is never put over one that exists; one to UPDATE replaces only the bytes its plan read
(the snapshot). A file that cannot be written is a finding, so the run goes on with the others.
"""

from __future__ import annotations

from pathlib import Path

from vaulttool.disk import fileio, vault
from vaulttool.errors import ConcurrentChangeError, ProtectedFileError
from vaulttool.findings import Finding

CREATE, UPDATE = "create", "update"


def write_planned(kind: str, path: Path, data: bytes, snapshot: fileio.Snapshot | None) -> Finding | None:
    """Create or update the file at `path`; None once written, else the finding saying why it was not
    (VT111/VT112 for a note protected from writing, VT417 when it appeared or changed meanwhile)."""
    try:
        if kind == CREATE:
            fileio.create_file(path, data)
        else:
            assert snapshot is not None
            fileio.replace_if_changed(path, data, snapshot)
    except ProtectedFileError as error:
        return Finding(vault.display_path(path), 1, 1, error.code, str(error))
    except (ConcurrentChangeError, OSError) as error:
        return Finding(vault.display_path(path), 1, 1, "VT417", f"not written: {error}")
    return None
