"""`sync`: validate, refresh and tiers in one run, with one status."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vaulttool.cli.base import (
    EXIT_CHANGED,
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_FINDINGS,
    fail,
    findings_format,
    load_vault,
    lock_option,
    main,
    print_notices,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.progress import progress_bars
from vaulttool.cli.refresh import echo_refresh, refresh_records
from vaulttool.errors import StateWriteError, VaultToolError
from vaulttool.findings import render


SYNC_STATUS = {"clean": EXIT_CLEAN, "findings": EXIT_FINDINGS, "changed": EXIT_CHANGED, "failed": EXIT_FAILED}


@main.command()
@click.argument("vault_path", metavar="[VAULT]", required=False, type=click.Path(path_type=Path))
@click.option("--offline", is_flag=True, help="Refresh from the responses stored under .vaulttool/ alone.")
@click.option("--dry-run", is_flag=True, help="Show what refresh and tiers would write; write nothing.")
@findings_format(("text", "json"))
@lock_option
def sync(vault_path: Path | None, offline: bool, dry_run: bool, output_format: str | None,
         lock_timeout: float | None) -> None:
    """Validate, refresh from Wikidata, then write tier stubs and links sections: one summary.

    \b
    Exit codes:
      0  clean: nothing to change, no findings
      1  findings: validate or tiers found problems (nothing failed)
      2  usage or configuration error
      3  changed: notes or tier files were written (would be, with --dry-run); no findings
      4  failed: some notes could not be refreshed or written, or another writer held the vault
    """
    from vaulttool.commands import sync as sync_command

    try:
        config, notes = load_vault([vault_path] if vault_path else [], lock_timeout=lock_timeout)
        with writer(config, "sync", not dry_run, notes.debris):
            written: list[str] = []
            with saying_on_interrupt(written):
                result = sync_command.run(config, notes, offline=offline, dry_run=dry_run,
                                          progress=progress_bars(output_format), log=written)
            result.validation.findings += notes.problems
    except VaultToolError as error:
        from vaulttool.disk.lock import LockBusyError

        fail(error, EXIT_FAILED if isinstance(error, (LockBusyError, StateWriteError)) else None)
    print_notices(result.validation.notices + result.refreshed.warnings + result.refreshed.errors)
    status = result.status
    summary = {**result.summary(), "exit_code": SYNC_STATUS[status], "dry_run": dry_run}
    if output_format == "json":
        findings = result.validation.findings + result.tier_findings
        document = {"summary": summary, "findings": json.loads(render(findings, "json"))["findings"],
                    "refresh": refresh_records(result.refreshed), "tiers": result.tiered.done}
        click.echo(json.dumps(document, ensure_ascii=True, indent=2))
    else:
        click.echo(render(result.validation.findings, "text"), nl=False)
        echo_refresh(result.refreshed, validated=True)
        for line in result.tiered.done:
            click.echo(line)
        click.echo(render(result.tier_findings, "text"), nl=False)
        v, r, t = summary["validate"], summary["refresh"], summary["tiers"]
        click.echo(f"sync: {v['notes']} notes validated ({v['errors']} errors, {v['warnings']} warnings); "
                   f"refresh: {r['checked']} checked, {r['changed']} {'would change' if dry_run else 'changed'}, "
                   f"{r['failed']} failed, {r['requests']} requests; tiers: {t['written']} files "
                   f"{'to write' if dry_run else 'written'}, {t['problems']} problems; {status}", err=True)
    sys.exit(SYNC_STATUS[status])
