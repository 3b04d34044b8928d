"""An item's entity note: the facts vaulttool sets in it and its text, from the `entity.md` template.
Free of files and of click (the `entities` command plans and writes).

The frontmatter facts, whatever the template says: `aliases` (the label, then the item's aliases,
each once), the schema's id key, `description` (absent when the item has none) and the stub marker,
so the note is vaulttool's only while nobody edits it. Text from Wikidata stays data: it is one line
(`terms.one_line`), YAML-quoted where it must be in the frontmatter, and escaped for Markdown and
Obsidian in the body (`templates.markdown_prose`); the link back is built from the item id alone.
"""

from __future__ import annotations

from typing import Any

from vaulttool.config.settings import Config
from vaulttool.engine.note import BOM, DELETE, Note
from vaulttool.tiers import section, templates
from vaulttool.tiers.templates import Template
from vaulttool.wikidata.terms import Terms, note_aliases, note_description, one_line

TEMPLATE = "entity.md"
WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"


def render(config: Config, template: Template, item_id: str, label: str, terms: Terms, vault_path: str,
          tiered: bool) -> tuple[dict[str, Any], bytes]:
    """(the facts vaulttool sets in the item's entity note, the note as vaulttool writes it from
    `template`; with its links section, as tiers writes it, when the vault gives it tiers (`tiered`))."""
    description = note_description(terms)
    facts: dict[str, Any] = {"aliases": note_aliases(label, terms), config.schema.id_key: item_id,
                             "description": description if description else DELETE}
    # The body shows the description even where the frontmatter cannot hold it: escaped, it is text.
    shown = one_line(terms.description) if terms.description else ""
    variables = {"title": vault_path.rsplit("/", 1)[-1][:-3], "label": label, "description": shown,
                 "wikidata_id": item_id, "wikidata_url": WIKIDATA_PAGE + item_id}
    data = templates.stub(template, variables, facts, raw=frozenset({"wikidata_url"}),
                          omit_empty=frozenset({"description"}), escape=templates.markdown_prose)
    if tiered:  # its links section, as tiers writes it: the note is whole when it is written
        note = Note.parse(data)
        head = note.text[:note.body_start]
        planned = section.plan(note.body, vault_path, config.tiers, section.line_ending_before(head, len(head)))
        if planned.body is not None:
            data = templates.resealed((BOM if note.bom else b"") + (head + planned.body).encode("utf-8"))
    return facts, data


def stale_by_hand(values: dict[str, Any], facts: dict[str, Any], id_key: str) -> list[str]:
    """The keys in which a note made or edited by hand falls short of Wikidata's facts: `aliases`
    lacking the label or an alias (aliases of its own are the person's), a `description` other than
    the item's (none is fine when the item has none), another id."""
    stale = []
    held = values.get("aliases")
    held = [held] if isinstance(held, str) else held if isinstance(held, list) else []
    if not set(facts["aliases"]) <= {alias for alias in held if isinstance(alias, str)}:
        stale.append("aliases")
    if facts["description"] is not DELETE and values.get("description") != facts["description"]:
        stale.append("description")
    if values.get(id_key) != facts[id_key]:
        stale.append(id_key)
    return stale
