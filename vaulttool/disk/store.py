"""vaulttool's own state under `.vaulttool/` at the vault root (never a `.md` file).

* `wikidata/entities/<id>.json`: the last answer for each entity, with its `lastrevid`, so an entity
  whose revision did not change is not fetched again, and `--offline` can work from it;
* `wikidata/labels.json`: resolved labels of items and properties, with the day they were fetched,
  the entity's revision they were read from and the languages they were asked in;
* `wikidata/terms.json`: each linked item's description and aliases, with the same three (`{"Q71":
  {"description": "city in Switzerland", "aliases": ["Genf"], "fetched": "2026-12-03", "revision": 7,
  "languages": ["en"]}}`;
  `description` null when it has none), from which `entities` writes entity notes: its labels are in
  `labels.json`, where refresh reads them, so a link's text and its entity note's name agree;
* `keys.json`: which frontmatter key each Wikidata property is bound to, or `null` for a property
  decided not to be written (kept in git: it is the vault's own decision, so a label renamed upstream
  does not rename a key or flip a decision);
* `cache/validate.json`: each note's validate result, keyed by path, stat and content hash, so a warm
  whole-vault validate checks only what changed; `cache/tiers.json`, `cache/links.json` and
  `cache/entities.json` likewise what tiers, links and entities derived from each note (disk/statcache);
* `cache/lock` and `cache/lock.holder`: the writer lock and its holder's record (disk/lock.py).

`cache/` ignores itself: it holds a `.gitignore` of `*`, written whenever vaulttool creates or writes
into it (as ruff, mypy and pytest do with their caches), so a vault that never set up a `.gitignore`
stays clean in git.

Deleting `wikidata/` or `cache/` is safe: they are made again. Files are written atomically, and only when their
bytes change.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from vaulttool.disk.fileio import create_file, write_file
from vaulttool.engine.ids import is_item_id
from vaulttool.errors import ConcurrentChangeError, VaultToolError

if TYPE_CHECKING:
    from vaulttool.wikidata.terms import Terms
    from vaulttool.wikidata.values import Label

STATE_FOLDER = ".vaulttool"
CACHE_FOLDER = "cache"  # inside STATE_FOLDER: what is never meant for git
# The writer lock (disk/lock.py) and its holder's record, in the cache folder. Here, not there, so that
# a reader can see whether a writer is at work without importing the lock library.
LOCK_NAME = "lock"
HOLDER_NAME = "lock.holder"  # (not `lock.json`: nothing in .vaulttool/cache/ is meant for git)
CACHE_GITIGNORE = b"# Made by vaulttool: nothing in this folder belongs in git.\n*\n"


def _dump(data: Any, sort_keys: bool = True) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=sort_keys) + "\n").encode("utf-8")


def _load(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # a damaged cache entry is as good as none: it is fetched again


def _text(value: Any) -> str | None:
    """A stored field that must be text: anything else (a hand edit, damage) counts as absent."""
    return value if isinstance(value, str) else None


def _languages(record: dict[str, Any]) -> tuple[str, ...] | None:
    languages = record.get("languages")
    if isinstance(languages, list) and languages and all(isinstance(code, str) for code in languages):
        return tuple(languages)
    return None


def _young(record: dict[str, Any], max_age_days: int | None, today: datetime.date) -> bool:
    """Whether a stored record was fetched no more than `max_age_days` ago (any record, when None)."""
    if max_age_days is None:
        return True
    try:
        return (today - datetime.date.fromisoformat(record.get("fetched", ""))).days <= max_age_days
    except (TypeError, ValueError):
        return False


def cache_folder(root: Path) -> Path:
    """`.vaulttool/cache/` of the vault at `root`: the caches and the writer lock."""
    return root / STATE_FOLDER / CACHE_FOLDER


def ensure_cache_folder(folder: Path) -> None:
    """Create the cache folder where it is missing, and its `.gitignore` of `*` where that is missing
    (one someone wrote there is theirs, and kept). Raises OSError where the folder cannot be made."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if ignore.exists():
        return
    try:
        create_file(ignore, CACHE_GITIGNORE)
    except ConcurrentChangeError:
        pass  # another vaulttool wrote it meanwhile
    except OSError:
        pass  # (a full disk): what needs the folder says so itself; the next write tries again


class Store:
    def __init__(self, root: Path) -> None:
        self.folder = root / STATE_FOLDER
        self.entities = self.folder / "wikidata" / "entities"
        self.labels_file = self.folder / "wikidata" / "labels.json"
        self.terms_file = self.folder / "wikidata" / "terms.json"
        self.keys_file = self.folder / "keys.json"
        self.cache = cache_folder(root)
        self.kinds_file = self.cache / "kinds.json"

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        data = _load(self.entities / f"{entity_id}.json")
        return data if isinstance(data, dict) and data.get("id") else None

    def save_entity(self, entity_id: str, entity: dict[str, Any]) -> None:
        # Key order kept: the order of the claims is the order new keys are added in.
        write_file(self.entities / f"{entity_id}.json", _dump(entity, sort_keys=False))

    def labels(self, max_age_days: int | None, today: datetime.date,
               still_current: Callable[[Label], bool] | None = None) -> dict[str, Label]:
        """Cached labels no older than `max_age_days` (all of them when None), and the older ones
        `still_current` accepts."""
        # Imported here: only refresh needs labels, and the pre-commit hook imports this module.
        from vaulttool.wikidata.values import Label, revision_id

        data = _load(self.labels_file)
        labels: dict[str, Label] = {}
        for entity_id, record in (data if isinstance(data, dict) else {}).items():
            if not isinstance(record, dict):
                continue
            target = _text(record.get("target"))
            # A redirect's target becomes part of a link: only an item id may stand there.
            label = Label(_text(record.get("label")), target if is_item_id(target) else None,
                          record.get("missing") is True, _text(record.get("datatype")),
                          revision_id(record.get("revision")), _languages(record))
            if _young(record, max_age_days, today) or (still_current is not None and still_current(label)):
                labels[entity_id] = label
        return labels

    def save_labels(self, fresh: dict[str, Label], today: datetime.date) -> None:
        data = _load(self.labels_file) or {}
        for entity_id, label in fresh.items():
            record: dict[str, Any] = {"label": label.text, "fetched": today.isoformat()}
            if label.revision is not None:
                record["revision"] = label.revision
            if label.languages is not None:
                record["languages"] = list(label.languages)
            if label.target:
                record["target"] = label.target
            if label.missing:
                record["missing"] = True
            if label.datatype:
                record["datatype"] = label.datatype
            data[entity_id] = record
        write_file(self.labels_file, _dump(data))

    def terms(self, max_age_days: int | None, today: datetime.date,
              still_current: Callable[[Terms], bool] | None = None) -> dict[str, Terms]:
        """Stored descriptions and aliases of items no older than `max_age_days` (all when None), and
        the older ones `still_current` accepts. A record that is not of the form `save_terms` writes (a
        hand edit, damage) is as good as none."""
        from vaulttool.wikidata.terms import Terms
        from vaulttool.wikidata.values import revision_id

        data = _load(self.terms_file)
        terms: dict[str, Terms] = {}
        for entity_id, record in (data if isinstance(data, dict) else {}).items():
            if not is_item_id(entity_id) or not isinstance(record, dict):
                continue
            description, aliases = record.get("description"), record.get("aliases")
            if (description is None or isinstance(description, str)) and isinstance(aliases, list) \
                    and all(isinstance(alias, str) for alias in aliases):
                held = Terms(description, tuple(aliases), revision_id(record.get("revision")), _languages(record))
                if _young(record, max_age_days, today) or (still_current is not None and still_current(held)):
                    terms[entity_id] = held
        return terms

    def save_terms(self, fresh: dict[str, Terms], today: datetime.date) -> None:
        data = _load(self.terms_file)
        data = data if isinstance(data, dict) else {}
        for entity_id, terms in fresh.items():
            data[entity_id] = {"description": terms.description, "aliases": list(terms.aliases),
                               "fetched": today.isoformat()}
            if terms.revision is not None:
                data[entity_id]["revision"] = terms.revision
            if terms.languages is not None:
                data[entity_id]["languages"] = list(terms.languages)
        write_file(self.terms_file, _dump(data))

    def key_bindings(self) -> tuple[dict[str, str | None], bool]:
        """The recorded bindings (property id -> key, or None: decided not to be written), and whether
        there is no record yet: the vault's first refresh, which adopts its existing keys."""
        data = _load(self.keys_file)
        if data is None and self.keys_file.exists():
            raise VaultToolError(f"{self.keys_file}: is not valid JSON; fix or remove it")
        if data is None:
            return {}, True
        if not isinstance(data, dict) or not all(isinstance(v, str) or v is None for v in data.values()):
            raise VaultToolError(f"{self.keys_file}: must map property ids to keys (or to null: not written)")
        return dict(data), False

    def save_key_bindings(self, bindings: dict[str, str | None]) -> None:
        write_file(self.keys_file, _dump(bindings))

    def derived(self, name: str, key: str) -> dict[str, Any]:
        """What a command derived from each note (`cache/<name>.json`), if it was saved under the same
        key (the same vaulttool and settings); {} otherwise."""
        data = _load(self.cache / f"{name}.json")
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("notes"), dict):
            return {}
        return data["notes"]

    def save_derived(self, name: str, key: str, notes: dict[str, Any]) -> None:
        # ASCII, escapes and all: a note's name need not be UTF-8 (os.fsdecode gives it surrogates).
        text = json.dumps({"key": key, "notes": notes}, ensure_ascii=True, separators=(",", ":"))
        ensure_cache_folder(self.cache)
        write_file(self.cache / f"{name}.json", text.encode("utf-8"))

    def keep_derived(self, name: str, key: str, notes: dict[str, Any], then: str) -> str | None:
        """save_derived for a cache that only saves time: None once saved, else the notice saying it was
        not (a read-only vault, a full disk) and what the next run does instead (`then`)."""
        try:
            self.save_derived(name, key, notes)
        except OSError as error:
            return f"the {name} cache was not written ({error.filename}: {error.strerror}); the next run {then}"
        return None

    def validate_cache(self, key: str) -> dict[str, list[Any]]:
        """The cached validate results, if they were made with the same vaulttool and settings."""
        return self.derived("validate", key)

    def save_validate_cache(self, key: str, notes: dict[str, list[Any]], kinds: Counter[tuple[str, str]]) -> None:
        """Save each note's result, and apart from them the vault's count of notes per property and
        kind (small, for runs that check only a few notes)."""
        self.save_derived("validate", key, notes)
        counts = [[k, kind, n] for (k, kind), n in kinds.items()]
        write_file(self.kinds_file, json.dumps({"key": key, "counts": counts}, ensure_ascii=True).encode("utf-8"))

    def kind_counts(self, key: str) -> Counter[tuple[str, str]] | None:
        """How many notes give each property each kind, as the last whole-vault validate counted."""
        data = _load(self.kinds_file)
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("counts"), list):
            return None
        return Counter({(row[0], row[1]): row[2] for row in data["counts"]
                        if isinstance(row, list) and len(row) == 3})
