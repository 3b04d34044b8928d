"""Field types and schema rules, and the one-type-per-property rule across notes. Pure."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Container, Iterable, Mapping
from urllib.parse import urlsplit

from vaulttool.config.settings import FieldRule, Schema
from vaulttool.engine.ids import is_item_id
from vaulttool.engine.links import WIKILINK_VALUE
from vaulttool.engine.scalars import ISO_DATE, ISO_DATETIME, DateText
from vaulttool.findings import plural
from vaulttool.rules.suppress import IGNORE_KEY
from vaulttool.tiers.templates import MARKER_KEY as STUB_MARKER_KEY

_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return False
    if value.startswith("-"):
        return True  # BCE dates: the calendar check below only knows years 1-9999
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or not _URL_SCHEME.fullmatch(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # `http://[` and other hosts urlsplit cannot take: not a URL
        return False
    return bool(parts.netloc) if parts.scheme in ("http", "https") else True


TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "any": lambda value: True,
    "text": lambda value: isinstance(value, str),
    "wikilink": lambda value: isinstance(value, str) and WIKILINK_VALUE.fullmatch(value) is not None,
    "url": _is_url,
    "date": _is_date,
    "datetime": lambda value: isinstance(value, str) and ISO_DATETIME.fullmatch(value) is not None
    and _is_date(value.split("T")[0]),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "wikidata_id": is_item_id,
    "external_id": lambda value: isinstance(value, str) and value != "" and value == value.strip(),
}


def check_element(rule: FieldRule, value: Any) -> tuple[str, str] | None:
    """(code, message) when one scalar value breaks the rule's type, pattern or enum; else None."""
    if value is None:
        return None  # an empty property: Obsidian's way of saying "not filled in yet"
    if not TYPE_CHECKS[rule.type or "any"](value):
        if rule.type == "wikidata_id":
            return "VT301", (f"{describe(value)} is not a Wikidata item id (Q followed by digits, no leading 0, "
                            "at most 2147483647)")
        return "VT302", f"expected {rule.type}, got {describe(value)}"
    if rule.pattern is not None and not (isinstance(value, str) and _compiled(rule.pattern).fullmatch(value)):
        return "VT304", f"{describe(value)} does not match the pattern {rule.pattern!r}"
    if rule.enum is not None and value not in rule.enum:
        return "VT304", f"{describe(value)} is not one of " + ", ".join(repr(item) for item in rule.enum)
    return None


def check_shape(rule: FieldRule, value: Any) -> str | None:
    if value is None or rule.shape == "either":
        return None
    if rule.shape == "list" and not isinstance(value, list):
        return f"expected a list, got {describe(value)}"
    if rule.shape == "scalar" and isinstance(value, (list, dict)):
        return f"expected a single value, got a {'list' if isinstance(value, list) else 'mapping'}"
    return None


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, DateText):  # (unquoted in the note, as it is shown; not the class's repr)
        return f"date {value!s}"
    if isinstance(value, str):
        return f"text {str(value)!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def rule_for(schema: Schema, key: str) -> FieldRule | None:
    """The rule for a key. The Wikidata id key is a single Wikidata id and vaulttool's stub marker a
    hash, unless the schema says otherwise."""
    rule = schema.fields.get(key)
    if rule is None and key == schema.id_key:
        return FieldRule(type="wikidata_id", shape="scalar")
    if rule is None and key == IGNORE_KEY:
        return FieldRule()  # checked on its own (VT308), never unknown (VT307)
    if rule is None and key == STUB_MARKER_KEY:
        return FieldRule(type="text", shape="scalar", pattern="sha256-[0-9a-f]{16}")
    return rule


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# --- one type per property name, as Obsidian has it ------------------------------------------

# Obsidian's property types (.obsidian/types.json) and the kinds of value each accepts.
OBSIDIAN_KINDS = {
    "text": "text", "multitext": "text", "aliases": "text", "tags": "text",
    "number": "number", "checkbox": "checkbox", "date": "date", "datetime": "datetime",
}


def kind_of(value: Any) -> str | None:
    """The Obsidian kind of a value (lists count as their items' kind), or None for empty values."""
    if isinstance(value, list):
        kinds = {kind_of(item) for item in value} - {None}
        if not kinds:
            return None
        if len(kinds) == 1:
            return kinds.pop()
        return "text" if kinds <= {"text", "date", "datetime"} else "mixed"
    if value is None:
        return None
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if not value or value[0] not in "-0123456789":
        return "text"  # dates start with a digit or `-`: most values need no pattern
    if ISO_DATETIME.fullmatch(value):
        return "datetime"
    if ISO_DATE.fullmatch(value):
        return "date"
    return "text"


def compatible(kind: str, property_kind: str) -> bool:
    if property_kind == "text":
        return kind in ("text", "date", "datetime")
    return kind == property_kind


def typed_keys(schema: Schema, keys: Iterable[str]) -> frozenset[str]:
    """The keys among `keys` whose schema rule gives a type: it judges their values (VT301, VT302), or
    with `type = "any"` takes every kind, so they take no part in the one-type vote (VT306). A rule
    without a type (`{ shape = "list" }`) leaves the vote to the notes."""
    return frozenset(key for key in keys if (rule := rule_for(schema, key)) is not None and rule.type is not None)


@dataclass(frozen=True, slots=True)
class PropertyKind:
    """The kind a property's values must have, and why: declared in types.json, or the notes' mix."""
    kind: str
    reason: str  # `declared number in .obsidian/types.json`, or `number in 5 notes and text in 2`
    declared: bool


def expected_kinds(counts: Mapping[tuple[str, str], int], declared: Mapping[str, str],
                   typed: Container[str] = frozenset()) -> dict[str, PropertyKind]:
    """For each property that types.json declares, or whose notes disagree: the kind its values must
    have. Keys the schema gives a type (`typed`) are judged by that instead and left out. Otherwise
    the kind most notes use wins (ties go to the kind seen first: `counts` keeps the order in which
    pairs were first seen), but where numbers and text meet, text does: a number can be quoted into
    text, and text such as `000000012146438X` cannot become a number."""
    by_key: dict[str, dict[str, int]] = {}
    for (key, kind), count in counts.items():
        by_key.setdefault(key, {})[kind] = count
    expected: dict[str, PropertyKind] = {}
    for key, kinds in by_key.items():
        if key in declared and declared[key] in OBSIDIAN_KINDS:
            expected[key] = PropertyKind(OBSIDIAN_KINDS[declared[key]],
                                         f"declared {declared[key]} in .obsidian/types.json", True)
            continue
        if key in typed:
            continue
        property_kind = max(kinds, key=kinds.__getitem__)
        if property_kind == "number" and any(compatible(kind, "text") for kind in kinds):
            property_kind = "text"
        if not all(compatible(kind, property_kind) for kind in kinds):
            expected[key] = PropertyKind(property_kind, _mix(kinds), False)
    return expected


def _mix(kinds: Mapping[str, int]) -> str:
    """`number in 5 notes and text in 2`: the kinds of a property, most used first."""
    ordered = sorted(kinds.items(), key=lambda pair: -pair[1])
    (first, notes), rest = ordered[0], ordered[1:]
    parts = [f"{first} in {plural(notes, 'note')}"] + [f"{kind} in {count}" for kind, count in rest]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


_DECLARE = "declare its type in [schema.fields] or .obsidian/types.json"


def kind_misfit(key: str, kind: str, expected: Mapping[str, PropertyKind]) -> str | None:
    """The VT306 message when a value of `kind` does not fit its property, else None."""
    if key not in expected or compatible(kind, expected[key].kind):
        return None
    property_kind = expected[key]
    if property_kind.declared:
        return f"property {key!r} is {property_kind.reason}, but {kind} here"
    # Undeclared, neither reading is known to be the one meant: say what the notes hold, and the two
    # ways out, rather than call this value wrong.
    advice = "quote this number" if kind == "number" and property_kind.kind == "text" else \
        f"make this value {property_kind.kind}"
    return (f"property {key!r} holds {property_kind.reason}, but Obsidian gives a property one type: "
            f"{advice}, or {_DECLARE}")
