"""The validate command's work, free of click: the pure checks over the vault's notes, spread over
worker processes, with each note's result kept in the validate cache.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from vaulttool import __version__
from vaulttool.commands.pool import parallel_map
from vaulttool.commands.progress import VALIDATE, Progress, phase
from vaulttool.config.settings import Config, Schema
from vaulttool.disk import fileio, statcache
from vaulttool.disk.statcache import Stat, stat_key
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile
from vaulttool.findings import Finding, unreadable
from vaulttool.rules import checks
from vaulttool.rules.schema import expected_kinds, kind_misfit, typed_keys

# Per process: what `_setup_validate` was given (sent once per worker, not once per note).
_check_settings: checks.CheckSettings | None = None
_prove_round_trip = False

# A note's cached result: [[size, mtime_ns, ctime_ns, inode], content hash, findings, kinds, ignored],
# findings as [line, col, code, message], kinds as one string "key kind line col" a line (one object a
# note keeps the cache of a large vault quick to read and write) and ignored as the codes of its
# `vaulttool_ignore` key, comma-separated; paths are added back on reading.
# (disk/statcache.py: when a matching stat means the same file as when it was checked.)
Record = list  # [Stat, str, list[list[int | str]], str, str]
_FORMAT = 4  # of the records (4: with vaulttool_ignore), and of the findings' wording (3: VT103 in plain words)
_SEPARATOR = "\n"  # keys holding a line break (only quoted ones can) are written with `\n` instead


def _setup_validate(settings: checks.CheckSettings, prove_round_trip: bool) -> None:
    global _check_settings, _prove_round_trip
    _check_settings, _prove_round_trip = settings, prove_round_trip


def _validate_one(task: tuple[NoteFile, str | None, Stat | None]) -> tuple[Record | None, bool, list[Finding]]:
    """(the note's record, whether the cached one still holds, findings that are not cached)."""
    note, cached_hash, stat = task
    try:
        if stat is None:  # a cold run: stat here, in parallel, rather than in the main process
            stat = stat_key(note.path)
        data = fileio.read_bytes(note.path)
    except OSError as error:
        return None, False, [unreadable(note.display, error)]
    content_hash = fileio.digest(data)
    if content_hash == cached_hash:
        return None, True, []  # touched but not changed (a checkout, a sync tool)
    assert _check_settings is not None
    report = checks.check_note(note.display, note.vault_path, data, _check_settings, _prove_round_trip)
    findings = [[f.line, f.col, f.code, f.message] for f in report.findings]
    kinds = _SEPARATOR.join(str(item).replace("\n", "\\n") for item in report.kinds)
    return [stat, content_hash, findings, kinds, ",".join(sorted(report.ignored))], False, []


def _kinds(record: Record) -> list[str]:
    """A record's kinds: key, kind, line, col, key, kind, …"""
    return record[3].split(_SEPARATOR)


def _property_kind_findings(records: dict[str, Record], displays: dict[str, str],
                            counts: Counter[tuple[str, str]], schema: Schema) -> list[Finding]:
    """VT306 for every value whose kind does not fit its property (one type per property name)."""
    typed = typed_keys(schema, {key for key, _ in counts})
    expected = expected_kinds(counts, schema.obsidian_types, typed)
    findings: list[Finding] = []
    for vault_path, record in records.items() if expected else ():
        kinds = _kinds(record)
        for index in range(0, len(kinds) - 3, 4):
            message = kind_misfit(kinds[index], kinds[index + 1], expected)
            if message:
                line, col = int(kinds[index + 2]), int(kinds[index + 3])
                findings.append(Finding(displays[vault_path], line, col, "VT306", message))
    return findings


def _untrusted_if_racy(records: dict[str, Record]) -> dict[str, Record]:
    """The records to save, those of files changed just now with a stat that never matches: a write in
    the same timestamp tick would leave size, mtime and ctime as they were (git's racy-index rule), so
    the next run compares their content instead."""
    since = statcache.racy_from()
    return {path: [statcache.trusted(record[0], since), *record[1:]] for path, record in records.items()}


@dataclass(slots=True)
class ValidateResult:
    notes: int
    findings: list[Finding] = field(default_factory=list)
    cached: int = 0  # notes whose result came from the cache
    notices: list[str] = field(default_factory=list)  # what the user should know beside the findings
    ignored: dict[str, frozenset[str]] = field(default_factory=dict)  # each note's `vaulttool_ignore` codes


def run(config: Config, notes: Sequence[NoteFile], use_cache: bool = True, whole_vault: bool = True,
        prove_round_trip: bool = False, progress: Progress | None = None) -> ValidateResult:
    """Check `notes`.

    Each note's result is kept in the cache: a note whose size, mtime, ctime and inode, or else
    content hash, did not change is not checked again. A run on a few notes (the pre-commit hook on
    what is staged) checks just those, without the cost of reading the cache; a run on some notes
    judges one-type-per-property against the kinds the last whole-vault run counted. Results proving
    the round trip (`check`) are kept apart from validate's, in `cache/check.json`. `progress` gets
    one phase, a step a note.
    """
    settings = checks.CheckSettings.of(config)
    store = Store(config.root)
    cache_key = f"{__version__}:{_FORMAT}:{fileio.digest(repr(settings).encode())[:16]}"
    cache_name = "check" if prove_round_trip else "validate"
    keep = use_cache and (whole_vault or len(notes) >= statcache.CACHE_FROM)
    cache = store.derived(cache_name, cache_key) if keep else {}
    records: dict[str, Record] = {}
    tasks: list[tuple[NoteFile, str | None, Stat | None]] = []
    for note in notes:
        entry = cache.get(note.vault_path)
        if entry is None:
            tasks.append((note, None, None))
            continue
        try:
            stat = stat_key(note.path)
        except OSError:
            tasks.append((note, None, None))
            continue
        if entry[0] == stat:
            records[note.vault_path] = entry
        else:
            tasks.append((note, entry[1], stat))
    cached = len(records)
    findings: list[Finding] = []
    with phase(progress, VALIDATE, len(notes)) as advance:
        if advance is not None and cached:
            advance(cached)  # the notes served from the cache are done at once; each task counts as it returns
        for (note, _, taken), (record, reused, loose) in zip(tasks, parallel_map(_validate_one, tasks, config.jobs,
                                                                          _setup_validate,
                                                                          (settings, prove_round_trip),
                                                                          advance)):
            findings += loose
            if reused and taken is not None:  # (a reused record always comes with the stat taken here)
                record, cached = [taken, *cache[note.vault_path][1:]], cached + 1
            if record is not None:
                records[note.vault_path] = record
    displays = {note.vault_path: note.display for note in notes}
    ignored: dict[str, frozenset[str]] = {}
    for vault_path, record in records.items():
        findings += [Finding(displays[vault_path], *row) for row in record[2]]
        if record[4]:
            ignored[displays[vault_path]] = frozenset(record[4].split(","))
    counts: Counter[tuple[str, str]] = Counter()
    vault_counts = store.kind_counts(cache_key) if use_cache and not whole_vault else None
    if vault_counts:
        counts.update(vault_counts)
    else:
        for record in records.values():
            kinds = _kinds(record)
            counts.update(zip(kinds[0::4], kinds[1::4]))
    findings += _property_kind_findings(records, displays, counts, config.schema)
    notices: list[str] = []
    if keep and (tasks or (whole_vault and len(records) != len(cache))):
        try:
            if whole_vault and not prove_round_trip:
                store.save_validate_cache(cache_key, _untrusted_if_racy(records), counts)
            else:  # (the other notes' results kept as they were)
                store.save_derived(cache_name, cache_key, {**({} if whole_vault else cache),
                                                           **_untrusted_if_racy(records)})
        except OSError as error:  # a read-only vault, a full disk: validate still works
            notices.append(f"the validate cache was not written ({error.filename}: {error.strerror}); the "
                           "next run checks every note again")
    findings.sort()
    return ValidateResult(len(notes), findings, cached, notices, ignored)
