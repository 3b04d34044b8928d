"""Plan the frontmatter changes a Wikidata entity brings to one note. Pure: values in, changes out.

Only keys bound to Wikidata properties are written. Within a key, values the note already has keep
their order and new ones are appended; one value is written as a scalar and several as a list
unless the schema fixes the shape. A key is removed only when its values vanished upstream: the
property is present with no current value, or it was in the previously fetched revision and is gone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Mapping

from vaulttool.config.settings import Schema, WikidataConfig
from vaulttool.engine.note import DELETE
from vaulttool.wikidata.mapping import (
    Label,
    derived_key,
    is_id_property,
    property_values,
)


@dataclass
class Bindings:
    """Which frontmatter key each property writes. Fixed ones come from the config; the rest are
    derived from the English property label once and then kept, so an upstream rename of the label
    does not rename the key."""

    fixed: Mapping[str, str]
    registry: dict[str, str]
    rename: Mapping[str, str]
    changed: bool = False

    def key_for(self, property_id: str, english_label: str) -> str | None:
        """The key for a property, binding it on first sight; None when its key is another's already."""
        if property_id in self.fixed:
            return self.fixed[property_id]
        if property_id in self.registry:
            return self.registry[property_id]
        key = derived_key(english_label)
        key = self.rename.get(key, key)
        if key in self.fixed.values() or key in self.registry.values():
            return None
        self.registry[property_id] = key
        self.changed = True
        return key


@dataclass
class Plan:
    changes: dict[str, Any] = field(default_factory=dict)  # key -> new value, or DELETE
    after: dict[str, str | None] = field(default_factory=dict)  # new key -> the key it follows
    messages: list[str] = field(default_factory=list)  # what the user should know about this note


def _allowed(property_id: str, key: str, config: WikidataConfig) -> bool:
    if property_id in config.block or key in config.block:
        return False
    return not config.allow or property_id in config.allow or key in config.allow


def plan_note(values: Mapping[str, Any], entity: Mapping[str, Any], previous: Mapping[str, Any] | None,
              labels: Mapping[str, Label], bindings: Bindings, config: WikidataConfig, schema: Schema,
              as_of: datetime.date | None) -> Plan:
    """The changes that bring a note's Wikidata keys in line with `entity`.

    `previous` is the revision fetched before this one (None if unknown): a property it had that is
    gone now has vanished upstream, and its key is removed.
    """
    plan = Plan()
    claims: Mapping[str, list[dict[str, Any]]] = entity.get("claims", {})
    written: list[str] = []  # keys in property order
    previous_key: str | None = None  # new keys go after the key of the property before them
    for property_id, statements in claims.items():
        label = labels.get(property_id)
        if label is None or not label.text:
            plan.messages.append(f"{property_id} has no English label; not written")
            continue
        if is_id_property(label.text):
            continue
        key = bindings.key_for(property_id, label.text)
        if key is None:
            plan.messages.append(f"{property_id} ({label.text}) would write a key another property writes; skipped")
            continue
        if not _allowed(property_id, key, config):
            continue
        rendered = property_values(property_id, statements, labels, config, as_of)
        if rendered.datatype == "wikibase-property":
            continue
        new = list(rendered.values)
        if rendered.unresolved:
            kept = _kept_links(values.get(key), rendered.unresolved)
            plan.messages.append(f"{key}: {', '.join(rendered.unresolved)} not found on Wikidata; "
                                 + ("kept the note's link" if kept else "left out"))
            new += kept
            if not new:
                continue  # nothing can be said for sure: leave the key as it is
        if not new:
            if key in values:
                plan.changes[key] = DELETE
            continue
        plan.changes[key] = _merge(values.get(key), new, config.duplicates, _shape(schema, key), plan, key)
        if key not in values:
            plan.after[key] = previous_key
        previous_key = key
        written.append(key)
    _place_leading_new_keys(plan, written, list(values))
    for property_id in (previous or {}).get("claims", {}):
        if property_id in claims:
            continue
        key = bindings.fixed.get(property_id) or bindings.registry.get(property_id)
        if key and key in values and _allowed(property_id, key, config):
            plan.changes[key] = DELETE
    return plan


def _place_leading_new_keys(plan: Plan, written: list[str], note_keys: list[str]) -> None:
    """New keys that come before every existing one go just before the first existing key that
    follows them in property order (after the note key in front of it), not at the very end."""
    for index, key in enumerate(written):
        if key not in plan.after or plan.after[key] is not None:
            continue
        following = next((k for k in written[index + 1:] if k in note_keys), None)
        if following is not None and note_keys.index(following) > 0:
            plan.after[key] = note_keys[note_keys.index(following) - 1]


def _kept_links(old: Any, unresolved: list[str]) -> list[str]:
    """The note's existing links to items that no longer resolve (the numeric id follows the last comma)."""
    old_values = old if isinstance(old, list) else [old]
    numbers = {item_id[1:] for item_id in unresolved}
    return [v for v in old_values if isinstance(v, str) and v.endswith("]]") and v[:-2].rsplit(",", 1)[-1] in numbers]


def _shape(schema: Schema, key: str) -> str:
    rule = schema.fields.get(key)
    return rule.shape if rule else "either"


def _tag(value: Any) -> tuple[str, Any]:
    return type(value).__name__, value


def _merge(old: Any, new: list[Any], duplicates: str, shape: str, plan: Plan, key: str) -> Any:
    """Existing values in their order, then new ones in Wikidata's order; shaped as the vault wants."""
    old_list = old if isinstance(old, list) else [] if old is None else [old]
    remaining = [_tag(v) for v in new]
    merged: list[Any] = []
    for value in old_list:
        if _tag(value) in remaining:
            remaining.remove(_tag(value))
            merged.append(value)
    merged += [value for _, value in remaining]
    if duplicates == "drop":
        unique: dict[tuple[str, Any], Any] = {}
        for value in merged:
            unique.setdefault(_tag(value), value)
        merged = list(unique.values())
    if shape == "list":
        return merged
    if len(merged) == 1:
        return merged[0]
    if shape == "scalar":
        plan.messages.append(f"{key}: the schema wants one value, Wikidata has {len(merged)}; wrote the first")
        return merged[0]
    return merged
