"""`tiers`: the access-tier stubs and links sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    is_whole_vault,
    load_vault,
    lock_option,
    main,
    paths_argument,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.errors import VaultToolError
from vaulttool.findings import plural


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing missing stubs, stale links sections "
                                            "and orphaned tier notes.")
@click.option("--dry-run", is_flag=True, help="Print what would be created or changed; write nothing.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when a file was created or changed (would be, with "
                                                     "--dry-run): for pre-commit.")
@output_options()
@lock_option
def tiers(paths: tuple[Path, ...], check: bool, dry_run: bool, fail_on_change: bool, out: OutputOptions,
          lock_timeout: float | None) -> None:
    """Create the missing access-tier stubs of standard notes and their links sections.

    PATHS are standard notes, tier notes (checked for a standard note behind them) or folders.
    Only the links section of a standard note is ever rewritten; every other byte stays.
    """
    from vaulttool.commands import tiers as tiers_command

    write = not (check or dry_run)
    try:
        config, notes = load_vault(paths, "tiers" if write else None, lock_timeout=lock_timeout)  # (readers never wait)
        reporter = Reporter("tiers", out, config)
        reporter.use_baseline(paths, lambda code: False)  # (accepts; which entries are stale, `check` says)
        whole_vault = is_whole_vault(config, paths)
        progress = reporter.progress()
        report = tiers_command.plan(config, notes, progress=progress, whole_vault=whole_vault)
        # Most runs (a pre-commit hook on every commit) have nothing to write: they need no lock (nor
        # the lock library), but wait above while another writer is at work, so that they never read
        # its writes half done. One that writes plans again under the lock, as another writer may have
        # started in between (the notes none of whose files changed keep their plans).
        if write and (report.actions or report.moves or notes.debris):
            with writer(config, "tiers", write, notes.debris):
                report = tiers_command.plan(config, notes, progress=progress, whole_vault=whole_vault,
                                            earlier=report)
                with saying_on_interrupt(report.done):
                    tiers_command.apply(report, progress=progress)
    except VaultToolError as error:
        fail(error)
    for notice in report.notices:
        reporter.notice(notice)
    findings = (tiers_command.check_findings(report) if check else report.findings) + notes.problems
    done = report.written if write else report.actions
    files = [FileRecord(action.vault_path, action.kind, write) for action in done]
    for planned in report.moves:
        moved = {line.split(" -> ", 1)[1] for line in planned.done if line.startswith("moved ")}
        files += [FileRecord(r.new, "move", write and r.new in moved) for r in planned.renames]
        if dry_run:
            reporter.line(planned.diffs(), nl=False)
    for action in report.actions if dry_run else []:
        reporter.line(tiers_command.diff(action), nl=False)
    for line in report.done:  # (with --fail-on-change, why it exits 1: printed even with --quiet)
        reporter.essential(line) if fail_on_change else reporter.line(line)
    counts = {"notes": len(notes), "files": len(files)}

    def summary(counts: dict[str, Any]) -> str:
        if check:
            return f"{plural(counts['notes'], 'note')} checked: {findings_summary(counts)}"
        verb = "wrote" if write else "would write"
        return f"{plural(counts['notes'], 'note')} checked: {verb} {plural(counts['files'], 'file')}; " \
               f"{findings_summary(counts)}"

    # --dry-run exits as the run itself would: with --fail-on-change, 1 when a file would be written.
    changed = fail_on_change and bool(done or report.moves) and not check
    reporter.finish(Outcome(findings, files, counts, ignored=report.ignored), summary,
                    lambda failing: EXIT_FINDINGS if failing or changed else EXIT_CLEAN)
