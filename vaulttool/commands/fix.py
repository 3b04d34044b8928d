"""The work of `validate --fix`: fix, in the notes validate found them in, the findings that have one
right fix (`rules.fixes`), and write each fixed note carefully. Free of click."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from vaulttool.config.settings import Config
from vaulttool.disk import fileio
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.note import unified_diff
from vaulttool.errors import ConcurrentChangeError, ProtectedFileError
from vaulttool.findings import Finding, unreadable
from vaulttool.rules import checks, fixes


@dataclass
class FixReport:
    fixed: list[Finding] = field(default_factory=list)  # one line per fix made (or, dry, to be made)
    changed: list[str] = field(default_factory=list)  # how findings name each note written (or to be)
    findings: list[Finding] = field(default_factory=list)  # notes that could not be written
    messages: list[str] = field(default_factory=list)  # notes with fixable findings left as they were
    diffs: list[str] = field(default_factory=list)
    dry_run: bool = False  # nothing was written: `fixed` and `changed` say what would be


def run(config: Config, notes: Sequence[NoteFile], findings: Sequence[Finding], *, write: bool) -> FixReport:
    """Fix the notes among `notes` that `findings` (validate's) name a fixable finding in."""
    report = FixReport(dry_run=not write)
    settings = checks.CheckSettings.of(config)
    wanted = {finding.path for finding in findings if finding.code in fixes.FIXABLE}
    for note in notes:
        if note.display not in wanted:
            continue
        try:
            snapshot = fileio.read_snapshot(note.path)
        except OSError as error:
            report.messages.append(f"{note.display}: not fixed: {unreadable(note.display, error).message}")
            continue
        checked = checks.check_note(note.display, note.vault_path, snapshot.data, settings, prove_round_trip=True)
        planned = fixes.fix_note(checked, settings, note.vault_path)
        if planned.refused:
            report.messages.append(f"{note.display}: {planned.refused}")
        if planned.data is None:
            continue
        if not write:
            report.diffs.append(unified_diff(snapshot.data, planned.data, note.vault_path))
        else:
            try:
                fileio.replace_if_changed(note.path, planned.data, snapshot)
            except ProtectedFileError as error:
                report.findings.append(Finding(note.display, 1, 1, error.code, str(error)))
                continue
            except (ConcurrentChangeError, OSError) as error:
                report.messages.append(f"{note.display}: not fixed: {error}")
                continue
        report.fixed += planned.fixed
        report.changed.append(note.display)
    return report
