"""`tiers`: the access-tier stubs and links sections."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    findings_format,
    load_vault,
    lock_option,
    main,
    paths_argument,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.progress import progress_bars
from vaulttool.errors import VaultToolError
from vaulttool.findings import error_count, render


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing missing stubs, stale links sections "
                                            "and orphaned tier notes.")
@click.option("--dry-run", is_flag=True, help="Print what would be created or changed; write nothing.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when a file was created or changed (for pre-commit).")
@findings_format()
@lock_option
def tiers(paths: tuple[Path, ...], check: bool, dry_run: bool, fail_on_change: bool, output_format: str | None,
          lock_timeout: float | None) -> None:
    """Create the missing access-tier stubs of standard notes and their links sections.

    PATHS are standard notes, tier notes (checked for a standard note behind them) or folders.
    Only the links section of a standard note is ever rewritten; every other byte stays.
    """
    from vaulttool.commands import tiers as tiers_command

    write = not (check or dry_run)
    try:
        config, notes = load_vault(paths, output_format=output_format, lock_timeout=lock_timeout)
        progress = progress_bars(config.output_format)
        report = tiers_command.plan(config, notes, progress=progress)
        # Most runs (a pre-commit hook on every commit) have nothing to write: they need no lock, and
        # neither wait for another writer nor pay for the lock library. One that writes plans again
        # under the lock, as another writer may have changed the vault in between.
        if write and (report.actions or notes.debris):
            with writer(config, "tiers", write, notes.debris):
                report = tiers_command.plan(config, notes, progress=progress)
                with saying_on_interrupt(report.done):
                    tiers_command.apply(report, progress=progress)
        report.findings += notes.problems
    except VaultToolError as error:
        fail(error)
    if check:
        findings = tiers_command.check_findings(report)
        click.echo(render(findings, config.output_format), nl=False)
        click.echo(f"{len(notes)} notes checked: {len(findings)} tier problems", err=True)
        sys.exit(EXIT_FINDINGS if error_count(findings) else EXIT_CLEAN)
    for action in report.actions if dry_run else []:
        click.echo(tiers_command.diff(action), nl=False)
    for line in report.done:
        click.echo(line)
    click.echo(render(sorted(report.findings), config.output_format), nl=False)
    written = len(report.actions) if dry_run else len(report.done)
    click.echo(f"{len(notes)} notes checked: {'would write' if dry_run else 'wrote'} {written} files, "
               f"{len(report.findings)} problems", err=True)
    sys.exit(EXIT_FINDINGS if error_count(report.findings) or (fail_on_change and report.done) else EXIT_CLEAN)


