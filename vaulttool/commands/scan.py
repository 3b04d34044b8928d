"""Find the notes of a vault that hold a given text, without parsing them all: each note's bytes are
searched first, and only the notes that may hold it are parsed. A note that cannot be read or parsed
is passed over: validate reports it, and nothing anyone reads comes from it."""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from vaulttool.config.settings import Config
from vaulttool.disk import fileio
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.note import Note
from vaulttool.errors import NoteError
from vaulttool.tiers import layout, templates


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


def holder_of(config: Config, notes: Sequence[NoteFile], entity_id: str) -> str | None:
    """The note of the vault (not a tier note, nor an entity note vaulttool made) whose id key is
    `entity_id`, or None."""
    standard = (file for file in notes if layout.tier_of_folder(file.vault_path, config.tiers) is None)
    for file, note in notes_mentioning(standard, [entity_id]):
        values = note.values()  # ({} without frontmatter or a mapping)
        if values.get(config.schema.id_key) == entity_id and templates.MARKER_KEY not in values:
            return file.display
    return None
