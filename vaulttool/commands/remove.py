"""Removing notes: a standard note with its tier stubs, into the vault's `.trash/`; and the vault-wide
check that no removal was left half done. Free of click.

`plan` makes the whole removal before anything is moved: the files (the standard note, then each of
its stubs that exists), each read once (its snapshot), and the links of the other notes that open a
removed file and will open none (or another file) once it is gone, resolved as Obsidian resolves them.
A stub edited by hand (no longer what vaulttool wrote, `templates.is_untouched`) refuses the whole
removal unless it is forced: its text may be all that exists of it.

Removed files go to `.trash/` at the vault's root under their own vault path (`.trash/_public/UN/X.public.md`),
as Obsidian's "Move to Obsidian trash" setting does, so nothing is lost and each can be put back where
it was; a name taken there by an earlier removal gets ` 1`, ` 2`, … before `.md`. A file is moved,
then its bytes compared with the snapshot: one changed since it was read is moved back, not removed.

`incomplete` is the pre-commit hook's guard: every standard note missing a tier stub and every tier
stub whose standard note is gone, vault-wide, from the names of one walk of the source and tier
folders; only the notes those names single out are then planned by `tiers` (which reads them), so an
unchanged vault costs a walk and reads no note.
"""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from vaulttool.commands import move, tiers
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, vault
from vaulttool.engine.links import note_links
from vaulttool.engine.note import Note
from vaulttool.engine.resolve import VaultIndex
from vaulttool.errors import ConcurrentChangeError, NoteError, UnsafePathError, UsageError
from vaulttool.findings import Finding
from vaulttool.tiers import layout, templates

TRASH = ".trash"  # Obsidian's own trash folder: never read as notes (vault.ALWAYS_SKIPPED)


class RemoveRefused(UsageError):
    """A removal that cannot be made as asked: nothing is removed."""


@dataclass
class Removal:
    vault_path: str
    path: Path
    snapshot: fileio.Snapshot  # the bytes the removal is for: a file changed since is not removed
    stub: bool
    standard: str  # the standard note it is removed with (itself, for the standard note)


@dataclass
class RemoveReport:
    root: Path
    removals: list[Removal] = field(default_factory=list)  # each standard note before its stubs
    findings: list[Finding] = field(default_factory=list)  # links left dangling; files not removed
    done: list[str] = field(default_factory=list)  # lines saying what was removed
    removed: list[str] = field(default_factory=list)  # the vault paths removed
    failed: bool = False  # something could not be removed

    def plan_lines(self) -> list[str]:
        return [f"remove {removal.vault_path}" for removal in self.removals]


def plan(config: Config, standards: Sequence[str], force: bool = False) -> RemoveReport:
    """Plan removing each standard note of `standards` (vault paths) and its tier stubs. A standard
    note already gone may be named: its stubs left behind (orphans, VT413) are removed. Raises
    RemoveRefused, naming every reason, before anything is removed."""
    root = config.root
    report = RemoveReport(root)
    _refuse_unusable_trash(root)
    edited: list[str] = []
    for standard in dict.fromkeys(standards):
        files = _files_of(config, standard)
        for vault_path, is_stub in files:
            path = root / vault_path
            try:
                snapshot = fileio.read_snapshot(path)
            except OSError as error:
                raise RemoveRefused(f"refused: {vault_path} cannot be read ({error.strerror}); nothing removed") from None
            if is_stub and not force and not templates.is_untouched(snapshot.data):
                edited.append(vault_path)
            report.removals.append(Removal(vault_path, path, snapshot, is_stub, standard))
    if edited:
        raise RemoveRefused(f"refused: {_listed(edited)} edited by hand (no longer what vaulttool wrote); nothing "
                            f"removed; --force removes {'them' if len(edited) > 1 else 'it'} too, into {TRASH}/")
    report.findings += dangling_links(config, {removal.vault_path for removal in report.removals})
    return report


def _listed(paths: list[str]) -> str:
    return ("tier stub " if len(paths) == 1 else "tier stubs ") + ", ".join(paths)


def _refuse_unusable_trash(root: Path) -> None:
    trash = root / TRASH
    if trash.is_symlink():
        raise RemoveRefused(f"refused: {TRASH}/ is a symlink; vaulttool moves removed notes only into a real "
                            f"{TRASH}/ folder of the vault; nothing removed")
    if trash.exists() and not trash.is_dir():
        raise RemoveRefused(f"refused: {TRASH} is a file, not a folder; nothing removed")


def _files_of(config: Config, standard: str) -> list[tuple[str, bool]]:
    """(vault path, whether a tier stub) of the standard note, when it exists, and of each of its stubs
    that does. Raises RemoveRefused for anything but a standard note, or when there is nothing to remove."""
    settings = config.tiers
    if layout.standard_parts(standard, settings) is None:
        located = layout.standard_of(standard, settings)
        if located is not None:
            raise RemoveRefused(f"refused: {standard} is the {located[0]} tier stub of {located[1]}; remove the "
                                f"standard note with all its stubs (`vaulttool rm {located[1]}`): a single stub "
                                "is made again by the next `vaulttool tiers`; nothing removed")
        raise RemoveRefused(f"refused: {standard} is not a standard note (a .md note under {settings.source_folder}/, "
                            "not skipped by [tiers] skip); nothing removed")
    try:
        siblings = layout.siblings(standard, settings)
    except UnsafePathError as error:
        raise RemoveRefused(f"refused: {error}; nothing removed") from None
    files = [(standard, False), *((sibling.vault_path, True) for sibling in siblings)]
    present: list[tuple[str, bool]] = []
    for vault_path, is_stub in files:
        path = config.root / vault_path
        if path.is_symlink():
            raise RemoveRefused(f"refused: {vault_path} is a symlink; nothing removed")
        if path.exists():
            if not path.is_file():
                raise RemoveRefused(f"refused: {vault_path} is not a file; nothing removed")
            present.append((vault_path, is_stub))
    if not present:
        raise RemoveRefused(f"{standard}: no such note, and no tier stub of it")
    return present


def dangling_links(config: Config, removed: set[str]) -> list[Finding]:
    """VT510 at each link of a note outside `removed` that opens a file of `removed` now and, once they
    are gone, opens no file (or another one). Only notes naming a removed file's stem are parsed."""
    root = config.root
    files = vault.vault_files(root)
    before, after = VaultIndex(files), VaultIndex(set(files) - removed)
    wanted = move.needles({path: path for path in removed})
    findings: list[Finding] = []
    for source, data in move.naming(root, (source for source in files if source not in removed), wanted):
        try:
            note = Note.parse(data)
        except NoteError:
            continue  # (validate reports it; its links cannot be told)
        display = vault.display_path(root / source)
        for found in note_links(note):
            target = before.resolve(found.link.path, source)
            if target not in removed:
                continue
            instead = after.resolve(found.link.path, source)
            then = "it opens no file once removed" if instead is None else f"once removed it opens {instead} instead"
            findings.append(Finding(display, found.line, found.col, "VT510",
                                    f"link to a removed note: {found.link.target!r} opens {target}; {then}"))
    return sorted(findings)


def apply(report: RemoveReport) -> None:
    """Move each planned file into `.trash/`, each standard note before its stubs: killed half way, the
    stubs left are orphans (VT413) that `vaulttool rm` of the gone note removes. A file that cannot be
    moved, or that changed since it was read (it is moved back), is a VT417 finding, and the stubs of a
    standard note not removed stay where they are."""
    kept: set[str] = set()  # the standard notes not removed
    for removal in report.removals:
        if removal.standard in kept:
            report.findings.append(Finding(vault.display_path(removal.path), 1, 1, "VT417",
                                           f"not removed: its standard note {removal.standard} was not"))
        elif not _remove(report, removal) and not removal.stub:
            kept.add(removal.vault_path)


def _remove(report: RemoveReport, removal: Removal) -> bool:
    display = vault.display_path(removal.path)
    root = report.root
    try:
        trashed = trash_path(root, removal.vault_path)
        target = fileio.safe_target(root, TRASH, trashed)
        fileio.rename_new(removal.path, target)
    except (UnsafePathError, ConcurrentChangeError, OSError) as error:
        report.findings.append(Finding(display, 1, 1, "VT417", f"not removed: {error}"))
        report.failed = True
        return False
    try:
        unchanged = fileio.digest(fileio.read_bytes(target)) == removal.snapshot.digest
    except OSError:
        unchanged = False
    if not unchanged:
        try:
            fileio.rename_new(target, removal.path)
            where = "it was put back"
        except (ConcurrentChangeError, OSError):
            where = f"it is at {trashed}: move it back"
        report.findings.append(Finding(display, 1, 1, "VT417", f"not removed: it changed since it was read; {where}"))
        report.failed = True
        return False
    report.removed.append(removal.vault_path)
    report.done.append(f"removed {removal.vault_path} (moved to {trashed})")
    return True


def trash_path(root: Path, vault_path: str) -> str:
    """Where in `.trash/` a removed file goes: its own vault path there, or, taken (in any spelling, by an
    earlier removal), the first free `<stem> N.md`."""
    folder, name = posixpath.split(posixpath.join(TRASH, vault_path))
    stem, suffix = posixpath.splitext(name)
    taken = fileio.folded_names(root / folder)
    candidate, number = name, 0
    while fileio.folded(candidate) in taken:
        number += 1
        candidate = f"{stem} {number}{suffix}"
    return f"{folder}/{candidate}"


@dataclass
class Completeness:
    findings: list[Finding] = field(default_factory=list)
    notes: int = 0  # standard notes and tier stubs whose names were checked
    planned: int = 0  # of them, the ones whose names singled them out, planned by tiers
    ignored: dict[str, frozenset[str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def _nfc(name: str) -> str:
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def incomplete(config: Config) -> Completeness:
    """Every standard note missing a tier stub, every tier stub whose standard note is gone, vault-wide.

    The names of the source and tier folders (one walk, as `vault.discover` finds notes, nothing read)
    single out the suspects: a standard note one of whose stubs' names is not there, a stub whose
    standard note's name is not. Names compare in NFC (stubs are NFC, a standard note may be NFD). Each
    suspect is then planned by `tiers` exactly as `tiers --check` plans it, so what it reports, and what
    it leaves out (a conflict copy, an unsafe name, a renamed note whose stubs `tiers` moves), is its:
    VT411, VT413 and the rest of `tiers --check`'s findings for those notes."""
    settings = config.tiers
    root = config.root
    folders = [root / folder for folder in (settings.source_folder, *map(settings.folder, settings.names))]
    discovered = vault.discover(config, [folder for folder in folders if folder.is_dir() and not folder.is_symlink()])
    report = Completeness(notes=len(discovered))
    names = {_nfc(note.vault_path) for note in discovered}
    # layout.standard_of's tests, made once (it is called for every stub of a large vault).
    stub_forms = [(f"{settings.folder(tier)}/", f".{tier}.md") for tier in settings.names]
    source = settings.source_folder + "/"
    suspects: list[vault.NoteFile] = []
    for note in discovered:
        path = note.vault_path
        parts = layout.standard_parts(path, settings)
        if parts is not None:
            rest = _nfc(path[len(source):-3])
            if any(f"{prefix}{rest}{suffix}" not in names for prefix, suffix in stub_forms):
                suspects.append(note)
            continue
        for prefix, suffix in stub_forms:
            if path.startswith(prefix) and path.endswith(suffix):
                if f"{source}{_nfc(path[len(prefix):-len(suffix)])}.md" not in names:
                    suspects.append(note)
                break
    report.findings += discovered.problems
    if suspects:
        planned = tiers.plan(config, suspects)
        report.findings += tiers.check_findings(planned)
        report.ignored, report.notices, report.planned = planned.ignored, planned.notices, len(suspects)
    report.findings.sort()
    return report
