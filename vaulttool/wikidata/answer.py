"""What a `wbgetentities` answer must be before vaulttool uses it. Pure: bytes in, checked data out.

`read_json` turns a body into data within fixed bounds: a size cap, strict UTF-8, a nesting cap
checked before parsing (so no deep answer reaches a recursive parser or a later walk), no NaN or
Infinity, no repeated key in an object, no lone surrogate. `check_answer` then holds the envelope,
each entity and each statement to JSON schemas (jsonschema's only home in vaulttool) and returns
entities cleaned down to what vaulttool reads, so nothing else an answer holds is stored or passed on.

What is refused decides how much is lost: an answer whose envelope is wrong, or that does not hold
every id asked for, fails its whole batch; an entity that as a whole is wrong fails alone (its notes
are not refreshed, the other 49 of the batch are); one malformed statement or label is dropped with a
problem line naming entity and property, and the rest of the entity is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from vaulttool.errors import VaultToolError
from vaulttool.wikidata.mapping import END_TIME
from vaulttool.wikidata.values import JULIAN, days_in_month, parse_time

MAX_BYTES = 64 * 1024 * 1024  # a batch of 50 large items is a few MB; far more is no honest answer
MAX_DEPTH = 64  # a statement is 6 levels deep; the cap keeps recursive code (json, jsonschema) safe
MAX_STATEMENTS = 200_000  # per answer: bounds the schema work a hostile answer can ask for
MAX_PROBLEMS = 20  # problem lines per entity; the rest are counted
MAX_TEXT = 10_000  # characters of a string value (Wikidata allows 1,500)
MAX_WARNINGS = 20
_WARNING_CHARS = 300

ENTITY_ID = "^[QP][1-9][0-9]{0,11}$"
PROPERTY_ID = "^P[1-9][0-9]{0,11}$"
_LANGUAGE = re.compile(r"[a-z]{2,10}(-[a-z0-9]{1,10}){0,4}", re.IGNORECASE)
_SHOWN_PART = re.compile(r"[A-Za-z0-9_-]{1,40}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_WEIGHT = {"[": 1, "{": 1, "]": -1, "}": -1}


class AnswerError(VaultToolError):
    """An answer, or one entity of it, that vaulttool will not use. `retry` is True when another
    request may well get a good one (a truncated body)."""

    def __init__(self, message: str, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass
class Checked:
    """A checked answer: cleaned entities by the id asked for, problem lines by entity id (statements
    or labels that were dropped), and the API's own warnings as text lines."""

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # the ids whose entity was refused, and why


# --- the bounded reader ------------------------------------------------------------------------

def read_json(body: bytes, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse an answer body, or raise AnswerError saying what is wrong with it."""
    if len(body) > max_bytes:
        raise AnswerError(f"the answer is larger than {size_text(max_bytes)}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.end == len(body) and error.reason == "unexpected end of data":
            raise AnswerError("truncated or invalid JSON (it ends inside a character)", retry=True) from None
        raise AnswerError(f"the answer is not UTF-8 (byte {error.start})") from None
    if nesting_depth(text) > max_depth:
        raise AnswerError(f"the answer nests deeper than {max_depth} levels")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as error:
        raise AnswerError(f"truncated or invalid JSON ({error.msg} at line {error.lineno} column {error.colno})",
                          retry=True) from None
    except ValueError:  # an integer beyond Python's digit limit
        raise AnswerError("the answer holds a number with too many digits") from None


def nesting_depth(text: str) -> int:
    """The deepest nesting of brackets outside strings, counted without recursion or a Python loop."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_WEIGHT.__getitem__, brackets)), default=0)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise AnswerError(f"the answer repeats the key {_show(repeated)} in one object")
    for key, value in pairs:
        # A lone surrogate (`"\ud800"`) parses, but cannot be written to a note as UTF-8.
        for text in (key, value) if isinstance(value, str) else (key,):
            if not text.isascii() and _SURROGATE.search(text):
                raise AnswerError("the answer holds a lone surrogate escape, which is not text")
    return data


def _constant(name: str) -> Any:
    raise AnswerError(f"the answer holds {name}, which is not JSON")


def _float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise AnswerError(f"the answer holds a number out of range ({text[:20]})")
    return number


def size_text(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 and size % (1024 * 1024) == 0 else f"{size} bytes"


# --- the schemas -------------------------------------------------------------------------------

_INTEGER = {"type": "integer"}
_DECIMAL = {"type": "string", "pattern": "^[+-]?[0-9]{1,200}(\\.[0-9]{1,200})?$"}  # Wikibase's form; no exponent
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_URI = {"type": "string", "maxLength": 500}
# datavalue.type -> the shape of its value, and the keys vaulttool keeps of it.
_VALUES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "string": ({"type": "string", "maxLength": MAX_TEXT}, ()),
    "monolingualtext": ({"type": "object", "required": ["text", "language"], "properties": {
        "text": {"type": "string", "maxLength": MAX_TEXT}, "language": {"type": "string", "maxLength": 64}}},
        ("text", "language")),
    "quantity": ({"type": "object", "required": ["amount", "unit"], "properties": {
        "amount": _DECIMAL, "unit": _URI, "upperBound": _DECIMAL, "lowerBound": _DECIMAL}},
        ("amount", "unit", "upperBound", "lowerBound")),
    "time": ({"type": "object", "required": ["time", "precision", "calendarmodel"], "properties": {
        "time": {"type": "string", "pattern": "^[+-][0-9]{1,16}-(0[0-9]|1[0-2])-([0-2][0-9]|3[01])T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
        "precision": {"type": "integer", "minimum": 0, "maximum": 14}, "calendarmodel": _URI,
        "timezone": _INTEGER, "before": _INTEGER, "after": _INTEGER}},
        ("time", "timezone", "before", "after", "precision", "calendarmodel")),
    "globecoordinate": ({"type": "object", "required": ["latitude", "longitude"], "properties": {
        "latitude": {"type": "number"}, "longitude": {"type": "number"}, "globe": {"type": ["string", "null"], "maxLength": 500},
        "altitude": _NUMBER_OR_NULL, "precision": _NUMBER_OR_NULL}},
        ("latitude", "longitude", "altitude", "precision", "globe")),
    "wikibase-entityid": ({"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string", "pattern": "^[A-Z][1-9][0-9]{0,11}(-[A-Z][1-9][0-9]{0,11})?$"},
        "entity-type": {"type": "string", "maxLength": 64}, "numeric-id": _INTEGER}},
        ("entity-type", "id", "numeric-id")),
}
# Property datatypes mapping reads by name -> the value type they must carry and, for entity values,
# the form of the id (an item link must name an item), so a value is never read as a shape it is not.
_DATATYPES: dict[str, tuple[str, str | None]] = {
    "wikibase-item": ("wikibase-entityid", "^Q[1-9][0-9]{0,11}$"),
    "wikibase-property": ("wikibase-entityid", PROPERTY_ID),
    "monolingualtext": ("monolingualtext", None), "time": ("time", None), "quantity": ("quantity", None),
    "globe-coordinate": ("globecoordinate", None),
    **{name: ("string", None) for name in ("commonsMedia", "string", "external-id", "url", "math", "musical-notation",
                                           "geo-shape", "tabular-data")},
}


def _snak_schema(snaktypes: list[str], datatype: str | None = None, value_type: str | None = None) -> dict[str, Any]:
    """A snak of `snaktypes`; with a value, of `datatype` (None: any) and `value_type` (None: a known one).

    One flat schema per kind of snak, picked by `_snak_validator`, is what a discriminator would do;
    jsonschema's `if`/`then` chains did the same work at eight times the cost."""
    schema: dict[str, Any] = {
        "type": "object", "required": ["snaktype", "property", "datatype"],
        "properties": {"snaktype": {"enum": snaktypes}, "property": {"type": "string", "pattern": PROPERTY_ID},
                       "datatype": {"type": "string", "maxLength": 64} if datatype is None else {"const": datatype}},
    }
    if snaktypes == ["value"]:
        schema["required"].append("datavalue")
        datavalue: dict[str, Any]
        if value_type is None:
            datavalue = {"properties": {"type": {"enum": list(_VALUES)}}}
        else:
            shape = _VALUES[value_type][0]
            id_pattern = _DATATYPES[datatype][1] if datatype in _DATATYPES else None
            if id_pattern is not None:
                shape = {**shape, "properties": {**shape["properties"], "id": {"type": "string", "pattern": id_pattern}}}
            datavalue = {"properties": {"type": {"const": value_type}, "value": shape}}
        schema["properties"]["datavalue"] = {"type": "object", "required": ["type", "value"], **datavalue}
    return schema


_SNAKS = {
    "no value": _snak_schema(["value", "somevalue", "novalue"]),  # somevalue, novalue, or no snaktype at all
    "unknown value": _snak_schema(["value"]),
    **{f"value {name}": _snak_schema(["value"], None, name) for name in _VALUES},
    **{f"datatype {name}": _snak_schema(["value"], name, value_type) for name, (value_type, _) in _DATATYPES.items()},
}
_STATEMENT: dict[str, Any] = {
    "type": "object", "required": ["mainsnak", "rank"],
    "properties": {
        "mainsnak": {"type": "object"},
        "rank": {"enum": ["preferred", "normal", "deprecated"]},
        "id": {"type": "string", "maxLength": 200},
        "qualifiers": {
            "type": "object", "propertyNames": {"pattern": PROPERTY_ID},
            "additionalProperties": {"type": "array", "items": {"type": "object"}},
            # mapping reads end times as time values
            "properties": {END_TIME: {"items": {"properties": {"datatype": {"const": "time"}}}}},
        },
    },
}
_ENTITY = {
    "type": "object", "required": ["id"],
    "properties": {
        "id": {"type": "string"}, "type": {"type": "string", "maxLength": 64}, "datatype": {"type": "string", "maxLength": 64},
        "lastrevid": _INTEGER, "modified": {"type": "string", "maxLength": 64}, "missing": {"type": "string"},
        "redirects": {"type": "object", "required": ["from", "to"],
                      "properties": {"from": {"type": "string"}, "to": {"type": "string", "pattern": ENTITY_ID}}},
        "labels": {"type": "object"}, "descriptions": {"type": "object"}, "sitelinks": {"type": "object"},
        "aliases": {"type": "object", "additionalProperties": {"type": "array"}},
        "claims": {"type": "object", "propertyNames": {"pattern": PROPERTY_ID}, "additionalProperties": {"type": "array"}},
    },
}
_LABEL = {"type": "object", "required": ["language", "value"],
          "properties": {"language": {"type": "string", "maxLength": 64}, "value": {"type": "string", "maxLength": 1000}}}
_SITELINK = {"type": "object", "required": ["site", "title"],
             "properties": {"site": {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"},
                            "title": {"type": "string", "minLength": 1, "maxLength": 1000}}}
_ENVELOPE = {
    "type": "object", "required": ["success", "entities"],
    "properties": {"success": {"const": 1}, "entities": {"type": "object"}, "warnings": {"type": ["object", "array"]}},
}
for _schema in (_STATEMENT, _ENTITY, _LABEL, _SITELINK, _ENVELOPE, *_SNAKS.values()):
    Draft202012Validator.check_schema(_schema)
STATEMENT = Draft202012Validator(_STATEMENT)
SNAKS = {kind: Draft202012Validator(schema) for kind, schema in _SNAKS.items()}
STATEMENT_ID = Draft202012Validator(_STATEMENT["properties"]["id"])
_GOOD_STATEMENTS: dict[str, None] = {}  # see _statement_problem
ENTITY = Draft202012Validator(_ENTITY)
LABEL = Draft202012Validator(_LABEL)
SITELINK = Draft202012Validator(_SITELINK)
ENVELOPE = Draft202012Validator(_ENVELOPE)
_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "null": "null", "boolean": "true or false"}


# --- the checks --------------------------------------------------------------------------------

def check_answer(data: Any, ids: list[str], props: str) -> Checked:
    """Check a whole `wbgetentities` answer to a request for `ids` with `props`: AnswerError refuses
    it; an entity refused alone is in `failed`."""
    if not ENVELOPE.is_valid(data):
        raise AnswerError(f"unusable answer: {_first_error(ENVELOPE, data, 'the answer')}")
    entities = data["entities"]
    absent = [entity_id for entity_id in ids if entity_id not in entities]
    if absent:
        more = f" and {len(absent) - 1} more ids" if len(absent) > 1 else ""
        raise AnswerError(f"unusable answer: it does not hold {absent[0]}{more}, which it was asked for")
    statements = sum(len(statements) for entity in map(entities.get, ids) if isinstance(entity, dict)
                     and isinstance(entity.get("claims"), dict)
                     for statements in entity["claims"].values() if isinstance(statements, list))
    if statements > MAX_STATEMENTS:
        raise AnswerError(f"unusable answer: it holds {statements} statements, more than {MAX_STATEMENTS}")
    checked = Checked(warnings=_warnings(data.get("warnings")))
    for entity_id in ids:
        try:
            cleaned, problems = check_entity(entity_id, entities[entity_id], props)
        except AnswerError as error:
            checked.failed[entity_id] = f"unusable answer: {error}"
            continue
        checked.entities[entity_id] = cleaned
        if problems:
            checked.problems[entity_id] = problems
    return checked


def check_entity(asked_id: str, entity: Any, props: str) -> tuple[dict[str, Any], list[str]]:
    """One entity as asked for with `props` (`info|claims`, `labels`, …): the cleaned entity and the
    problem lines of what was dropped. AnswerError when the entity as a whole cannot be used: another
    id than asked (and no redirect from it), or claims or labels asked for and not there as maps.
    Stored entities go through here too, so a cleaned entity passes unchanged."""
    if not ENTITY.is_valid(entity):
        raise AnswerError(f"{asked_id}: {_first_error(ENTITY, entity, 'the entity')}")
    entity_id = entity["id"]
    redirect = entity.get("redirects")
    if redirect is not None:
        if redirect["from"] != asked_id or redirect["to"] != entity_id or entity_id == asked_id or "missing" in entity:
            raise AnswerError(f"{asked_id}: the redirect ({_show(redirect['from'])} -> {_show(redirect['to'])}) "
                              f"does not lead from the id asked for to the entity answered ({_show(entity_id)})")
    elif entity_id != asked_id:
        raise AnswerError(f"{asked_id}: the answer is for {_show(entity_id)}, not for the id asked for")
    if "missing" in entity:
        return {"id": entity_id, "missing": ""}, []
    cleaned: dict[str, Any] = {key: entity[key] for key in ("id", "type", "datatype", "lastrevid", "modified")
                               if key in entity}
    if redirect is not None:
        cleaned["redirects"] = {"from": redirect["from"], "to": redirect["to"]}
    problems = _Problems(asked_id)
    wanted = props.split("|")
    if "labels" in wanted:
        cleaned["labels"] = _labels(entity.get("labels", {}), problems)
    if "descriptions" in wanted:
        cleaned["descriptions"] = _labels(entity.get("descriptions", {}), problems, "description")
    if "aliases" in wanted:
        cleaned["aliases"] = _aliases(entity.get("aliases", {}), problems)
    if "sitelinks" in wanted or "sitelinks/urls" in wanted:
        cleaned["sitelinks"] = _sitelinks(entity.get("sitelinks", {}), problems)
    if "claims" in wanted:
        if "claims" not in entity:
            # An answer without statements would remove every Wikidata key of the note.
            raise AnswerError(f"{asked_id}: the entity has no claims, which were asked for")
        cleaned["claims"] = {property_id: _statements(property_id, statements, problems)
                             for property_id, statements in entity["claims"].items()}
    return cleaned, problems.lines()


def _statements(property_id: str, statements: list[Any], problems: _Problems) -> list[dict[str, Any]]:
    """A property's statements cleaned; none at all when one of them is malformed. Written from the
    rest, the key would lose the malformed statement's value, so it is left as the note has it."""
    kept: list[dict[str, Any]] = []
    datatype = None
    for statement in statements:
        reason = _statement_problem(property_id, statement)
        if reason is None and datatype is not None and statement["mainsnak"]["datatype"] != datatype:
            # mapping reads a property's values by the datatype of its first statement
            reason = f"its datatype {_show(statement['mainsnak']['datatype'])} is not the property's {datatype}"
        if reason is not None:
            problems.add(f"{property_id}: a statement was skipped ({reason}); the key is left as it is")
            return []
        datatype = statement["mainsnak"]["datatype"]
        kept.append(_clean_statement(statement))
    return kept


def _statement_problem(property_id: str, statement: Any) -> str | None:
    """Why a statement cannot be used, or None.

    The same statement (the same value of a property: most items are `instance of` a few classes)
    recurs across entities, and the schema checks are costly; the verdict on a good one is remembered
    by its text without the id, which makes each statement unique and is checked on its own."""
    if not isinstance(statement, dict):
        return _first_error(STATEMENT, statement, "the statement")
    shape = {key: statement[key] for key in ("mainsnak", "rank", "qualifiers") if key in statement}
    key = property_id + repr(shape)  # repr, not JSON: it tells 1 from "1" and True from 1
    if key not in _GOOD_STATEMENTS:
        problem = _shape_problem(property_id, shape)
        if problem is not None:
            return problem
        if len(_GOOD_STATEMENTS) >= 100_000:
            _GOOD_STATEMENTS.clear()
        _GOOD_STATEMENTS[key] = None
    if "id" in statement and not STATEMENT_ID.is_valid(statement["id"]):
        return _first_error(STATEMENT_ID, statement["id"], "id", "id")
    return None


def _shape_problem(property_id: str, statement: dict[str, Any]) -> str | None:
    if not STATEMENT.is_valid(statement):
        return _first_error(STATEMENT, statement, "the statement")
    snaks = [("mainsnak", property_id, statement["mainsnak"])]
    for qualifier, qualifier_snaks in statement.get("qualifiers", {}).items():
        snaks += [(f"qualifiers.{qualifier}.{index}", qualifier, snak) for index, snak in enumerate(qualifier_snaks)]
    for where, expected, snak in snaks:
        validator = _snak_validator(snak)
        if not validator.is_valid(snak):
            return _first_error(validator, snak, where, where)
        if snak["property"] != expected:
            return f"{where}.property is {snak['property']}, not {expected}"
        if snak["snaktype"] == "value" and snak["datavalue"]["type"] == "time" and not _real_day(snak["datavalue"]["value"]):
            return f"{where}.datavalue.value.time is a day that does not exist"
    return None


def _snak_validator(snak: dict[str, Any]) -> Draft202012Validator:
    """The schema a snak is held to: by its snaktype, then its datatype, then its value's type."""
    if snak.get("snaktype") != "value":
        return SNAKS["no value"]
    datatype = snak.get("datatype")
    if isinstance(datatype, str) and f"datatype {datatype}" in SNAKS:
        return SNAKS[f"datatype {datatype}"]
    datavalue = snak.get("datavalue")
    value_type = datavalue.get("type") if isinstance(datavalue, dict) else None
    return SNAKS.get(f"value {value_type}", SNAKS["unknown value"])


def _real_day(value: dict[str, Any]) -> bool:
    """A day-precision time names a day its calendar has (no 30 February): mapping builds dates of it."""
    parsed = parse_time(value)
    assert parsed is not None  # the schema's pattern
    sign, year, month, day, precision = parsed
    if precision < 11 or month == 0 or day == 0:
        return True
    astronomical = -year + 1 if sign == "-" else year  # 1 BCE is leap year 0
    return month <= 12 and day <= days_in_month(astronomical, month, value["calendarmodel"] == JULIAN)


def _clean_statement(statement: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {"mainsnak": _clean_snak(statement["mainsnak"]), "rank": statement["rank"]}
    if "qualifiers" in statement:
        cleaned["qualifiers"] = {qualifier: [_clean_snak(snak) for snak in snaks]
                                 for qualifier, snaks in statement["qualifiers"].items()}
    if "id" in statement:
        cleaned["id"] = statement["id"]
    return cleaned


def _clean_snak(snak: dict[str, Any]) -> dict[str, Any]:
    cleaned = {"snaktype": snak["snaktype"], "property": snak["property"], "datatype": snak["datatype"]}
    if snak["snaktype"] == "value":
        value_type, value = snak["datavalue"]["type"], snak["datavalue"]["value"]
        keys = _VALUES[value_type][1]
        cleaned["datavalue"] = {"type": value_type,
                                "value": {key: value[key] for key in keys if key in value} if keys else value}
    return cleaned


def _labels(labels: dict[str, Any], problems: _Problems, kind: str = "label") -> dict[str, dict[str, str]]:
    """Labels (or descriptions, of the same shape) by language, each kept as language and value."""
    kept: dict[str, dict[str, str]] = {}
    for code, label in labels.items():
        if not _LANGUAGE.fullmatch(code):
            problems.add(f"a {kind} under a key that is no language code was skipped")
        elif not LABEL.is_valid(label):
            problems.add(f"the {code} {kind} was skipped ({_first_error(LABEL, label, 'the ' + kind)})")
        else:
            kept[code] = {"language": label["language"], "value": label["value"]}
    return kept


def _aliases(aliases: dict[str, list[Any]], problems: _Problems) -> dict[str, list[dict[str, str]]]:
    """Aliases by language, each kept as language and value; a malformed alias is dropped."""
    kept: dict[str, list[dict[str, str]]] = {}
    for code, entries in aliases.items():
        if not _LANGUAGE.fullmatch(code):
            problems.add("aliases under a key that is no language code were skipped")
            continue
        for alias in entries:
            if not LABEL.is_valid(alias):
                problems.add(f"an alias in {code} was skipped ({_first_error(LABEL, alias, 'the alias')})")
            else:
                kept.setdefault(code, []).append({"language": alias["language"], "value": alias["value"]})
    return kept


def _sitelinks(sitelinks: dict[str, Any], problems: _Problems) -> dict[str, dict[str, str]]:
    """Sitelinks by site (`enwiki`), each kept as site and title; a malformed one is dropped."""
    kept: dict[str, dict[str, str]] = {}
    for site, link in sitelinks.items():
        if not SITELINK.is_valid(link) or link["site"] != site:
            problems.add("a sitelink that is not a site and title was skipped")
        else:
            kept[site] = {"site": link["site"], "title": link["title"]}
    return kept


def _warnings(warnings: Any) -> list[str]:
    """The API's warnings as lines: `{"main": {"warnings": "…"}}` (`"*"` in formatversion 1), or a
    list of `{"module", "code", "text"}` (other error formats)."""
    if warnings is None:
        return []
    found: list[tuple[str, Any]] = []
    if isinstance(warnings, dict):
        for module, entry in warnings.items():
            text = entry.get("warnings", entry.get("*")) if isinstance(entry, dict) else None
            found.append((module, text))
    else:
        for entry in warnings:
            text = (entry.get("text") or entry.get("*") or entry.get("code")) if isinstance(entry, dict) else None
            found.append((entry.get("module", "") if isinstance(entry, dict) else "", text))
    lines: list[str] = []
    for module, text in found:
        if not isinstance(text, str):
            text = "(a warning vaulttool cannot read)"
        prefix = f"{printable(module, 40)}: " if module else ""
        lines += [prefix + printable(line, _WARNING_CHARS) for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_WARNINGS:
        lines = lines[:MAX_WARNINGS] + [f"… and {len(lines) - MAX_WARNINGS} more warnings"]
    return lines


class _Problems:
    """The problem lines of one entity, capped so a hostile answer cannot flood the output."""

    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        self.found: list[str] = []

    def add(self, message: str) -> None:
        self.found.append(message)

    def lines(self) -> list[str]:
        lines = [f"{self.entity_id}: {message}" for message in self.found[:MAX_PROBLEMS]]
        if len(self.found) > MAX_PROBLEMS:
            lines.append(f"{self.entity_id}: … and {len(self.found) - MAX_PROBLEMS} more problems")
        return lines


def _first_error(validator: Draft202012Validator, instance: Any, whole: str, where: str = "") -> str:
    """The most telling schema error, in words built from the schema, never from the answer's text.
    `whole` names the instance when the error is about all of it; `where` is its own path."""
    # The shallowest error, the first of them in the schema's order: a wrong `type` before its `value`.
    return _describe(min(validator.iter_errors(instance), key=lambda error: len(error.path)), whole, where)


def _describe(error: ValidationError, whole: str, where: str) -> str:
    parts = [where] if where else []
    parts += [str(part) if isinstance(part, int) or _SHOWN_PART.fullmatch(part) else "…" for part in error.absolute_path]
    path = ".".join(parts) or whole
    kind, expected = error.validator, error.validator_value
    if "propertyNames" in error.absolute_schema_path:
        return f"{path} has a key that is not a property id"
    if kind == "type":
        words = [_TYPE_WORDS.get(name, name) for name in ([expected] if isinstance(expected, str) else expected)]
        return f"{path} is not {' or '.join(words)}"
    if kind == "required":
        missing = next((name for name in expected if name not in error.instance), expected[0])
        return f"{path}.{missing} is missing" if len(parts) else f"{missing} is missing"
    if kind == "enum":
        return f"{path} is not one of {', '.join(map(str, expected))}"
    if kind == "const":
        return f"{path} is not {json.dumps(expected)}"
    if kind in ("maxLength", "maxItems"):
        return f"{path} is too long"
    if kind in ("minimum", "maximum"):
        return f"{path} is out of range"
    if kind == "pattern":
        return f"{path} is not in the expected form"
    return f"{path} is not valid ({kind})"


def _show(value: Any) -> str:
    """A value from the answer as a message may show it: an id as it is, anything else quoted and cut."""
    if isinstance(value, str):
        return value if re.fullmatch(r"[A-Za-z][0-9]{1,12}", value) else repr(value[:40])
    return repr(value)[:40] if isinstance(value, (int, float, bool)) or value is None else type(value).__name__


def printable(value: Any, limit: int) -> str:
    """Text from the server as safe to print on one line: no control or bidi characters, cut to `limit`."""
    text = _CONTROL.sub(" ", str(value)).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"
