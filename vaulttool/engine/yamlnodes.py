"""Read frontmatter YAML into positioned nodes.

Two readers produce the same nodes:

* `scan_simple` — a line scanner for the shape nearly every vault note has (top-level `key: scalar`
  and `key:` followed by `- scalar` items, comments, blank lines). It is what makes a whole-vault
  validate fast. Whenever a line is outside that shape it gives up and returns None.
* `compose` — ruamel.yaml's composer for everything else (flow and block collections, block scalars,
  anchors, tags), with its syntax errors turned into `YamlSyntaxError`.

A property test holds the two to identical output on every input the scanner accepts.
Positions are 0-based line and column within the frontmatter text.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Union

from vaulttool.engine import yamlerrors
from vaulttool.engine.scalars import PLAIN_FIRST_FORBIDDEN

STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


@dataclass(slots=True)
class ScalarN:
    text: str
    style: str  # "" plain, '"' or "'" quoted, "|" or ">" block
    line: int
    col: int
    tag: str | None = None  # an explicit tag (`!!str x`); None when resolved implicitly
    anchor: str | None = None
    offset: int = -1  # character index in the frontmatter text


@dataclass(slots=True)
class SeqN:
    items: list[Node]
    flow: bool
    line: int
    col: int
    tag: str | None = None
    anchor: str | None = None


@dataclass(slots=True)
class MapN:
    pairs: list[tuple[Node, Node]]
    flow: bool
    line: int
    col: int
    tag: str | None = None
    anchor: str | None = None


Node = Union[ScalarN, SeqN, MapN]


@dataclass(slots=True)
class Document:
    """The frontmatter's top-level node, plus what the reader saw on the way."""

    root: Node | None  # None for an empty frontmatter
    aliases: list[tuple[int, int]] = field(default_factory=list)  # positions of `*alias` uses
    too_deep: bool = False
    # From the fast scanner: a block mapping of plain or quoted scalars and lists of them; no
    # anchors, tags or flow collections, so checks may take a shorter path.
    simple: bool = field(default=False, compare=False)


class YamlSyntaxError(Exception):
    """A syntax error, its message in plain words (`yamlerrors`), at the mistake's position."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


# --- the fast scanner -------------------------------------------------------------------------

# Anything a YAML reader treats specially in a line: tabs, odd line breaks, non-printables.
_UNUSUAL_ASCII = re.compile(r"[^\n\r\x20-\x7e]|\r(?!\n)")  # the same, for ASCII text: much faster
_UNUSUAL = re.compile("[^\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|\r(?!\n)")
# A top-level key: a plain scalar of unremarkable characters, then `:` and a space or the line end.
_KEY = re.compile(r"([^\s#'\"\[\]{}&*!|>%@`,?:\-][^:#]{0,1000}?)(?<! ):(?: +|$)")
_ITEM = re.compile(r"( *)- +")


def _scalar_at(line_text: str, start: int, line: int, line_offset: int) -> ScalarN | None | Literal[False]:
    """Read the scalar that starts at `start`; False when the line is outside the simple shape.

    Returns None for an empty value (nothing but an optional comment).
    """
    rest = line_text[start:]
    if not rest or rest[0] == "#":
        return None
    first = rest[0]
    if first == '"':
        end = rest.find('"', 1)
        if end < 0 or "\\" in rest[1:end]:
            return False
        text, after = rest[1:end], rest[end + 1 :]
        style = '"'
    elif first == "'":
        end = rest.find("'", 1)
        while end >= 0 and rest.startswith("''", end):  # `''` is an escaped quote, not the end
            end = rest.find("'", end + 2)
        if end < 0:
            return False
        text, after = rest[1:end].replace("''", "'"), rest[end + 1 :]
        style = "'"
    else:
        if first in PLAIN_FIRST_FORBIDDEN:
            return False
        if first in "-?:" and (len(rest) == 1 or rest[1] == " "):
            return False
        comment = rest.find(" #")
        text = (rest if comment < 0 else rest[:comment]).rstrip(" ")
        if ": " in text or text.endswith(":"):
            return False
        return ScalarN(text, "", line, start, None, None, line_offset + start)
    stripped = after.lstrip(" ")
    if stripped and not (stripped[0] == "#" and len(stripped) < len(after)):
        return False
    return ScalarN(text, style, line, start, None, None, line_offset + start)


def scan_simple(text: str) -> Document | None:
    """Read frontmatter of the simple shape, or return None so the caller uses `compose`."""
    if text.isascii():
        if _UNUSUAL_ASCII.search(text):
            return None
    elif not text.replace("\r\n", "").replace("\n", "").isprintable() and _UNUSUAL.search(text):
        return None  # (printable by Python's rules is a quick yes; the pattern decides the rest)
    pairs: list[tuple[Node, Node]] = []
    open_key: ScalarN | None = None  # a `key:` with no inline value, which may own `- item` lines
    items: list[Node] = []
    item_indent = -1
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    crlf = "\r" in text
    next_offset = 0
    for number, raw in enumerate(lines):
        line_offset, next_offset = next_offset, next_offset + len(raw) + 1
        line_text = raw[:-1] if crlf and raw.endswith("\r") else raw
        first = line_text[:1]
        if first == "" or first == "#":
            continue
        if first == " " or first == "-":
            stripped = line_text.lstrip(" ")
            if not stripped or stripped[0] == "#":
                continue
            match = _ITEM.match(line_text)
            if open_key is None or match is None:
                return None
            indent = len(match.group(1))
            if item_indent < 0:
                item_indent = indent
            elif indent != item_indent:
                return None
            scalar = _scalar_at(line_text, match.end(), number, line_offset)
            if scalar is False or scalar is None:
                return None
            items.append(scalar)
            continue
        if open_key is not None:
            pairs.append((open_key, _open_value(open_key, items, item_indent)))
            open_key, items, item_indent = None, [], -1
        match = _KEY.match(line_text)
        if match is None:
            return None
        key = ScalarN(match.group(1), "", number, 0, None, None, line_offset)
        scalar = _scalar_at(line_text, match.end(), number, line_offset)
        if scalar is False:
            return None
        if scalar is None:
            open_key = key
        else:
            pairs.append((key, scalar))
            # A following indented line would continue this scalar: outside the simple shape.
            if number + 1 < len(lines) and lines[number + 1][:1] == " " and lines[number + 1].strip():
                return None
    if open_key is not None:
        pairs.append((open_key, _open_value(open_key, items, item_indent)))
    if not pairs:
        return None  # empty or comment-only: let the composer decide what that document is
    return Document(MapN(pairs, False, pairs[0][0].line, 0), simple=True)


def _open_value(key: ScalarN, items: list[Node], indent: int) -> Node:
    if items:
        return SeqN(items, False, items[0].line, indent)
    return ScalarN("", "", key.line, len(key.text) + 1, None, None, key.offset + len(key.text) + 1)


# --- the full reader --------------------------------------------------------------------------

_MAX_DEPTH = 200


@lru_cache(maxsize=1)
def _ruamel() -> Any:
    """ruamel.yaml, set up on first use: most notes never need it, and importing it takes a while."""
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent

    class AliasRecordingComposer(Composer):  # type: ignore[misc]
        """ruamel.yaml's composer, noting where each `*alias` is used (it returns the anchored node)."""

        alias_marks: list[tuple[int, int]]

        def compose_node(self, parent: object, index: object) -> object:
            if self.parser.check_event(AliasEvent):
                mark = self.parser.peek_event().start_mark
                self.alias_marks.append((mark.line, mark.column))
            return super().compose_node(parent, index)

    yaml = YAML(typ="rt")
    yaml.Composer = AliasRecordingComposer
    return yaml


def compose(text: str) -> Document:
    """Read any YAML document with ruamel.yaml's composer. Raises YamlSyntaxError."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = _ruamel()
    yaml.composer.alias_marks = []
    try:
        with warnings.catch_warnings():  # ruamel.yaml warns of a reused anchor on stderr; VT108 says it
            warnings.simplefilter("ignore")
            root = yaml.compose(text)
    except MarkedYAMLError as error:
        problem, context = error.problem_mark, error.context_mark
        line, col, message = yamlerrors.describe(
            text, error.problem, (problem.line, problem.column) if problem else None,
            error.context, (context.line, context.column) if context else None, quoted_scalars(text))
        raise YamlSyntaxError(message, line, col) from None
    except YAMLError as error:
        raise YamlSyntaxError(f"YAML syntax error: {str(error).splitlines()[0]}", 0, 0) from None
    except RecursionError:
        raise YamlSyntaxError("YAML syntax error: nesting too deep", 0, 0) from None
    document = Document(None, aliases=list(yaml.composer.alias_marks))
    if root is not None:
        document.root = _convert(root, document, set(), 0)
    return document


def quoted_scalars(text: str) -> list[yamlerrors.Quoted]:
    """(start, end, quote) of each quoted scalar ruamel.yaml's scanner reads before it stops: where
    a quote really opened and closed, for `yamlerrors` to tell an unclosed quote."""
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import ScalarToken

    found = []
    try:
        for token in _ruamel().scan(text):  # (its composer's alias notes play no part in a scan)
            if isinstance(token, ScalarToken) and token.style in ("'", '"'):
                start, end = token.start_mark, token.end_mark
                found.append(((start.line, start.column), (end.line, end.column), str(token.style)))
    except (YAMLError, RecursionError):
        pass  # the tokens read before the error are the ones that matter
    return found


def _explicit_tag(node: Any) -> str | None:
    from ruamel.yaml.nodes import ScalarNode

    if node.style is not None:  # a quoted or block scalar is a string unless tagged otherwise
        return None if node.tag == "tag:yaml.org,2002:str" else str(node.tag)
    implicit = _ruamel().resolver.resolve(ScalarNode, node.value, (True, False))
    return None if str(implicit) == str(node.tag) else str(node.tag)


def _convert(node: Any, document: Document, seen: set[int], depth: int) -> Node:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if depth > _MAX_DEPTH:
        document.too_deep = True
        return ScalarN("", "", node.start_mark.line, node.start_mark.column)
    line, col = node.start_mark.line, node.start_mark.column  # type: ignore[attr-defined]
    anchor = getattr(node, "anchor", None)
    if id(node) in seen:
        # The composer hands back the anchored node for every alias; never walk it twice, so an
        # alias bomb costs nothing here. Where the alias stood is in `document.aliases`.
        return ScalarN("", "", line, col)
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        # ruamel.yaml's round-trip scanner marks the folds of a `>` scalar with BEL characters.
        text = node.value.replace("\a", "") if node.style == ">" else node.value
        return ScalarN(text, node.style or "", line, col, _explicit_tag(node), anchor, node.start_mark.index)
    tag = None if str(node.tag) in STANDARD_TAGS else str(node.tag)  # type: ignore[attr-defined]
    if isinstance(node, SequenceNode):
        items = [_convert(item, document, seen, depth + 1) for item in node.value]
        return SeqN(items, bool(node.flow_style), line, col, tag, anchor)
    assert isinstance(node, MappingNode)
    pairs = []
    for key, value in node.value:
        converted = _convert(value, document, seen, depth + 1)
        if isinstance(converted, ScalarN) and converted.text == "" and not converted.style:
            # ruamel.yaml places an empty value at the next token; report it right after its key.
            converted.line, converted.col = key.end_mark.line, key.end_mark.column + 1
            converted.offset = key.end_mark.index + 1
        pairs.append((_convert(key, document, seen, depth + 1), converted))
    return MapN(pairs, bool(node.flow_style), line, col, tag, anchor)


def read(text: str) -> Document:
    """Read frontmatter text: the fast scanner where it applies, ruamel.yaml's composer otherwise."""
    return scan_simple(text) or compose(text)
