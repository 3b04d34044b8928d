"""The baseline: findings a vault accepted when it adopted vaulttool, so that its hooks fail only on
new ones (as mypy-baseline, detekt's baseline and ESLint's bulk suppressions do for code). Pure: the
file's text in and out, findings in, the findings still to report, those baselined and the entries
no longer met out.

An entry names a finding by its note's vault path, its code and a fingerprint of the offending line's
text (stripped) with the code: no line number, so a finding that moves with its line keeps its entry,
and no message, so a change of wording (a field declared in vaulttool.toml turns VT306's "holds
number in 5 notes and text in 2" into "is declared text…") does not make an accepted finding new.
Findings alike in all three are counted, as ESLint counts its suppressions.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from vaulttool.findings import Finding
from vaulttool.rules.suppress import UNSUPPRESSIBLE

BASELINE_FILE = "vaulttool-baseline.json"  # at the vault root, committed beside vaulttool.toml
FORMAT = 1
_FORMAT_KEY = "vaulttool_baseline"
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True, order=True)
class Key:
    """What a baseline entry matches: a finding's vault path, code and fingerprint."""

    path: str
    code: str
    fingerprint: str


def line_text(data: bytes, line: int) -> str:
    """The text of line `line` (1-based) of a file's bytes, stripped of whitespace, line ending and a
    byte-order mark; empty past the end. Bytes that are not UTF-8 are read as replacement characters:
    an invalid-UTF-8 note (VT101) still has lines to tell its findings apart."""
    lines = data.split(b"\n")
    if not 1 <= line <= len(lines):
        return ""
    return lines[line - 1].decode("utf-8", "replace").lstrip(_BOM).strip()


def fingerprint(code: str, text: str, subject: str = "") -> str:
    """The fingerprint of a finding of `code` on a line reading `text` (stripped): 16 hex digits of its
    SHA-256, ample to tell apart the findings of one note and code. `subject`: for a finding about the
    whole note rather than a line of it (see `subject_of`), what it is about."""
    return hashlib.sha256(f"{code}\n{text}\n{subject}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def subject_of(finding: Finding) -> str:
    """What tells apart findings of one code about a whole note (put at 1:1, its first line): the
    message, which names the stub missing (VT411) or the key required (VT305). Empty for a finding on a
    line of its own, whose line's text does, so that its wording may change (VT306's when a field is
    declared) without making it new."""
    return finding.message if (finding.line, finding.col) == (1, 1) else ""


def baselinable(finding: Finding) -> bool:
    """Whether a finding may be baselined: not what suppressions never hide either (a file this run
    did not write, a vaulttool bug, work refused because of another finding): those are about the run,
    not the vault's state, and accepting them would hide lost work."""
    return finding.code not in UNSUPPRESSIBLE and not finding.refusal


def parse(text: str) -> Counter[Key]:
    """A baseline file's entries, counted. ValueError saying what is wrong with a file that is not one
    (a hand edit gone wrong, git's conflict markers)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise ValueError("nested too deep to be a baseline") from None
    if not isinstance(document, dict) or document.get(_FORMAT_KEY) != FORMAT:
        raise ValueError(f'not a vaulttool baseline of format {FORMAT} (no "{_FORMAT_KEY}": {FORMAT})')
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise ValueError('"entries" is not a list')
    counted: Counter[Key] = Counter()
    for number, entry in enumerate(entries, 1):
        if not (isinstance(entry, dict) and all(isinstance(entry.get(name), str) for name in ("path", "code",
                                                                                                "fingerprint"))):
            raise ValueError(f"entry {number} is not an object with path, code and fingerprint")
        count = entry.get("count", 1)
        if type(count) is not int or count < 1:
            raise ValueError(f"entry {number}: count is not a whole number of at least 1")
        counted[Key(entry["path"], entry["code"], entry["fingerprint"])] += count
    return counted


def dump(entries: Counter[Key]) -> str:
    """A baseline file's text: one entry a line, sorted by path, code and fingerprint, so that a diff
    shows each finding accepted or gone as one line; `count` only where it is more than one."""
    lines = []
    for key in sorted(key for key, count in entries.items() if count > 0):
        entry: dict[str, object] = {"path": key.path, "code": key.code, "fingerprint": key.fingerprint}
        if entries[key] > 1:
            entry["count"] = entries[key]
        line = json.dumps(entry, ensure_ascii=False)
        if not line.isprintable():  # a name that is not UTF-8 (surrogates), or holds a bidi or control character
            line = json.dumps(entry)  # JSON's escapes: the file stays UTF-8, and reads back as the same path
        lines.append("  " + line)
    entries_text = "[\n" + ",\n".join(lines) + "\n ]" if lines else "[]"
    return f'{{\n "{_FORMAT_KEY}": {FORMAT},\n "entries": {entries_text}\n}}\n'


def merged(old: Counter[Key], today: Counter[Key], replaced: Callable[[str], bool]) -> Counter[Key]:
    """The entries of `old` whose path is not `replaced` (a run over some notes keeps the others'), and
    today's."""
    kept = Counter({key: count for key, count in old.items() if not replaced(key.path)})
    return kept + today


@dataclass(slots=True)
class Matched:
    reported: list[Finding] = field(default_factory=list)  # not in the baseline: these count
    baselined: list[Finding] = field(default_factory=list)
    unused: int = 0  # entries (counting their counts) this run judged and met no finding of


def match(keyed: Iterable[tuple[Finding, Key | None]], baseline: Counter[Key],
          judged: Callable[[Key], bool]) -> Matched:
    """Split findings into those the baseline accepts and the rest. Each entry accepts as many findings
    as its count (a second finding alike is new); a finding keyed None (outside the vault, or one never
    baselined) is always reported. `judged`: whether this run would have met the finding of an entry,
    had it still been there (it checked that note, for that code); of those, the ones not met count
    as unused."""
    left = Counter(baseline)
    matched = Matched()
    for finding, key in sorted(keyed, key=lambda pair: pair[0]):
        if key is not None and left[key] > 0:
            left[key] -= 1
            matched.baselined.append(finding)
        else:
            matched.reported.append(finding)
    matched.unused = sum(count for key, count in left.items() if count > 0 and judged(key))
    return matched
