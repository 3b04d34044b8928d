"""The refresh command's work: read the notes, get their entities and labels (from the store, or the
client), plan each note's changes, and write the notes that change. Free of click.

Nothing is written for a note whose entity or labels could not be had: it is reported with the reason
and stays byte-identical. Every answer was validated by the client before it gets here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from vaulttool.commands.progress import REFRESH, Progress, phase
from vaulttool.commands.refreshcache import NAMES_NO_ITEM, RefreshCache
from vaulttool.commands.scan import holder_of, notes_mentioning
from vaulttool.config.settings import Config, WikidataConfig
from vaulttool.disk import fileio, statcache
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.ids import ITEM_ID_FORM, is_item_id
from vaulttool.engine.note import Note, same_value, unified_diff
from vaulttool.errors import ConcurrentChangeError, EditError, NoteError, ProtectedFileError, UsageError
from vaulttool.findings import Finding, unreadable
from vaulttool.rules import checks
from vaulttool.tiers.layout import tier_of_folder
from vaulttool.tiers.templates import MARKER_KEY
from vaulttool.wikidata import mapping
from vaulttool.wikidata.plan import Bindings, NoteData, OwnKey, bind_new_properties, plan_note
from vaulttool.wikidata.values import Label, revision_id

if TYPE_CHECKING:
    from vaulttool.wikidata.client import Client, FetchResult

UNCHANGED, CHANGED, WOULD_CHANGE, FAILED = "unchanged", "changed", "would change", "failed"
# The note itself cannot be read, or does not read cleanly enough to edit: `validate` says why.
UNREADABLE = "unreadable"


@dataclass
class NoteOutcome:
    display: str
    entity_id: str
    status: str = UNCHANGED
    reason: str = ""
    keys: list[str] = field(default_factory=list)  # the keys that change
    messages: list[str] = field(default_factory=list)
    diff: str = ""
    data: bytes | None = None  # the note as written (or as it would be), when the run was asked to keep it
    finding: Finding | None = None  # why the note was not refreshed, as a finding, where there is one
    notices: list[Finding] = field(default_factory=list)  # what was left alone in a refreshed note


@dataclass
class RefreshReport:
    outcomes: list[NoteOutcome]
    requests: int
    errors: list[str] = field(default_factory=list)  # what went wrong beside the notes (the store)
    warnings: list[str] = field(default_factory=list)  # what the answers said beside the notes
    ignored: dict[str, frozenset[str]] = field(default_factory=dict)  # notes' vaulttool_ignore codes
    cached: int = 0  # notes found up to date by the cache (offline), not read

    @property
    def findings(self) -> list[Finding]:
        """Why notes were not refreshed, and what was left alone in those that were (VT501)."""
        return [finding for o in self.outcomes for finding in ([o.finding] if o.finding else []) + o.notices]

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def summary(self) -> dict[str, int]:
        """Counts of the refresh: `failed`, what went wrong in refreshing; `skipped`, the notes left
        alone because they do not read cleanly (their findings say why)."""
        return {"checked": len(self.outcomes), "changed": self.count(CHANGED) + self.count(WOULD_CHANGE),
                "failed": self.count(FAILED) + len(self.errors), "skipped": self.count(UNREADABLE),
                "requests": self.requests}


@dataclass
class _Note:
    file: NoteFile
    snapshot: fileio.Snapshot
    parsed: Note
    values: dict[str, Any]
    outcome: NoteOutcome
    report: checks.NoteReport  # validate's findings, for the keys an edit would touch
    stat: statcache.Stat  # taken before the note was read (UNTRUSTED when the run keeps no cache)


def item_ids(qids: Sequence[str]) -> frozenset[str] | None:
    """The `--qid` values as a set (None: all notes); a value that is no item id is a usage error,
    not a filter that silently matches nothing."""
    bad = [qid for qid in qids if not is_item_id(qid)]
    if bad:
        raise UsageError(f"--qid {bad[0]!r} is not a Wikidata item id ({ITEM_ID_FORM})")
    return frozenset(qids) if qids else None


def client_for(config: Config, offline: bool) -> Client | None:
    """The Wikidata client for a run; None offline. requests is imported only here, when needed."""
    if offline:
        return None
    from vaulttool.wikidata import client

    return client.Client(client.make_session(), config.wikidata)


def run(config: Config, files: Sequence[NoteFile], client: Client | None, *, write: bool, diff: bool = False,
        fix_redirects: bool = False, qids: frozenset[str] | None = None,
        allow_removals: bool = False, today: datetime.date | None = None, as_of: datetime.date | None = None,
        rest_of_vault: Callable[[], Iterable[NoteFile]] | None = None,
        progress: Progress | None = None, log: list[str] | None = None,
        keep_data: bool = False) -> RefreshReport:
    """Refresh `files`. `client` None means offline: the store alone answers. `today` only ages the
    stored labels; `as_of` is the day `current_only` properties are judged at (default: each entity's
    last edit). `log` gets a line for each note as soon as it is written (what an interrupted run can
    still say it did). `rest_of_vault`, for a run over part of the vault, lists the other notes:
    they are asked whether they hold a key a new property would be bound to. `keep_data` keeps each
    changed note's new bytes in its outcome (`vaulttool new` reads them, written or not)."""
    today = today or datetime.date.today()
    settings = config.wikidata
    store = Store(config.root)
    files = [file for file in files if tier_of_folder(file.vault_path, config.tiers) is None]  # (see _read_notes)
    recorded, adopting = store.key_bindings()
    bindings = Bindings(settings.properties, recorded, settings.rename, adopting=adopting)
    # (Only the plain offline run, sync's: another run's options may change what a note needs.)
    plain = client is None and as_of is None and not adopting and not fix_redirects and not allow_removals
    cache = RefreshCache.open(config, store, files, usable=plain, whole_vault=rest_of_vault is None)
    up_to_date, to_read = _split(files, cache, qids)
    notes, outcomes = _read_notes(to_read, config, qids, cache)
    said = _Said()
    previous = {entity_id: _stored(store, entity_id, said) for entity_id in sorted({n.outcome.entity_id for n in notes})}
    if up_to_date and _new_properties(bindings, previous.values()):
        # Deciding a new property's key asks every note whether it holds that key: read them all.
        more, more_outcomes = _read_notes([file for file, _ in up_to_date], config, qids, cache)
        notes, outcomes, up_to_date = notes + more, outcomes + more_outcomes, []
        previous.update({n.outcome.entity_id: _stored(store, n.outcome.entity_id, said) for n in more
                         if n.outcome.entity_id not in previous})
    # One step a note refreshed (the notes that name an item, as --qid selects them): the fetching
    # happens within the phase, at 0%, and each note counts once it is written or has failed.
    with phase(progress, REFRESH, len(notes) + len(up_to_date)) as advance:
        if advance is not None and up_to_date:
            advance(len(up_to_date))
        ids = sorted(previous)
        current, fetched, failed = _entities(ids, previous, client, said)
        needed = {entity_id: _needed_labels(entity, as_of, settings)
                  for entity_id, entity in current.items() if "missing" not in entity}
        label_ids = list(dict.fromkeys(label_id for ids_needed in needed.values() for label_id in ids_needed))
        labels, fresh_labels, failed_labels = _labels(label_ids, store, client, settings.languages,
                                                      today, said)

        ready: list[_Note] = []
        deciding: list[NoteData] = []  # what the planner needs of each note ready
        for note in notes:
            outcome = note.outcome
            entity_id = outcome.entity_id
            if entity_id in failed:
                _fail(outcome, failed[entity_id])
                continue
            entity = current[entity_id]
            if "missing" in entity:
                _fail(outcome, f"{entity_id} does not exist on Wikidata (deleted, or never created)")
                continue
            missing_labels = sorted(set(needed[entity_id]) & set(failed_labels))
            if missing_labels:
                _fail(outcome, f"labels of {', '.join(missing_labels)} could not be had: {failed_labels[missing_labels[0]]}")
                continue
            outcome.messages += said.problems.get(entity_id, [])
            ready.append(note)
            deciding.append(NoteData(note.values, entity, mapping.as_of_day(entity, as_of)))
        if advance is not None and len(ready) < len(notes):
            advance(len(notes) - len(ready))  # the notes that failed already are done
        read = {note.file.path for note in notes}
        holders = _IdHolders(config, files, rest_of_vault) if fix_redirects else None
        decisions = bind_new_properties(bindings, deciding, labels, settings, None if rest_of_vault is None else
                                        lambda keys: _held_elsewhere(keys, rest_of_vault(), read))
        for index, (note, data) in enumerate(zip(ready, deciding)):
            note.outcome.notices += sorted(_own_key_finding(note, own) for own in decisions.own.get(index, []))
            note.outcome.messages += decisions.unbound.get(index, [])
            _apply(note, data, previous[note.outcome.entity_id], labels, bindings, config, write, diff,
                   holders, allow_removals, keep_data)
            if log is not None and note.outcome.status == CHANGED:
                log.append(f"{note.outcome.display}: {CHANGED}: {', '.join(note.outcome.keys)}")
            if advance is not None:
                advance(1)
    if cache is not None:
        for note in notes:
            outcome = note.outcome
            if (outcome.status == UNCHANGED and not outcome.messages and not outcome.notices
                    and not note.report.ignored):
                cache.keep(note.file, note.stat, outcome.entity_id)

    errors: list[str] = []
    if write:
        try:
            # An entity is stored only once its notes took it: what vanished since the stored revision
            # is what a later run removes, so a held-back note must meet the same comparison again.
            not_taken = {note.outcome.entity_id for note in notes if note.outcome.status in (FAILED, UNREADABLE)}
            for entity_id, entity in fetched.items():
                if entity_id not in not_taken:
                    store.save_entity(entity_id, entity)
            if fresh_labels:
                store.save_labels(fresh_labels, today)
            if bindings.changed:
                store.save_key_bindings(bindings.recorded)
        except OSError as error:
            errors.append(f"the answers were not stored ({error.filename}: {error.strerror}); the notes are "
                          "written, and the next run asks Wikidata again")
    # (Not after a run that stored labels or bindings: the cache's key is theirs as they were.)
    notice = cache.save() if cache is not None and not fresh_labels and not bindings.changed else None
    label_problems = [problem for entity_id in label_ids for problem in said.problems.get(entity_id, [])]
    # The notes found up to date by the cache among the others, where a run that read them has them.
    order = {file.display: index for index, file in enumerate(files)}
    refreshed = sorted([note.outcome for note in notes] + [NoteOutcome(file.display, entity_id)
                                                           for file, entity_id in up_to_date],
                       key=lambda outcome: order[outcome.display])
    return RefreshReport(outcomes + refreshed, client.requests_made if client else 0, errors,
                         said.warnings + label_problems + ([notice] if notice else []),
                         {note.file.display: note.report.ignored for note in notes if note.report.ignored},
                         cached=len(up_to_date))


def _split(files: Sequence[NoteFile], cache: RefreshCache | None, qids: frozenset[str] | None
           ) -> tuple[list[tuple[NoteFile, str]], list[NoteFile]]:
    """(the notes the cache finds up to date that name an item of `qids`, each with it; the notes to read)."""
    if cache is None:
        return [], list(files)
    up_to_date: list[tuple[NoteFile, str]] = []
    to_read: list[NoteFile] = []
    for file in files:
        entity_id = cache.up_to_date(file)
        if entity_id is None:
            to_read.append(file)
        elif entity_id != NAMES_NO_ITEM and (qids is None or entity_id in qids):
            up_to_date.append((file, entity_id))
    return up_to_date, to_read


def _new_properties(bindings: Bindings, entities: Iterable[dict[str, Any] | None]) -> bool:
    """Whether any of these entities has a property whose key is not decided yet."""
    return any(not bindings.decided(property_id) for entity in entities if entity is not None
               for property_id in entity.get("claims", {}))


def _read_notes(files: Sequence[NoteFile], config: Config, qids: frozenset[str] | None,
                cache: RefreshCache | None = None) -> tuple[list[_Note], list[NoteOutcome]]:
    """The notes that name a Wikidata item, and the outcomes of those that cannot be refreshed, of
    `files`, which hold no tier notes (they mirror their standard note, where Wikidata's data lives).
    Those that name none are kept in `cache`, as notes refresh has nothing to do with."""
    id_key = config.schema.id_key
    settings = checks.CheckSettings.of(config)
    notes: list[_Note] = []
    failures: list[NoteOutcome] = []
    for file in files:
        stat = statcache.file_stat(file.path) if cache is not None else statcache.UNTRUSTED  # (before the read)
        try:
            snapshot = fileio.read_snapshot(file.path)
        except OSError as error:
            failures.append(_refused(NoteOutcome(file.display, ""), unreadable(file.display, error)))
            continue
        report = checks.check_before_edit(file.display, file.vault_path, snapshot.data, settings)
        parsed = report.note
        if parsed is None:  # it may or may not name an item: say why it cannot be refreshed
            failures.append(_refused(NoteOutcome(file.display, ""), report.structural[0]))
            continue
        values = parsed.values()  # ({} without frontmatter or a mapping)
        entity_id = values.get(id_key)
        if entity_id is None or MARKER_KEY in values:
            # Not a note about a Wikidata item, or one vaulttool made (an entity note, whose facts are
            # the entities command's).
            if cache is not None:
                cache.keep(file, stat, NAMES_NO_ITEM)
            continue
        if not is_item_id(entity_id):
            failures.append(NoteOutcome(file.display, str(entity_id), FAILED,
                                        f"{id_key} {entity_id!r} is not a Wikidata item id"))
            continue
        if qids is not None and entity_id not in qids:
            continue
        if report.structural:
            failures.append(_refused(NoteOutcome(file.display, entity_id), report.structural[0]))
            continue
        notes.append(_Note(file, snapshot, parsed, values, NoteOutcome(file.display, entity_id), report, stat))
    return notes, failures


@dataclass
class _Said:
    """What the answers said beside their entities: the parts skipped, by entity, and the API's warnings."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def heard(self, result: FetchResult) -> FetchResult:
        for entity_id, problems in result.problems.items():
            self.problems.setdefault(entity_id, []).extend(problems)
        self.warnings += [f"Wikidata warns: {warning}" for warning in result.warnings
                          if f"Wikidata warns: {warning}" not in self.warnings]
        return result


def _stored(store: Store, entity_id: str, said: _Said) -> dict[str, Any] | None:
    """The stored answer for an entity, held to the same checks as a fresh one: a damaged or edited
    file is as good as none (it is asked for again)."""
    from vaulttool.wikidata import answer

    entity = store.entity(entity_id)
    if entity is None:
        return None
    try:
        checked, _ = answer.check_entity(entity_id, entity, "info|claims")
    except answer.AnswerError as error:
        said.warnings.append(f"the stored answer for {entity_id} is not used: {error}")
        return None
    return checked


def _entities(ids: list[str], previous: dict[str, dict[str, Any] | None], client: Client | None, said: _Said
              ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, str]]:
    """(entity by id, the entities newly fetched, why an id could not be had).

    A stored entity is checked with a cheap `props=info` request; only a new revision is fetched whole.
    """
    current: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    if client is None:
        for entity_id in ids:
            if previous[entity_id] is None:
                failed[entity_id] = f"{entity_id} is not in the offline cache; run without --offline once"
            else:
                current[entity_id] = previous[entity_id]  # type: ignore[assignment]
        return current, {}, failed
    stored = [entity_id for entity_id in ids if previous[entity_id] is not None]
    to_fetch = [entity_id for entity_id in ids if previous[entity_id] is None]
    if stored:
        info = said.heard(client.get_entities(stored, "info"))
        failed.update(info.failed)
        for entity_id, answer in info.entities.items():
            cached = previous[entity_id]
            if "missing" in answer:
                current[entity_id] = answer
            elif cached is not None and answer.get("lastrevid") == cached.get("lastrevid"):
                current[entity_id] = cached
            else:
                to_fetch.append(entity_id)
    full = said.heard(client.get_entities(to_fetch, "info|claims"))
    failed.update(full.failed)
    current.update(full.entities)
    fetched = {entity_id: entity for entity_id, entity in full.entities.items() if "missing" not in entity}
    return current, fetched, failed


def _needed_labels(entity: dict[str, Any], as_of: datetime.date | None, settings: WikidataConfig) -> list[str]:
    day = mapping.as_of_day(entity, as_of)
    return list(entity.get("claims", {})) + mapping.referenced_items(entity, day, settings)


def _labels(ids: list[str], store: Store, client: Client | None, languages: tuple[str, ...],
            today: datetime.date, said: _Said) -> tuple[dict[str, Label], dict[str, Label], dict[str, str]]:
    """(label by id, the labels newly fetched, why an id's label could not be had).

    Online, a stored label is used while it is current: asked in today's languages and read from the
    entity's revision of today, which one `props=info` request per 50 ids tells. Any other is fetched
    again, so a label edited upstream (or a vandalism and its revert) arrives with the next run, and a
    change of `languages` applies at once. Offline, every stored label is used."""
    labels = store.labels(None, today)
    failed: dict[str, str] = {}
    fresh: dict[str, Label] = {}
    if client is None:
        failed = {entity_id: "not in the offline cache; run without --offline once" for entity_id in ids
                  if entity_id not in labels}
        return labels, fresh, failed

    def asked_in(entity_id: str) -> tuple[str, ...]:
        # Keys come from English property labels; item labels follow the configured languages.
        return ("en",) if entity_id.startswith("P") else languages

    checkable = [entity_id for entity_id in ids if entity_id in labels and labels[entity_id].revision is not None
                 and labels[entity_id].languages == asked_in(entity_id)]
    checked = set(checkable)
    stale = [entity_id for entity_id in ids if entity_id not in checked]
    if checkable:
        revisions = said.heard(client.get_entities(checkable, "info"))
        # (an id whose revision could not be had keeps its stored label: it was current when stored)
        stale += [entity_id for entity_id, entity in revisions.entities.items()
                  if "missing" in entity or revision_id(entity.get("lastrevid")) != labels[entity_id].revision]
    if not stale:
        return labels, fresh, failed
    request_languages = tuple(dict.fromkeys((*languages, "en")))
    answer = said.heard(client.get_entities(stale, "info|labels", request_languages, fallback=True))
    failed.update(answer.failed)
    for entity_id, entity in answer.entities.items():
        fresh[entity_id] = mapping.parse_label(entity, asked_in(entity_id))
    labels.update(fresh)
    return labels, fresh, failed


class _IdHolders:
    """Which note already has an id, for `--fix-redirects`: two notes must never get one id (as `new`
    refuses to make a second note of an item). Asked only when a note is redirected: rare, so the
    vault is searched then, and the ids this run gave out are remembered (a dry run writes none)."""

    def __init__(self, config: Config, files: Sequence[NoteFile],
                 rest_of_vault: Callable[[], Iterable[NoteFile]] | None) -> None:
        self.config = config
        self.files = files
        self.rest_of_vault = rest_of_vault
        self.given: dict[str, str] = {}  # id -> the note this run gave it to

    def holder(self, entity_id: str, asking: NoteFile) -> str | None:
        if entity_id in self.given:
            return self.given[entity_id]
        vault = [*self.files, *(self.rest_of_vault() if self.rest_of_vault is not None else ())]
        return holder_of(self.config, [file for file in vault if file.path != asking.path], entity_id)


def _apply(note: _Note, data: NoteData, previous: dict[str, Any] | None, labels: dict[str, Label],
           bindings: Bindings, config: Config, write: bool, diff: bool,
           holders: _IdHolders | None, allow_removals: bool, keep_data: bool = False) -> None:
    outcome, entity = note.outcome, data.entity
    if previous is not None and previous.get("lastrevid") == entity.get("lastrevid"):
        previous = None  # the same revision: nothing vanished since
    plan = plan_note(note.values, entity, previous, labels, bindings, config.wikidata, config.schema, data.as_of)
    outcome.messages += plan.messages
    outcome.notices += [_key_finding(note, key, "VT502", f"{key}: {reason}") for key, reason in plan.refused]
    target = entity.get("redirects", {}).get("to")
    if target:
        if holders is not None:
            holder = holders.holder(target, note.file)
            if holder is not None:
                _fail(outcome, f"{outcome.entity_id} redirects to {target}, which {holder} has for its id "
                               f"already; {config.schema.id_key} not updated, as two notes would have one id: "
                               "merge them by hand")
                return
            holders.given[target] = outcome.display
            plan.changes[config.schema.id_key] = target
            outcome.messages.append(f"{outcome.entity_id} redirects to {target}; {config.schema.id_key} updated")
        else:
            outcome.messages.append(f"{outcome.entity_id} redirects to {target}; --fix-redirects updates the note")
    # One key going is an upstream edit like any other; most of them going at once is more likely a
    # broken or hostile answer than a real edit, and it would cost the note its data.
    if plan.removed > 1 and plan.removed * 2 > plan.held and not allow_removals:
        _fail(outcome, f"would remove {plan.removed} of the note's {plan.held} Wikidata keys; held back "
                       "(--allow-removals writes it)")
        return
    ambiguous = note.report.ambiguous_in(plan.changes)
    if ambiguous:
        _refused(outcome, ambiguous[0])
        return
    try:
        edited = note.parsed.edit(plan.changes, plan.after)
    except (EditError, NoteError) as error:
        _fail(outcome, str(error))
        return
    new = edited.render()
    if new == note.snapshot.data:
        return
    before, after = note.values, edited.values()
    outcome.keys = [key for key in plan.changes
                    if (key in before) != (key in after) or not same_value(before.get(key), after.get(key))]
    outcome.messages += [plan.dropped[key] for key in outcome.keys if key in plan.dropped]
    if diff:
        outcome.diff = unified_diff(note.snapshot.data, new, note.file.vault_path)
    if keep_data:
        outcome.data = new
    if not write:
        outcome.status = WOULD_CHANGE
        return
    try:
        fileio.replace_if_changed(note.file.path, new, note.snapshot)
    except ConcurrentChangeError as error:
        _fail(outcome, str(error))
        return
    except ProtectedFileError as error:
        _fail(outcome, str(error))
        outcome.finding = Finding(outcome.display, 1, 1, error.code, str(error))
        return
    except OSError as error:
        _fail(outcome, f"not written: {error.strerror}; the note is as it was")
        return
    outcome.status = CHANGED


def _held_elsewhere(keys: set[str], files: Iterable[NoteFile], read: set[Any]) -> dict[str, str]:
    """Which of `keys` notes outside the run hold, each with one such note."""
    held: dict[str, str] = {}
    for file, note in notes_mentioning((file for file in files if file.path not in read), keys):
        for entry in note.entries():
            if entry.key in keys:
                held.setdefault(entry.key, file.display)
    return held


def _own_key_finding(note: _Note, own: OwnKey) -> Finding:
    """VT501 at the user's key: it is named like a Wikidata property but vaulttool does not own it."""
    return _key_finding(note, own.key, "VT501", own.message())


def _key_finding(note: _Note, key: str, code: str, message: str) -> Finding:
    """A finding at a key of the note (at the start of the note when it does not hold the key)."""
    entry = next((entry for entry in note.parsed.entries() if entry.key == key), None)
    line, col = note.parsed.file_position(entry.key_node) if entry is not None else (1, 1)
    return Finding(note.outcome.display, line, col, code, message)


def _fail(outcome: NoteOutcome, reason: str) -> None:
    outcome.status = FAILED
    outcome.reason = reason


def _refused(outcome: NoteOutcome, finding: Finding) -> NoteOutcome:
    """A note left alone because it does not read cleanly: validate's finding says why."""
    outcome.status = UNREADABLE
    outcome.finding = finding.then("not refreshed")
    outcome.reason = outcome.finding.message
    return outcome
