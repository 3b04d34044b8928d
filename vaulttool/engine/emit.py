"""Write frontmatter entries in the style a note already uses, so an edit changes no line needlessly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from vaulttool.engine.scalars import format_scalar, format_string
from vaulttool.engine.yamlnodes import MapN, Node, ScalarN, SeqN


@dataclass(frozen=True, slots=True)
class Style:
    quote: str = '"'  # the quote character the note uses for strings that need quoting
    list_indent: int = 2  # spaces before `-` of a list under a top-level key
    map_indent: int = 2  # spaces a nested mapping is indented by


def detect_style(values: Iterable[Node]) -> Style:
    """The first quote character, list indent and nested-map indent that a note's top-level values
    use; defaults otherwise."""
    quote = list_indent = map_indent = None
    for value in values:
        for node, depth_indent in _walk(value, 0):
            if quote is None and isinstance(node, ScalarN) and node.style in ('"', "'"):
                quote = node.style
            if isinstance(node, SeqN) and not node.flow and node.items and list_indent is None and depth_indent == 0:
                list_indent = node.col
            if isinstance(node, MapN) and not node.flow and node.pairs and map_indent is None and depth_indent == 0:
                map_indent = node.col
        if quote is not None and list_indent is not None and map_indent is not None:
            break
    default = Style()
    return Style(
        quote or default.quote,
        default.list_indent if list_indent is None else list_indent,
        map_indent or default.map_indent,
    )


def _walk(node: Node, depth: int) -> Iterator[tuple[Node, int]]:
    yield node, depth
    if isinstance(node, SeqN):
        for item in node.items:
            yield from _walk(item, depth + 1)
    elif isinstance(node, MapN):
        for _, value in node.pairs:
            yield from _walk(value, depth + 1)


def entry(key: str, value: Any, style: Style, newline: str = "\n") -> str:
    """The lines of one top-level entry `key: value`, each ended by `newline`."""
    return "".join(line + newline for line in _pair(key, value, 0, style))


def _pair(key: str, value: Any, indent: int, style: Style) -> Iterator[str]:
    head = " " * indent + format_string(str(key), style.quote) + ":"
    if isinstance(value, dict) and value:
        yield head
        for sub_key, sub_value in value.items():
            yield from _pair(sub_key, sub_value, indent + style.map_indent, style)
    elif isinstance(value, list) and value:
        yield head
        for item in value:
            yield from _item(item, indent + style.list_indent, style)
    else:
        flow = _flow(value, style)
        yield head + (" " + flow if flow else "")


def _item(value: Any, indent: int, style: Style) -> Iterator[str]:
    if isinstance(value, dict) and value:
        lines = [line for key, sub in value.items() for line in _pair(key, sub, indent + 2, style)]
    elif isinstance(value, list) and value:
        lines = [line for sub in value for line in _item(sub, indent + 2, style)]
    else:
        flow = _flow(value, style)
        yield " " * indent + "-" + (" " + flow if flow else "")
        return
    yield " " * indent + "- " + lines[0][indent + 2:]
    yield from lines[1:]


def _flow(value: Any, style: Style) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return format_scalar(value, style.quote)
