"""Rewriting links to files that moved: each link keeps its form (absolute, relative, vault path or
bare name; `.md` or not; wikilink or Markdown), its `#heading`, its `|alias` or text, and every byte
around it. Pure: text and links in, text out.
"""

from __future__ import annotations

from typing import Iterable

from vaulttool.engine.links import Link, NoteLink, markdown_target
from vaulttool.engine.resolve import NOTE_SUFFIX, VaultIndex, relative_path, shortest_path
from vaulttool.errors import VaultToolError


class RelinkError(VaultToolError):
    """A link that cannot be rewritten in place (a frontmatter value with escapes or folded lines)."""


def written_path(link: Link, new_target: str, source: str, after: VaultIndex) -> str:
    """The path to write in `link` for it to open `new_target` from the note `source` once the move is
    done (`after`: the vault's files then), in the form the link had."""
    old = link.path
    note = new_target.endswith(NOTE_SUFFIX)
    stem = new_target[: -len(NOTE_SUFFIX)] if note else new_target
    if old.startswith("/"):
        path = "/" + stem
    elif old.startswith(("./", "../")):
        path = relative_path(stem, source)
    elif "/" in old:
        path = stem
    else:
        path = shortest_path(new_target, after)
    if note and old.endswith(NOTE_SUFFIX):
        path += NOTE_SUFFIX
    return markdown_target(path) if link.markdown else path


def rewrite(text: str, edits: Iterable[tuple[NoteLink, str]]) -> str:
    """`text` with each link's path replaced by the path given (as `written_path` makes it), and
    nothing else changed. Raises RelinkError for a link that has no exact place in the text."""
    pieces: list[str] = []
    cursor = 0
    for found, path in sorted(edits, key=lambda edit: edit[0].link.target_start):
        link = found.link
        if not found.exact or link.target_start < cursor:
            raise RelinkError(f"line {found.line}: the link {link.target!r} is in a value written with escapes or "
                              "over several lines; rewrite it by hand")
        if found.quote == "'":
            path = path.replace("'", "''")
        pieces += [text[cursor:link.target_start], path]
        cursor = link.target_end
    pieces.append(text[cursor:])
    return "".join(pieces)
