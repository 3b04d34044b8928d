"""The links command's work, free of click: every link of the notes given, resolved against the
vault's file list the way Obsidian resolves it; each one that opens nothing is a VT510 finding.

Only the notes given are read; the others are known by name alone (`disk.vault.vault_files`), so a
pre-commit hook on a few notes stays fast in a large vault. Headings and blocks (`#…`) are not
checked, only the file a link opens. A note that does not read cleanly is passed over (validate
reports it).

A run over the whole vault (or 200 notes and more) keeps each note's links in `cache/links.json`
while the note is unchanged (disk/statcache): a warm run reads no note, and only resolves the links
kept against the vault's files as they are now. The notes it must read are read on every core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from vaulttool import __version__
from vaulttool.commands.pool import parallel_map
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, statcache
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile, vault_files
from vaulttool.engine.links import NoteLink, note_links
from vaulttool.engine.note import Note
from vaulttool.engine.resolve import VaultIndex
from vaulttool.errors import NoteError
from vaulttool.findings import Finding, unreadable

CODE = "VT510"
# Each note's links: {vault path: [its stat, [[line, col, the path it opens, the link as written], …]]},
# under a key of vaulttool's version and the frontmatter limit. A note that cannot be read or parsed
# is not kept: it is read again, and passed over again, each run.
_CACHE = "links"
_FORMAT = 1
_Found = list[list[Any]]  # [[line, col, path, as written], …]


@dataclass(slots=True)
class LinksReport:
    notes: int = 0  # notes whose links were checked
    links: int = 0  # links found in them
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # notes that do not read cleanly (displays)
    notices: list[str] = field(default_factory=list)  # what to know beside the findings (a cache not written)
    cached: int = 0  # notes whose links came from the cache, not read


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


def run(config: Config, notes: Sequence[NoteFile], index: VaultIndex | None = None,
        whole_vault: bool = False) -> LinksReport:
    """Check the links of `notes` against every file of the vault (`index`, built when not given).
    `whole_vault`: `notes` are all the vault's notes, so the cache keeps no others."""
    index = index if index is not None else VaultIndex(vault_files(config.root))
    report = LinksReport()
    keep = whole_vault or len(notes) >= statcache.CACHE_FROM
    store = Store(config.root)
    key = fileio.digest(repr((__version__, _FORMAT, config.max_frontmatter_bytes)).encode())[:32]
    cache = store.derived(_CACHE, key) if keep else {}
    records: dict[str, Any] = {} if whole_vault else dict(cache)
    since = statcache.racy_from()
    seen = [statcache.file_stat(file.path) if keep else statcache.UNTRUSTED for file in notes]  # (before reads)
    kept = [_kept(cache.get(file.vault_path), stat) for file, stat in zip(notes, seen)]
    read = iter(parallel_map(_read_links, [(file.path, config.max_frontmatter_bytes)
                                           for file, found in zip(notes, kept) if found is None], config.jobs))
    for file, stat, found in zip(notes, seen, kept):
        records.pop(file.vault_path, None)
        if found is not None:
            report.cached += 1
        else:
            outcome = next(read)
            if isinstance(outcome, OSError):
                report.findings.append(unreadable(file.display, outcome))
                continue
            if outcome is None:
                report.skipped.append(file.display)
                continue
            found = outcome
        if keep and statcache.all_trusted([stat], since):
            records[file.vault_path] = [stat, found]
        report.notes += 1
        report.links += len(found)
        report.findings += [Finding(file.display, line, col, CODE, f"unresolved link {text}")
                            for line, col, path, text in found if index.resolve(path, file.vault_path) is None]
    report.findings.sort()
    notice = store.keep_derived(_CACHE, key, records, "reads every note again") if keep and records != cache else None
    report.notices += [notice] if notice else []
    return report


def _kept(entry: Any, stat: statcache.Stat) -> _Found | None:
    """A kept entry's links, if it is of the note as it is now (and of the form kept: the cache may be damaged)."""
    if (isinstance(entry, list) and len(entry) == 2 and entry[0] == stat != statcache.UNTRUSTED
            and isinstance(entry[1], list) and all(isinstance(link, list) and len(link) == 4
                                                   and isinstance(link[2], str) for link in entry[1])):
        return entry[1]
    return None


def _read_links(task: tuple[str, int]) -> _Found | OSError | None:
    """A note's links as the cache keeps them; the error when it cannot be read; None when it does not
    parse. (In a worker process: module-level, plain values in and out.)"""
    path, max_frontmatter_bytes = task
    try:
        note = Note.parse(fileio.read_bytes(path), max_frontmatter_bytes)
    except OSError as error:
        return error
    except NoteError:
        return None
    return [[found.line, found.col, found.link.path, written(note, found)] for found in note_links(note)]
