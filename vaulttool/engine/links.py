"""Obsidian link syntax in Markdown text: the one place vaulttool reads or writes it. Pure.

Wikilinks and embeds (`[[target#heading|alias]]`, `![[target]]`, block references `[[target#^id]]`)
and Markdown links (`[text](target)`, `![alt](target)`), found line by line outside code fences. The
leak check, the links section and everything else that reads links go through this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import quote

# A whole frontmatter value that is one wikilink (the schema's `wikilink` type).
WIKILINK_VALUE = re.compile(r"!?\[\[[^\[\]|#^\n]+(?:#[^\[\]|\n]*)?(?:\|[^\[\]\n]*)?\]\]")
_WIKILINK = re.compile(r"!?\[\[([^\[\]|#^\n]*)(?:[#^][^\[\]|\n]*)?(?:\|[^\[\]\n]*)?\]\]")
_MARKDOWN_LINK = re.compile(r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*<?([^()<>\s]*(?:\([^()\s]*\)[^()<>\s]*)*)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+\Z")


@dataclass(frozen=True, slots=True)
class Link:
    target: str
    offset: int  # in the text searched
    embed: bool
    end: int  # just past the link's last character


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
    """Wikilinks, embeds, block references and Markdown links in Markdown text, outside code fences."""
    if "[" not in text:
        return
    for offset, line, fenced in markdown_lines(text):
        if fenced or "[" not in line:
            continue
        for match in _WIKILINK.finditer(line):
            yield Link(match.group(1).strip(), offset + match.start(), match.group(0).startswith("!"),
                       offset + match.end())
        for match in _MARKDOWN_LINK.finditer(line):
            target = match.group(1)
            if "://" in target or target.startswith(("mailto:", "#")):
                continue
            yield Link(target, offset + match.start(), match.group(0).startswith("!"), offset + match.end())


def markdown_target(vault_path: str) -> str:
    """A vault path as the target of a Markdown link."""
    # Spaces and unbalanced parentheses would end a Markdown link early; everything else stays
    # readable, as in the reference note.
    target = quote(vault_path, safe="/()~,'!$&+;=@")
    if target.count("(") != target.count(")"):
        target = target.replace("(", "%28").replace(")", "%29")
    return target
