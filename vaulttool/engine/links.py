"""Obsidian link syntax in Markdown text: the one place vaulttool reads or writes it. Pure.

Wikilinks and embeds (`[[target#heading|alias]]`, `![[target]]`, block references `[[target#^id]]`)
and Markdown links (`[text](target)`, `![alt](target)`), found line by line outside code fences and
inline code. The
leak check, the links section and everything else that reads links go through this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator
from urllib.parse import quote, unquote

from vaulttool.engine.note import Note
from vaulttool.engine.yamlnodes import MapN, Node, ScalarN, SeqN

# A whole frontmatter value that is one wikilink (the schema's `wikilink` type).
WIKILINK_VALUE = re.compile(r"!?\[\[[^\[\]|#^\n]+(?:#[^\[\]|\n]*)?(?:\|[^\[\]\n]*)?\]\]")
# Groups: the path, the `#heading`/`#^block` part, the `|alias`.
_WIKILINK = re.compile(r"!?\[\[([^\[\]|#^\n]*)([#^][^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")
# Groups: the text, the destination (path and `#…`, percent-encoded as written).
_MARKDOWN_LINK = re.compile(r"!?\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*<?([^()<>\s]*(?:\([^()\s]*\)[^()<>\s]*)*)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+\Z")


@dataclass(frozen=True, slots=True)
class Link:
    """One link, with the spans a rewrite needs. Offsets are in the text searched."""

    target: str  # the path as written: a wikilink's without its spaces around, a Markdown link's percent-encoded
    offset: int  # where the link starts (its `!` for an embed)
    embed: bool
    end: int  # just past the link's last character
    markdown: bool = False  # `[text](target)` rather than `[[target]]`
    target_start: int = -1  # the span of `target` itself (empty for `[[#heading]]`)
    target_end: int = -1
    subpath: str = ""  # `#heading` or `#^block`, as written
    alias: str | None = None  # a wikilink's `|alias`, a Markdown link's text

    @property
    def path(self) -> str:
        """The link's path as Obsidian reads it: a Markdown link's percent-escapes decoded."""
        return unquote(self.target) if self.markdown else self.target

    def shifted(self, by: int) -> Link:
        """The same link, its offsets moved by `by` (from a value's text to the note's)."""
        return replace(self, offset=self.offset + by, end=self.end + by,
                       target_start=self.target_start + by, target_end=self.target_end + by)


def markdown_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(offset, line, inside a code fence) for each line of Markdown text, ending included.

    Lines end at `\n`, `\r\n` or `\r`, as CommonMark has it, and nowhere else: str.splitlines would
    also break at U+2028, U+0085 or a form feed, and a rewrite ending there would drop the character."""
    offset = 0
    fence: str | None = None
    for found in _LINE.finditer(text):
        line = found.group(0)
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * len(match.group(1))
            yield offset, line, True
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            yield offset, line, True
        else:
            yield offset, line, False
        offset += len(line)


def links_in(text: str) -> Iterator[Link]:
    """Wikilinks, embeds, block references and Markdown links in Markdown text, outside code fences
    and inline code (`` `[[a]]` `` shows the text, it opens nothing)."""
    if "[" not in text:
        return
    for offset, line, fenced in markdown_lines(text):
        if fenced or "[" not in line:
            continue
        spans = code_spans(line) if "`" in line else []
        for link in _links_in_line(line, offset):
            if not any(start <= link.offset - offset < end for start, end in spans):
                yield link


def code_spans(line: str) -> list[tuple[int, int]]:
    """The inline code spans of a line, as CommonMark reads them: a run of backticks opens one, and the
    next run of the same length closes it (a run that nothing closes is literal backticks)."""
    spans: list[tuple[int, int]] = []
    runs = list(_BACKTICKS.finditer(line))
    index = 0
    while index < len(runs):
        opener = runs[index]
        closer = next((later for later in range(index + 1, len(runs))
                       if len(runs[later].group()) == len(opener.group())), None)
        if closer is None:
            index += 1
            continue
        spans.append((opener.start(), runs[closer].end()))
        index = closer + 1
    return spans


def _links_in_line(line: str, offset: int) -> Iterator[Link]:
    wikilinks: list[tuple[int, int]] = []
    for match in _WIKILINK.finditer(line):
        wikilinks.append(match.span())
        raw = match.group(1)
        start = match.start(1) + len(raw) - len(raw.lstrip())
        yield Link(raw.strip(), offset + match.start(), match.group(0).startswith("!"), offset + match.end(),
                   False, offset + start, offset + start + len(raw.strip()), match.group(2) or "", match.group(3))
    for match in _MARKDOWN_LINK.finditer(line):
        if any(start < match.end() and match.start() < end for start, end in wikilinks):
            continue  # brackets of wikilinks (`[[a]]([[b]])`): Obsidian reads the wikilinks, not a Markdown link
        destination = match.group(2)
        if "://" in destination or destination.startswith(("mailto:", "#")):
            continue
        path, hash_sign, fragment = destination.partition("#")
        start = offset + match.start(2)
        yield Link(path, offset + match.start(), match.group(0).startswith("!"), offset + match.end(), True,
                   start, start + len(path), hash_sign + fragment, match.group(1))


def reads_as_link(text: str) -> bool:
    """Whether a text holds what would be read as a link or an embed, anywhere in it."""
    return "[" in text and any(True for _ in _links_in_line(text, 0))


def markdown_target(vault_path: str) -> str:
    """A vault path as the target of a Markdown link."""
    # Spaces and unbalanced parentheses would end a Markdown link early; everything else stays
    # readable, as in the reference note.
    target = quote(vault_path, safe="/()~,'!$&+;=@")
    if target.count("(") != target.count(")"):
        target = target.replace("(", "%28").replace(")", "%29")
    return target


@dataclass(frozen=True, slots=True)
class NoteLink:
    """A link in a note, frontmatter or body, where a finding points and a rewrite splices."""

    link: Link  # offsets in `Note.text` when `exact`; else in the value's own text
    key: str | None  # the top-level frontmatter key whose value holds it; None in the body
    exact: bool  # False: a value whose source differs from its text (escapes, folded lines): no splice
    line: int  # 1-based, in the file
    col: int
    quote: str = ""  # the quote of the frontmatter value holding it ("" for plain values and the body)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset in a text."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def note_links(note: Note) -> list[NoteLink]:
    """Every link of a note: in its frontmatter's string values (nested ones too), then in its body."""
    found: list[NoteLink] = []
    for entry in note.entries():
        stack: list[Node] = [entry.value_node]
        while stack:
            node = stack.pop()
            if isinstance(node, SeqN):
                stack.extend(reversed(node.items))
            elif isinstance(node, MapN):
                stack.extend(value for _, value in reversed(node.pairs))
            elif "[" in node.text:
                found.extend(_value_links(note, entry.key, node))
    body_start = note.body_start if note.has_frontmatter else 0
    for link in links_in(note.body):
        line, col = position(note.text, body_start + link.offset)
        found.append(NoteLink(link.shifted(body_start), None, True, line, col))
    return found


def _value_links(note: Note, key: str, node: ScalarN) -> Iterator[NoteLink]:
    # A value is spliced in place only where its source is its text, character for character: a plain
    # or quoted scalar on one line without escapes. Elsewhere its links are found, not rewritten.
    start = note.fm_start + node.offset + (1 if node.style in ("'", '"') else 0)
    exact = (node.offset >= 0 and node.style in ("", "'", '"')
             and note.text[start:start + len(node.text)] == node.text
             and (not node.style or note.text[start + len(node.text):start + len(node.text) + 1] == node.style))
    for link in _links_in_line(node.text, 0):
        if exact:
            line, col = position(note.text, start + link.offset)
            yield NoteLink(link.shifted(start), key, True, line, col, node.style)
        else:
            line, col = note.file_position(node)
            yield NoteLink(link, key, False, line, col, node.style)
