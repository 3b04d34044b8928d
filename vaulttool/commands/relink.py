"""Relinking on label drift and merges, after `entities` planned each item's note. Free of click.

When an item's label changes upstream, or it is merged into another, its entity note's name changes
(`entities` works the wanted name out from the labels refresh writes links with). This renames the
one entity note found for the item under its old name (a note vaulttool made is brought up to date
as it goes; one made by hand keeps its bytes) and rewrites every link that names the item by its id
but no longer opens its note: frontmatter and body, each link keeping its form, `#…` and `|alias`,
and every other byte (`engine.relink`). It is one `move.MoveReport`, shown whole with `--dry-run`
and written by `move.apply` under the caller's writer lock.
"""

from __future__ import annotations

import posixpath
from typing import Iterable, Protocol, Sequence

from vaulttool.commands import move
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, vault
from vaulttool.engine.links import NoteLink, note_links
from vaulttool.engine.note import BOM, Note
from vaulttool.engine.relink import rewrite
from vaulttool.engine.resolve import VaultIndex
from vaulttool.errors import NoteError
from vaulttool.findings import Finding
from vaulttool.tiers import layout, templates
from vaulttool.wikidata import linkpattern

MOVED = "moved"  # its note was under an old name: renamed to the wanted one


class Placed(Protocol):
    @property
    def vault_path(self) -> str: ...  # the linking note's

    @property
    def path(self) -> str: ...  # the path the link opens, as Obsidian reads it


class Item(Protocol):
    """What relinking reads of `entities.Item` (which runs this module, so it is not imported here)."""

    item: str
    linked: list[str]
    wanted: str | None
    existing: list[str]
    state: str
    data: bytes | None

    @property
    def links(self) -> Sequence[Placed]: ...

    @property
    def moved(self) -> bool: ...


def plan(config: Config, items: Iterable[Item], created: Iterable[str], findings: list[Finding],
         files: Sequence[str] | None = None) -> move.MoveReport:
    """The renames and rewrites that make every entity link open its item's note (`created`: the entity
    notes about to be made); what cannot be done goes to `findings`. `files`: the vault's files as
    they are now (`vault.vault_files`)."""
    items = list(items)
    matcher = linkpattern.entity_links(config.wikidata.link_pattern)
    files = vault.vault_files(config.root) if files is None else list(files)
    moves: dict[str, str] = {}
    by_linked: dict[str, Item] = {}
    for item in items:
        if item.wanted is None:
            continue
        by_linked.update({linked: item for linked in item.linked})
        if item.moved and len(item.existing) == 1:
            old = item.existing[0]
            wanted = {old: item.wanted}
            if layout.standard_parts(old, config.tiers) is not None:  # entity notes with tier stubs
                wanted = move.standard_moves(config, old, item.wanted)
            try:
                move.refuse_unsafe(config, wanted)
            except move.MoveRefused as error:
                findings.append(Finding(vault.display_path(config.root / old), 1, 1, "VT414", str(error)))
                continue
            moves.update(wanted)
            item.state = MOVED
    after = VaultIndex((set(files) - set(moves)) | set(moves.values()) | set(created))
    relinked = move.MoveReport(moves, config.root)
    items_by_path = {item.existing[0]: item for item in items if item.state == MOVED}
    # Only the notes holding a link that will not open its item's note are read again: `entities`
    # read every link already, with the path each opens.
    linking = sorted({link.vault_path for item in items if item.wanted is not None for link in item.links
                      if _stale(link.path, moves.get(link.vault_path, link.vault_path), item, after)}
                     | set(items_by_path))
    for source in linking:
        _plan_note(config, matcher, source, moves.get(source, source), by_linked, after, items_by_path.get(source),
                   relinked, findings)
    relinked.renames = [move.Rename(old, new, config.root / old, config.root / new,
                                    layout.standard_of(old, config.tiers) is not None) for old, new in moves.items()]
    return relinked


def _stale(link_path: str, source: str, item: Item, after: VaultIndex) -> bool:
    """Whether a link to `item` must be rewritten: it does not open the item's note once the renames
    are made, or it spells the old name of a note renamed only in letter case (which it would still
    open, as Obsidian compares names case-blind, but the name it shows is the one Wikidata dropped)."""
    if after.resolve(link_path, source) != item.wanted:
        return True
    return item.state == MOVED and fileio.same_spelling(_stem(link_path), _stem(item.existing[0]))


def _stem(path: str) -> str:
    return posixpath.basename(path).removesuffix(".md")


def _plan_note(config: Config, matcher: linkpattern.EntityLinks, source: str, source_after: str,
               by_linked: dict[str, Item], after: VaultIndex, moved: Item | None, report: move.MoveReport,
               findings: list[Finding]) -> None:
    path = config.root / source
    display = vault.display_path(path)
    try:
        snapshot = fileio.read_snapshot(path)
        note = Note.parse(snapshot.data, config.max_frontmatter_bytes)
    except (OSError, NoteError):
        return  # (`entities` said why it could not read it)
    if moved is not None and moved.data is not None and templates.is_untouched(snapshot.data):
        # vaulttool's own note, under its item's new name: made again from the facts (its title, aliases)
        report.rewrites.append(move.Rewrite(source_after, config.root / source_after, moved.data, snapshot,
                                            "entity note"))
        return
    edits: list[tuple[NoteLink, str]] = []
    for found in note_links(note):
        link = found.link
        linked = matcher.item_of(link.path, source)
        item = by_linked.get(linked) if linked is not None else None
        if item is None or item.wanted is None or not _stale(link.path, source_after, item, after):
            continue
        written, why = move.rewritten_path(found, item.wanted, source_after, after)
        if why is not None:
            findings.append(move.not_rewritten(display, found, f"names {item.item}, whose note is {item.wanted}", why))
            continue  # this link only: the note's other links are rewritten
        edits.append((found, written))
    if edits:
        data = (BOM if note.bom else b"") + rewrite(note.text, edits).encode("utf-8")
        report.rewrites.append(move.Rewrite(source_after, config.root / source_after, data, snapshot, "links"))
