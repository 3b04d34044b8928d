"""Wikidata entity JSON -> frontmatter values per property. Pure: dicts in, values out.

Per property, the best rank is kept as Wikidata's `wdt:` does (all preferred statements if any, else
all normal; never deprecated); for `current_only` properties, statements that ended before a fixed day
are dropped. `somevalue` ("unknown value") and `novalue` have no value to write: a key whose best
statement is `novalue` is removed, one whose best statement is `somevalue` is kept as the note has it.
Each remaining value is rendered by `values.render_value`, by its datatype.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping

from vaulttool.config.settings import WikidataConfig
from vaulttool.engine.links import reads_as_link
from vaulttool.wikidata.values import Label, Skip, item_link, parse_time, render_value, revision_id, unit_item

END_TIME = "P582"
_ID_WORD = re.compile(r"\bID\b")
_KEY_SEPARATORS = re.compile(r"[\W_]+")


@dataclass(slots=True)
class PropertyValues:
    """The values one property gives a note, in statement order, and what could not be rendered."""

    property_id: str
    datatype: str
    values: list[Any] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # item ids with no entity behind them
    skipped: list[str] = field(default_factory=list)  # why values were left out
    refused: list[str] = field(default_factory=list)  # values that would be read as links: named, not written
    unwritable: bool = False  # some values could not be written (a lexeme, a bad URL): keep the key


def best_statements(statements: list[dict[str, Any]], as_of: datetime.date | None = None) -> list[dict[str, Any]]:
    """Wikidata's truthy statements, as `wdt:` in the Query Service: the preferred ones if there are any,
    else the normal ones; never deprecated. With `as_of` (a `current_only` property), those that ended
    before that day are dropped, but never all of them: then the ones that ended last are kept."""
    preferred = [s for s in statements if s.get("rank") == "preferred"]
    best = preferred or [s for s in statements if s.get("rank") == "normal"]
    if as_of is None:
        return best
    ends = [_end_day(statement) for statement in best]
    current = [s for s, end in zip(best, ends) if end is None or end >= as_of]
    if current or not best:
        return current
    last = max(end for end in ends if end is not None)
    return [s for s, end in zip(best, ends) if end == last]


def as_of_day(entity: Mapping[str, Any], given: datetime.date | None) -> datetime.date | None:
    """The day `current_only` properties are judged at: `--as-of`, else the day the entity was last
    edited (so the same revision always gives the same values), else None: nothing is dropped."""
    if given is not None:
        return given
    modified = entity.get("modified")
    try:
        return datetime.date.fromisoformat(modified[:10]) if isinstance(modified, str) else None
    except ValueError:
        return None


def _end_day(statement: dict[str, Any]) -> datetime.date | None:
    """The last day a statement holds, from its end time (P582) qualifier; None when it has none."""
    ends = [_last_day(snak["datavalue"]["value"]) for snak in statement.get("qualifiers", {}).get(END_TIME, [])
            if snak.get("snaktype") == "value"]
    known = [end for end in ends if end is not None]
    return min(known) if known else None


def _last_day(value: dict[str, Any]) -> datetime.date | None:
    """The last day a time value can mean: an end time of `2023` (year precision) ends on 2023-12-31."""
    parsed = parse_time(value)
    if parsed is None:
        return None
    sign, year, month, day, precision = parsed
    if sign == "-" or year < 1:
        return datetime.date.min
    if year > 9999:
        return datetime.date.max
    try:
        if precision <= 9 or month == 0:
            return datetime.date(year, 12, 31)
        if precision == 10 or day == 0:
            next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
            return next_month - datetime.timedelta(days=1)
        return datetime.date(year, month, day)
    except ValueError:  # month 13, 30 February: no day at all
        return None


def property_values(property_id: str, statements: list[dict[str, Any]], labels: Mapping[str, Label],
                    config: WikidataConfig, as_of: datetime.date | None) -> PropertyValues:
    """The values of one property; `as_of` is the entity's day for `current_only` properties."""
    datatype = statements[0]["mainsnak"].get("datatype", "") if statements else ""
    result = PropertyValues(property_id, datatype)
    # A checked answer never lists a property without statements: none left means every one of them
    # was malformed and skipped, which says nothing of the values (so the key must stay).
    result.unwritable = not statements
    for statement in best_statements(statements, as_of if property_id in config.current_only else None):
        snak = statement["mainsnak"]
        if snak.get("snaktype") == "somevalue":
            # Wikidata says there is a value, and that nobody knows it: nothing to write, nothing to remove
            result.unwritable = True
            result.skipped.append('Wikidata\'s value is "unknown value"; the note\'s values are kept')
            continue
        if snak.get("snaktype") != "value" or "datavalue" not in snak:
            continue
        value = snak["datavalue"]["value"]
        if datatype == "wikibase-item":
            link = item_link(value["id"], labels, config)
            if link is None:
                result.unresolved.append(value["id"])
            else:
                result.values.append(link)
            continue
        if datatype == "wikibase-property":
            # `…,31` would name the item Q31's note: there is no safe link for a property
            result.unwritable = True
            continue
        rendered = render_value(datatype, value, property_id, config, labels)
        if isinstance(rendered, str) and reads_as_link(rendered):
            # Anyone can edit Wikidata: text written verbatim would be a live link or embed in the vault
            # (`![[_secret/…]]`), and no escape keeps a frontmatter value the same text.
            result.unwritable = True
            result.refused.append(f"{_statement_name(property_id, statement)} holds link syntax "
                                  f"({_shown(rendered)}), which Obsidian would read as a link; not written")
            continue
        if isinstance(rendered, Skip):
            result.unwritable = True
            if rendered.reason:
                result.skipped.append(rendered.reason)
        else:
            result.values.append(rendered)
    if len(result.values) > config.max_values:
        result.skipped.append(f"{len(result.values)} values; wrote the first {config.max_values} (max_values)")
        del result.values[config.max_values:]
    return result


def _statement_name(property_id: str, statement: dict[str, Any]) -> str:
    """How a statement is named to the user: its property and, when the answer gives it, its id."""
    statement_id = statement.get("id")
    return f"{property_id} statement {statement_id}" if isinstance(statement_id, str) else f"a {property_id} statement"


def _shown(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def derived_key(english_label: str) -> str:
    """The frontmatter key a property label gives: runs of non-letters/digits become `_`. NFC first,
    so a label spelled with combining accents gives the same key as its composed spelling."""
    return _KEY_SEPARATORS.sub("_", unicodedata.normalize("NFC", english_label))


def is_id_property(english_label: str) -> bool:
    """Properties labelled with the word `ID` (VIAF ID, GND ID, …) are identifiers, not note data."""
    return _ID_WORD.search(english_label) is not None


def referenced_items(entity: dict[str, Any], as_of: datetime.date | None, config: WikidataConfig) -> list[str]:
    """The item ids the entity's best statements point to (and, with `units = "link"`, their
    quantities' units), in order, each once: the items whose labels the links need."""
    seen: dict[str, None] = {}
    for property_id, statements in entity.get("claims", {}).items():
        for statement in best_statements(statements, as_of if property_id in config.current_only else None):
            snak = statement["mainsnak"]
            if snak.get("snaktype") != "value":
                continue
            if snak.get("datatype") == "wikibase-item":
                seen.setdefault(snak["datavalue"]["value"]["id"], None)
            elif snak.get("datatype") == "quantity" and config.units == "link":
                unit = unit_item(snak["datavalue"]["value"])
                if unit is not None:
                    seen.setdefault(unit, None)
    return list(seen)


def parse_label(entity: dict[str, Any], languages: tuple[str, ...]) -> Label:
    """Read one entity of a `props=info|labels` answer (with language fallback), asked in `languages`."""
    if "missing" in entity:
        return Label(None, missing=True, languages=languages)
    target = entity.get("redirects", {}).get("to")
    labels = entity.get("labels") or {}
    text = next((labels[code]["value"] for code in languages if code in labels), None)
    return Label(text, target=target, datatype=entity.get("datatype"), revision=revision_id(entity.get("lastrevid")),
                 languages=languages)
