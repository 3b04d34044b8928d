"""One Wikidata value -> the text a note holds. Pure: values in, values out.

How values are written (`render_value`): a value that would not be exact, or not safe where it lands
(a link Obsidian opens, a file name, a number), is not written but returned as a `Skip` with the reason.

Times follow the Query Service, i.e. Wikibase's RDF export (`JulianDateTimeValueCleaner`, which
`WikibaseRepo.datatypes.php` builds for `VT:time` with XSD 1.1 on; sources: wikimedia/
mediawiki-extensions-Wikibase `repo/includes/Rdf/DateTimeValueCleaner.php`,
`JulianDateTimeValueCleaner.php` and their tests in `repo/tests/phpunit/includes/Rdf/DateTimeValueCleanerTest.php`):
- precision 9 (year) or coarser writes month and day 01; precision 10 (month) writes day 01;
- XSD 1.1 years are astronomical (1 BCE is 0000) but the shift applies only at year precision or
  finer: `-0500` at precision 9 is `-0499-01-01T00:00:00Z`, at precision 7 (century) `-0500-01-01T…`;
- a Julian date is converted to the proleptic Gregorian calendar only at day precision or finer (a year
  or month is not converted), and only for years -4713 to 1465072; other calendars give no value at
  day precision and are ignored above it;
- year 0 (`+0000`, `-0000`) gives no value; years take at least 4 digits, more without padding;
- the time of day is copied as given (precisions 12-14 included).
Where the cleaner quietly repairs a malformed value vaulttool skips it instead: month 00 at month
precision or finer, day 00 or a day the calendar does not have (`02-30`, Gregorian `1900-02-29`; Julian
`1700-02-29` is a real day) at day precision, hours over 23. The `precision` style is the same text cut to
the precision: `-0499`, `2019-03`, `-0043-03-13` (Julian 15 March 44 BCE, made Gregorian); precisions
12-14 keep hours and minutes (and seconds) with `Z`.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from vaulttool.config.settings import WikidataConfig
from vaulttool.engine.scalars import DateText, format_scalar, is_date_form

COMMONS_FILE_PATH = "http://commons.wikimedia.org/wiki/Special:FilePath/"
JULIAN = "http://www.wikidata.org/entity/Q1985786"
GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
EARTH = "http://www.wikidata.org/entity/Q2"
PRECISION_YEAR, PRECISION_MONTH, PRECISION_DAY = 9, 10, 11
JULIAN_CONVERTIBLE = (-4713, 1465072)  # the years (BCE negative) the Query Service converts
_PRECISION_CHARS = {PRECISION_MONTH: 3, PRECISION_DAY: 6, 12: 12, 13: 12, 14: 15}  # after the year
MAX_URL_LENGTH = 2048  # what browsers and sitemaps agree on
MAX_AMOUNT_LENGTH = 127  # DataValues' DecimalValue limit
# Datatypes whose values are objects vaulttool has no text for (lexemes, their forms and senses, schemas).
_UNWRITTEN_DATATYPES = frozenset({"wikibase-lexeme", "wikibase-form", "wikibase-sense", "entity-schema"})
_AMOUNT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_UNIT = re.compile(r"https?://[^/\s]+/entity/(Q[1-9][0-9]*)")
_GLOBE = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
# Characters that do not show: controls (Cc) and format characters (Cf: bidi controls, zero-width
# space and joiners, BOM, soft hyphen). In a file name or link they hide what it really says.
_INVISIBLE = frozenset({"Cc", "Cf"})
# What may not stand in a file name or a wikilink target: path separators, Windows-reserved
# characters, and Obsidian's link syntax (`|` alias, `^` block, `#` heading, `[ ]`).
# Line and paragraph separators (U+2028, U+2029) break a line in some editors: they go too.
_LINK_UNSAFE = re.compile("[ \u2028\u2029\\\\/*:#?<>\"\\[\\]|^]")
# ASCII digits only: `\d` would take Arabic-Indic and other digits that int() reads.
_TIME = re.compile(r"([+-])([0-9]+)-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


@dataclass(frozen=True, slots=True)
class Label:
    """What a `props=labels` answer says of one id."""

    text: str | None  # None: no label in any requested language
    target: str | None = None  # the id a redirect leads to
    missing: bool = False
    datatype: str | None = None  # properties only
    revision: int | None = None  # the entity's revision the label was read from (None: not known)
    languages: tuple[str, ...] | None = None  # the languages it was asked in (None: not known)


@dataclass(frozen=True, slots=True)
class Skip:
    """A value `render_value` will not write. `reason` None: a datatype vaulttool does not write;
    else what is wrong with the value, for the user."""

    reason: str | None


Rendered = str | int | float | Decimal  # what `render_value` writes (DateText is a str)


def parse_time(value: dict[str, Any]) -> tuple[str, int, int, int, int] | None:
    """(sign, year, month, day, precision) of a Wikidata time value; None when it is malformed."""
    time, precision = value.get("time"), value.get("precision", 11)
    match = _TIME.fullmatch(time) if isinstance(time, str) else None
    if not match or isinstance(precision, bool) or not isinstance(precision, int):
        return None
    return match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4)), precision


def revision_id(value: Any) -> int | None:
    """A revision id as an answer (`lastrevid`) or the store holds one: a whole number, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def item_link(item_id: str, labels: Mapping[str, Label], config: WikidataConfig) -> str | None:
    """The wikilink to an item's note, following a redirect; None when the item does not exist.
    A label that cleans to nothing or to dots only (`.`, `..` would name a folder) gives way to the id."""
    label = labels.get(item_id)
    if label is None or label.missing:
        return None
    target = label.target or item_id
    text = safe_label(label.text or target, config.max_label_bytes)
    if not text.strip("."):
        text = target
    return config.link_pattern.format(label=text, numeric_id=target[1:], id=target)


def visible_text(text: str, keep: str = "") -> str:
    """`text` without the control and format characters it holds (bidi controls, zero-width spaces and
    joiners, BOM, soft hyphen), but those in `keep`; NFC, as removing a format character can leave a
    mark next to a letter it composes with."""
    return unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE
                                                or ch in keep))


def safe_label(label: str, max_bytes: int) -> str:
    """A label made safe for a file name and a link target: NFC, control and format characters
    (bidi controls, zero-width spaces and joiners, BOM, soft hyphen) removed, spaces, line separators
    and `\\ / * : # ? < > " [ ] | ^` replaced by `_`, capped at `max_bytes` of UTF-8."""
    text = _LINK_UNSAFE.sub("_", visible_text(label))
    while True:
        capped = unicodedata.normalize("NFC", text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore"))
        if len(capped.encode("utf-8")) <= max_bytes:
            return capped
        text = capped[:-1]


def unit_item(value: dict[str, Any]) -> str | None:
    """The item id of a quantity's unit (`http://www.wikidata.org/entity/Q11573` -> `Q11573`); None for
    no unit (`1`) or anything else."""
    unit = value.get("unit") if isinstance(value, dict) else None
    match = _UNIT.fullmatch(unit) if isinstance(unit, str) else None
    return match.group(1) if match else None


def render_value(datatype: str, value: Any, property_id: str, config: WikidataConfig,
                 labels: Mapping[str, Label]) -> Rendered | Skip:
    """A non-item value as the vault writes it, or a Skip: `Skip(None)` for a datatype vaulttool does
    not write, `Skip(reason)` for a value that would not be exact or safe where it lands."""
    if datatype in _UNWRITTEN_DATATYPES:
        return Skip(None)
    if datatype == "monolingualtext":
        text = value.get("text") if isinstance(value, dict) else None
        if not isinstance(text, str):
            return Skip("monolingual text without a text string is not written")
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n" for ch in text):
            return Skip("text with control characters is not written")
        return text
    if datatype == "commonsMedia":
        return _commons_file(value)
    if datatype == "time":
        return format_time(value, config.time_format) if isinstance(value, dict) else Skip("a time that is not an object is not written")
    if datatype == "quantity":
        return _quantity(value, config, labels)
    if datatype == "globe-coordinate":
        return _point(value)
    if datatype == "url":
        return _url(value)
    if isinstance(value, str):  # string, external-id, and the other string-valued datatypes
        return value.replace(" ", "") if property_id in config.strip_spaces else value
    return Skip(None)


def _url(value: Any) -> str | Skip:
    """A link Obsidian opens in a browser: http or https to a host, nothing that runs or reads files."""
    if not isinstance(value, str):
        return Skip("a URL that is not text is not written")
    if len(value) > MAX_URL_LENGTH:
        return Skip(f"a URL of {len(value)} characters is not written (at most {MAX_URL_LENGTH})")
    if any(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in value):
        return Skip("a URL with whitespace, control or format characters is not written")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        return Skip("a malformed URL is not written")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        what = f"{'an' if scheme[0] in 'aeiou' else 'a'} {scheme}: URL" if scheme else "a URL without a scheme"
        return Skip(f"{what} is not written (http and https only)")
    if not parts.hostname:
        return Skip("a URL without a host is not written")
    return value


def _commons_file(value: Any) -> str | Skip:
    """The FilePath URL of a Commons file; the name must be one file name, not a path."""
    if not isinstance(value, str) or not value:
        return Skip("a Commons file name that is empty or not text is not written")
    if "/" in value or "\\" in value or value in (".", ".."):
        return Skip("a Commons file name that is a path (/, \\, . or ..) is not written")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return Skip("a Commons file name with control characters is not written")
    return COMMONS_FILE_PATH + quote(value, safe="")


def _quantity(value: Any, config: WikidataConfig, labels: Mapping[str, Label]) -> Rendered | Skip:
    number = _number(value.get("amount") if isinstance(value, dict) else None)
    if isinstance(number, Skip) or config.units != "link" or value.get("unit", "1") == "1":
        return number
    item = unit_item(value)
    if item is None:
        return Skip(f"the unit {value.get('unit')!r} is not a Wikidata item")
    link = item_link(item, labels, config)
    if link is None:
        return Skip(f"the unit {item} was not found on Wikidata")
    return f"{format_scalar(number)} {link}"


def _number(amount: Any) -> int | float | Decimal | Skip:
    """A quantity's amount, exactly as Wikidata's decimal string says it. A float only when its
    shortest form is that number, without an exponent (`-27.50` is -27.5): the vault reads fractions
    back as floats. A Decimal when no float is (`0.12345678901234567890123`, `0.00001`), which the
    vault writes digit for digit."""
    if not isinstance(amount, str) or not _AMOUNT.fullmatch(amount):
        return Skip(f"the amount {str(amount)[:40]!r} is not a decimal number")
    if len(amount) > MAX_AMOUNT_LENGTH:
        return Skip(f"an amount of {len(amount)} characters is not written (Wikidata allows {MAX_AMOUNT_LENGTH})")
    if "." not in amount:
        return int(amount)  # `+007` is 7 and `-0` is 0: the digits' value, without the padding
    number = abs(Decimal(amount)) if Decimal(amount).is_zero() else Decimal(amount)  # `-0.0` is 0.0
    as_float = float(number)
    shortest = repr(as_float)  # (`1e-05` for 0.00001: no float keeps the digits as Wikidata wrote them)
    return as_float if math.isfinite(as_float) and "e" not in shortest and Decimal(shortest) == number else number


def _point(value: Any) -> str | Skip:
    """The WKT literal the Wikidata Query Service writes: longitude first."""
    if not isinstance(value, dict):
        return Skip("a coordinate that is not an object is not written")
    latitude, longitude = value.get("latitude"), value.get("longitude")
    if not (_finite(latitude) and _finite(longitude)):
        return Skip("a coordinate whose latitude or longitude is not a finite number is not written")
    assert isinstance(latitude, (int, float)) and isinstance(longitude, (int, float))  # for mypy
    if abs(latitude) > 90 or abs(longitude) > 360:
        return Skip(f"a coordinate out of range (latitude {latitude!r}, longitude {longitude!r}) is not written")
    globe = value.get("globe") or EARTH
    if not isinstance(globe, str) or not _GLOBE.fullmatch(globe):
        return Skip("a coordinate whose globe is not an entity URI is not written")
    point = f"Point({php_number(float(longitude))} {php_number(float(latitude))})"
    return point if globe == EARTH else f"<{globe}> {point}"


def php_number(value: float) -> str:
    """A float as PHP writes it into a string, which is how Wikibase's RDF export (and so the Query
    Service) writes a coordinate: 14 significant digits, no trailing zeros (`7`, not `7.0`), and an
    exponent only below 0.0001 or from 10^14 (`1.0E-5`, `-0`)."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    mantissa, exponent = f"{abs(value):.13e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0")
    point = int(exponent) + 1  # where the decimal point falls after `digits`' first digit, minus one
    sign = "-" if value < 0 else ""
    if point < -3 or point > 14:
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{'-' if point - 1 < 0 else '+'}{abs(point - 1)}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    return sign + digits[:point].ljust(point, "0") + (f".{digits[point:]}" if len(digits) > point else "")


def _finite(number: Any) -> bool:
    return not isinstance(number, bool) and isinstance(number, (int, float)) and math.isfinite(number)


def format_time(value: dict[str, Any], style: str) -> str | Skip:
    """A Wikidata time value as the Query Service writes it (`1951-01-01T00:00:00Z`, which the
    reference note uses), or precision-true (`1951`, `2019-03`, `2019-03-15`): that text cut to
    the precision. Full dates are DateText, written plain; a malformed value is a Skip."""
    match = _TIME.fullmatch(value.get("time", "")) if isinstance(value.get("time"), str) else None
    if match is None:
        return Skip(f"the time {str(value.get('time'))[:40]!r} is not a Wikidata time")
    sign, year_digits, month, day = match.group(1), match.group(2), int(match.group(3)), int(match.group(4))
    hour, minute, second = int(match.group(5)), int(match.group(6)), int(match.group(7))
    precision = value.get("precision", PRECISION_DAY)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 14:
        return Skip(f"the time precision {precision!r} is not one of Wikidata's (0-14)")
    year = int(year_digits)
    if year == 0:
        return Skip("year 0 is not a Wikidata year (1 BCE is -0001); the Query Service writes no value")
    if hour > 23 or minute > 59 or second > 59:
        return Skip(f"the time of day {hour:02d}:{minute:02d}:{second:02d} does not exist")
    model = value.get("calendarmodel") or GREGORIAN
    if precision >= PRECISION_DAY and model not in (GREGORIAN, JULIAN):
        return Skip(f"the calendar {str(model)[:60]!r} is neither Gregorian nor Julian")
    # Astronomical years (1 BCE is 0) only at year precision or finer; a BCE century stays -0500.
    signed = -year + 1 if sign == "-" and precision >= PRECISION_YEAR else -year if sign == "-" else year
    if precision >= PRECISION_MONTH and not 1 <= month <= 12:
        return Skip(f"month {month:02d} does not exist (a time of month precision or finer)")
    if precision >= PRECISION_DAY and not 1 <= day <= days_in_month(signed, month, model == JULIAN):
        name = "Julian" if model == JULIAN else "Gregorian"
        return Skip(f"{sign}{year_digits}-{month:02d}-{day:02d} is not a day of the {name} calendar")
    if precision < PRECISION_MONTH:
        month = day = 1
    elif precision < PRECISION_DAY:
        day = 1
    elif model == JULIAN and _julian_convertible(sign, year, month, day):
        signed, month, day = _julian_to_gregorian(signed, month, day)
    year_text = f"-{-signed:04d}" if signed < 0 else f"{signed:04d}"
    text = f"{year_text}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
    if style == "precision":
        text = text[:len(year_text) + _PRECISION_CHARS.get(precision, 0)] + ("Z" if precision > PRECISION_DAY else "")
    return DateText(text) if is_date_form(text) else text


def _julian_convertible(sign: str, year: int, month: int, day: int) -> bool:
    """The Julian days the Query Service converts: PHP's `juliantojd` range, less 1 January 4713 BCE,
    which is Julian day 0, the value `juliantojd` also gives for failure (that day is written as if
    Gregorian)."""
    historical = -year if sign == "-" else year
    return JULIAN_CONVERTIBLE[0] <= historical <= JULIAN_CONVERTIBLE[1] and (historical, month, day) != (-4713, 1, 1)


def days_in_month(year: int, month: int, julian: bool) -> int:
    """Days in a month of an astronomical year, in the Julian or the proleptic Gregorian calendar."""
    if month != 2:
        return (31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    leap = year % 4 == 0 if julian else calendar.isleap(year)
    return 29 if leap else 28


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
