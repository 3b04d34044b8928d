"""Plan the frontmatter changes Wikidata entities bring to notes. Pure: values in, changes out.

vaulttool writes only the keys it owns: those bound to a property, in `[wikidata] properties` or in
the vault's record of bindings (`.vaulttool/keys.json`). A property seen for the first time is bound
to the key its English label gives, unless a note already holds that key: then the key is the
user's, is reported, and is never written. Every decision is recorded, a skip (the "ID" rule) as
well as a key, so a label changed upstream cannot flip it.

Within a key, values the note already has keep their order and new ones are appended; one value is
written as a scalar and several as a list unless the schema fixes the shape. A key is removed only
when its values vanished upstream: the property is present with no current value, or it was in the
previously fetched revision and is gone. A property whose values vaulttool cannot write (lexemes,
unsafe URLs) never loses its key.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from vaulttool.config.settings import Schema, WikidataConfig
from vaulttool.engine.note import DELETE
from vaulttool.engine.scalars import MAX_SAFE_INTEGER
from vaulttool.wikidata import linkpattern
from vaulttool.wikidata.mapping import derived_key, is_id_property, property_values
from vaulttool.wikidata.values import Label


@dataclass
class Bindings:
    """Which frontmatter key each property writes: the keys vaulttool owns.

    `fixed` comes from `[wikidata] properties` and always wins; `recorded` is `.vaulttool/keys.json`,
    where None records a property decided not to be written. `adopting` is a vault's first refresh
    (no record yet): its existing keys are adopted only where their values are the property's.
    """

    fixed: Mapping[str, str]
    recorded: dict[str, str | None]
    rename: Mapping[str, str]
    adopting: bool = False
    changed: bool = False

    def key_of(self, property_id: str) -> str | None:
        """The key a property writes; None when it writes none (not bound, or decided against)."""
        if property_id in self.fixed:
            return self.fixed[property_id]
        return self.recorded.get(property_id)

    def decided(self, property_id: str) -> bool:
        return property_id in self.fixed or property_id in self.recorded

    def owned(self) -> set[str]:
        return {key for key in (*self.fixed.values(), *self.recorded.values()) if key is not None}

    def record(self, property_id: str, key: str | None) -> None:
        self.recorded[property_id] = key
        self.changed = True


@dataclass(frozen=True, slots=True)
class NoteData:
    """What the planner needs of one note: its values, its entity and the day it is judged at."""

    values: Mapping[str, Any]
    entity: Mapping[str, Any]
    as_of: datetime.date | None


@dataclass(frozen=True, slots=True)
class OwnKey:
    """A key a note holds that a property's label names, but that is the user's, not vaulttool's."""

    key: str
    property_id: str
    label: str

    def message(self) -> str:
        return (f"{self.key} is the note's own key, not written from {self.property_id} ({self.label}): "
                f"bind it in [wikidata] properties, or rename the key in the note")


@dataclass
class Plan:
    changes: dict[str, Any] = field(default_factory=dict)  # key -> new value, or DELETE
    after: dict[str, str | None] = field(default_factory=dict)  # new key -> the key it follows
    messages: list[str] = field(default_factory=list)  # what the user should know about this note
    dropped: dict[str, str] = field(default_factory=dict)  # key -> what to say of its values the change removes
    refused: list[tuple[str, str]] = field(default_factory=list)  # (key, why a value is not written): findings
    removed: int = 0  # Wikidata keys of the note this plan deletes
    held: int = 0  # Wikidata keys the note holds


def _allowed(property_id: str, key: str, config: WikidataConfig) -> bool:
    if property_id in config.block or key in config.block:
        return False
    return not config.allow or property_id in config.allow or key in config.allow


def _label_key(property_id: str, labels: Mapping[str, Label], rename: Mapping[str, str]) -> str | None:
    """The key a property's English label gives it (after `rename`); None without a label."""
    label = labels.get(property_id)
    if label is None or not label.text:
        return None
    key = derived_key(label.text)
    return rename.get(key, key)


def _number(property_id: str) -> int:
    return int(property_id[1:]) if property_id[1:].isdigit() else 0


@dataclass
class Decisions:
    """What deciding new properties found, per index of the notes decided for."""

    own: dict[int, list[OwnKey]] = field(default_factory=dict)  # the user's keys a note holds
    unbound: dict[int, list[str]] = field(default_factory=dict)  # properties left unbound, and why


def _pending(bindings: Bindings, notes: Sequence[NoteData]) -> dict[str, list[int]]:
    """The properties of these notes' entities that are not decided yet, with the notes that have them."""
    pending: dict[str, list[int]] = {}
    for index, note in enumerate(notes):
        for property_id in note.entity.get("claims", {}):
            if not bindings.decided(property_id):
                pending.setdefault(property_id, []).append(index)
    return pending


def _candidate(property_id: str, labels: Mapping[str, Label], bindings: Bindings,
               config: WikidataConfig) -> str | None:
    """The key a new property would be bound to; None when it has no label, or the ID rule, the
    config or another property's binding rules the key out."""
    label = labels.get(property_id)
    key = _label_key(property_id, labels, bindings.rename)
    if label is None or label.text is None or key is None or is_id_property(label.text):
        return None
    return key if _allowed(property_id, key, config) and key not in bindings.owned() else None


def bind_new_properties(bindings: Bindings, notes: Sequence[NoteData], labels: Mapping[str, Label],
                        config: WikidataConfig,
                        held_elsewhere: Callable[[set[str]], Mapping[str, str]] | None = None) -> Decisions:
    """Decide the key of every property these notes' entities have that is not decided yet.

    A property whose derived key a note holds is not bound (its key is not written in any note) until
    the user binds or renames; nor is one whose key a note outside the run holds, as binding it would
    make that note's key vaulttool's. `held_elsewhere`, for a run that reads only part of the vault, is
    asked once, with the keys new properties would be bound to, which of them such notes hold (key ->
    one such note).
    """
    decisions = Decisions()
    pending = _pending(bindings, notes)
    candidates = {key for property_id in pending
                  if (key := _candidate(property_id, labels, bindings, config)) is not None}
    held = held_elsewhere(candidates) if held_elsewhere is not None and candidates else {}
    for property_id in sorted(pending, key=_number):
        label = labels.get(property_id)
        if label is not None and label.text and is_id_property(label.text):
            bindings.record(property_id, None)
            continue
        key = _candidate(property_id, labels, bindings, config)
        if key is None or label is None or label.text is None:
            continue  # planning says why, and a later run decides again
        if key in held:
            for index in pending[property_id]:
                decisions.unbound.setdefault(index, []).append(
                    f"{property_id} ({label.text}) is not written: {key} is held by {held[key]}, "
                    "which this run does not read; a refresh of the whole vault decides")
            continue
        holders = [index for index, note in enumerate(notes) if key in note.values]
        if bindings.adopting and not holders:
            key = _drifted_key(property_id, [notes[i] for i in pending[property_id]], labels, config,
                               bindings) or key
            holders = [index for index, note in enumerate(notes) if key in note.values]
        # On adoption a holder whose values are the property's is adopted; otherwise every holder is the user's.
        theirs = [index for index in holders if not (bindings.adopting and _holds(
            notes[index].values, key, _wikidata_values(notes[index], property_id, labels, config)))]
        if not theirs:
            bindings.record(property_id, key)
            continue
        for index in theirs:
            if property_id in notes[index].entity.get("claims", {}):
                decisions.own.setdefault(index, []).append(OwnKey(key, property_id, label.text))
    return decisions


def _wikidata_values(note: NoteData, property_id: str, labels: Mapping[str, Label],
                     config: WikidataConfig) -> list[Any]:
    statements = note.entity.get("claims", {}).get(property_id)
    if not statements:
        return []
    return property_values(property_id, statements, labels, config, note.as_of).values


def _holds(values: Mapping[str, Any], key: str, wikidata: list[Any]) -> bool:
    """Whether a note's values of `key` are `wikidata`'s (not none), in any order. The note's may be
    of any shape another tool wrote (a mapping, a list of them): compared, never hashed."""
    old = values.get(key)
    old_list = old if isinstance(old, list) else [old]
    if not wikidata or len(old_list) != len(wikidata):
        return False
    remaining = [_tag(value) for value in wikidata]
    for value in old_list:
        tagged = _tag(value)
        if tagged not in remaining:  # (`in` compares with ==)
            return False
        remaining.remove(tagged)
    return True


def _drifted_key(property_id: str, notes: Iterable[NoteData], labels: Mapping[str, Label],
                 config: WikidataConfig, bindings: Bindings) -> str | None:
    """On adoption, the key an older label gave a property (`…organization` for today's
    `…organisation`): the one key of a note, bound to nothing and named by no other property's label,
    whose values are exactly the property's."""
    owned = bindings.owned()
    for note in notes:
        named = {_label_key(other, labels, bindings.rename) for other in note.entity.get("claims", {})
                 if other != property_id}
        wikidata = _wikidata_values(note, property_id, labels, config)
        candidates = [key for key in note.values if key not in owned and key not in named
                      and _holds(note.values, key, wikidata)]
        if len(candidates) == 1:
            return candidates[0]
    return None


def plan_note(values: Mapping[str, Any], entity: Mapping[str, Any], previous: Mapping[str, Any] | None,
              labels: Mapping[str, Label], bindings: Bindings, config: WikidataConfig, schema: Schema,
              as_of: datetime.date | None) -> Plan:
    """The changes that bring a note's Wikidata keys in line with `entity`.

    `previous` is the revision fetched before this one (None if unknown): a property it had that is
    gone now has vanished upstream, and its key is removed.
    """
    plan = Plan()
    claims: Mapping[str, list[dict[str, Any]]] = entity.get("claims", {})
    plan.held = sum(1 for key in bindings.owned() if key in values)
    keyed: list[tuple[str, str]] = []
    for property_id in claims:
        key = bindings.key_of(property_id)
        if key is None:
            if not bindings.decided(property_id):
                plan.messages += _why_unbound(property_id, labels, bindings)
            continue
        if _allowed(property_id, key, config):
            keyed.append((property_id, key))
    written: list[str] = []  # keys in the vault's order
    previous_key: str | None = None  # new keys go after the key of the property before them
    for property_id, key in sorted(keyed, key=lambda pair: _place(pair, schema)):
        rendered = property_values(property_id, claims[property_id], labels, config, as_of)
        plan.messages += [f"{key}: {reason}" for reason in rendered.skipped]
        plan.refused += [(key, reason) for reason in rendered.refused]
        declared = schema.declared_number(key)
        new = [_exact_in_obsidian(value, declared) for value in rendered.values]
        if rendered.unresolved:
            kept = _kept_links(values.get(key), rendered.unresolved)
            plan.messages.append(f"{key}: {', '.join(rendered.unresolved)} not found on Wikidata; "
                                 + ("kept the note's link" if kept else "left out"))
            new += kept
            if not new:
                continue  # nothing can be said for sure: leave the key as it is
        if not new:
            if key in values and not rendered.unwritable:
                _delete(plan, key)
            continue
        plan.changes[key] = _merge(values.get(key), new, config.duplicates, _shape(schema, key), plan, key)
        dropped = _dropped(values.get(key), new, config.link_pattern)
        if dropped:  # the key is Wikidata's; still, say what goes, as someone may have written it
            plan.dropped[key] = f"{key}: removed {', '.join(map(_quoted, dropped))}, which Wikidata does not have"
        if key not in values:
            plan.after[key] = previous_key
        previous_key = key
        written.append(key)
    _place_leading_new_keys(plan, written, list(values))
    for property_id in (previous or {}).get("claims", {}):
        if property_id in claims:
            continue
        key = bindings.key_of(property_id)
        if key and key in values and _allowed(property_id, key, config):
            _delete(plan, key)
    return plan


def _exact_in_obsidian(value: Any, declared: str | None) -> Any:
    """An integer beyond 2^53 - 1 as the text of its digits, as `validate --fix` quotes it (VT204):
    Obsidian's numbers are doubles and would round it. In a key declared a number it stays a number,
    as `--fix` leaves it there too (VT204 then says to declare the key text): the two never undo each other."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER and declared is None:
        return str(value)
    return value


def _why_unbound(property_id: str, labels: Mapping[str, Label], bindings: Bindings) -> list[str]:
    """What to say of a property left unbound (the user's own keys are reported as findings)."""
    key = _label_key(property_id, labels, bindings.rename)
    if key is None:
        return [f"{property_id} has no English label; not written"]
    if key in bindings.owned():
        return [f"{property_id} ({labels[property_id].text}) would write {key}, which another property writes; skipped"]
    return []


def _delete(plan: Plan, key: str) -> None:
    plan.changes[key] = DELETE
    plan.removed += 1


def _place(pair: tuple[str, str], schema: Schema) -> tuple[int, int]:
    """Where a key goes among the others: in the order of `[schema.fields]` where it is declared
    there, after them by property number. Never the order of the answer's JSON."""
    property_id, key = pair
    fields = list(schema.fields)
    return (fields.index(key) if key in schema.fields else len(fields)), _number(property_id)


def _place_leading_new_keys(plan: Plan, written: list[str], note_keys: list[str]) -> None:
    """New keys that come before every existing one go just before the first existing key that
    follows them in the vault's order (after the note key in front of it), not at the very end."""
    for index, key in enumerate(written):
        if key not in plan.after or plan.after[key] is not None:
            continue
        following = next((k for k in written[index + 1:] if k in note_keys), None)
        if following is not None and note_keys.index(following) > 0:
            plan.after[key] = note_keys[note_keys.index(following) - 1]


def _dropped(old: Any, new: list[Any], link_pattern: str) -> list[Any]:
    """The note's values of a key that Wikidata's values `new` do not hold. A link to an item that a
    new value links to under another label is not dropped: the item is the same, its label drifted."""
    known = [_tag(value) for value in new]
    items = {_item_linked(value, link_pattern) for value in new} - {None}
    return [value for value in (old if isinstance(old, list) else [] if old is None else [old])
            if _tag(value) not in known and _item_linked(value, link_pattern) not in items]


def _item_linked(value: Any, link_pattern: str) -> str | None:
    """The item a value of the link pattern's form links to (`[[…/WD~Geneva,71]]` -> `Q71`), or None."""
    if not (isinstance(value, str) and value.startswith("[[") and value.endswith("]]")):
        return None
    try:
        return linkpattern.entity_links(link_pattern).item_of(linkpattern.link_target(value))
    except linkpattern.LinkPatternError:  # (a pattern entity notes cannot follow: links are compared as text)
        return None


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _kept_links(old: Any, unresolved: list[str]) -> list[str]:
    """The note's existing links to items that no longer resolve (the numeric id follows the last comma)."""
    old_values = old if isinstance(old, list) else [old]
    numbers = {item_id[1:] for item_id in unresolved}
    return [v for v in old_values if isinstance(v, str) and v.endswith("]]") and v[:-2].rsplit(",", 1)[-1] in numbers]


def _shape(schema: Schema, key: str) -> str:
    rule = schema.fields.get(key)
    return rule.shape if rule else "either"


def _tag(value: Any) -> tuple[str, Any]:
    """A value as a YAML reader of the note would compare it: `1` is not `True` nor `1.0`, a
    date-time is the string it reads as, and an exact decimal the float the note gives back; inside
    lists and mappings too. Compare tags with ==: one of a list or mapping is not hashable."""
    if isinstance(value, Decimal):
        return "float", float(value)
    if isinstance(value, str):
        return "str", str(value)
    if isinstance(value, list):
        return "list", [_tag(item) for item in value]
    if isinstance(value, dict):
        return "dict", {key: _tag(item) for key, item in value.items()}
    return type(value).__name__, value


def _merge(old: Any, new: list[Any], duplicates: str, shape: str, plan: Plan, key: str) -> Any:
    """Existing values in their order, then new ones in Wikidata's order; shaped as the vault wants.

    A value kept is Wikidata's own object, so it is written as its type wants (a date plain, an
    exact decimal in full)."""
    old_list = old if isinstance(old, list) else [] if old is None else [old]
    remaining = list(new)
    merged: list[Any] = []
    for value in old_list:
        match = next((i for i, candidate in enumerate(remaining) if _tag(candidate) == _tag(value)), None)
        if match is not None:
            merged.append(remaining.pop(match))
    merged += remaining
    if duplicates == "drop":
        seen: list[tuple[str, Any]] = []
        unique: list[Any] = []
        for value in merged:
            if (tagged := _tag(value)) not in seen:
                seen.append(tagged)
                unique.append(value)
        merged = unique
    if shape == "list":
        return merged
    if len(merged) == 1:
        return merged[0]
    if shape == "scalar":
        plan.messages.append(f"{key}: the schema wants one value, Wikidata has {len(merged)}; wrote the first")
        return merged[0]
    return merged
