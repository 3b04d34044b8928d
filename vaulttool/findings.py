"""Findings: what vaulttool reports about a note, and the three ways it prints them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

ERROR = "error"
WARNING = "warning"

# code -> (severity, short name). The longer texts are in `explanations`; the README's table is written from both.
CODES: dict[str, tuple[str, str]] = {
    "VT101": (ERROR, "invalid UTF-8"),
    "VT102": (ERROR, "frontmatter not closed"),
    "VT103": (ERROR, "YAML syntax error"),
    "VT104": (ERROR, "frontmatter is not a mapping"),
    "VT105": (ERROR, "duplicate key"),
    "VT106": (ERROR, "tab in YAML indentation"),
    "VT107": (ERROR, "frontmatter too large"),
    "VT108": (ERROR, "YAML anchor or alias"),
    "VT109": (ERROR, "non-standard YAML tag"),
    "VT110": (ERROR, "unreadable file"),
    "VT111": (ERROR, "read-only note not written"),
    "VT112": (ERROR, "hard-linked note not written"),
    "VT120": (ERROR, "note does not round-trip byte for byte (a vaulttool bug)"),
    "VT201": (ERROR, "unquoted wikilink"),
    "VT202": (ERROR, "plain scalar read differently by YAML 1.1 and 1.2"),
    "VT203": (WARNING, "leading or trailing whitespace in a value"),
    "VT204": (ERROR, "unquoted integer too large for Obsidian"),
    "VT301": (ERROR, "invalid Wikidata id"),
    "VT302": (ERROR, "value does not match the schema's type"),
    "VT303": (ERROR, "value does not match the schema's shape"),
    "VT304": (ERROR, "value does not match the schema's pattern or enum"),
    "VT305": (ERROR, "required key missing"),
    "VT306": (ERROR, "property type differs between notes"),
    "VT307": (WARNING, "key not in the schema"),
    "VT308": (ERROR, "vaulttool_ignore is not a list of finding codes"),
    "VT401": (ERROR, "link to a note of a higher tier"),
    "VT402": (ERROR, "truthy publish flag outside the public tier"),
    "VT411": (ERROR, "missing tier stub"),
    "VT412": (ERROR, "links section missing or out of date"),
    "VT413": (ERROR, "orphaned tier note"),
    "VT414": (ERROR, "unsafe tier or entity note path refused"),
    "VT415": (WARNING, "edited stub out of date"),
    "VT416": (ERROR, "stub out of date"),
    "VT417": (ERROR, "tier file not written"),
    "VT418": (WARNING, "conflict copy of a sync client: no tiers"),
    "VT419": (ERROR, "more than one links section"),
    "VT420": (WARNING, "a line in the links section that is not vaulttool's: kept"),
    "VT501": (WARNING, "the note's own key, named like a Wikidata property: not refreshed"),
    "VT502": (WARNING, "Wikidata text that would be read as a link: not written"),
    "VT510": (ERROR, "unresolved link"),
    "VT520": (WARNING, "entity note edited by hand and out of date"),
    "VT521": (WARNING, "linked item deleted on Wikidata"),
    "VT523": (WARNING, "linked item merged into another"),
    "VT524": (WARNING, "item not in the offline store"),
    "VT530": (ERROR, "tier stubs of a renamed standard note"),
    "VT531": (ERROR, "link not rewritten"),
}


# Findings that say a file vaulttool meant to write was not written.
NOT_WRITTEN = frozenset({"VT111", "VT112", "VT417"})


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    # Whether it says work was left undone because of it (`then`): a note not refreshed, a note given
    # no tier stubs. Not part of the finding's identity, nor of its JSON record.
    refusal: bool = field(default=False, compare=False)

    def then(self, consequence: str) -> Finding:
        """The same finding, saying what came of it (`…; not refreshed`): a refusal."""
        return Finding(self.path, self.line, self.col, self.code, f"{self.message}; {consequence}", refusal=True)

    def record(self) -> dict[str, object]:
        """The finding as JSON output gives it."""
        return {"path": self.path, "line": self.line, "col": self.col, "code": self.code,
                "severity": self.severity, "message": self.message}

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def text(self, severity: bool = True) -> str:
        """`path:line:col: CODE message`, with `warning: ` before the message of a warning, as compilers
        mark theirs (an error is the default, and its line stays the one the hooks and tests match).
        Without `severity`, no mark: for what is no longer a finding (a fix made)."""
        marker = "warning: " if severity and self.severity == WARNING else ""
        return f"{self.path}:{self.line}:{self.col}: {self.code} {marker}{self.message}"

    def github(self) -> str:
        level = "error" if self.severity == ERROR else "warning"
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        path = self.path.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
        return f"::{level} file={path},line={self.line},col={self.col},title={self.code}::{message}"


def unreadable(path: str, error: OSError) -> Finding:
    """VT110 for a file that could not be read."""
    return Finding(path, 1, 1, "VT110", f"cannot read the file: {error.strerror}")


def new_to(findings: Iterable[Finding], known: Iterable[Finding]) -> list[Finding]:
    """`findings` without those at a place and code that `known` already reports (another command's
    wording of the same problem): each problem is printed once."""
    seen = {(finding.path, finding.line, finding.col, finding.code) for finding in known}
    return [finding for finding in findings if (finding.path, finding.line, finding.col, finding.code) not in seen]


def error_count(findings: Iterable[Finding]) -> int:
    return sum(1 for finding in findings if finding.severity == ERROR)


def render(findings: Iterable[Finding], output_format: str) -> str:
    """Findings as `text` lines or `github` workflow annotations (JSON is the CLI's, with the rest of
    a command's output)."""
    if output_format == "github":
        return "".join(f.github() + "\n" for f in findings)
    return "".join(f.text() + "\n" for f in findings)


_SELECTOR = re.compile(r"VT\d{1,3}")


def code_selector(text: str) -> str:
    """A code or code prefix as the person wrote it (any case), upper-cased; ValueError when it names
    no finding."""
    selector = text.strip().upper()
    if not _SELECTOR.fullmatch(selector) or not any(code.startswith(selector) for code in CODES):
        raise ValueError(f"{text!r} is not a finding code or a prefix of one (such as VT401 or VT4); "
                         "`vaulttool explain` lists them")
    return selector


def code_selectors(texts: Iterable[str]) -> tuple[str, ...]:
    """Codes from repeated or comma-separated options (`--ignore VT401,VT307 --ignore VT2`)."""
    return tuple(code_selector(part) for text in texts for part in text.split(",") if part.strip())


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 note`, `2 notes`, `0 notes`."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
