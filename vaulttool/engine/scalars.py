"""How plain YAML scalars read, under YAML 1.2 (what vaulttool and Obsidian use) and YAML 1.1
(PyYAML and many older tools), and how to write a string so that both read it back as that string.

Pure functions on strings; no YAML library involved, so the rules stay visible in one place.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Union


class DateText(str):
    """A string meant as a date or date-time (Obsidian's date and date-time properties, Wikidata times).

    Written plain when it has the form Obsidian writes (`1951-01-01T00:00:00Z`), where a plain `str`
    of that form is quoted: a YAML 1.1 reader would take that one for a timestamp. A plain scalar of
    that form reads back as a DateText (`resolve_plain`), a quoted one as a `str`. It compares equal to
    a `str` of the same text (`==`, `hash`, `in`); only vaulttool's type-strict comparisons
    (`note.same_value`, the refresh merge) tell the two apart, as they tell 1 from 1.0, so a string
    that was written plain is rewritten quoted.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"DateText({str.__repr__(self)})"


Scalar = Union[str, int, float, Decimal, bool, None]

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL_12 = re.compile(r"~|null|Null|NULL|")
_BOOL_12 = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_12 = re.compile(r"[-+]?[0-9]+")
_OCT_12 = re.compile(r"0o([0-7]+)")
_HEX_12 = re.compile(r"0x([0-9a-fA-F]+)")
_FLOAT_12 = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_12 = re.compile(r"([-+]?)\.(?:inf|Inf|INF)")
_NAN_12 = re.compile(r"\.(?:nan|NaN|NAN)")

# YAML 1.1 as PyYAML and ruamel.yaml's 1.1 mode resolve it (yes/no/on/off, octal 0777, 1_000, 1:30).
_NULL_11 = _NULL_12
_BOOL_11 = re.compile(r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF")
_INT_11 = re.compile(
    r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
)
_FLOAT_11 = re.compile(
    r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_TIMESTAMP_11 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"
)

# The forms Obsidian's date and date-time properties write; vaulttool writes them plain too.
ISO_DATE = re.compile(r"-?[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])")
ISO_DATETIME = re.compile(
    r"-?[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?(?:Z|[-+](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)


# Plain scalars starting with any other character are strings in both YAML versions; checking the
# first character spares the regular expressions for nearly every value in a vault.
_MAY_RESOLVE_12 = frozenset("0123456789+-.~nNtTfF")
_MAY_RESOLVE_11 = _MAY_RESOLVE_12 | frozenset("yYoO")


def resolve_plain(text: str) -> Scalar:
    """The value of a plain (unquoted) scalar under the YAML 1.2 core schema.

    Timestamps are not a 1.2 core type, so `1951-01-01T00:00:00Z` stays the string Obsidian shows: a
    DateText, when it has the form of Obsidian's date and date-time properties.
    """
    if text and text[0] not in _MAY_RESOLVE_12:
        return text
    if _NULL_12.fullmatch(text):
        return None
    if text in _BOOL_12:
        return _BOOL_12[text]
    if _INT_12.fullmatch(text):
        return int(text)
    if match := _OCT_12.fullmatch(text):
        return int(match.group(1), 8)
    if match := _HEX_12.fullmatch(text):
        return int(match.group(1), 16)
    if _FLOAT_12.fullmatch(text):
        return float(text)
    if match := _INF_12.fullmatch(text):
        return float("-inf") if match.group(1) == "-" else float("inf")
    if _NAN_12.fullmatch(text):
        return float("nan")
    if is_date_form(text):
        return DateText(text)
    return text


def is_date_form(text: str) -> bool:
    """True for the date and date-time forms Obsidian writes (`2024-01-01`, `1951-01-01T00:00:00Z`)."""
    return ISO_DATE.fullmatch(text) is not None or ISO_DATETIME.fullmatch(text) is not None


def kind_11(text: str) -> str:
    """The type a YAML 1.1 reader gives a plain scalar: null, bool, int, float, timestamp or str."""
    if _NULL_11.fullmatch(text):
        return "null"
    if _BOOL_11.fullmatch(text):
        return "bool"
    if _INT_11.fullmatch(text):
        return "int"
    if _FLOAT_11.fullmatch(text):
        return "float"
    if _TIMESTAMP_11.fullmatch(text):
        return "timestamp"
    return "str"


def _value_11(text: str, kind: str) -> Scalar:
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() in ("yes", "true", "on")
    cleaned = text.replace("_", "")
    if kind == "int":
        sign = -1 if cleaned.startswith("-") else 1
        digits = cleaned.lstrip("+-")
        if ":" in digits:
            total = 0
            for part in digits.split(":"):
                total = total * 60 + int(part)
            return sign * total
        if digits.startswith("0b"):
            return sign * int(digits[2:], 2)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)
        return sign * int(digits)
    if kind == "float":
        lowered = cleaned.lower()
        if lowered.endswith((".inf", ".nan")):
            return float(lowered.replace(".", ""))
        if ":" in cleaned:
            seconds = 0.0
            for part in cleaned.lstrip("+-").split(":"):
                seconds = seconds * 60 + float(part)
            return -seconds if cleaned.startswith("-") else seconds
        return float(cleaned)
    return text


def reads_differently(text: str) -> str | None:
    """Describe how YAML 1.1 and 1.2 disagree on a plain scalar, or None if they agree.

    Timestamps are left out on purpose: unquoted ISO dates are how Obsidian writes date properties,
    and a 1.1 reader turning them into a date object is the intended reading.
    """
    if text and text[0] not in _MAY_RESOLVE_11:
        return None
    kind = kind_11(text)
    if kind == "timestamp":
        return None
    value_12 = resolve_plain(text)
    if isinstance(value_12, DateText):
        value_12 = str(value_12)  # a date-form string that YAML 1.1 reads as a string too (`-0043-03-13`)
    value_11 = _value_11(text, kind)
    if type(value_11) is type(value_12) and (value_11 == value_12 or value_11 != value_11):
        return None
    return f"YAML 1.1 reads it as {_describe(value_11)}, YAML 1.2 as {_describe(value_12)}"


MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER: Obsidian's numbers are doubles


def beyond_javascript(text: str) -> bool:
    """True for a plain decimal integer that a JavaScript number, and so Obsidian, cannot hold exactly:
    `9007199254740993` would be shown, and saved back, as 9007199254740992. Hex and octal integers are
    left out, as rare in notes; floats are inexact by nature, in YAML as in Obsidian."""
    # The length test first: nearly every plain scalar is far shorter than 16 digits.
    return len(text) >= 16 and _INT_12.fullmatch(text) is not None and abs(int(text)) > MAX_SAFE_INTEGER


def _describe(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


# Characters that may not start a plain scalar, and sequences that may not appear in one.
PLAIN_FIRST_FORBIDDEN = frozenset("[]{},#&*!|>'\"%@`")
_NON_PRINTABLE = re.compile("[^\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def plain_is_safe(text: str) -> bool:
    """True when `text` written unquoted reads back as exactly this string under YAML 1.1 and 1.2.

    A string of a date form is safe plain only as a DateText: a plain `2024-01-01` is a date to a
    YAML 1.1 reader and to Obsidian, which is right for a Wikidata time and wrong for a Wikidata string.
    """
    if not text or text != text.strip(" \t") or _NON_PRINTABLE.search(text):
        return False
    if any(ch in text for ch in "\n\r\t\x85\u2028\u2029\ufeff"):
        return False
    first = text[0]
    if first in PLAIN_FIRST_FORBIDDEN:
        return False
    if first in "-?:" and (len(text) == 1 or text[1] == " "):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if text in ("---", "...") or text.startswith(("--- ", "... ")):
        return False
    if "[[" in text:
        return False  # a wikilink is quoted wherever it stands, as the vault writes every link
    if is_date_form(text):
        return isinstance(text, DateText)
    return resolve_plain(text) == text and kind_11(text) == "str"


def double_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar, escaping only what must be escaped."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _NON_PRINTABLE.match(ch) or ch in "\r\x85\u2028\u2029\ufeff":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def single_quoted(text: str) -> str | None:
    """`text` as a YAML single-quoted scalar, or None when single quotes cannot hold it."""
    if any(ch in text for ch in "\n\r\t\x85\u2028\u2029\ufeff") or _NON_PRINTABLE.search(text):
        return None
    if text != text.strip(" "):
        # Single-quoted scalars fold surrounding spaces on some readers; double quotes are exact.
        return None
    return "'" + text.replace("'", "''") + "'"


def format_string(text: str, quote: str = '"', force_quotes: bool = False) -> str:
    """Write a string as a YAML scalar: plain where that is safe, else quoted in the note's style."""
    if not force_quotes and plain_is_safe(text):
        return text
    if quote == "'":
        single = single_quoted(text)
        if single is not None:
            return single
    return double_quoted(text)


def format_scalar(value: Scalar, quote: str = '"') -> str:
    """Write a Python scalar so that vaulttool's YAML 1.2 reading gives the same value back."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text if _FLOAT_12.fullmatch(text) else f"{value:.17g}"
    return format_string(value, quote)


def decimal_text(value: Decimal) -> str:
    """A finite Decimal in fixed-point notation, every digit kept and no exponent (`1E+2` is `100`),
    with a `.0` when it has no fractional digits so that it reads back as a float, not an int."""
    if not value.is_finite():
        raise ValueError(f"{value} has no YAML number form vaulttool writes")
    text = format(value, "f")
    return text if "." in text else text + ".0"
