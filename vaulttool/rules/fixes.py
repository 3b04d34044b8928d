"""`validate --fix`: the findings that have one right fix, and those fixes. Pure: a note in, bytes out.

* VT201, an unquoted wikilink: its original text, quoted;
* VT202, a plain scalar YAML 1.1 and 1.2 read differently: its original text, quoted;
* VT203, whitespace inside a quoted value: the spaces and tabs inside the quotes, removed;
* VT204, a plain integer too large for Obsidian's numbers: its original text, quoted.

Each fix replaces the characters of one scalar or flow list and nothing else. The result is read again:
the fixed findings must be gone, no finding may appear that was not there, and every key a fix does
not touch must keep its value; otherwise nothing is fixed in that note. Everything else stays a finding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from vaulttool.engine import emit
from vaulttool.engine.note import BOM, Note, line_starts
from vaulttool.engine.scalars import format_string
from vaulttool.engine.yamlnodes import MapN, Node, ScalarN, SeqN
from vaulttool.findings import Finding
from vaulttool.rules import checks

FIXABLE = frozenset({"VT201", "VT202", "VT203", "VT204"})
_LINE, _COL = 2, 1  # node positions are 0-based within the frontmatter, which starts on line 2


@dataclass
class NoteFixes:
    data: bytes | None = None  # the fixed note; None when nothing is fixed
    fixed: list[Finding] = field(default_factory=list)  # one line per fix, its message saying what changed
    refused: str = ""  # why a note with fixable findings was left as it is


@dataclass(frozen=True, slots=True)
class _Splice:
    start: int  # offsets in the note's text
    end: int
    text: str


def fix_note(report: checks.NoteReport, settings: checks.CheckSettings, vault_path: str) -> NoteFixes:
    """The fixes for one note that `check_note` made `report` of."""
    note = report.note
    if note is None or note.document is None or note.document.root is None:
        return NoteFixes()
    # A too-large integer in a key declared a number has no right fix: quoted, it breaks the declaration.
    declared = checks.number_positions(note.entries(), settings.schema)
    wanted = [finding for finding in report.findings if finding.code in FIXABLE
              and not (finding.code == "VT204" and (finding.line, finding.col) in declared)]
    if not wanted:
        return NoteFixes()
    blocking = [finding for finding in report.structural if finding.code not in FIXABLE]
    if blocking:
        return NoteFixes(refused=f"not fixed: {blocking[0].code} at {blocking[0].line}:{blocking[0].col} first")
    nodes = _nodes_by_position(note.document.root)
    quote = emit.detect_style(entry.value_node for entry in note.entries()).quote
    starts = line_starts(note.text, 0, len(note.text))
    splices: list[_Splice] = []
    fixed: list[Finding] = []
    for finding in wanted:
        node = nodes.get((finding.line, finding.col))
        start = starts[finding.line - 1] + finding.col - 1 if finding.line <= len(starts) else -1
        made = _fix(finding.code, node, note.text, start, quote) if node is not None and start >= 0 else None
        if made is None:
            continue  # this one has no single right fix here (a multi-line scalar, an escape)
        splice, description = made
        splices.append(splice)
        fixed.append(dataclasses.replace(finding, message=f"fixed: {description}"))
    if not splices:
        return NoteFixes()
    text = note.text
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        text = text[:splice.start] + splice.text + text[splice.end:]
    new = (BOM if note.bom else b"") + text.encode("utf-8")
    if not _reads_as_intended(note, report, new, fixed, splices, settings, vault_path):
        return NoteFixes(refused="not fixed: the fixed note would not read back as intended")
    return NoteFixes(new, fixed)


def _fix(code: str, node: Node, text: str, start: int, quote: str) -> tuple[_Splice, str] | None:
    if code == "VT201" and isinstance(node, SeqN) and node.flow:
        end = _flow_end(text, start)
        if end is None:
            return None
        raw = text[start:end]
        quoted = format_string(raw, quote, force_quotes=True)
        return _Splice(start, end, quoted), f"quoted the wikilink: {quoted}"
    if code in ("VT202", "VT204") and isinstance(node, ScalarN) and not node.style:
        end = start + len(node.text)
        if text[start:end] != node.text:
            return None  # a plain scalar folded over several lines: its characters are not its value
        quoted = format_string(node.text, quote, force_quotes=True)
        return _Splice(start, end, quoted), f"quoted {node.text} as {quoted}"
    if code == "VT203" and isinstance(node, ScalarN) and node.style in ('"', "'"):
        end = _quoted_end(text, start, node.style)
        if end is None:
            return None
        inner = text[start + 1:end - 1]
        trimmed = inner.strip(" \t")
        if trimmed == inner:
            return None  # the whitespace is written as an escape: not only spaces to remove
        new = node.style + trimmed + node.style
        return _Splice(start, end, new), f"trimmed the whitespace: {new}"
    return None


def _reads_as_intended(note: Note, report: checks.NoteReport, new: bytes, fixed: list[Finding],
                       splices: list[_Splice], settings: checks.CheckSettings, vault_path: str) -> bool:
    """The fixed findings are gone, none has appeared, and keys without a fix keep their values."""
    after = checks.check_note(report.path, vault_path, new, settings, prove_round_trip=True)
    if after.note is None or after.structural and any(f.code not in FIXABLE for f in after.structural):
        return False
    before_places = {(f.line, f.code) for f in report.findings}
    after_places = {(f.line, f.code) for f in after.findings}
    if not after_places <= before_places or any((f.line, f.code) in after_places for f in fixed):
        return False
    touched = {entry.key for entry in note.entries()
               if any(entry.start <= splice.start < entry.end for splice in splices)}
    old_values, new_values = note.values(), after.note.values()
    return list(old_values) == list(new_values) and all(
        old_values[key] == new_values[key] for key in old_values if key not in touched)


def _nodes_by_position(root: Node) -> dict[tuple[int, int], Node]:
    """Every node by its 1-based position in the note file (keys too); the first one where several start."""
    found: dict[tuple[int, int], Node] = {}
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        found.setdefault((node.line + _LINE, node.col + _COL), node)
        if isinstance(node, SeqN):
            stack.extend(node.items)
        elif isinstance(node, MapN):
            for key, value in node.pairs:
                stack.extend((value, key))
    return found


def _flow_end(text: str, start: int) -> int | None:
    """Just past the `]` that closes the flow list opening at `start`, on the same line; None if none does."""
    depth = 0
    index = start
    while index < len(text) and text[index] not in "\r\n":
        character = text[index]
        if character in "\"'":
            closing = _quoted_end(text, index, character)
            if closing is None:
                return None
            index = closing
            continue
        if character in "[{":
            depth += 1
        elif character in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _quoted_end(text: str, start: int, quote: str) -> int | None:
    """Just past the quote that closes the quoted scalar opening at `start`, on the same line."""
    index = start + 1
    while index < len(text) and text[index] not in "\r\n":
        character = text[index]
        if quote == '"' and character == "\\":
            index += 2
            continue
        if character == quote:
            if quote == "'" and text.startswith("''", index):
                index += 2
                continue
            return index + 1
        index += 1
    return None
