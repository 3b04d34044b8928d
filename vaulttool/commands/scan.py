"""Find the notes of a vault that hold a given text, without parsing them all: each note's bytes are
searched first, and only the notes that may hold it are parsed. A note that cannot be read or parsed
is passed over: validate reports it, and nothing anyone reads comes from it."""

from __future__ import annotations

from typing import Iterable, Iterator

from vaulttool.disk import fileio
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.note import Note
from vaulttool.errors import NoteError


def notes_mentioning(files: Iterable[NoteFile], texts: Iterable[str]) -> Iterator[tuple[NoteFile, Note]]:
    """Each of `files` whose bytes hold one of `texts`, parsed."""
    needles = [text.encode("utf-8") for text in texts]
    for file in files:
        try:
            data = fileio.read_bytes(file.path)
        except OSError:
            continue
        if not any(needle in data for needle in needles):
            continue
        try:
            yield file, Note.parse(data)
        except NoteError:
            continue
