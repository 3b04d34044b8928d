"""The standard note's links section: itself, then each tier, as the reference note has it. Pure.

The section runs from its heading to the next heading of the same or a higher level, or the end of the
note; only that part of a standard note is ever rewritten.
"""

from __future__ import annotations

import re

from vaulttool.config.settings import TiersConfig
from vaulttool.engine.links import markdown_lines, markdown_target
from vaulttool.tiers import layout


def links_section(vault_path: str, config: TiersConfig) -> str:
    """The standard note's links section: itself, then each tier, as the reference note has it."""
    located = layout.standard_parts(vault_path, config)
    assert located is not None
    _, stem = located
    lines = [config.link_line.format(name=stem, path=markdown_target(vault_path))]
    lines += [config.link_line.format(name=s.name, path=markdown_target(s.vault_path))
              for s in layout.siblings(vault_path, config)]
    return config.section_heading + "\n\n" + config.link_separator.join(lines) + config.section_end


_HEADING = re.compile(r"^(#{1,6})[ \t]")


def find_section(body: str, config: TiersConfig) -> tuple[int, int] | None:
    """(start, end) of the links section in a note's body: from its heading to the next heading of
    the same or a higher level, or the end. None when the note has none. Code fences do not count."""
    heading = config.section_heading.rstrip()
    heading_match = _HEADING.match(heading)
    level = len(heading_match.group(1)) if heading_match else 2
    start: int | None = None
    for offset, line, fenced in markdown_lines(body):
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
