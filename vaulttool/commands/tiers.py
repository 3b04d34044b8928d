"""The tiers command's work: plan each standard note's stubs and links section, then check or write.
Free of click.

A plan is made in full before anything is written, and a note whose plan hits an unsafe path or an
unreadable file gets nothing written at all. Stubs are only ever created (never replacing a file);
an existing stub is updated only while it still holds exactly what vaulttool wrote.
"""

from __future__ import annotations

import datetime
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Collection, Sequence

from vaulttool import __version__
from vaulttool.commands import move
from vaulttool.commands.pool import parallel_map
from vaulttool.commands.progress import TIERS_PLAN, TIERS_WRITE, Progress, phase
from vaulttool.commands.writes import CREATE, UPDATE, write_all_planned
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, statcache, vault
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.ids import is_item_id
from vaulttool.engine.note import BOM, Note, unified_diff
from vaulttool.engine.paths import conflict_copy
from vaulttool.engine.scalars import DateText
from vaulttool.errors import (
    NoteError,
    UnsafePathError,
    VaultToolError,
)
from vaulttool.findings import Finding, unreadable
from vaulttool.rules import checks
from vaulttool.tiers import layout, section, templates
from vaulttool.tiers.templates import Template


@dataclass
class Action:
    kind: str  # CREATE a stub, or UPDATE an existing file
    vault_path: str
    path: Path
    data: bytes
    snapshot: fileio.Snapshot | None = None  # what an UPDATE replaces
    what: str = ""  # "stub", "stub facts" or "links section"
    source: str = ""  # how findings name the standard note the action is for
    line: int = 1  # where in the standard note findings point: the links section's heading
    missing: bool = False  # a links section to append at the end (else one to bring up to date)


@dataclass
class TiersReport:
    actions: list[Action] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # what is wrong or was refused
    done: list[str] = field(default_factory=list)  # lines saying what was written
    written: list[Action] = field(default_factory=list)  # the actions carried out
    ignored: dict[str, frozenset[str]] = field(default_factory=dict)  # standard notes' vaulttool_ignore codes
    notices: list[str] = field(default_factory=list)  # what the user should know beside the findings
    cached: int = 0  # standard notes whose plan came from the cache, no file of theirs read
    # Stubs of renamed standard notes, moved after them (with every link to the old names) instead of
    # new ones made: `move` plans, made before anything else is planned.
    moves: list[move.MoveReport] = field(default_factory=list)
    # The names in each folder read so far, by their folded form (as macOS and Windows compare names):
    # every spelling there, and the stubs planned so far, for two notes must not become one file there.
    names: dict[Path, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    # Each standard note's plan as its worker made it, with the stubs moved to it: a second plan of the
    # same run (under the writer lock) takes it again for a note none of whose files changed since.
    plans: dict[str, tuple[frozenset[str], _NotePlan]] = field(default_factory=dict, repr=False)

    def _spellings(self, folder: Path) -> dict[str, list[str]]:
        spellings = self.names.get(folder)
        if spellings is None:
            spellings = self.names[folder] = fileio.folded_names(folder)
        return spellings

    def spelt_alike(self, root: Path, vault_path: str) -> str | None:
        """Another file or folder of the vault, sorted before it, that would be one with a part of
        `vault_path` on macOS and Windows (`A.md` beside `a.md`): a note that cannot live in a vault
        shared with them, even when the stubs of both exist already."""
        folder, parent = root, ""
        for part in vault_path.split("/"):
            # The first spelling in the vault's order keeps its tiers, as when the second is added later.
            spellings = self._spellings(folder).get(fileio.folded(part), [])
            other = min((name for name in spellings if name < part), default=None)
            if other is not None:
                return f"{parent}{other}"
            folder, parent = folder / part, f"{parent}{part}/"
        return None

    def claim(self, target: Path, vault_path: str) -> None:
        """Reserve a new file's name in its folder; UnsafePathError when another name folds to it."""
        folder = self._spellings(target.parent)
        key = fileio.folded(target.name)
        if key in folder:  # a file there, or a stub this run plans (for another note spelt alike)
            raise UnsafePathError(f"{vault_path} and {folder[key][0]} would be one file on macOS and Windows "
                                  "(their names differ only in case or Unicode normalisation)")
        folder[key] = [target.name]


def run(config: Config, files: Sequence[NoteFile], write: bool, log: list[str] | None = None,
        progress: Progress | None = None, whole_vault: bool = False) -> TiersReport:
    """Plan every note's stubs and links section, and write them unless `write` is False."""
    report = plan(config, files, progress=progress, whole_vault=whole_vault)
    if write:
        apply(report, log, progress)
    return report


# A standard note's plan is kept (cache/tiers.json) while it needs nothing written: [its stat, [[a
# sibling's vault path, its stat (ABSENT: none)], …], findings as [which, line, col, code, message]
# (which: -1 the note itself, else the sibling's index), its vaulttool_ignore codes comma-separated].
# Each of those files unchanged (disk/statcache), the plan is the same: nothing else goes into it but
# the settings and templates, which are the cache's key.
_CACHE = "tiers"
_FORMAT = 1
_NOT_KEPT = frozenset({"VT110", "VT414"})  # a file unreadable or a path refused: planned again each run


@dataclass(slots=True)
class _NotePlan:
    """One standard note's plan, as a worker returns it."""

    actions: list[Action]
    findings: list[Finding]
    ignored: frozenset[str]
    stats: list[statcache.Stat]  # of the note, then of each sibling, taken before either was read
    kept: bool = False  # nothing to write, nothing refused: the plan holds while no file of it changes


def plan(config: Config, files: Sequence[NoteFile], today: datetime.datetime | None = None,
         validated: Sequence[Finding] | None = None, progress: Progress | None = None,
         whole_vault: bool = False, earlier: TiersReport | None = None) -> TiersReport:
    """Plan the stubs and links sections of `files`. `validated`: validate's findings for these very
    files, just made (the hook's `check`), so their structure need not be checked again here.
    `whole_vault`: `files` are all the vault's notes, so the cache keeps no others. `earlier`: this
    run's plan of the same files a moment ago (before it took the writer lock), whose note plans hold
    where none of a note's files changed since: a change by another vaulttool gives a file a new inode
    or makes it appear, and an edit by anyone else is caught when the file is written (its snapshot).
    `progress` gets one phase, a step a standard note and one for all the other files (a stat each,
    some thousand times quicker than a plan: counted one by one, they made the bar's ETA that much
    too long)."""
    report = TiersReport()
    settings = config.tiers
    standards = [file for file in files if layout.standard_parts(file.vault_path, settings) is not None]
    loaded = vault.load_templates(config) if standards else {}
    check_settings = checks.CheckSettings.of(config)
    store = Store(config.root)
    key = _cache_key(config, check_settings, loaded)
    keep = whole_vault or len(standards) >= statcache.CACHE_FROM
    cache = store.derived(_CACHE, key) if keep else {}
    records: dict[str, Any] = {} if whole_vault else dict(cache)
    known: dict[str, list[Finding]] | None = None
    if validated is not None:
        known = {}
        for finding in validated:
            known.setdefault(finding.path, []).append(finding)
    with phase(progress, TIERS_PLAN, len(standards) + 1) as advance:
        planning: list[tuple[NoteFile, list[layout.Sibling]]] = []
        for file in standards:
            if _may_have_tiers(config, file, report):
                entry = cache.get(file.vault_path)
                if entry is not None and _still_holds(config.root, file, entry):
                    records[file.vault_path] = entry
                    _reuse(config.root, file, entry, report)
                    report.cached += 1
                else:
                    siblings = _siblings(config, file, report)
                    if siblings is not None:
                        planning.append((file, siblings))
                        continue  # (counted as it is planned)
            if advance is not None:
                advance(1)
        report.moves, found = move.recover(config, [file.vault_path for file, _ in planning])
        report.findings += found
        moving = {new for planned in report.moves for new in planned.moves.values()}
        moved = {old for planned in report.moves for old in planned.moves}
        tasks = [(file, siblings, known.get(file.display, []) if known is not None else None,
                  frozenset(path for path in [file.vault_path, *(s.vault_path for s in siblings)] if path in moving))
                 for file, siblings in planning]
        again = _plans_still_holding(config.root, tasks, earlier)
        if advance is not None and again:
            advance(len(again))
        fresh = iter(parallel_map(_plan_task, [task for task in tasks if task[0].vault_path not in again],
                                  config.jobs, _setup_planning,
                                  (config, check_settings, loaded, today or datetime.datetime.now()), advance))
        planned = [again.get(task[0].vault_path) or next(fresh) for task in tasks]
        since = statcache.racy_from()
        for (file, siblings, _, moving_here), note_plan in zip(tasks, planned):
            report.plans[file.vault_path] = (moving_here, replace(note_plan, actions=list(note_plan.actions),
                                                                  findings=list(note_plan.findings)))
            _claim_new_stubs(file, note_plan, report)
            report.findings += note_plan.findings
            report.actions += note_plan.actions
            if note_plan.ignored:
                report.ignored[file.display] = note_plan.ignored
            record = _record(config.root, file, siblings, note_plan, since) if keep else None
            if record is not None:
                records[file.vault_path] = record
            else:
                records.pop(file.vault_path, None)
        named = {file.vault_path for file in files}
        standard_paths = {file.vault_path for file in standards}
        for file in files:
            if file.vault_path not in standard_paths and file.vault_path not in moved:
                _check_orphan(config, file, named, report)
        if advance is not None:
            advance(1)
    report.findings.sort()
    notice = store.keep_derived(_CACHE, key, records, "plans every note again") if keep and records != cache else None
    report.notices += [notice] if notice else []
    return report


_Task = tuple[NoteFile, list[layout.Sibling], list[Finding] | None, frozenset[str]]


def _plans_still_holding(root: Path, tasks: list[_Task], earlier: TiersReport | None) -> dict[str, _NotePlan]:
    """The plans of `earlier` (as their workers made them: see TiersReport.plans) that hold for these
    tasks: the same stubs moved, the same files."""
    if earlier is None:
        return {}
    holding: dict[str, _NotePlan] = {}
    for file, siblings, _, moving in tasks:
        found = earlier.plans.get(file.vault_path)
        if found is not None and found[0] == moving and found[1].stats == _stats(root, file, siblings):
            holding[file.vault_path] = found[1]
    return holding


def _stats(root: Path, file: NoteFile, siblings: list[layout.Sibling]) -> list[statcache.Stat]:
    return [statcache.file_stat(file.path), *(statcache.file_stat(root / s.vault_path) for s in siblings)]


def _cache_key(config: Config, check_settings: checks.CheckSettings, loaded: dict[str, Template]) -> str:
    made_with = (__version__, _FORMAT, config.tiers, config.schema, check_settings, sorted(loaded.items()))
    return fileio.digest(repr(made_with).encode())[:32]


def _may_have_tiers(config: Config, file: NoteFile, report: TiersReport) -> bool:
    """False (and the finding why) for a standard note that gets no stubs: a sync client's conflict
    copy, or a note spelt like another but for case or Unicode form."""
    client = conflict_copy(file.vault_path)
    if client is not None:
        report.findings.append(_finding(file, "VT418", f"a conflict copy made by {client}: no tier stubs or links "
                                                       "section; merge it into its original and delete it"))
        return False
    alike = report.spelt_alike(config.root, file.vault_path)
    if alike is not None:
        report.findings.append(_finding(file, "VT414", f"refused: {file.vault_path} and {alike} would be one file on "
                                                       "macOS and Windows (their names differ only in case or Unicode "
                                                       "normalisation); nothing written for this note"))
        return False
    return True


def _siblings(config: Config, file: NoteFile, report: TiersReport) -> list[layout.Sibling] | None:
    """The note's tier siblings, or None (and the finding why) when a path is unsafe or a sibling's
    folder cannot be read (whether its stub exists cannot then be told)."""
    try:
        siblings = layout.siblings(file.vault_path, config.tiers)
    except UnsafePathError as error:
        report.findings.append(_finding(file, "VT414", f"refused: {error}; nothing written for this note"))
        return None
    for sibling in siblings:
        blocked = fileio.unreadable_folder(config.root, sibling.vault_path)
        if blocked is not None:
            folder, error = blocked
            report.findings.append(_finding(file, "VT110", f"cannot read the folder {folder or '.'}: {error.strerror}; "
                                                           "no tier stubs or links section written"))
            return None
    return siblings


def _still_holds(root: Path, file: NoteFile, entry: list[Any]) -> bool:
    """Whether the note and each of its siblings is the file it was when the plan was kept."""
    top = vault.folder_prefix(str(root))  # (a string, not a Path: a warm run of a large vault is mostly this)
    return statcache.file_stat(file.path) == entry[0] and all(
        statcache.file_stat(top + path) == stat for path, stat in entry[1])


def _record(root: Path, file: NoteFile, siblings: list[layout.Sibling], note_plan: _NotePlan,
            since: int) -> list[Any] | None:
    """The plan as the cache keeps it, or None for one that cannot be kept (see _NotePlan.kept), or
    whose files changed too recently to be told apart from a change to come (statcache.RACY_NS)."""
    places = {file.display: -1, **{vault.display_path(root / s.vault_path): index for index, s in enumerate(siblings)}}
    if not note_plan.kept or not statcache.all_trusted(note_plan.stats, since) or any(
            f.path not in places for f in note_plan.findings):
        return None
    return [note_plan.stats[0], [[s.vault_path, stat] for s, stat in zip(siblings, note_plan.stats[1:])],
            [[places[f.path], f.line, f.col, f.code, f.message] for f in note_plan.findings],
            ",".join(sorted(note_plan.ignored))]


def _reuse(root: Path, file: NoteFile, entry: list[Any], report: TiersReport) -> None:
    for which, line, col, code, message in entry[2]:
        path = file.display if which < 0 else vault.display_path(root / entry[1][which][0])
        report.findings.append(Finding(path, line, col, code, message))
    if entry[3]:
        report.ignored[file.display] = frozenset(entry[3].split(","))


def _claim_new_stubs(file: NoteFile, note_plan: _NotePlan, report: TiersReport) -> None:
    """Reserve the names of the note's new stubs, in the order of the notes: a stub another note's
    spelt alike claimed first refuses this note's whole plan."""
    for action in note_plan.actions:
        if action.kind != CREATE:
            continue
        try:
            report.claim(action.path, action.vault_path)
        except UnsafePathError as error:
            note_plan.findings.append(_finding(file, "VT414", f"refused: {error}; nothing written for this note"))
            note_plan.actions, note_plan.kept = [], False
            return


# Per process: what `_setup_planning` was given (once per worker, not once per note).
_planning: tuple[Config, checks.CheckSettings, dict[str, Template], datetime.datetime] | None = None


def _setup_planning(config: Config, check_settings: checks.CheckSettings, loaded: dict[str, Template],
                    now: datetime.datetime) -> None:
    global _planning
    _planning = (config, check_settings, loaded, now)


def _plan_task(task: _Task) -> _NotePlan:
    file, siblings, known, moving = task
    assert _planning is not None
    config, check_settings, loaded, now = _planning
    # Stats before reads: a file changed while it is read then fails to match next time.
    stats = _stats(config.root, file, siblings)
    note_plan = _NotePlan([], [], frozenset(), stats)
    _plan_standard(config, check_settings, known, file, siblings, loaded, now, note_plan, moving)
    note_plan.kept = not note_plan.actions and not moving and not any(f.code in _NOT_KEPT for f in note_plan.findings)
    return note_plan


def _last_line(text: str) -> int:
    """The number of the text's last line (a final line ending starts no line of its own)."""
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def _finding(file: NoteFile, code: str, message: str, line: int = 1, col: int = 1) -> Finding:
    return Finding(file.display, line, col, code, message)


def _check_orphan(config: Config, file: NoteFile, named: Collection[str], report: TiersReport) -> None:
    located = layout.standard_of(file.vault_path, config.tiers)
    if located is None:
        return
    tier, standard = located
    if standard not in named and not fileio.exists_in_any_spelling(config.root, standard):
        report.findings.append(_finding(file, "VT413", f"orphaned {tier} note: its standard note {standard} does not exist"))


def _read_checked(file: NoteFile, data: bytes, settings: checks.CheckSettings,
                  known: list[Finding] | None) -> checks.NoteReport:
    """The note and its structural findings: from validate's findings when it just checked the note
    (`known`), else checked here."""
    if known is None:
        return checks.check_before_edit(file.display, file.vault_path, data, settings)
    report = checks.NoteReport(file.display, [f for f in known if f.code in checks.STRUCTURAL])
    if not report.findings:
        try:
            report.note = Note.parse(data, settings.max_frontmatter_bytes)
        except NoteError as error:  # (it changed since validate read it)
            report.findings.append(Finding(file.display, error.line, error.col, error.code, error.message))
    return report


def _plan_standard(config: Config, check_settings: checks.CheckSettings, known: list[Finding] | None,
                   file: NoteFile, siblings: list[layout.Sibling], loaded: dict[str, Template],
                   now: datetime.datetime, note_plan: _NotePlan, moving: Collection[str] = ()) -> None:
    settings = config.tiers
    actions: list[Action] = []
    findings = note_plan.findings
    try:
        targets = [fileio.safe_target(config.root, settings.folder(s.tier), s.vault_path) for s in siblings]
        snapshot = fileio.read_snapshot(file.path)
    except UnsafePathError as error:
        findings.append(_finding(file, "VT414", f"refused: {error}; nothing written for this note"))
        return
    except OSError as error:
        findings.append(unreadable(file.display, error))
        return
    checked = _read_checked(file, snapshot.data, check_settings, known)
    note_plan.ignored = checked.ignored
    if checked.structural or checked.note is None:
        findings.append(checked.structural[0].then("no tier stubs or links section written"))
        return
    note = checked.note
    source = file.vault_path[:-3]
    values = note.values()  # ({} without frontmatter or a mapping)
    wikidata_id = values.get(config.schema.id_key)
    if not is_item_id(wikidata_id):
        wikidata_id = None
    for sibling, target in zip(siblings, targets):
        if sibling.vault_path in moving:
            continue  # a stub moved here after its renamed standard note
        facts = templates.stub_facts(config, sibling.tier, source, wikidata_id)
        try:
            action = _plan_stub(file, sibling, target, loaded[sibling.tier], facts, wikidata_id, now, findings)
        except VaultToolError as error:
            findings.append(_finding(file, "VT414", f"refused: {error}; nothing written for this note"))
            return
        if action is not None:
            actions.append(action)
    if file.vault_path in moving:  # its move rewrites its links section
        note_plan.actions = actions
        return
    head = note.text[: note.body_start] if note.has_frontmatter else ""

    def line_of(section_found: section.Section) -> int:  # the file line of a section's heading
        return note.text.count("\n", 0, len(head) + section_found.start) + 1

    planned = section.plan(note.body, file.vault_path, settings, section.line_ending_before(head, len(head)), siblings)
    # A missing section is appended after the body's last line: that is where `--check` points.
    line = _last_line(note.text) if planned.section is None else line_of(planned.section)
    for offset in planned.foreign:
        findings.append(_finding(file, "VT420", "this link line in the links section links none of the note's "
                                                "tiers: not vaulttool's, kept as it is",
                                 note.text.count("\n", 0, len(head) + offset) + 1))
    if len(planned.sections) > 1:
        second = line_of(planned.sections[1])
        findings.append(_finding(file, "VT419", f"a second links section on line {second}; vaulttool "
                                                "changes neither: keep one", line))
    elif planned.body is not None:
        data = (BOM if note.bom else b"") + (head + planned.body).encode("utf-8")
        if templates.is_untouched(snapshot.data):  # a note vaulttool made (an entity note) stays vaulttool's
            data = templates.resealed(data)
        actions.append(Action(UPDATE, file.vault_path, Path(file.path), data, snapshot, "links section", file.display,
                              line, missing=planned.section is None))
    note_plan.actions = actions


def _plan_stub(file: NoteFile, sibling: layout.Sibling, target: Path, template: Template, facts: dict[str, Any],
               wikidata_id: str | None, now: datetime.datetime, findings: list[Finding]) -> Action | None:
    if not target.exists():
        variables = {
            "title": sibling.name, "date": DateText(now.strftime("%Y-%m-%d")), "time": now.strftime("%H:%M"),
            "tier": sibling.tier, "source_link": facts["source"],
            "source_title": file.vault_path.rsplit("/", 1)[-1][:-3], "wikidata_id": wikidata_id or "",
        }
        return Action(CREATE, sibling.vault_path, target, templates.stub(template, variables, facts), None, "stub",
                      file.display)
    try:
        if not stat.S_ISREG(os.stat(target).st_mode):  # a folder or a FIFO where a stub belongs (a read would block)
            raise UnsafePathError(f"{sibling.vault_path} exists and is not a file")
        snapshot = fileio.read_snapshot(target)
    except OSError as error:
        findings.append(unreadable(vault.display_path(target), error))
        return None
    try:
        current = Note.parse(snapshot.data).values()
    except NoteError:
        current = {}
    if not templates.facts_differ(current, facts):
        return None
    if not templates.is_untouched(snapshot.data):
        findings.append(Finding(vault.display_path(target), 1, 1, "VT415",
                                "stub edited by hand and out of date with its standard note; not updated"))
        return None
    return Action(UPDATE, sibling.vault_path, target, templates.update_facts(snapshot.data, facts), snapshot,
                  "stub facts", vault.display_path(target))


def check_findings(report: TiersReport) -> list[Finding]:
    """What `--check` reports: every planned action as a finding, and the findings themselves."""
    findings = list(report.findings)
    for planned in report.moves:
        standard = next(new for new in planned.moves.values() if new not in {r.new for r in planned.renames})
        stubs = len(planned.renames)
        findings.append(Finding(vault.display_path(planned.root / standard), 1, 1, "VT530",
                                f"tier stubs of a renamed standard note: `vaulttool tiers` moves {stubs} stubs "
                                f"after it and rewrites {len(planned.rewrites)} notes' links"))
    for action in report.actions:
        if action.kind == CREATE:
            findings.append(Finding(action.source, 1, 1, "VT411", f"missing tier stub {action.vault_path}"))
        elif action.what == "links section":
            message = ("links section missing: `vaulttool tiers` appends it after this line" if action.missing
                       else "links section out of date: `vaulttool tiers` rewrites it")
            findings.append(Finding(action.source, action.line, 1, "VT412", message))
        else:
            findings.append(Finding(action.source, 1, 1, "VT416", "stub out of date with its standard note"))
    return sorted(findings)


def diff(action: Action) -> str:
    return unified_diff(action.snapshot.data if action.snapshot else None, action.data, action.vault_path)


def apply(report: TiersReport, log: list[str] | None = None, progress: Progress | None = None) -> None:
    """Write the planned actions; one that cannot be written becomes a finding, the rest go on. Each
    line of `report.done` (and of `log`) is added as soon as its file is written. `progress` gets
    one phase, a step an action (written or not)."""
    for planned in report.moves:
        move.apply(planned, log)
        report.done += planned.done
        report.findings += planned.findings
    with phase(progress, TIERS_WRITE, len(report.actions)) as advance:

        def written(action: Action, refused: Finding | None) -> None:
            if refused is not None:
                report.findings.append(refused)
            else:
                line = (f"created {action.vault_path}" if action.kind == CREATE
                        else f"updated {action.what} in {action.vault_path}")
                report.done.append(line)
                report.written.append(action)
                if log is not None:
                    log.append(line)
            if advance is not None:
                advance(1)

        write_all_planned(report.actions, written)
