"""The entities command's work: one entity note for each Wikidata item the vault's notes link to under
`[wikidata] link_pattern`, made from the `entity.md` template. Free of click.

The run is planned in full before anything is written: every note's links are read (frontmatter and
body), the items' labels, descriptions and aliases come from the store or one fetch
(`props=info|labels|descriptions|aliases`, for the items whose stored terms are missing or older than
`label_max_age_days`; offline, the store alone at any age), and each item's note is planned. The
note's path is `values.item_link`'s target, the very link refresh writes, from the same stored label.

Ownership is the stubs': vaulttool rewrites only an entity note it made and nobody changed since (its
`vaulttool_stub` marker matches), and only when its facts are stale; a note made or edited by hand is
reported when it is out of date (VT520), never rewritten, and no file is ever replaced by a new one.
An item deleted upstream is reported at each link to it (VT521), a merged one too (VT523: its note is
the surviving item's). An item whose entity note exists under another name (its label changed, or
it was merged) gets no second note: `EntitiesReport.items` lists, per item, the notes found for it
by the numeric id in their names and the path wanted, for relinking to act on.
"""

from __future__ import annotations

import datetime
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from vaulttool import __version__
from vaulttool.commands import entitynote, move, relink
from vaulttool.commands.progress import ENTITIES, Progress, phase
from vaulttool.commands.writes import CREATE, UPDATE, write_all_planned
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, statcache, vault
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.note import Note, unified_diff
from vaulttool.engine.paths import check_vault_path
from vaulttool.errors import NoteError, UnsafePathError
from vaulttool.findings import Finding, unreadable
from vaulttool.tiers import layout, templates
from vaulttool.tiers.templates import Template
from vaulttool.wikidata import linkpattern, mapping
from vaulttool.wikidata.linkpattern import EntityLink
from vaulttool.wikidata.terms import Terms, link_syntax, one_line, parse_terms
from vaulttool.wikidata.values import Label, item_link

if TYPE_CHECKING:
    from vaulttool.wikidata.client import Client

PROPS = "info|labels|descriptions|aliases"
# What became of each item (Item.state).
CURRENT = "current"  # its note exists and is up to date (or made by hand and not out of date)
EDITED = "edited"  # its note was made or edited by hand and is out of date: reported, not rewritten
ELSEWHERE = "elsewhere"  # a note for it exists under another name: no second note (relinking's work)
DELETED, UNKNOWN, FAILED, REFUSED = "deleted", "unknown", "failed", "refused"


@dataclass(frozen=True, slots=True)
class LinkAt:
    """A link to an item's entity note, where it stands."""

    display: str  # how findings name the linking note
    vault_path: str  # the linking note's vault path
    line: int
    col: int
    linked: str  # the item id the link names (a merged item's own id, not its target's)
    target: str  # the link's target as written
    path: str  # the path it opens, as Obsidian reads it


@dataclass
class Item:
    """One entity note the vault's links ask for: the plan, item by item.

    `existing` are the notes found for the item, or for an id merged into it, by the numeric id in
    their names under the entity folder; `wanted` is the path its note must have for the links to
    resolve (None: no note can be written, see `state`). Where `wanted` is not among `existing`
    (`moved`), the note is to be renamed, not made again: relinking's work."""

    item: str  # the item whose note it is (a merged item's target)
    linked: list[str] = field(default_factory=list)  # the ids the links name: the item, and ids merged into it
    links: list[LinkAt] = field(default_factory=list)
    wanted: str | None = None
    existing: list[str] = field(default_factory=list)
    state: str = ""  # CURRENT, CREATE, UPDATE, EDITED, ELSEWHERE, DELETED, UNKNOWN, FAILED, REFUSED
    data: bytes | None = None  # the note as vaulttool would make it now (for a note it made and moves)

    @property
    def moved(self) -> bool:
        """Whether the note is to be renamed: no note of the item has the wanted name, spelt as the
        links spell it (a label whose letter case changed renames its note, even where the file
        system takes both spellings for one name)."""
        wanted = self.wanted
        return bool(self.existing) and wanted is not None and not any(fileio.same_spelling(p, wanted)
                                                                       for p in self.existing)


@dataclass
class Action:
    kind: str  # CREATE a note, or UPDATE a note vaulttool made
    item: str
    vault_path: str
    path: Path
    data: bytes
    snapshot: fileio.Snapshot | None = None  # what an UPDATE replaces


@dataclass
class EntitiesReport:
    items: dict[str, Item] = field(default_factory=dict)  # by the item's id (a deleted one's: the id linked)
    actions: list[Action] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what failed beside the notes: fetches, the store
    notices: list[str] = field(default_factory=list)  # what to know beside the findings
    notes: int = 0  # notes read
    cached: int = 0  # of them, those whose links came from the cache, unchanged since a run read them
    requests: int = 0
    done: list[str] = field(default_factory=list)  # lines saying what was written
    written: list[Action] = field(default_factory=list)
    fresh_labels: dict[str, Label] = field(default_factory=dict)  # what was fetched, stored when written
    fresh_terms: dict[str, Terms] = field(default_factory=dict)
    today: datetime.date = field(default_factory=datetime.date.today)
    claimed: set[str] = field(default_factory=set, repr=False)  # folded vault paths of notes planned
    relinked: move.MoveReport | None = None  # the renames and links label drift and merges ask for

    @property
    def failed(self) -> int:
        return len(self.errors)

    def summary(self) -> dict[str, int]:
        return {"items": len(self.items), "failed": self.failed, "requests": self.requests}


def run(config: Config, files: Sequence[NoteFile], client: Client | None, *, write: bool,
        today: datetime.date | None = None, log: list[str] | None = None,
        progress: Progress | None = None, prepared: Prepared | None = None) -> EntitiesReport:
    """Plan the entity notes of the notes `files` (the whole vault) link to, and write them unless
    `write` is False. `client` None: offline."""
    report = plan(config, files, client, today=today, progress=progress, prepared=prepared)
    report.relinked = relink.plan(config, report.items.values(), [a.vault_path for a in report.actions], report.findings)
    if write:
        apply(report, config, log)
    return report


@dataclass(frozen=True)
class Prepared:
    matcher: linkpattern.EntityLinks
    template: Template


def prepare(config: Config) -> Prepared:
    """The link matcher and the template, tried once: ConfigError (TemplateError among them) for a link
    pattern entity notes cannot follow or a template that cannot make a note, before anything is read."""
    matcher = linkpattern.entity_links(config.wikidata.link_pattern)
    template = vault.load_note_template(config, entitynote.TEMPLATE)
    entitynote.render(config, template, "Q1", "x", Terms("x", ("y",)), f"{matcher.folder}/x.md".lstrip("/"), False)
    return Prepared(matcher, template)


def plan(config: Config, files: Sequence[NoteFile], client: Client | None, *, today: datetime.date | None = None,
         progress: Progress | None = None, prepared: Prepared | None = None) -> EntitiesReport:
    """Read the links, get the items' facts, and plan each item's note. ConfigError for a link pattern
    entity notes cannot follow or an unusable template (see `prepare`)."""
    prepared = prepared or prepare(config)
    matcher, template = prepared.matcher, prepared.template
    report = EntitiesReport(today=today or datetime.date.today())
    links, existing = _scan(config, files, matcher, report, progress)
    if not links:
        return report
    labels, terms, unknown = _facts(config, list(links), client, report)
    groups: dict[str, Item] = {}
    for linked, found in links.items():
        if linked in unknown:
            report.items[linked] = Item(linked, [linked], found, state=unknown[linked])
            if unknown[linked] == UNKNOWN:
                report.findings.append(_at(found[0], "VT524", f"{linked} is not in the offline store "
                                                              "(.vaulttool/wikidata/): no entity note; run "
                                                              "`vaulttool entities` without --offline once"))
            continue
        label = labels[linked]
        if label.missing:
            report.items[linked] = Item(linked, [linked], found, state=DELETED)
            report.findings += [_at(link, "VT521", f"{linked} was deleted on Wikidata (or never existed): the link "
                                                   "leads nowhere; no entity note") for link in found]
            continue
        item_id = label.target or linked
        if label.target:
            report.findings += [_at(link, "VT523", f"{linked} was merged into {label.target} on Wikidata: link "
                                                   f"{label.target} instead; the entity note is {label.target}'s")
                                for link in found]
        item = groups.setdefault(item_id, Item(item_id))
        item.linked.append(linked)
        item.links += found
    for item in groups.values():
        item.existing = sorted({path for linked in {item.item, *item.linked} for path in existing.get(linked, [])})
        report.items[item.item] = item
        _plan_item(config, matcher, item, labels, terms, template, report)
    return report


def _scan(config: Config, files: Sequence[NoteFile], matcher: linkpattern.EntityLinks, report: EntitiesReport,
          progress: Progress | None) -> tuple[dict[str, list[LinkAt]], dict[str, list[str]]]:
    """(the links to entity notes by the item id they name, in the order they stand; the entity
    notes of each item id, by the numeric id in their names). A note unchanged since a run read it
    cleanly is not read again: its links come from `cache/entities.json` (see _SCAN_CACHE)."""
    links: dict[str, list[LinkAt]] = {}
    existing: dict[str, list[str]] = {}
    needle = matcher.prefix.lower().encode("utf-8")
    store = Store(config.root)
    key = fileio.digest(repr((__version__, _SCAN_FORMAT, matcher.prefix, config.wikidata.link_pattern,
                              config.max_frontmatter_bytes)).encode())[:32]
    cache = store.derived(_SCAN_CACHE, key)  # (the scan is always of the whole vault: records replace it)
    records: dict[str, Any] = {}
    since = statcache.racy_from()
    with phase(progress, ENTITIES, len(files)) as advance:
        for file in files:
            if advance is not None:
                advance(1)
            item = matcher.item_of_path(file.vault_path)
            if item is not None:
                existing.setdefault(item, []).append(file.vault_path)
            seen = statcache.file_stat(file.path)  # (before the read)
            entry: Any = cache.get(file.vault_path)
            if _still_holds(entry, seen):
                report.cached += 1
            else:
                found = _links_of(config, file, needle, matcher, report)
                if found is None:
                    continue
                entry = [seen, [[link.item, link.target, link.path, link.line, link.col] for link in found]]
            report.notes += 1
            if statcache.all_trusted([seen], since):
                records[file.vault_path] = entry
            for item_id, target, path, line, col in entry[1]:
                links.setdefault(item_id, []).append(LinkAt(file.display, file.vault_path, line, col, item_id, target,
                                                            path))
    notice = store.keep_derived(_SCAN_CACHE, key, records, "reads every note again") if records != cache else None
    report.notices += [notice] if notice else []
    return links, existing


# Each note's links to entity notes, kept while the note is unchanged: {vault path: [its stat, [[item,
# target, path, line, col], …]]}, under a key of the link pattern and the frontmatter limit. A note that
# cannot be read or parsed is not kept: it is read again, and its finding given, every run.
_SCAN_CACHE = "entities"
_SCAN_FORMAT = 1


def _still_holds(entry: Any, seen: statcache.Stat) -> bool:
    """Whether a kept entry is of the note as it is now (and of the form kept: the cache may be damaged)."""
    return (isinstance(entry, list) and len(entry) == 2 and entry[0] == seen != statcache.UNTRUSTED
            and isinstance(entry[1], list)
            and all(isinstance(link, list) and len(link) == 5 for link in entry[1]))


def _links_of(config: Config, file: NoteFile, needle: bytes, matcher: linkpattern.EntityLinks,
              report: EntitiesReport) -> list[EntityLink] | None:
    """The note's links to entity notes, or None (and the finding why) when it cannot be read."""
    try:
        data = fileio.read_bytes(file.path)
    except OSError as error:
        report.findings.append(unreadable(file.display, error).then("its links are not read"))
        return None
    if needle and needle not in data.lower():
        return []  # (no link of the pattern can be in it)
    try:
        note = Note.parse(data, config.max_frontmatter_bytes)
    except NoteError as error:
        report.findings.append(Finding(file.display, error.line, error.col, error.code, error.message)
                               .then("its links are not read"))
        return None
    return list(matcher.links(note, file.vault_path))


def _facts(config: Config, ids: list[str], client: Client | None, report: EntitiesReport
           ) -> tuple[dict[str, Label], dict[str, Terms], dict[str, str]]:
    """(labels, terms, the state of each id whose facts could not be had: UNKNOWN offline, FAILED).
    Online, the ids without current stored facts are fetched in one go; offline every stored record counts.

    A stored label that records its revision and languages is the one refresh checked against
    Wikidata's revision at its last online run, and wrote links with: it is used at any age, so the
    note's name is the links' target. An item's terms are current when read from that same revision in
    the same languages. Records from before revisions were stored count while `label_max_age_days` young."""
    settings = config.wikidata
    store = Store(config.root)
    max_age = None if client is None else settings.label_max_age_days
    labels = store.labels(max_age, report.today,
                          lambda label: label.revision is not None and label.languages == settings.languages)
    terms = store.terms(max_age, report.today, lambda held: held.revision is not None)

    def known(linked: str) -> bool:
        label = labels.get(linked)
        if label is None or label.missing:
            return label is not None
        held = terms.get(label.target or linked)
        if held is None or client is None:
            return held is not None
        if label.revision is None:  # (a label from before revisions were stored: its terms by their age alone)
            return held.revision is None
        return held.revision == label.revision and held.languages == settings.languages

    stale = [linked for linked in ids if not known(linked)]
    unknown: dict[str, str] = {}
    if not stale:
        return labels, terms, unknown
    if client is None:
        for linked in stale:
            unknown[linked] = UNKNOWN
        return labels, terms, unknown
    languages = settings.languages
    answer = client.get_entities(stale, PROPS, tuple(dict.fromkeys((*languages, "en"))), fallback=True)
    report.requests = client.requests_made
    for linked, reason in answer.failed.items():
        unknown[linked] = FAILED
        report.errors.append(f"{linked}: could not be had from Wikidata ({reason}); its entity note is as it was")
    for linked, entity in answer.entities.items():
        label = mapping.parse_label(entity, languages)
        report.fresh_labels[linked] = label
        if label.missing:
            continue
        report.fresh_terms[entity["id"]] = parse_terms(entity, languages)  # (a redirect's: the target's)
        if label.target:
            report.fresh_labels[label.target] = Label(label.text)
    for problems in answer.problems.values():
        report.notices += problems
    report.notices += [f"Wikidata warns: {warning}" for warning in answer.warnings]
    labels.update(report.fresh_labels)
    terms.update(report.fresh_terms)
    return labels, terms, unknown


def _at(link: LinkAt, code: str, message: str) -> Finding:
    return Finding(link.display, link.line, link.col, code, message)


def _plan_item(config: Config, matcher: linkpattern.EntityLinks, item: Item, labels: dict[str, Label],
               terms: dict[str, Terms], template: Template, report: EntitiesReport) -> None:
    first = item.links[0]
    link = item_link(item.linked[0], labels, config.wikidata)
    assert link is not None  # (the item is not missing)
    item.wanted = wanted = matcher.note_path(link)
    try:
        check_vault_path(wanted)
        target = fileio.safe_target(config.root, matcher.folder, wanted)
    except UnsafePathError as error:
        item.state = REFUSED
        report.findings.append(_at(first, "VT414", f"refused: the entity note of {item.item}: {error}; not written"))
        return
    tiered = layout.standard_parts(wanted, config.tiers) is not None
    if tiered and all(layout.tier_of_folder(link.vault_path, config.tiers) for link in item.links):
        # Its stubs would show in every tier what only a tier note links to.
        item.state = REFUSED
        report.notices.append(f"{item.item} is linked only from tier notes: no entity note, as its tier stubs "
                              "would show the link in lower tiers")
        return
    label = one_line(labels[item.linked[0]].text or "") or item.item
    for term in link_syntax(label, terms[item.item]):
        report.findings.append(_at(first, "VT502", f"{item.item}: {term} holds link syntax, which Obsidian would "
                                                   "read as a link; not written in its entity note's frontmatter"))
    facts, data = entitynote.render(config, template, item.item, label, terms[item.item], wanted, tiered)
    item.data = data
    wanted_folded = fileio.folded(wanted)
    here = next((path for path in item.existing if fileio.same_spelling(path, wanted)), None)
    respelt = here is None and any(fileio.folded(path) == wanted_folded for path in item.existing)
    if here is not None:
        target = config.root / here
    elif respelt or not (target.exists() or target.is_symlink()):
        if item.existing:
            item.state = ELSEWHERE  # renamed to `wanted` by `relink`, when there is one such note
            if len(item.existing) > 1:
                report.notices.append(f"{item.item}: its entity notes {', '.join(item.existing)} are not where the "
                                      f"links lead ({wanted}); no second note is made: keep one, named {wanted}")
            return
        if wanted_folded in report.claimed or fileio.exists_in_any_spelling(config.root, wanted):
            item.state = REFUSED
            report.findings.append(_at(first, "VT414", f"refused: {wanted} would be one file with another on macOS "
                                                       "and Windows; not written"))
            return
        report.claimed.add(wanted_folded)
        item.state = CREATE
        report.actions.append(Action(CREATE, item.item, wanted, target, data))
        return
    _plan_existing(config, item, here or wanted, target, facts, data, report)


def _plan_existing(config: Config, item: Item, vault_path: str, target: Path, facts: dict[str, Any], data: bytes,
                   report: EntitiesReport) -> None:
    """The item's note exists where the links lead: updated when vaulttool made it and its facts are
    stale, reported when it was made or edited by hand and is out of date; never replaced otherwise."""
    shown = vault.display_path(target)
    try:
        if not stat.S_ISREG(os.stat(target).st_mode):  # a folder or a FIFO (a read would block)
            raise UnsafePathError(f"{item.wanted} exists and is not a file")
        snapshot = fileio.read_snapshot(target)
    except UnsafePathError as error:
        item.state = REFUSED
        report.findings.append(Finding(shown, 1, 1, "VT414", f"refused: {error}; not written"))
        return
    except OSError as error:
        item.state = REFUSED
        report.findings.append(unreadable(shown, error).then("not checked against Wikidata"))
        return
    try:
        note = Note.parse(snapshot.data, config.max_frontmatter_bytes)
    except NoteError as error:
        item.state = REFUSED
        report.findings.append(Finding(shown, error.line, error.col, error.code, error.message)
                               .then("not checked against Wikidata"))
        return
    values = note.values()
    if templates.is_untouched(snapshot.data):
        item.state = CURRENT
        if templates.facts_differ(values, facts) and data != snapshot.data:
            item.state = UPDATE
            report.actions.append(Action(UPDATE, item.item, vault_path, target, data, snapshot))
        return
    stale = entitynote.stale_by_hand(values, facts, config.schema.id_key)
    item.state = EDITED if stale else CURRENT
    if stale:
        entry = next((entry for entry in note.entries() if entry.key == stale[0]), None)
        line, col = note.file_position(entry.key_node) if entry is not None else (1, 1)
        report.findings.append(Finding(shown, line, col, "VT520", f"entity note of {item.item} edited by hand and "
                                                                  f"out of date with Wikidata (its {' and '.join(stale)}"
                                                                  "); not rewritten"))


def diff(action: Action) -> str:
    return unified_diff(action.snapshot.data if action.snapshot else None, action.data, action.vault_path)


def apply(report: EntitiesReport, config: Config, log: list[str] | None = None) -> None:
    """Write the planned notes, then store the facts fetched; a note that cannot be written becomes a
    finding and the rest go on. Each line of `report.done` (and of `log`) is added once its file is written."""
    def written(action: Action, refused: Finding | None) -> None:
        if refused is not None:
            report.findings.append(refused)
            return
        line = f"{'created' if action.kind == CREATE else 'updated'} {action.vault_path}"
        report.done.append(line)
        report.written.append(action)
        if log is not None:
            log.append(line)

    write_all_planned(report.actions, written)
    if report.relinked is not None:
        move.apply(report.relinked, log)
        report.done += report.relinked.done
        report.findings += report.relinked.findings
        if report.relinked.failed:
            report.errors.append("some entity notes could not be renamed, or links rewritten (see the findings)")
    store = Store(config.root)
    try:
        if report.fresh_labels:
            store.save_labels(report.fresh_labels, report.today)
        if report.fresh_terms:
            store.save_terms(report.fresh_terms, report.today)
    except OSError as error:
        report.errors.append(f"the answers were not stored ({error.filename}: {error.strerror}); the next run "
                             "asks Wikidata again")


def created_files(report: EntitiesReport) -> list[NoteFile]:
    """The notes this run created, as discovery lists them (for tiers, in the same sync)."""
    return [NoteFile(str(action.path), action.vault_path, vault.display_path(action.path))
            for action in report.written if action.kind == CREATE]
