"""Which links lead to a Wikidata item's entity note, read from `[wikidata] link_pattern`. Pure.

The pattern (`[[_Standards/WikiData/WD~{label},{numeric_id}]]`) is what refresh writes; a link names
an item when its target, without `#heading`, `|alias`, a leading `/` and a trailing `.md`, matches the
pattern's target in full, or, as Obsidian resolves a bare name anywhere in the vault, its file-name
part alone (`[[WD~International_Organization_for_Migration,472311]]`). `{label}` is any text within
one path segment, taken greedily, so the numeric id follows the last comma; `{numeric_id}` is digits
without a leading 0, `{id}` the same after `Q`. Letters compare without case, as Obsidian resolves
links. Links are the engine's (`engine.links.note_links`); positions are 1-based lines and columns
in the note file, as findings give them.
"""

from __future__ import annotations

import posixpath
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from vaulttool.engine.ids import is_item_id
from vaulttool.engine.links import note_links
from vaulttool.engine.note import Note
from vaulttool.errors import ConfigError

_PIECES = {"label": r"[^/]+", "numeric_id": r"[1-9][0-9]*", "id": r"[Qq][1-9][0-9]*"}
_MD = re.compile(r"\.md\Z", re.IGNORECASE)


class LinkPatternError(ConfigError):
    """A `link_pattern` entity notes cannot follow (exit code 2; `sync` leaves entity notes out)."""


@dataclass(frozen=True, slots=True)
class EntityLink:
    """A link to an item's entity note, where it stands in its note."""

    item: str  # the item id the link names (`Q71`)
    target: str  # the link's target as written
    path: str  # the path Obsidian reads in it (a Markdown link's percent-escapes decoded)
    line: int
    col: int


class EntityLinks:
    """The entity-note links of one `link_pattern`: build with `entity_links(pattern)`."""

    def __init__(self, pattern: str, target: str, folder: str, full: re.Pattern[str], name: re.Pattern[str],
                 prefix: str) -> None:
        self.pattern = pattern
        self.target = target  # the pattern's link target: `_Standards/WikiData/WD~{label},{numeric_id}`
        self.folder = folder  # where entity notes live (`_Standards/WikiData`; "" at the vault root)
        self._full = full
        self._name = name
        self.prefix = prefix  # a text every link target of the pattern holds (for a quick search), or ""

    def item_of(self, target: str, source: str = "") -> str | None:
        """The item id a link target names, or None: `_Standards/WikiData/WD~Geneva,71.md#History`
        and `WD~Geneva,71` both name Q71, and so does `../../_Standards/WikiData/WD~Geneva,71.md`
        from a note two folders down (`source`, the linking note's vault path: relative targets are
        read from its folder, as Obsidian reads them)."""
        path = target.split("|", 1)[0].split("#", 1)[0].strip()
        if path.startswith(("./", "../")):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
            if path == ".." or path.startswith("../"):
                return None  # (outside the vault)
        target = normal_target(path)
        match = self._full.fullmatch(target) or (self._name.fullmatch(target) if "/" not in target else None)
        return _item(match) if match else None

    def item_of_path(self, vault_path: str) -> str | None:
        """The item id of a note by its name, when it lies under the entity folder (at any depth)
        and its file name is the pattern's (`_Standards/WikiData/WD~Geneva,71.md` is Q71's)."""
        if not _MD.search(vault_path):
            return None
        folder, _, name = vault_path[:-3].rpartition("/")
        if self.folder and not (folder == self.folder or folder.startswith(self.folder + "/")):
            return None
        match = self._name.fullmatch(name)
        return _item(match) if match else None

    def note_path(self, link: str) -> str:
        """The vault path of the note a link of this pattern (as `values.item_link` writes it) names."""
        return link_target(link) + ".md"

    def links(self, note: Note, source: str = "") -> Iterator[EntityLink]:
        """The note's links to entity notes (the engine's links: frontmatter string values, nested
        ones too, then the body), each where it stands; `source` is the note's vault path."""
        for found in note_links(note):
            item = self.item_of(found.link.path, source)
            if item is not None:
                yield EntityLink(item, found.link.target, found.link.path, found.line, found.col)


def normal_target(target: str) -> str:
    """A link target as the pattern is matched against it: no `#…` or `|…`, no leading `/`, no `.md`."""
    target = target.split("|", 1)[0].split("#", 1)[0].strip()
    return _MD.sub("", target.lstrip("/"))


def link_target(link: str) -> str:
    """The target of a wikilink as `values.item_link` writes it (`[[a/b|c]]` -> `a/b`)."""
    inner = link[2:-2] if link.startswith("[[") and link.endswith("]]") else link
    return normal_target(inner)


@lru_cache(maxsize=8)
def entity_links(pattern: str) -> EntityLinks:
    """The matcher of a `link_pattern`. ConfigError when entity notes cannot follow it: it must be a
    wikilink (`[[…]]`) whose file name holds `{numeric_id}` or `{id}`, below a folder without placeholders."""
    if not (pattern.startswith("[[") and pattern.endswith("]]")):
        raise LinkPatternError(f"wikidata.link_pattern {pattern!r}: entity notes need a wikilink pattern ([[…]])")
    target = link_target(pattern)
    folder, _, name = target.rpartition("/")
    if any(field for _, field, _, _ in string.Formatter().parse(folder) if field is not None):
        raise LinkPatternError(f"wikidata.link_pattern {pattern!r}: the folder of entity notes may not hold a placeholder")
    fields = [field for _, field, _, _ in string.Formatter().parse(name) if field is not None]
    if "numeric_id" not in fields and "id" not in fields:
        raise LinkPatternError(f"wikidata.link_pattern {pattern!r}: the note name must hold {{numeric_id}} or {{id}}, "
                          "so each item's entity note can be found")
    name_regex = _regex(name)
    full_regex = re.escape(folder + "/") + name_regex if folder else name_regex
    literals = [text for text, _, _, _ in string.Formatter().parse(name) if text]
    prefix = max(literals, key=len, default="")
    return EntityLinks(pattern, target, folder, re.compile(full_regex, re.IGNORECASE),
                       re.compile(name_regex, re.IGNORECASE), prefix if prefix.isascii() else "")


def _regex(template: str) -> str:
    out: list[str] = []
    seen: set[str] = set()
    for text, field, _, _ in string.Formatter().parse(template):
        out.append(re.escape(text))
        if field is None:
            continue
        if field in seen:
            out.append(f"(?P={field})")
        else:
            seen.add(field)
            out.append(f"(?P<{field}>{_PIECES[field]})")
    return "".join(out)


def _item(match: re.Match[str]) -> str | None:
    """The item id a match names; None when `{id}` and `{numeric_id}` disagree or no item could have it."""
    groups = match.groupdict()
    ids = {f"Q{groups['numeric_id']}"} if groups.get("numeric_id") else set()
    if groups.get("id"):
        ids.add(groups["id"].upper())
    if len(ids) != 1:
        return None
    item = ids.pop()
    return item if is_item_id(item) else None
