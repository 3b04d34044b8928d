"""Which notes an offline refresh need not read: those it found up to date last time, unchanged since,
with their entity's stored answer, the stored labels and key bindings unchanged too (`cache/refresh.json`).

Offline, a note's refresh depends on nothing else: its bytes, its entity's stored answer, the stored
labels, the key bindings and the settings. The last three are the cache's key; each note's entry is
[its stat, the item it names ("" for a note that names none), the stat of that item's stored answer].
Only a note found up to date with nothing to say is kept: one that changed, failed, was held back or
has a message is read again every run. Online, the answers themselves are what a run asks about, so
every note is read (the requests cost more than the reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from vaulttool import __version__
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, statcache
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.ids import is_item_id
from vaulttool.rules import checks

_CACHE = "refresh"
_FORMAT = 1
NAMES_NO_ITEM = ""  # the entry's item for a note refresh has nothing to do with (no id, an entity note)


@dataclass
class RefreshCache:
    """The cache as one run uses it: what it found, and what the run records for next time."""

    store: Store
    key: str
    entries: dict[str, list[Any]]
    records: dict[str, list[Any]] = field(default_factory=dict)
    since: int = field(default_factory=statcache.racy_from)

    @classmethod
    def open(cls, config: Config, store: Store, files: Sequence[NoteFile], *, usable: bool,
             whole_vault: bool) -> RefreshCache | None:
        """The cache for a run over `files` (all the vault's notes when `whole_vault`), or None when the
        run does not use one: online, with a setting that changes every plan (--as-of), or on part of
        the vault smaller than statcache.CACHE_FROM notes."""
        if not usable or not (whole_vault or len(files) >= statcache.CACHE_FROM):
            return None
        made_with = (__version__, _FORMAT, config.wikidata, config.schema, checks.CheckSettings.of(config),
                     statcache.file_stat(store.labels_file), statcache.file_stat(store.keys_file))
        key = fileio.digest(repr(made_with).encode())[:32]
        entries = store.derived(_CACHE, key)
        if whole_vault:
            return cls(store, key, entries)
        in_run = {file.vault_path for file in files}
        # A run over part of the vault keeps the other notes' entries.
        return cls(store, key, entries, {path: entry for path, entry in entries.items() if path not in in_run})

    def up_to_date(self, file: NoteFile) -> str | None:
        """The item a note names (NAMES_NO_ITEM for none) when it is as it was found up to date, and so is
        its entity's stored answer; None when it must be read."""
        entry = self.entries.get(file.vault_path)
        if not isinstance(entry, list) or len(entry) != 3 or statcache.file_stat(file.path) != entry[0]:
            return None
        entity_id = entry[1]
        if entity_id != NAMES_NO_ITEM and (not is_item_id(entity_id)  # (a damaged cache names no other file)
                                           or statcache.file_stat(self._answer(entity_id)) != entry[2]):
            return None
        self.records[file.vault_path] = entry
        return entity_id

    def keep(self, file: NoteFile, stat: statcache.Stat, entity_id: str) -> None:
        """Record a note just found up to date (`stat`: taken before it was read)."""
        answer = statcache.file_stat(self._answer(entity_id)) if entity_id != NAMES_NO_ITEM else statcache.ABSENT
        if statcache.all_trusted([stat, *([answer] if entity_id != NAMES_NO_ITEM else [])], self.since):
            self.records[file.vault_path] = [stat, entity_id, answer]

    def save(self) -> str | None:
        """Write the records if they differ from what was found; a notice when that fails."""
        if self.records == self.entries:
            return None
        return self.store.keep_derived(_CACHE, self.key, self.records, "reads every note")

    def _answer(self, entity_id: str) -> str:
        return f"{self.store.entities}/{entity_id}.json"
