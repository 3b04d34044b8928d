"""The standard note's links section: itself, then each tier, as the reference note has it. Pure.

The section is its heading and the consecutive link lines after it (`### #is_/same_as :: …`, one link
each, blank lines between them allowed), and nothing more: whatever follows the last link line (text,
embeds, tags, callouts, headings) is the person's and is never touched. The heading is a Markdown
heading of the configured level, recognised in any case and spacing, with or without its colon, as
people wrote it before vaulttool came.

A link line is vaulttool's when it links one of the notes the section is for (the note itself, each of
its tiers; a second line linking one of them is rewritten away, as it says nothing the others do not)
as vaulttool could have written it: no embed, no `#heading`, no alias but a name vaulttool writes
there. Any other link line in the section (a Dataview field the person added, an embed, a link with an
alias of theirs) is theirs: it is kept, byte for
byte, after vaulttool's lines when the section is rewritten, and reported (`Plan.foreign`). A section whose lines already link the right notes, in any
supported style (Markdown links or wikilinks, with or without an alias, absolute, relative or bare
names), is current and stays as it is. Lines vaulttool writes take the line ending of the lines around them.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple, Sequence
from urllib.parse import unquote

from vaulttool.config.settings import TiersConfig
from vaulttool.engine.links import Link, links_in, markdown_lines, markdown_target
from vaulttool.tiers import layout


class LinkLine(NamedTuple):
    """A link line of a section."""

    start: int  # its offset in the body
    end: int  # just past its text, before its line ending
    target: str  # its link's target, as written
    alias: str | None  # its link's alias ("" none; None: an embed, or a link to a #heading)


class Section(NamedTuple):
    """A links section found in a note's body."""

    start: int  # offset of the heading line in the body
    end: int  # offset just past the last line of the section, before that line's ending
    newline: str  # the line ending of the heading line ("" at the very end of a note)
    heading_end: int  # offset just past the heading's text, before its line ending
    lines: tuple[LinkLine, ...] = ()


class Plan(NamedTuple):
    """What a note's links section needs: the new body (None: leave it), where the section is, and
    the offsets (in the body given) of its link lines that are not vaulttool's: kept, and reported."""

    body: str | None
    sections: tuple[Section, ...]  # the sections found; more than one is left alone
    foreign: tuple[int, ...] = ()

    @property
    def section(self) -> Section | None:
        return self.sections[0] if self.sections else None


def linked_notes(vault_path: str, config: TiersConfig,
                 siblings: Sequence[layout.Sibling] | None = None) -> list[tuple[str, str]]:
    """(name, vault path) of each note the section links: the standard note itself, then each tier's
    (`siblings`, when the caller has them already)."""
    located = layout.standard_parts(vault_path, config)
    assert located is not None
    tiers = layout.siblings(vault_path, config) if siblings is None else siblings
    return [(located[1], vault_path)] + [(s.name, s.vault_path) for s in tiers]


def _link(config: TiersConfig, name: str, vault_path: str) -> str:
    if config.links_style == "wikilink":
        return f"[[/{vault_path[:-3]}|{name}]]"
    return f"[{name}](/{markdown_target(vault_path)})"


def _render(notes: list[tuple[str, str]], config: TiersConfig, newline: str, end: bool) -> str:
    """The section as vaulttool writes it, with `newline` for every line ending; without the blank
    lines that close it when `end` is False (a rewritten section keeps what followed it)."""
    lines = [config.link_line.format(name=name, path=markdown_target(path), link=_link(config, name, path))
             for name, path in notes]
    text = config.section_heading + "\n\n" + config.link_separator.join(lines) + (config.section_end if end else "")
    return text.replace("\r\n", "\n").replace("\n", newline)


def link_lead(config: TiersConfig) -> str:
    """The text a link line starts with before its link: `### #is_/same_as :: `."""
    line = config.link_line
    if "{link}" in line:
        return line.split("{link}", 1)[0]
    before = line.split("{", 1)[0]  # `… :: [{name}](/{path})`: the link opens at the last `[`
    opening = before.rfind("[")
    return before[:opening] if opening >= 0 else before


def _sole_link(text: str) -> Link | None:
    """The one link that is all of `text` (spaces around it aside), else None."""
    stripped = text.strip()
    links = list(links_in(stripped))
    if len(links) == 1 and links[0].offset == 0 and links[0].end == len(stripped):
        return links[0]
    return None


def _written_as(link: Link) -> str | None:
    """The alias a link line shows ("" for none), or None for a link vaulttool never writes: an embed,
    or one to a `#heading`."""
    return None if link.embed or link.subpath else link.alias or ""


def _name(vault_path: str) -> str:
    return posixpath.basename(vault_path)[:-3]


# An ATX heading (CommonMark): up to three spaces, one to six `#`s, then a space or the line's end; a
# closing run of `#`s is not part of its text. Indented four spaces it is code; `#tag` is a tag.
_ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*")


def _heading_key(line: str) -> tuple[int, str] | str:
    """How a line is compared with the configured heading: an ATX heading as (its level, its words case
    folded and without a final colon), so that people's spellings from before vaulttool count; any
    other line as its text without trailing spaces."""
    match = _ATX_HEADING.fullmatch(line)
    if match is None:
        return line.rstrip()
    words = " ".join((match.group(2) or "").split()).rstrip(":").rstrip().casefold()
    return len(match.group(1)), words


def find_sections(body: str, config: TiersConfig) -> list[Section]:
    """Every links section in a note's body, in order. Code fences do not count."""
    heading = _heading_key(config.section_heading)
    lead = link_lead(config)
    found: list[Section] = []
    current: Section | None = None
    for offset, line, fenced in markdown_lines(body):
        content = line.rstrip("\r\n")
        if current is not None:
            link = None if fenced or not content.startswith(lead) else _sole_link(content[len(lead):])
            if link is not None:
                end = offset + len(content)
                current = current._replace(end=end, lines=(*current.lines,
                                                           LinkLine(offset, end, link.target, _written_as(link))))
                continue
            if not fenced and not content.strip():
                continue  # blank lines between link lines belong to the section
            found.append(current)
            current = None
        if not fenced and not content.startswith(lead) and _heading_key(content) == heading:
            end = offset + len(content)
            current = Section(offset, end, line[len(content):], end)
    if current is not None:
        found.append(current)
    return found


def _resolves(target: str, folder: str, wanted: str) -> bool:
    """Whether a link target, as Obsidian reads it from a note in `folder`, names the note `wanted`:
    absolute from the vault root, relative to the note, or by its bare name; `.md` optional."""
    path = unquote(target).strip()
    if not path.endswith(".md"):
        path += ".md"
    if path.startswith("/"):
        return path[1:] == wanted
    if "/" not in path:
        return posixpath.basename(wanted) == path
    return path == wanted or posixpath.normpath(posixpath.join(folder, path)) == wanted


def _theirs(section: Section, vault_path: str, wanted: list[str], former: list[str]) -> tuple[list[int], bool]:
    """The indexes of the section's link lines that are not vaulttool's, and whether the others link
    every note `wanted`, each at least once, in any style. A line is vaulttool's when it links one of
    `wanted` (or of the `former` names of a note just moved) as vaulttool could have written it: not
    an embed nor to a `#heading`, and with no alias but the name of one of those notes."""
    folder = posixpath.dirname(vault_path)
    names = {"", *map(_name, wanted), *map(_name, former)}
    unlinked = set(wanted)
    theirs: list[int] = []
    for index, line in enumerate(section.lines):
        ours = line.alias in names
        linked = [path for path in wanted if _resolves(line.target, folder, path)] if ours else []
        if not linked and not (ours and any(_resolves(line.target, folder, path) for path in former)):
            theirs.append(index)
        unlinked.difference_update(linked)
    return theirs, not unlinked


def line_ending_before(text: str, end: int) -> str:
    """The ending of the last line that ends before `end`, or "" when none does."""
    position = text.rfind("\n", 0, end)
    if position < 0:
        return ""
    return "\r\n" if position > 0 and text[position - 1] == "\r" else "\n"


def plan(body: str, vault_path: str, config: TiersConfig, head_newline: str = "",
         siblings: Sequence[layout.Sibling] | None = None, formerly: str | None = None) -> Plan:
    """The body with its links section brought up to date, touching nothing outside the section.

    A missing section is appended after a blank line, in the body's line endings (`head_newline`, the
    frontmatter's, when the body has none). A note with two sections is left alone: which one is
    meant is the person's to say. `formerly`: the note's vault path before a move, whose section lines
    (linking its old names) are vaulttool's too.
    """
    sections = find_sections(body, config)
    if len(sections) > 1:
        return Plan(None, tuple(sections))
    notes = linked_notes(vault_path, config, siblings)
    if sections:
        found = sections[0]
        wanted = [path for _, path in notes]
        was_standard = formerly is not None and layout.standard_parts(formerly, config) is not None
        former = [path for _, path in linked_notes(formerly, config)] if formerly and was_standard else []
        theirs, complete = _theirs(found, vault_path, wanted, former)
        foreign = tuple(found.lines[index].start for index in theirs)
        if complete and len(found.lines) == len(notes) + len(theirs):  # (a note linked twice: rewritten)
            return Plan(None, (found,), foreign)
        newline = found.newline or line_ending_before(body, found.start) or head_newline or "\n"
        rendered = _render(notes, config, newline, end=False)
        rendered = body[found.start:found.heading_end] + rendered[len(config.section_heading):]  # their heading
        kept = "".join(config.link_separator.replace("\n", newline) + body[start:end]
                       for start, end, _, _ in (found.lines[index] for index in theirs))
        new = body[:found.start] + rendered + kept + body[found.end:]
        return Plan(new, (found,), foreign)
    newline = line_ending_before(body, len(body)) or head_newline or "\n"
    if body and not body.endswith("\n"):
        body += newline
    if body and not body.endswith(("\n\n", "\n\r\n")):
        body += newline
    return Plan(body + _render(notes, config, newline, end=True), ())
