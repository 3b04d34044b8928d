"""The work behind each command, free of click: run the pure checks over the vault's notes.

Large runs are spread over worker processes (one per core by default); each worker reads its notes
and returns findings, so a bad note never stops the run.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence, TypeVar

from vaulttool import checks, vault
from vaulttool.config import Config
from vaulttool.errors import NoteError
from vaulttool.findings import Finding
from vaulttool.note import Note
from vaulttool.schema import KindUse, property_kind_findings
from vaulttool.vault import NoteFile

_PARALLEL_FROM = 200  # below this many notes a worker pool costs more than it saves

Item = TypeVar("Item")
Result = TypeVar("Result")


def _map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
         setup: Callable[..., None] | None = None, setup_args: tuple[object, ...] = ()) -> list[Result]:
    """`function` over `items`, in worker processes when there are enough items to pay for them.

    `setup(*setup_args)` runs once in each worker (and here, for a serial run), so shared settings
    travel once per worker instead of once per item.
    """
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(items) < _PARALLEL_FROM:
        if setup:
            setup(*setup_args)
        return [function(item) for item in items]
    chunk = max(1, len(items) // (workers * 4))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=setup,
                             initargs=setup_args) as pool:
        return list(pool.map(function, items, chunksize=chunk))


_settings: dict[str, object] = {}  # per process: what `_setup_validate` was given


def _setup_validate(settings: checks.CheckSettings) -> None:
    _settings["check"] = settings


def _validate_one(note: NoteFile) -> checks.NoteReport:
    try:
        data = vault.read_bytes(note.path)
    except OSError as error:
        report = checks.NoteReport(note.display)
        report.findings.append(Finding(note.display, 1, 1, "VT110", f"cannot read the file: {error.strerror}"))
        return report
    return checks.check_note(note.display, note.vault_path, data, _settings["check"])  # type: ignore[arg-type]


@dataclass(slots=True)
class ValidateResult:
    notes: int
    findings: list[Finding] = field(default_factory=list)


def validate(config: Config, notes: Sequence[NoteFile]) -> ValidateResult:
    reports = _map(_validate_one, list(notes), config.jobs, _setup_validate, (checks.CheckSettings.of(config),))
    findings = [finding for report in reports for finding in report.findings]
    uses: list[KindUse] = [use for report in reports for use in report.kinds]
    for (path, _, _, line, col), message in property_kind_findings(uses, dict(config.schema.obsidian_types)):
        findings.append(Finding(path, line, col, "VT306", message))
    findings.sort()
    return ValidateResult(len(notes), findings)


@dataclass(frozen=True, slots=True)
class RoundtripOutcome:
    display: str
    status: str  # "identical", "differs" or "unreadable"
    detail: str = ""


def _roundtrip_one(note: NoteFile) -> RoundtripOutcome:
    try:
        data = vault.read_bytes(note.path)
        rendered = Note.parse(data).render()
    except OSError as error:
        return RoundtripOutcome(note.display, "unreadable", f"cannot read the file: {error.strerror}")
    except NoteError as error:
        return RoundtripOutcome(note.display, "unreadable", f"{error.line}:{error.col}: {error.code} {error.message}")
    if rendered == data:
        return RoundtripOutcome(note.display, "identical")
    offset = next((i for i, (a, b) in enumerate(zip(rendered, data)) if a != b), min(len(rendered), len(data)))
    return RoundtripOutcome(note.display, "differs", f"first differing byte at offset {offset}")


def roundtrip(config: Config, notes: Sequence[NoteFile]) -> list[RoundtripOutcome]:
    return _map(_roundtrip_one, list(notes), config.jobs)
