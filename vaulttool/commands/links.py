"""The links command's work, free of click: every link of the notes given, resolved against the
vault's file list the way Obsidian resolves it; each one that opens nothing is a VT510 finding.

Only the notes given are read; the others are known by name alone (`disk.vault.vault_files`), so a
pre-commit hook on a few notes stays fast in a large vault. Headings and blocks (`#…`) are not
checked, only the file a link opens. A note that does not read cleanly is passed over (validate
reports it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from vaulttool.config.settings import Config
from vaulttool.disk import fileio
from vaulttool.disk.vault import NoteFile, vault_files
from vaulttool.engine.links import NoteLink, note_links
from vaulttool.engine.note import Note
from vaulttool.engine.resolve import VaultIndex
from vaulttool.errors import NoteError
from vaulttool.findings import Finding, unreadable

CODE = "VT510"


@dataclass(slots=True)
class LinksReport:
    notes: int = 0  # notes whose links were checked
    links: int = 0  # links found in them
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # notes that do not read cleanly (displays)


def written(note: Note, found: NoteLink) -> str:
    """The link as it stands in the note (a frontmatter value's own text when it has escapes)."""
    link = found.link
    if found.exact:
        return note.text[link.offset:link.end]
    return _rebuilt(found)


def _rebuilt(found: NoteLink) -> str:
    link = found.link
    bang = "!" if link.embed else ""
    if link.markdown:
        return f"{bang}[{link.alias or ''}]({link.target}{link.subpath})"
    alias = f"|{link.alias}" if link.alias is not None else ""
    return f"{bang}[[{link.target}{link.subpath}{alias}]]"


def unresolved(note: Note, source: str, index: VaultIndex, display: str) -> tuple[int, list[Finding]]:
    """(how many links the note has, a VT510 finding for each that opens no file). Pure."""
    found = note_links(note)
    return len(found), [Finding(display, link.line, link.col, CODE, f"unresolved link {written(note, link)}")
                        for link in found if index.resolve(link.link.path, source) is None]


def run(config: Config, notes: Sequence[NoteFile], index: VaultIndex | None = None) -> LinksReport:
    """Check the links of `notes` against every file of the vault (`index`, built when not given)."""
    index = index if index is not None else VaultIndex(vault_files(config.root))
    report = LinksReport()
    for file in notes:
        try:
            note = Note.parse(fileio.read_bytes(file.path), config.max_frontmatter_bytes)
        except OSError as error:
            report.findings.append(unreadable(file.display, error))
            continue
        except NoteError:
            report.skipped.append(file.display)
            continue
        count, findings = unresolved(note, file.vault_path, index, file.display)
        report.notes += 1
        report.links += count
        report.findings += findings
    report.findings.sort()
    return report
