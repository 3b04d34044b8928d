"""`sync`: validate, refresh, entities and tiers in one run, with one status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vaulttool.cli.base import (
    EXIT_CHANGED,
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_FINDINGS,
    fail,
    load_vault,
    lock_option,
    main,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.entities import echo_entities, entities_summary, entity_files
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.cli.refresh import echo_refresh, refresh_files, refresh_records, refresh_summary
from vaulttool.errors import StateWriteError, VaultToolError
from vaulttool.findings import new_to, plural

SYNC_STATUS = {"clean": EXIT_CLEAN, "findings": EXIT_FINDINGS, "changed": EXIT_CHANGED, "failed": EXIT_FAILED}


@main.command()
@click.argument("vault_path", metavar="[VAULT]", required=False, type=click.Path(path_type=Path))
@click.option("--offline", is_flag=True, help="Refresh from the responses stored under .vaulttool/ alone.")
@click.option("--dry-run", is_flag=True, help="Show what refresh, entities and tiers would write; write nothing.")
@output_options()
@lock_option
def sync(vault_path: Path | None, offline: bool, dry_run: bool, out: OutputOptions, lock_timeout: float | None) -> None:
    """Validate, refresh from Wikidata, write entity notes, then tier stubs and links sections: one summary.

    \b
    Exit codes (with --dry-run, as the run would have exited):
      0  clean: nothing to change, no findings
      1  findings: errors (with --strict, warnings too), and nothing failed
      2  usage or configuration error
      3  changed: notes, entity notes or tier files were written (would be, with --dry-run); no findings
      4  failed: some notes could not be refreshed or written, items could not be fetched, or another
         writer held the vault
    """
    from vaulttool.commands import sync as sync_command
    from vaulttool.commands import tiers as tiers_command

    try:
        config, notes = load_vault([vault_path] if vault_path else [], None if dry_run else "sync",
                                   lock_timeout=lock_timeout)
        reporter = Reporter("sync", out, config)
        with writer(config, "sync", not dry_run, notes.debris):
            written: list[str] = []
            with saying_on_interrupt(written):
                result = sync_command.run(config, notes, offline=offline, dry_run=dry_run,
                                          progress=reporter.progress(), log=written)
    except VaultToolError as error:
        from vaulttool.disk.lock import LockBusyError

        fail(error, EXIT_FAILED if isinstance(error, (LockBusyError, StateWriteError)) else None)
    for notice in [*result.validation.notices, *result.tiered.notices]:
        reporter.notice(notice)
    echo_refresh(result.refreshed, reporter)
    echo_entities(result.entities, reporter, dry_run)
    for action in result.tiered.actions if dry_run else []:
        reporter.line(tiers_command.diff(action), nl=False)
    for line in result.tiered.done:
        reporter.line(line)
    ignored = {**result.refreshed.ignored, **result.tiered.ignored, **result.validation.ignored}
    validation = result.validation.findings + notes.problems
    # Each problem once: what refresh and tiers say at a place and code validate's shown findings
    # already name is left out (a refusal behind a suppressed finding is kept: it is not suppressed).
    shown, _ = reporter.shown(validation, ignored)
    phases = {"validate": validation, "refresh": new_to(result.refreshed.findings, shown),
              "entities": new_to(sorted(result.entities.findings), shown),
              "tiers": new_to(sorted(result.tiered.findings), shown)}
    counts: dict[str, Any] = {"notes": len(notes)}
    for phase, found in phases.items():  # each phase's counts, as the command of its name gives them
        counts[phase] = reporter.counted(found, ignored)[1]
    counts["validate"]["notes"] = result.validation.notes
    counts["refresh"].update(result.refreshed.summary())
    made = entity_files(result.entities, not dry_run)
    counts["entities"].update(result.entities.summary(), files=len(made))
    tier_files = [FileRecord(action.vault_path, action.kind, not dry_run) for action in result.written]
    counts["tiers"]["files"] = len(tier_files)
    files = refresh_files(result.refreshed) + made + tier_files
    counts["files"] = len(files)

    def exit_code(failing: bool) -> int:
        counts["status"] = result.status(failing)
        return SYNC_STATUS[counts["status"]]

    def summary(counts: dict[str, Any]) -> str:
        v, r, e, t = counts["validate"], counts["refresh"], counts["entities"], counts["tiers"]
        verb = "would write" if dry_run else "wrote"
        refreshed = refresh_summary(r, not dry_run)
        if r["errors"] or r["warnings"]:  # (most of refresh's findings are validate's, said once there)
            refreshed += f" ({findings_summary(r)})"
        return (f"sync: {plural(v['notes'], 'note')} validated ({findings_summary(v)}); refresh: {refreshed}; "
                f"entities: {entities_summary(e, not dry_run)} ({findings_summary(e)}); "
                f"tiers: {verb} {plural(t['files'], 'file')} ({findings_summary(t)}); {counts['status']}")

    findings = [finding for found in phases.values() for finding in found]
    reporter.finish(Outcome(findings, files, counts, refresh_records(result.refreshed), ignored=ignored),
                    summary, exit_code)

