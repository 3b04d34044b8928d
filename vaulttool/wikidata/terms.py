"""An item's terms beside its label: its description and aliases, as an entity note shows them. Pure.

They come from a `props=labels|descriptions|aliases` answer (checked by `answer`) in the configured
languages, the first language that has a description giving it; aliases are those of the configured
languages, in their order. Everything here stays data: `one_line` takes out what does not show
(control and format characters, bidi controls among them) and makes every line break a space, so no
term can start a line of its own in a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaulttool.engine.links import reads_as_link
from vaulttool.wikidata.values import revision_id, visible_text

MAX_ALIASES = 500  # an entity note's aliases; Wikidata items with more are rare and not readable as a list


@dataclass(frozen=True, slots=True)
class Terms:
    description: str | None
    aliases: tuple[str, ...] = ()
    revision: int | None = None  # the item's revision they were read from (None: not known)
    languages: tuple[str, ...] | None = None  # the languages they were asked in (None: not known)


def one_line(text: str) -> str:
    """Text from Wikidata as one line: NFC, no control or format characters, whitespace runs (line
    breaks, tabs, U+2028) as one space, none at either end."""
    return " ".join(visible_text(text, keep="\t\n\r").split())


def parse_terms(entity: dict[str, Any], languages: tuple[str, ...]) -> Terms:
    """The description and aliases of one checked entity (a missing one has none)."""
    descriptions = entity.get("descriptions") or {}
    description = next((descriptions[code]["value"] for code in languages if code in descriptions), None)
    aliases = entity.get("aliases") or {}
    found = [alias["value"] for code in languages for alias in aliases.get(code, [])]
    return Terms(description, tuple(found), revision_id(entity.get("lastrevid")), languages)


def note_aliases(label: str, terms: Terms) -> list[str]:
    """An entity note's `aliases`: the label, then the item's aliases, each once, in their order;
    none that holds link syntax (`link_syntax` names them)."""
    shown = [one_line(text) for text in (label, *terms.aliases)]
    return list(dict.fromkeys(text for text in shown if text and not reads_as_link(text)))[:MAX_ALIASES]


def note_description(terms: Terms) -> str | None:
    """An entity note's `description`, or None when the item has none or it holds link syntax."""
    text = one_line(terms.description) if terms.description else ""
    return text if text and not reads_as_link(text) else None


def link_syntax(label: str, terms: Terms) -> list[str]:
    """The terms an entity note's frontmatter leaves out because they hold link syntax (`![[…]]`), which
    Obsidian and vaulttool would read as links there, named for the user: `the alias '…'`."""
    named = [("label", label), *(("alias", alias) for alias in terms.aliases),
             *((("description", terms.description),) if terms.description else ())]
    return [f"the {what} {one_line(text)!r}" for what, text in named if reads_as_link(one_line(text))]
