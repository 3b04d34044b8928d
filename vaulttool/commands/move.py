"""Moving notes: a standard note and its tier stubs to new names, and every link to them rewritten.
Free of click.

`plan` makes the whole move before anything is written: the renames, and the new bytes of every note
holding a link that opens a moved file (resolved against the vault's files before the move) and would
not open it after, each link rewritten in the form it had (`engine.relink`) and nothing else changed.
A link that cannot be rewritten in place (a frontmatter value written with escapes) is a VT531 finding
and its note is left as it was. Untouched stubs get their facts brought up to date and are sealed
again, so they stay untouched; the standard note's links section is rendered for its new names.

Used by `vaulttool mv` and by `tiers`, which moves the stubs of a standard note someone renamed
(`git mv`, a file manager): that note is then a move already `done` on disk.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote, unquote

from vaulttool.commands.writes import UPDATE, write_planned
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, vault
from vaulttool.engine.ids import is_item_id
from vaulttool.engine.links import NoteLink, links_in, markdown_target, note_links
from vaulttool.engine.note import BOM, Note, unified_diff
from vaulttool.engine.paths import check_vault_path
from vaulttool.engine.relink import rewrite, written_path
from vaulttool.engine.resolve import VaultIndex, fold
from vaulttool.errors import ConcurrentChangeError, NoteError, UnsafePathError, UsageError
from vaulttool.findings import Finding, unreadable
from vaulttool.tiers import layout, section, templates


class MoveRefused(UsageError):
    """A move that cannot be made as asked (a name taken, an unsafe name): nothing is written."""


@dataclass
class Rename:
    old: str  # vault paths
    new: str
    old_path: Path
    new_path: Path
    stub: bool = False  # a tier stub (renamed after the links are rewritten)


@dataclass
class Rewrite:
    """A note's new bytes, written at the note's name after the move."""

    vault_path: str
    path: Path
    data: bytes
    snapshot: fileio.Snapshot
    what: str  # "links", "links section", "stub facts" (joined with ", ")


@dataclass
class MoveReport:
    moves: dict[str, str]  # every old vault path -> new, the ones already done on disk too
    root: Path
    renames: list[Rename] = field(default_factory=list)  # the renames still to make, the standard note first
    rewrites: list[Rewrite] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # lines saying what was written
    failed: bool = False  # something could not be written

    def diffs(self) -> str:
        lines = [f"rename {r.old} -> {r.new}\n" for r in self.renames]
        return "".join(lines) + "".join(unified_diff(w.snapshot.data, w.data, w.vault_path) for w in self.rewrites)


def needles(moves: Mapping[str, str]) -> list[str]:
    """What a note holding a link to a moved file (or one a new name could capture) must contain, folded:
    each old and new name's stem, as written and percent-encoded."""
    found: set[str] = set()
    for path in (*moves, *moves.values()):
        stem = posixpath.basename(path)
        stem = stem[:-3] if stem.endswith(".md") else stem
        found |= {fold(stem), fold(markdown_target(stem)), fold(quote(stem, safe=""))}
    return sorted(found)


def naming(root: Path, paths: Iterable[str], wanted: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Each note (`.md`) of `paths` whose text, folded, holds one of `wanted` (`needles`), with its bytes:
    the only notes that can hold a link to the files they name. One that cannot be read is passed over
    (validate reports it; it holds no link anyone could act on)."""
    for path in paths:
        if not path.endswith(".md"):
            continue
        try:
            data = fileio.read_bytes(root / path)
        except OSError:
            continue
        folded = fold(data.decode("utf-8", "replace"))
        if any(needle in folded for needle in wanted):
            yield path, data


def refuse_unsafe(config: Config, moves: Mapping[str, str], done: Collection[str] = ()) -> None:
    """Raise MoveRefused unless every move can be made: its old file there, its new name valid, inside
    the vault, and free in every spelling (case and Unicode normalisation folded)."""
    root = config.root
    for old, new in moves.items():
        if old in done:
            continue
        if not (root / old).is_file():
            raise MoveRefused(f"{old} does not exist")
        try:
            check_vault_path(new)
            fileio.safe_target(root, new.split("/", 1)[0], new)
        except UnsafePathError as error:
            raise MoveRefused(f"refused: {error}; nothing moved") from None
        if not new.endswith(".md"):
            raise MoveRefused(f"refused: {new} is not a note (.md); nothing moved")
        if fileio.is_respelling(root / old, root / new):
            continue  # (a case-insensitive file system: `new` is `old` itself)
        folder, name = (root / new).parent, posixpath.basename(new)
        taken = fileio.folded_names(folder).get(fileio.folded(name), [])
        if (root / new).exists() or (root / new).is_symlink() or any(f"{posixpath.dirname(new)}/{t}" != old
                                                                      for t in taken):
            raise MoveRefused(f"refused: {new} exists (in this or another spelling); nothing moved")


def plan(config: Config, moves: Mapping[str, str], done: Collection[str] = (),
         files: list[str] | None = None) -> MoveReport:
    """Plan moving each file `old -> new` of `moves`; the ones in `done` are already at their new
    names. `files`: the vault's files as they are now (`vault.vault_files`). Raises MoveRefused."""
    refuse_unsafe(config, moves, done)
    root = config.root
    report = MoveReport(dict(moves), root)
    files = vault.vault_files(root) if files is None else files
    now = set(files)
    before = (now - {moves[old] for old in done}) | set(done)
    after = (now - set(moves)) | set(moves.values())
    before_index, after_index = VaultIndex(before), VaultIndex(after)
    wanted = needles(moves)
    moved_to = {new: old for old, new in moves.items() if old in done}  # read at their new names
    standards = sorted((old for old in moves if layout.standard_parts(old, config.tiers) is not None),
                       key=lambda old: old not in done)
    # The standard notes first: a stub's facts take their Wikidata id.
    order = [*standards, *sorted(set(moves) - set(standards))]
    ids: dict[str, str | None] = {}
    for old in order:
        _plan_note(config, moves[old] if old in done else old, old, moves[old], before_index, after_index, moves,
                   ids, report)
    for path, _ in naming(root, (path for path in files if path not in moves and path not in moved_to), wanted):
        _plan_note(config, path, path, path, before_index, after_index, moves, ids, report)
    report.renames = [Rename(old, moves[old], root / old, root / moves[old],
                             layout.standard_of(old, config.tiers) is not None) for old in order if old not in done]
    return report


def rewritten_path(found: NoteLink, new_target: str, source: str, after: VaultIndex) -> tuple[str, str | None]:
    """(the path to write in a link of the note `source` for it to open `new_target` once the move is
    done, why it cannot be rewritten: None when it can)."""
    link = found.link
    written = written_path(link, new_target, source, after)
    if not found.exact:
        return written, "it is in a frontmatter value written with escapes or over several lines"
    if after.resolve(unquote(written) if link.markdown else written, source) != new_target:
        return written, f"no link of its form opens {new_target}"
    return written, None


def not_rewritten(display: str, found: NoteLink, what: str, why: str) -> Finding:
    """VT531 at a link that cannot be rewritten: `what` it opens or names, and `why` not."""
    return Finding(display, found.line, found.col, "VT531", f"link not rewritten: {found.link.target!r} {what}, but "
                                                            f"{why}; this link is left as it was, edit it by hand")


def _plan_note(config: Config, read_at: str, source_before: str, source_after: str, before_index: VaultIndex,
               after_index: VaultIndex, moves: Mapping[str, str], ids: dict[str, str | None],
               report: MoveReport) -> None:
    """Plan one note's new bytes: its links to moved files; for a moved standard note its links
    section, for a moved untouched stub its facts and seal."""
    path = config.root / read_at
    display = vault.display_path(path)
    try:
        snapshot = fileio.read_snapshot(path)
        note = Note.parse(snapshot.data)
    except OSError as error:
        report.findings.append(unreadable(display, error))
        return
    except NoteError as error:
        if source_before in moves:  # moved as it is; its links are for the person to see to
            report.findings.append(Finding(display, error.line, error.col, "VT531",
                                           f"links not rewritten: {error.message}"))
        return
    moved = source_before in moves
    is_standard = moved and layout.standard_parts(source_after, config.tiers) is not None
    if is_standard:
        wikidata_id = note.values().get(config.schema.id_key)
        ids[source_after] = wikidata_id if is_item_id(wikidata_id) else None
    body_start = note.body_start if note.has_frontmatter else 0
    skip = (0, 0)
    if is_standard:  # the links section is rendered anew below, its link texts naming the new notes
        found = section.find_sections(note.body, config.tiers)
        if len(found) == 1:
            skip = (body_start + found[0].start, body_start + found[0].end)
    edits: list[tuple[NoteLink, str]] = []
    for found_link in note_links(note):
        link = found_link.link
        if found_link.exact and skip[0] <= link.offset < skip[1]:
            continue
        target = before_index.resolve(link.path, source_before)
        if target is None:
            continue
        new_target = moves.get(target, target)
        if after_index.resolve(link.path, source_after) == new_target:
            continue
        written, why = rewritten_path(found_link, new_target, source_after, after_index)
        if why is not None:
            report.findings.append(not_rewritten(display, found_link, f"opens {target}, moved to {new_target}", why))
            continue  # this link only: the note's other links are rewritten
        edits.append((found_link, written))
    what: list[str] = []
    text = rewrite(note.text, edits) if edits else note.text
    if edits:
        what.append("links")
    data = (BOM if note.bom else b"") + text.encode("utf-8")
    if is_standard:
        relinked = Note.parse(data) if edits else note
        head = relinked.text[: relinked.body_start] if relinked.has_frontmatter else ""
        planned = section.plan(relinked.body, source_after, config.tiers, section.line_ending_before(head, len(head)),
                               formerly=source_before)
        if planned.body is not None and len(planned.sections) <= 1:  # (a missing one too, as tiers would)
            data = (BOM if note.bom else b"") + (head + planned.body).encode("utf-8")
            what.append("links section")
    located = layout.standard_of(source_before, config.tiers) if moved else None
    if located is not None and templates.is_untouched(snapshot.data):
        tier = located[0]
        standard = layout.standard_of(source_after, config.tiers)
        if standard is not None:
            current = Note.parse(data).values().get(config.schema.id_key)
            wikidata_id = ids.get(standard[1], current if is_item_id(current) else None)
            facts = templates.stub_facts(config, tier, standard[1][:-3], wikidata_id)
            data = templates.update_facts(data, facts)
            what.append("stub facts")
    if data != snapshot.data:
        report.rewrites.append(Rewrite(source_after, config.root / source_after, data, snapshot, ", ".join(what)))


def apply(report: MoveReport, log: list[str] | None = None) -> None:
    """Make the renames and write the rewrites, in the order a crash leaves recoverable:

    1. the standard note is renamed (as `git mv` would);
    2. every note's links are rewritten (the others', and the standard note's own at its new name);
    3. each stub is renamed, then its content written (facts, seal, links).

    Killed at any point, the vault is one `vaulttool tiers` (the pre-commit hook) completes: the
    standard note has its new name, and its stubs not yet moved are orphans whose `source` names a note
    that is gone, which `tiers` moves after it, rewriting the links still naming the old names. Nothing
    is ever replaced: a rename to a name that appeared meanwhile fails, and a note changed since it was
    read is not written."""
    by_path = {planned.vault_path: planned for planned in report.rewrites}
    stubs = [rename for rename in report.renames if rename.stub]
    first = [rename for rename in report.renames if rename not in stubs]
    for rename in first:
        if not _rename(rename, report, log):
            return  # the standard note could not be moved: nothing else is done
    stub_news = {rename.new for rename in stubs}
    for planned in report.rewrites:
        if planned.vault_path not in stub_news:
            _write(planned, report, log)
    for rename in stubs:
        if _rename(rename, report, log) and rename.new in by_path:
            _write(by_path[rename.new], report, log)


def _say(report: MoveReport, log: list[str] | None, line: str) -> None:
    report.done.append(line)
    if log is not None:
        log.append(line)


def _rename(rename: Rename, report: MoveReport, log: list[str] | None) -> bool:
    try:
        fileio.rename_new(rename.old_path, rename.new_path)
    except (ConcurrentChangeError, OSError) as error:
        report.findings.append(Finding(vault.display_path(rename.old_path), 1, 1, "VT417", f"not moved: {error}"))
        report.failed = True
        return False
    _say(report, log, f"moved {rename.old} -> {rename.new}")
    return True


def _write(rewrite: Rewrite, report: MoveReport, log: list[str] | None) -> None:
    refused = write_planned(UPDATE, rewrite.path, rewrite.data, rewrite.snapshot)
    if refused is not None:
        report.findings.append(refused)
        report.failed = True
        return
    _say(report, log, f"updated {rewrite.what} in {rewrite.vault_path}")


def standard_moves(config: Config, old: str, new: str) -> dict[str, str]:
    """The moves of a standard note and each of its stubs that exists. Raises MoveRefused, also when
    OLD or NEW is not a standard note (a `.md` note under the source folder, not skipped)."""
    for path, which in ((old, "OLD"), (new, "NEW")):
        if layout.standard_parts(path, config.tiers) is None:
            raise MoveRefused(f"{which} {path} is not a standard note (a .md note under "
                              f"{config.tiers.source_folder}/, not skipped by [tiers] skip)")
    try:
        old_siblings = layout.siblings(old, config.tiers)
        new_siblings = layout.siblings(new, config.tiers)
    except UnsafePathError as error:
        raise MoveRefused(f"refused: {error}; nothing moved") from None
    moves = {old: new}
    for before, after in zip(old_siblings, new_siblings):
        blocked = fileio.unreadable_folder(config.root, before.vault_path)
        if blocked is not None:  # (its stub, there or not, would be left behind)
            raise MoveRefused(f"cannot read the folder {blocked[0] or '.'}: {blocked[1].strerror}; nothing moved")
        if (config.root / before.vault_path).is_file():
            moves[before.vault_path] = after.vault_path
    return moves


def _tier_stubs(config: Config) -> list[str]:
    """The vault path of every file in the tier folders: names only, nothing read."""
    return sorted(path for tier in config.tiers.names for path in vault.vault_files(config.root, config.tiers.folder(tier)))


def _wikidata_id(config: Config, path: Path) -> str | None:
    try:
        value = Note.parse(fileio.read_bytes(path)).values().get(config.schema.id_key)
    except (OSError, NoteError):
        return None
    return value if is_item_id(value) else None


def recover(config: Config, standards: Sequence[str]) -> tuple[list[MoveReport], list[Finding]]:
    """For standard notes someone renamed without their stubs (`git mv`, a file manager, Obsidian):
    the moves of the stubs left behind, and of every link to the old names. A standard note missing
    stubs gets the orphaned stubs (their standard note gone) of exactly one old note when either

    - every one of those stubs links, in its `source`, this very note: Obsidian renamed it and
      rewrote the stubs' links (with or without an id); or
    - every one of those stubs carries its `has_id_wikidata`, and it is the only standard note with
      that id.

    Only stubs whose standard note is gone are read; the standard notes are read only when such stubs
    share an id with a candidate."""
    root, settings = config.root, config.tiers
    wanting = [path for path in standards
               if any(not (root / s.vault_path).is_file() for s in _siblings_or_none(path, config))]
    if not wanting:
        return [], []
    orphans: dict[str, list[_Orphan]] = {}  # old standard -> its stubs left behind
    for stub in _tier_stubs(config):
        located = layout.standard_of(stub, settings)
        if located is None or fileio.exists_in_any_spelling(root, located[1]):
            continue
        orphans.setdefault(located[1], []).append(_orphan(config, located[0], stub))
    if not orphans:
        return [], []
    claimed = _claimed_by_their_links(config, orphans, set(wanting))
    by_id: dict[str, list[str]] = {}
    for old, stubs in orphans.items():
        ids = {orphan.wikidata_id for orphan in stubs}
        if len(ids) == 1 and None not in ids:
            by_id.setdefault(next(iter(ids)) or "", []).append(old)
    reports: list[MoveReport] = []
    findings: list[Finding] = []
    holders: dict[str, list[str]] | None = None
    taken: set[str] = set()  # old notes whose stubs a new one has
    for path in wanting:
        old = claimed.get(path)
        if old is None:
            wikidata_id = _wikidata_id(config, root / path)
            if wikidata_id is None or len(by_id.get(wikidata_id, [])) != 1:
                continue
            if holders is None:
                holders = _standards_by_id(config, set(by_id))
            if holders.get(wikidata_id) != [path]:
                continue
            old = by_id[wikidata_id][0]
        if old in taken:
            continue
        taken.add(old)
        new_siblings = {s.tier: s.vault_path for s in layout.siblings(path, settings)}
        moves = {old: path}
        for orphan in orphans[old]:
            if not (root / new_siblings[orphan.tier]).exists():
                moves[orphan.stub] = new_siblings[orphan.tier]
        try:
            reports.append(plan(config, moves, done={old}))
        except MoveRefused as error:
            findings.append(Finding(vault.display_path(root / path), 1, 1, "VT414", f"stubs not moved: {error}"))
    return reports, findings


@dataclass(frozen=True, slots=True)
class _Orphan:
    """A tier stub whose standard note is gone, with what it says of that note."""

    tier: str
    stub: str  # its vault path
    wikidata_id: str | None
    source: str | None  # the path of the link in its `source`, as Obsidian reads it; None unless vaulttool made it


def _orphan(config: Config, tier: str, stub: str) -> _Orphan:
    try:
        values = Note.parse(fileio.read_bytes(config.root / stub)).values()
    except (OSError, NoteError):
        return _Orphan(tier, stub, None, None)
    wikidata_id = values.get(config.schema.id_key)
    source = values.get("source")
    links = list(links_in(source)) if isinstance(source, str) else []
    # Only a stub vaulttool made (its marker, however stale since Obsidian rewrote a link) is claimed by
    # its link: a note of the person's in a tier folder may link any note in a `source` of its own.
    made = templates.MARKER_KEY in values and values.get("tier") == tier
    return _Orphan(tier, stub, wikidata_id if is_item_id(wikidata_id) else None,
                   links[0].path if made and len(links) == 1 else None)


def _claimed_by_their_links(config: Config, orphans: Mapping[str, list[_Orphan]], wanting: set[str]) -> dict[str, str]:
    """new standard note -> the old one, where every stub the old note left behind links the new note
    in its `source` (as Obsidian rewrites links on a rename), and no other old note's stubs do."""
    if not any(orphan.source for stubs in orphans.values() for orphan in stubs):
        return {}
    index = VaultIndex(vault.vault_files(config.root))
    claims: dict[str, list[str]] = {}
    for old, stubs in orphans.items():
        opened = {index.resolve(orphan.source, orphan.stub) if orphan.source else None for orphan in stubs}
        if len(opened) == 1 and (new := next(iter(opened))) in wanting:
            claims.setdefault(new, []).append(old)
    return {new: olds[0] for new, olds in claims.items() if len(olds) == 1}


def _siblings_or_none(path: str, config: Config) -> list[layout.Sibling]:
    try:
        return layout.siblings(path, config.tiers)
    except UnsafePathError:
        return []


def _standards_by_id(config: Config, ids: set[str]) -> dict[str, list[str]]:
    """The standard notes holding each of `ids`: only notes whose bytes name one are parsed."""
    found: dict[str, list[str]] = {}
    needles = [wikidata_id.encode() for wikidata_id in ids]
    for path in vault.vault_files(config.root, config.tiers.source_folder):
        if layout.standard_parts(path, config.tiers) is None:
            continue
        try:
            data = fileio.read_bytes(config.root / path)
        except OSError:
            continue
        if any(needle in data for needle in needles):
            wikidata_id = _wikidata_id(config, config.root / path)
            if wikidata_id in ids:
                found.setdefault(wikidata_id, []).append(path)
    return found
