"""Strict reading of `vaulttool.toml`: value checks, and a reader that names the file and line.

Each check returns the value (converted where needed) or raises ValueError saying what was expected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from vaulttool.errors import ConfigError


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a whole number above 0")
    return value


def non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def non_empty_string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def relative_path(value: Any) -> str:
    value = non_empty_string(value)
    parts = Path(value).parts
    if Path(value).is_absolute() or ".." in parts:
        raise ValueError("must be a path inside the vault (no leading '/', no '..')")
    return value.strip("/")


def tier_names(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) < 1 or len(set(value)) != len(value) or not all(
        isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9_-]*", name) for name in value
    ):
        raise ValueError("must be a list of distinct lower-case tier names, least confidential first")
    return value


def folder_pattern(value: Any) -> str:
    value = non_empty_string(value)
    if "{tier}" not in value or "/" in value or value.startswith("."):
        raise ValueError("must name one folder at the vault root and contain {tier}, such as \"_{tier}\"")
    return value


def one_line(value: Any) -> str:
    value = non_empty_string(value)
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def link_line(value: Any) -> str:
    value = one_line(value)
    try:
        value.format(name="n", path="p", link="l")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"may use only {{link}}, {{name}} and {{path}} ({error})") from None
    return value


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError("must be a number above 0")
    return float(value)


def non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("must be a number, 0 or more")
    return float(value)


def url(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("must be an http:// or https:// URL")
    return value


def language_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(
        isinstance(item, str) and re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", item) for item in value
    ):
        raise ValueError("must be a non-empty list of language codes such as \"en\"")
    return value


def link_pattern(value: Any) -> str:
    value = non_empty_string(value)
    try:
        value.format(label="x", numeric_id=1, id="Q1")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"may use only {{label}}, {{numeric_id}} and {{id}} ({error})") from None
    return value


def key_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise ValueError("must be a table of key = \"new key\"")
    return dict(value)


def property_map(value: Any) -> dict[str, str]:
    value = key_map(value)
    for key in value:
        if not re.fullmatch(r"P[1-9][0-9]*", key):
            raise ValueError(f"keys must be property ids such as P17, not {key!r}")
    return value


def string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError("must be a list of non-empty strings")
    return value


def scalar_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value or any(isinstance(item, (list, dict)) for item in value):
        raise ValueError("must be a non-empty list of strings, numbers or booleans")
    return value


def regex(value: Any) -> str:
    value = non_empty_string(value)
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression: {error}") from None
    return value


def one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(repr(choice) for choice in choices))
        return value

    return check


# A key being assigned (`a.b =`, `"_public/**/*.md" =`), and its dotted parts, quoted or bare.
_ASSIGNED_KEY = re.compile(r"""((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-. ])+?)\s*=""")
_KEY_PART = re.compile(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_\-]+)""")


class Reader:
    """Reads values out of parsed TOML, raising ConfigError with `file:line` for anything wrong."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def table(self, data: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(where[-1], {})
        if not isinstance(value, dict):
            self.fail(where, "must be a table")
        return value

    def only(self, data: dict[str, Any], where: tuple[str, ...], allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.fail((*where, key), "is not a known setting; known here: " + ", ".join(sorted(allowed)))

    def get(self, data: dict[str, Any], where: tuple[str, ...], check: Callable[[Any], Any], default: Any) -> Any:
        if where[-1] not in data:
            return default
        try:
            return check(data[where[-1]])
        except ValueError as error:
            self.fail(where, str(error))

    def fail(self, where: tuple[str, ...], problem: str) -> None:
        raise ConfigError(f"{self.path}:{self._line_of(where)}: {'.'.join(where)} {problem}")

    def _line_of(self, where: tuple[str, ...]) -> int:
        """The line that sets `where`: its own line if found, else its table's header, else 1."""
        table: tuple[str, ...] = ()
        best = 1
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]", line)
            if header:
                table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
                if table == where[: len(table)] and len(table) == len(where):
                    return number
                continue
            assignment = _ASSIGNED_KEY.match(line)
            if not assignment:
                continue
            key = tuple(bare or double or single for double, single, bare in _KEY_PART.findall(assignment.group(1)))
            full = table + key
            if full == where:
                return number
            if full == where[: len(full)] and len(full) < len(where):
                best = number  # an inline table that holds the setting
                if where[len(full)] in raw:
                    return number
        return best
