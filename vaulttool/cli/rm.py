"""`rm`: remove standard notes with their tier stubs, into `.trash/`; and `tiers-complete`, the
pre-commit hook's vault-wide check that no removal was left half done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_FINDINGS,
    fail,
    lock_option,
    main,
    nearest_existing,
    open_config,
    writer,
)
from vaulttool.cli.mv import note_vault_path
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.errors import VaultToolError
from vaulttool.findings import plural


@main.command()
@click.argument("notes", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Also remove tier stubs edited by hand (into .trash/, as every file).")
@click.option("--dry-run", is_flag=True, help="Print what would be removed and the links left dangling; remove nothing.")
@output_options()
@lock_option
def rm(notes: tuple[Path, ...], force: bool, dry_run: bool, out: OutputOptions, lock_timeout: float | None) -> None:
    """Remove the standard notes NOTES with all their tier stubs, moving each file to the vault's
    `.trash/` under its own path (as Obsidian's "Move to Obsidian trash" does), and list every link
    of another note left opening no file (VT510).

    NOTES are paths (from the working folder, or from the vault's root) of standard notes; one
    already deleted may be named, to remove the stubs it left behind (VT413). A tier stub is not
    removed alone (the next `vaulttool tiers` would make it again): name its standard note. A stub
    edited by hand refuses the whole removal unless --force. A file changed after it was read is
    put back, not removed.
    Exit codes: 0 removed, 1 links left dangling (VT510), 2 usage error or refused (nothing removed),
    4 a file not removed (VT417).
    """
    from vaulttool.commands import remove

    try:
        config = open_config([nearest_existing(notes[0])], lock_timeout=lock_timeout)
        reporter = Reporter("rm", out, config)
        standards = [note_vault_path(config, note, False) for note in notes]
        if dry_run:
            report = remove.plan(config, standards, force)
        else:
            with writer(config, "rm"):  # planned under the lock: another writer may be at work
                report = remove.plan(config, standards, force)
                remove.apply(report)
    except VaultToolError as error:
        fail(error)
    if dry_run:
        for line in report.plan_lines():
            reporter.line(line.replace("remove ", "would remove ", 1))
    for line in report.done:
        reporter.line(line)
    removed = set(report.removed)
    files = [FileRecord(r.vault_path, "remove", r.vault_path in removed) for r in report.removals]
    counts = {"removed": len(removed), "files": len(files)}

    def summary(counts: dict[str, Any]) -> str:
        done = (f"removed {plural(len(removed), 'file')} into .trash/" if not dry_run
                else f"would remove {plural(len(files), 'file')} (dry run)")
        return f"{done}; {findings_summary(counts)}"

    reporter.finish(Outcome(report.findings, files, counts), summary,
                    lambda failing: EXIT_FAILED if report.failed else EXIT_FINDINGS if failing else EXIT_CLEAN)


@main.command("tiers-complete")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@output_options()
def tiers_complete(folder: Path | None, out: OutputOptions) -> None:
    """Check the whole vault holding FOLDER (default: the working folder) for a deleted note or stub:
    exit 1 listing each standard note missing a tier stub (VT411) and each tier stub whose standard
    note is gone (VT413). Writes nothing.

    For pre-commit, which passes only files that exist, so never a deleted one: only names are
    compared, and only the notes they single out are read (`tiers --check` of those notes).
    """
    from vaulttool.commands import remove

    try:
        config = open_config([folder] if folder is not None else [])
        reporter = Reporter("tiers-complete", out, config)
        reporter.use_baseline([], lambda code: False)  # (accepts; which entries are stale, `check` says)
        report = remove.incomplete(config)
    except VaultToolError as error:
        fail(error)
    for notice in report.notices:
        reporter.notice(notice)
    counts = {"notes": report.notes, "files": 0}

    def summary(counts: dict[str, Any]) -> str:
        return f"{plural(report.notes, 'standard and tier note')} checked: {findings_summary(counts)}"

    reporter.finish(Outcome(report.findings, [], counts, ignored=report.ignored), summary,
                    lambda failing: EXIT_FINDINGS if failing else EXIT_CLEAN)
