"""The roundtrip command's work: parse and render every note, and compare the bytes. Free of click."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vaulttool.commands.pool import parallel_map
from vaulttool.commands.progress import ROUNDTRIP, Progress, phase
from vaulttool.config.settings import Config
from vaulttool.disk import fileio
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.note import Note, first_difference
from vaulttool.errors import NoteError
from vaulttool.findings import unreadable


@dataclass(frozen=True, slots=True)
class RoundtripOutcome:
    display: str
    status: str  # "identical", "differs" or "unreadable"
    detail: str = ""


def _roundtrip_one(note: NoteFile) -> RoundtripOutcome:
    try:
        data = fileio.read_bytes(note.path)
        rendered = Note.parse(data).render()
    except OSError as error:
        return RoundtripOutcome(note.display, "unreadable", unreadable(note.display, error).message)
    except NoteError as error:
        return RoundtripOutcome(note.display, "unreadable", f"{error.line}:{error.col}: {error.code} {error.message}")
    if rendered == data:
        return RoundtripOutcome(note.display, "identical")
    return RoundtripOutcome(note.display, "differs", first_difference(rendered, data))


def run(config: Config, notes: Sequence[NoteFile], progress: Progress | None = None) -> list[RoundtripOutcome]:
    """Round-trip `notes`; `progress` gets one phase, a step a note."""
    with phase(progress, ROUNDTRIP, len(notes)) as advance:
        return parallel_map(_roundtrip_one, list(notes), config.jobs, progress=advance)
