"""Tier stubs from templates. Pure: template text and facts in, note bytes out.

Templates use `{{name}}` as Obsidian's core Templates plugin does (`title`, `date`, `time`) plus
vaulttool's variables. Nothing in a template runs: a placeholder is looked up and escaped for where it
lands — a YAML scalar in the frontmatter, Markdown text in the body (links go in as links). An unknown
placeholder is an error naming the template and line.

The stub's frontmatter facts (tier, the quoted link back, `has_id_wikidata`, `publish: false` below
the public tier) are set by vaulttool, whatever the template says, and a marker records what was
generated: `vaulttool_stub: sha256-<hash>`, the hash of the stub as written. A stub whose hash no longer
matches was edited by a person and is never overwritten. Entity notes (`entity.md`) are made and
owned the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from vaulttool.config.settings import Config
from vaulttool.engine.note import DELETE, Note, find_frontmatter, newline_at, same_value
from vaulttool.engine.scalars import double_quoted, format_string
from vaulttool.errors import ConfigError, NoteError, VaultToolError

MARKER_KEY = "vaulttool_stub"  # the frontmatter key of the marker
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# What Markdown would read as syntax in inserted text. `_` inside a word is plain text in CommonMark.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|^#)")
_PROSE_SPECIAL = re.compile(r"([\\`*\[\]<>|~#%$=&]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_ORDERED_START = re.compile(r"[0-9]+[.)]")
_OMITTED = "\x00vaulttool-omitted\x00"  # an empty `omit_empty` value, until its line is taken out
_OMITTED_LINE = re.compile("^[ \t]*" + re.escape(_OMITTED) + r"[ \t]*(?:\r?\n|\Z)(?:[ \t]*\r?\n)?", re.MULTILINE)
LINK_VARIABLES = frozenset({"source_link"})
_HASH_PLACEHOLDER = "sha256-" + "0" * 16


class TemplateError(ConfigError):
    """A template that cannot be used: the run stops before anything is written (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Template:
    name: str  # how errors name it: a vault path, or `vaulttool:tier.md` for a built-in one
    text: str


def render(template: Template, variables: Mapping[str, str], raw: frozenset[str] = LINK_VARIABLES,
           omit_empty: frozenset[str] = frozenset(), escape: Callable[[str], str] | None = None) -> str:
    """Substitute every placeholder, escaped for its place: in the frontmatter as a YAML value, in the
    body by `escape` (default `markdown_text`), but the `raw` variables, links or Markdown already
    escaped, which go in as they are. A body line holding nothing but a placeholder of `omit_empty`
    whose value is empty is left out, with one blank line after it. Raises TemplateError."""
    escape = escape or markdown_text
    try:
        bounds = find_frontmatter(template.text)
    except NoteError as error:
        raise TemplateError(f"{template.name}:{error.line}: {error.message}") from None
    frontmatter_end = bounds[1] if bounds else 0
    empty = {name for name in omit_empty if name in variables and not variables[name]}
    out: list[str] = []
    cursor = 0
    for match in _PLACEHOLDER.finditer(template.text):
        name = match.group(1)
        line = template.text.count("\n", 0, match.start()) + 1
        if name not in variables:
            known = ", ".join(sorted(variables))
            raise TemplateError(f"{template.name}:{line}: unknown placeholder {{{{{name}}}}}; known: {known}")
        value = variables[name]
        out.append(template.text[cursor:match.start()])
        if match.start() < frontmatter_end:
            out.append(_yaml_value(template, match, value, line))
        elif name in empty:
            out.append(_OMITTED)
        else:
            out.append(value if name in raw else escape(value))
        cursor = match.end()
    out.append(template.text[cursor:])
    text = "".join(out)
    return _OMITTED_LINE.sub("", text).replace(_OMITTED, "") if empty else text


def markdown_text(value: str) -> str:
    """Text escaped so Markdown reads it as text, not syntax."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def markdown_prose(value: str) -> str:
    """One line of text from outside (a Wikidata label or description) escaped for the body of a note:
    what `markdown_text` escapes, and also what Obsidian reads as syntax anywhere in a line (`#tag`,
    `%%comment%%`, `$math$`, `==highlight==`, `&entity;`) or at its start (a list item, `---`, `1.`)."""
    escaped = _PROSE_SPECIAL.sub(r"\\\1", value)
    ordered = _ORDERED_START.match(escaped)
    if ordered:
        return escaped[:ordered.end() - 1] + "\\" + escaped[ordered.end() - 1:]
    return "\\" + escaped if escaped[:1] in ("-", "+") else escaped


def _yaml_value(template: Template, match: re.Match[str], value: str, line: int) -> str:
    text = template.text
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    before = text[line_start:match.start()]
    after = text[match.end(): line_end if line_end >= 0 else len(text)].rstrip("\r")
    if re.fullmatch(r"[^\s#][^#]*:\s+|\s*-\s+", before) and not after.strip():
        return format_string(value)  # the whole value: quoted wherever YAML would misread it
    if before.count('"') % 2 == 1 and after.startswith('"'):
        return double_quoted(value)[1:-1]  # inside "…": escaped for double quotes
    raise TemplateError(f"{template.name}:{line}: in the frontmatter a placeholder must be a whole value, "
                        f"or stand inside double quotes")


def stub(template: Template, variables: Mapping[str, str], facts: Mapping[str, Any],
         raw: frozenset[str] = LINK_VARIABLES, omit_empty: frozenset[str] = frozenset(),
         escape: Callable[[str], str] | None = None) -> bytes:
    """The stub note (or another note vaulttool makes and owns, an entity note): the rendered template
    (`raw`, `omit_empty` and `escape` as for `render`), with vaulttool's facts set in its frontmatter
    and the marker."""
    text = render(template, variables, raw, omit_empty, escape)
    if not text.startswith("---"):
        newline = newline_at(text, 0)  # the template's own line endings
        text = f"---{newline}---{newline}" + text
    try:
        note = Note.parse(text.encode("utf-8"))
        note = note.edit({**facts, MARKER_KEY: _HASH_PLACEHOLDER})
    except VaultToolError as error:
        raise TemplateError(f"{template.name}: the rendered stub is not a valid note: {error}") from None
    return _sealed(note.render())


def _sealed(data: bytes) -> bytes:
    placeholder = f"{MARKER_KEY}: {_HASH_PLACEHOLDER}".encode()
    if placeholder not in data:
        raise TemplateError(f"the stub marker {MARKER_KEY} could not be written")
    digest = hashlib.sha256(data).hexdigest()[:16]
    return data.replace(placeholder, f"{MARKER_KEY}: sha256-{digest}".encode(), 1)


def is_untouched(data: bytes) -> bool:
    """True when a stub still holds what vaulttool wrote (its marker's hash matches), line endings
    aside: git checks a file out with CRLF where `core.autocrlf` is true (Git for Windows' default),
    and with LF elsewhere, whichever vaulttool wrote, and that is no one's edit."""
    match = re.search(rb"^" + MARKER_KEY.encode() + rb": sha256-([0-9a-f]{16})\r?$", data, re.MULTILINE)
    if match is None:
        return False
    sealed = match.group(1).decode()
    unsealed = data[:match.start(1)] + b"0" * 16 + data[match.end(1):]
    if hashlib.sha256(unsealed).hexdigest()[:16] == sealed:
        return True
    with_lf = unsealed.replace(b"\r\n", b"\n")
    return any(hashlib.sha256(form).hexdigest()[:16] == sealed for form in (with_lf, with_lf.replace(b"\n", b"\r\n")))


def resealed(data: bytes) -> bytes:
    """A note vaulttool made, changed by vaulttool itself (its links section), sealed again so it
    stays vaulttool's. `data` must hold the marker."""
    match = re.search(rb"^" + MARKER_KEY.encode() + rb": sha256-[0-9a-f]{16}", data, re.MULTILINE)
    if match is None:
        raise TemplateError(f"the stub marker {MARKER_KEY} is missing")
    return _sealed(data[:match.start()] + f"{MARKER_KEY}: {_HASH_PLACEHOLDER}".encode() + data[match.end():])


def facts_differ(current: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether a note's values (`current`) differ from the facts vaulttool sets in it (DELETE: absent)."""
    for key, value in facts.items():
        if value is DELETE:
            if key in current:
                return True
        elif key not in current or not same_value(current[key], value):
            return True
    return False


def update_facts(data: bytes, facts: Mapping[str, Any]) -> bytes:
    """An untouched stub with its facts brought up to date (and re-sealed); the body is kept.
    A fact given as DELETE (no Wikidata id any more, say) is removed."""
    edited = Note.parse(data).edit({**facts, MARKER_KEY: _HASH_PLACEHOLDER})
    return _sealed(edited.render())


def stub_facts(config: Config, tier: str, source: str, wikidata_id: str | None) -> dict[str, Any]:
    """The frontmatter facts vaulttool sets in a stub of the standard note `source` (its vault path
    without `.md`)."""
    public = tier == config.tiers.names[0]
    return {
        "tier": tier,
        "source": f"[[{source}]]",
        config.schema.id_key: wikidata_id if wikidata_id else DELETE,
        "publish": DELETE if public else False,
    }
