"""Wikidata entity JSON -> frontmatter values. Pure: dicts in, values out.

Per property, the best rank is kept as Wikidata's `wdt:` does (all preferred statements if any, else
all normal; never deprecated); for `current_only` properties, statements that ended before a fixed day
are dropped. `somevalue` and `novalue` have no value to write. Each remaining value is rendered by its datatype.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping
from urllib.parse import quote

from vaulttool.config.settings import WikidataConfig

COMMONS_FILE_PATH = "http://commons.wikimedia.org/wiki/Special:FilePath/"
JULIAN = "http://www.wikidata.org/entity/Q1985786"
END_TIME = "P582"
_ID_WORD = re.compile(r"\bID\b")
_KEY_SEPARATORS = re.compile(r"[\W_]+")
# What may not stand in a file name or a wikilink target: path separators, Windows-reserved
# characters, and Obsidian's link syntax (`|` alias, `^` block, `#` heading, `[ ]`).
_LINK_UNSAFE = re.compile(r"[ \\/*:#?<>\"\[\]|^]")
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TIME = re.compile(r"([+-])(\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")


@dataclass(frozen=True, slots=True)
class Label:
    """What a `props=labels` answer says of one id."""

    text: str | None  # None: no label in any requested language
    target: str | None = None  # the id a redirect leads to
    missing: bool = False
    datatype: str | None = None  # properties only


@dataclass(slots=True)
class PropertyValues:
    """The values one property gives a note, in statement order, and what could not be rendered."""

    property_id: str
    datatype: str
    values: list[Any] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # item ids with no entity behind them
    skipped: list[str] = field(default_factory=list)  # why values were left out
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


def _parse_time(value: dict[str, Any]) -> tuple[str, int, int, int, int] | None:
    """(sign, year, month, day, precision) of a Wikidata time value; None when it is malformed."""
    match = _TIME.fullmatch(value.get("time", ""))
    if not match:
        return None
    return match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4)), value.get("precision", 11)


def _last_day(value: dict[str, Any]) -> datetime.date | None:
    """The last day a time value can mean: an end time of `2023` (year precision) ends on 2023-12-31."""
    parsed = _parse_time(value)
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
    for statement in best_statements(statements, as_of if property_id in config.current_only else None):
        snak = statement["mainsnak"]
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
        rendered = render_value(datatype, value, property_id, config)
        if rendered is None:
            result.unwritable = True
        else:
            result.values.append(rendered)
    if len(result.values) > config.max_values:
        result.skipped.append(f"{len(result.values)} values; wrote the first {config.max_values} (max_values)")
        del result.values[config.max_values:]
    return result


def item_link(item_id: str, labels: Mapping[str, Label], config: WikidataConfig) -> str | None:
    """The wikilink to an item's note, following a redirect; None when the item does not exist."""
    label = labels.get(item_id)
    if label is None or label.missing:
        return None
    target = label.target or item_id
    text = safe_label(label.text or target, config.max_label_bytes)
    return config.link_pattern.format(label=text, numeric_id=target[1:], id=target)


def safe_label(label: str, max_bytes: int) -> str:
    """A label made safe for a file name and a link target: control and bidi characters removed,
    spaces and `\\ / * : # ? < > " [ ] | ^` replaced by `_`, capped at `max_bytes` of UTF-8."""
    text = "".join(ch for ch in label if unicodedata.category(ch) != "Cc")
    text = _LINK_UNSAFE.sub("_", _BIDI_CONTROLS.sub("", text))
    encoded = text.encode("utf-8")[:max_bytes]
    return encoded.decode("utf-8", errors="ignore")


def render_value(datatype: str, value: Any, property_id: str, config: WikidataConfig) -> Any:
    """A non-item value as the vault writes it; None for a datatype vaulttool does not write."""
    if datatype == "monolingualtext":
        return value["text"]
    if datatype == "commonsMedia":
        return COMMONS_FILE_PATH + quote(value, safe="")
    if datatype == "time":
        return format_time(value, config.time_format)
    if datatype == "quantity":
        return _number(value["amount"])
    if datatype == "globe-coordinate":
        return _point(value)
    if isinstance(value, str):  # string, external-id, url, and the other string-valued datatypes
        return value.replace(" ", "") if property_id in config.strip_spaces else value
    return None


def _number(amount: str) -> int | float | None:
    try:
        number = Decimal(amount)
    except InvalidOperation:
        return None
    if number == number.to_integral_value() and "." not in amount:
        return int(number)
    return float(number)


def _point(value: dict[str, Any]) -> str:
    """The WKT literal the Wikidata Query Service writes: longitude first."""
    point = f"Point({value['longitude']!r} {value['latitude']!r})"
    globe = value.get("globe") or "http://www.wikidata.org/entity/Q2"
    return point if globe.endswith("/Q2") else f"<{globe}> {point}"


def format_time(value: dict[str, Any], style: str) -> str | None:
    """A Wikidata time value, either as the Query Service writes it (`1951-01-01T00:00:00Z`, which the
    reference note uses) or precision-true (`1951`, `2019-03`, `2019-03-15`)."""
    parsed = _parse_time(value)
    if parsed is None:
        return None
    sign, year, month, day, precision = parsed
    if style == "precision":
        text = f"{sign if sign == '-' else ''}{year:04d}"
        if precision >= 10:
            text += f"-{month:02d}"
        if precision >= 11:
            text += f"-{day:02d}"
        return text
    # The Query Service's rules: astronomical years (1 BCE is year 0), Julian days made Gregorian,
    # unknown month and day written as 01.
    astronomical = -year + 1 if sign == "-" else year
    if precision <= 9:
        month = day = 1
    elif precision == 10:
        day = 1
    elif value.get("calendarmodel") == JULIAN:
        astronomical, month, day = _julian_to_gregorian(astronomical, month, day)
    year_text = f"-{-astronomical:04d}" if astronomical < 0 else f"{astronomical:04d}"
    return f"{year_text}-{month:02d}-{day:02d}T00:00:00Z"


def _julian_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int]:
    """Convert a Julian calendar date (astronomical year) to the proleptic Gregorian calendar."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    day_number = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    a = day_number + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return 100 * b + d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


def derived_key(english_label: str) -> str:
    """The frontmatter key a property label gives: runs of non-letters/digits become `_`. NFC first,
    so a label spelled with combining accents gives the same key as its composed spelling."""
    return _KEY_SEPARATORS.sub("_", unicodedata.normalize("NFC", english_label))


def is_id_property(english_label: str) -> bool:
    """Properties labelled with the word `ID` (VIAF ID, GND ID, …) are identifiers, not note data."""
    return _ID_WORD.search(english_label) is not None


def referenced_items(entity: dict[str, Any], as_of: datetime.date | None, current_only: tuple[str, ...]) -> list[str]:
    """The item ids the entity's best statements point to, in order, each once."""
    seen: dict[str, None] = {}
    for property_id, statements in entity.get("claims", {}).items():
        for statement in best_statements(statements, as_of if property_id in current_only else None):
            snak = statement["mainsnak"]
            if snak.get("snaktype") == "value" and snak.get("datatype") == "wikibase-item":
                seen.setdefault(snak["datavalue"]["value"]["id"], None)
    return list(seen)


def parse_label(entity: dict[str, Any], languages: tuple[str, ...]) -> Label:
    """Read one entity of a `props=labels` answer (with language fallback)."""
    if "missing" in entity:
        return Label(None, missing=True)
    target = entity.get("redirects", {}).get("to")
    labels = entity.get("labels") or {}
    text = next((labels[code]["value"] for code in languages if code in labels), None)
    return Label(text, target=target, datatype=entity.get("datatype"))
