"""Access tiers: sibling paths, the standard note's links section, and which tier a link points to.
Pure: vault paths and text in, paths and text out.

The sibling of `_Standards/<dir>/<stem>.md` in tier T is `_T/<dir>/<stem>.T.md`. Every name is checked
before it becomes a path: nothing may leave the vault or its tier folder, exceed 255 bytes, or use a
name Windows, Obsidian or a wikilink cannot hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator
from urllib.parse import quote, unquote

from vaulttool.config.settings import TiersConfig
from vaulttool.errors import UnsafePathError
from vaulttool.rules.schema import matches_any

MAX_NAME_BYTES = 255
_RESERVED = re.compile(r"(?i)(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?")
_INVALID_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"\\|?*\[\]#^]")


@dataclass(frozen=True, slots=True)
class Sibling:
    tier: str
    vault_path: str  # e.g. _public/UN(United_Nations)/IOM(…).public.md
    name: str  # the note's name: its file name without `.md`


def check_name(name: str) -> None:
    """Raise UnsafePathError for a file or folder name that cannot be written safely everywhere."""
    if name in ("", ".", ".."):
        raise UnsafePathError(f"{name!r} is not a usable name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UnsafePathError(f"{name[:40]}… is {len(name.encode('utf-8'))} bytes, over the {MAX_NAME_BYTES}-byte limit")
    if _INVALID_CHARS.search(name):
        raise UnsafePathError(f"{name!r} contains a character a file name or a wikilink cannot hold")
    if _RESERVED.fullmatch(name) or name[-1] in " .":
        raise UnsafePathError(f"{name!r} is a reserved name (Windows) or ends in a space or dot")


def check_vault_path(vault_path: str) -> list[str]:
    """The parts of a relative vault path, each checked; no absolute paths, no `..`."""
    if vault_path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", vault_path):
        raise UnsafePathError(f"{vault_path!r} is an absolute path")
    parts = vault_path.split("/")
    for part in parts:
        check_name(part)
    return parts


def standard_parts(vault_path: str, config: TiersConfig) -> tuple[list[str], str] | None:
    """(folders below the source folder, stem) of a standard note, or None if it is not one."""
    prefix = config.source_folder + "/"
    if not vault_path.startswith(prefix) or not vault_path.endswith(".md"):
        return None
    if matches_any(vault_path, config.skip):
        return None
    parts = vault_path[len(prefix):-3].split("/")
    return parts[:-1], parts[-1]


def siblings(vault_path: str, config: TiersConfig) -> list[Sibling]:
    """The tier siblings of a standard note, each path checked. Raises UnsafePathError."""
    located = standard_parts(vault_path, config)
    if located is None:
        raise UnsafePathError(f"{vault_path} is not a standard note under {config.source_folder}/")
    folders, stem = located
    check_vault_path(vault_path)
    result = []
    for tier in config.names:
        name = f"{stem}.{tier}"
        path = "/".join([config.folder(tier), *folders, name + ".md"])
        check_vault_path(path)
        result.append(Sibling(tier, path, name))
    return result


def standard_of(vault_path: str, config: TiersConfig) -> tuple[str, str] | None:
    """(tier, the standard note's vault path) for a tier stub's path, or None if it is not one."""
    for tier in config.names:
        prefix = config.folder(tier) + "/"
        suffix = f".{tier}.md"
        if vault_path.startswith(prefix) and vault_path.endswith(suffix):
            return tier, f"{config.source_folder}/{vault_path[len(prefix):-len(suffix)]}.md"
    return None


@lru_cache(maxsize=8)
def _tier_folders(config: TiersConfig) -> dict[str, str]:
    return {config.folder(tier): tier for tier in config.names}


def tier_of_folder(vault_path: str, config: TiersConfig) -> str | None:
    return _tier_folders(config).get(vault_path.split("/", 1)[0])


# --- the links section ------------------------------------------------------------------------


def _link_target(vault_path: str) -> str:
    # Spaces and unbalanced parentheses would end a Markdown link early; everything else stays
    # readable, as in the reference note.
    target = quote(vault_path, safe="/()~,'!$&+;=@")
    if target.count("(") != target.count(")"):
        target = target.replace("(", "%28").replace(")", "%29")
    return target


def links_section(vault_path: str, config: TiersConfig) -> str:
    """The standard note's links section: itself, then each tier, as the reference note has it."""
    located = standard_parts(vault_path, config)
    assert located is not None
    _, stem = located
    lines = [config.link_line.format(name=stem, path=_link_target(vault_path))]
    lines += [config.link_line.format(name=s.name, path=_link_target(s.vault_path)) for s in siblings(vault_path, config)]
    return config.section_heading + "\n\n" + config.link_separator.join(lines) + config.section_end


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})[ \t]")


def _lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(offset, line, inside a code fence) for each line of Markdown text."""
    offset = 0
    fence: str | None = None
    for line in text.splitlines(keepends=True):
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


def find_section(body: str, config: TiersConfig) -> tuple[int, int] | None:
    """(start, end) of the links section in a note's body: from its heading to the next heading of
    the same or a higher level, or the end. None when the note has none. Code fences do not count."""
    heading = config.section_heading.rstrip()
    heading_match = _HEADING.match(heading)
    level = len(heading_match.group(1)) if heading_match else 2
    start: int | None = None
    for offset, line, fenced in _lines(body):
        if fenced:
            continue
        if start is None:
            if line.rstrip() == heading:
                start = offset
            continue
        match = _HEADING.match(line)
        if match and len(match.group(1)) <= level:
            return start, offset
    return (start, len(body)) if start is not None else None


def with_section(body: str, section: str, config: TiersConfig) -> str:
    """The body with its links section replaced by `section`, or `section` appended after a blank line."""
    found = find_section(body, config)
    if found is not None:
        start, end = found
        return body[:start] + section + body[end:]
    if body and not body.endswith("\n"):
        body += "\n"
    if body and not body.endswith("\n\n"):
        body += "\n"
    return body + section


# --- links for the leak check -----------------------------------------------------------------

_WIKILINK = re.compile(r"!?\[\[([^\[\]|#^\n]*)(?:[#^][^\[\]|\n]*)?(?:\|[^\[\]\n]*)?\]\]")
_MARKDOWN_LINK = re.compile(r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*<?([^()<>\s]*(?:\([^()\s]*\)[^()<>\s]*)*)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass(frozen=True, slots=True)
class Link:
    target: str
    offset: int  # in the text searched
    embed: bool


def links_in(text: str) -> Iterator[Link]:
    """Wikilinks, embeds, block references and Markdown links in Markdown text, outside code fences."""
    if "[" not in text:
        return
    for offset, line, fenced in _lines(text):
        if fenced or "[" not in line:
            continue
        for match in _WIKILINK.finditer(line):
            yield Link(match.group(1).strip(), offset + match.start(), match.group(0).startswith("!"))
        for match in _MARKDOWN_LINK.finditer(line):
            target = match.group(1)
            if "://" in target or target.startswith(("mailto:", "#")):
                continue
            yield Link(target, offset + match.start(), match.group(0).startswith("!"))


def tier_of_link(target: str, config: TiersConfig) -> str | None:
    """The tier a link target points into: by its tier folder, else by its `.tier` name suffix."""
    path = unquote(target).lstrip("/")
    folder_tier = tier_of_folder(path, config)
    if folder_tier is not None:
        return folder_tier
    name = path.rsplit("/", 1)[-1]
    name = name[:-3] if name.endswith(".md") else name
    return next((tier for tier in config.names if name.endswith(f".{tier}")), None)
