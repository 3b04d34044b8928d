"""python-frontmatter interop: read a note into a `frontmatter.Post` with vaulttool's reading.

python-frontmatter's own loader goes through PyYAML (YAML 1.1: `NO` becomes False, unquoted ids lose
their zeros) and its `dumps` re-emits the whole frontmatter, so vaulttool never writes through it.
This handler gives `Post` users the values exactly as `vaulttool validate` reads them.
"""

from __future__ import annotations

from typing import Any

import frontmatter
from frontmatter.default_handlers import BaseHandler

from vaulttool.engine.note import Note


class VaultToolHandler(BaseHandler):
    """A read-only python-frontmatter handler backed by vaulttool's lossless engine."""

    FM_BOUNDARY = frontmatter.default_handlers.YAMLHandler.FM_BOUNDARY
    START_DELIMITER = END_DELIMITER = "---"

    def load(self, fm: str, **kwargs: object) -> Any:
        return Note.parse(b"---\n" + fm.encode("utf-8") + b"\n---\n").values()

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        raise NotImplementedError("vaulttool never writes through python-frontmatter; use Note.edit")


def to_post(data: bytes) -> frontmatter.Post:
    """A `Post` whose metadata and content are the note's, as vaulttool reads them."""
    note = Note.parse(data)
    return frontmatter.Post(note.body, handler=VaultToolHandler(), **note.values())
