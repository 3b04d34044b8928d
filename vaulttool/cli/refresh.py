"""`refresh`: the Wikidata keys of the notes."""

from __future__ import annotations

import datetime
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    findings_format,
    is_whole_vault,
    load_vault,
    lock_option,
    main,
    paths_argument,
    print_notices,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.progress import progress_bars
from vaulttool.disk import vault
from vaulttool.errors import VaultToolError
from vaulttool.findings import render

if TYPE_CHECKING:
    from vaulttool.commands.refresh import RefreshReport


def refresh_records(report: RefreshReport) -> list[dict[str, Any]]:
    return [{"path": o.display, "id": o.entity_id, "status": o.status, "reason": o.reason, "keys": o.keys,
             "messages": o.messages, "code": o.finding.code if o.finding else None,
             "findings": [asdict(finding) for finding in o.notices]} for o in report.outcomes]


def echo_refresh(report: RefreshReport, validated: bool = False) -> None:
    """What refresh did, a line a note. With `validated`, the notes it left alone because they do not
    read cleanly are not named again: validate's findings already say why."""
    from vaulttool.commands import refresh as refresh_command

    for outcome in report.outcomes:
        if outcome.diff:
            click.echo(outcome.diff, nl=False)
        if outcome.finding is not None:
            if not (validated and outcome.status == refresh_command.UNREADABLE):
                click.echo(outcome.finding.text())
        elif outcome.status in (refresh_command.FAILED, refresh_command.UNREADABLE):
            click.echo(f"{outcome.display}: {outcome.status}: {outcome.reason}")
        elif outcome.status != refresh_command.UNCHANGED:
            click.echo(f"{outcome.display}: {outcome.status}: {', '.join(outcome.keys)}")
        for notice in outcome.notices:
            click.echo(notice.text())
        for message in outcome.messages:
            click.echo(f"{outcome.display}: note: {message}")


@main.command()
@paths_argument
@click.option("--qid", "qids", multiple=True, metavar="Q…", help="Only notes about these items (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print a unified diff of what would change; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any note would change (CI drift check).")
@click.option("--offline", is_flag=True, help="Work from the responses stored under .vaulttool/ alone.")
@click.option("--fix-redirects", is_flag=True, help="Rewrite a note's Wikidata id when it redirects.")
@click.option("--allow-removals", is_flag=True,
              help="Write a note even when Wikidata's answer would remove more than half of its Wikidata keys.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="The day current_only properties are judged at (default: each item's last edit).")
@findings_format(("text", "json"))
@lock_option
def refresh(paths: tuple[Path, ...], qids: tuple[str, ...], dry_run: bool, check: bool, offline: bool,
            fix_redirects: bool, allow_removals: bool, as_of: datetime.datetime | None, output_format: str | None,
            lock_timeout: float | None) -> None:
    """Update the frontmatter keys Wikidata owns from the Wikidata API; every other byte stays.

    Notes name their item with `has_id_wikidata: Q…`. The endpoint and the User-Agent contact come
    from vaulttool.toml or VAULTTOOL_WIKIDATA_URL and VAULTTOOL_CONTACT.
    """
    from vaulttool.commands import refresh as refresh_command

    write = not (dry_run or check)
    try:
        wanted = refresh_command.item_ids(qids)
        config, notes = load_vault(paths, lock_timeout=lock_timeout)
        with writer(config, "refresh", write, notes.debris):
            client = refresh_command.client_for(config, offline)
            written: list[str] = []
            with saying_on_interrupt(written):
                report = refresh_command.run(config, notes, client, write=write, diff=dry_run,
                                             fix_redirects=fix_redirects, qids=wanted,
                                             allow_removals=allow_removals, as_of=as_of.date() if as_of else None,
                                             rest_of_vault=None if is_whole_vault(config, paths)
                                             else lambda: vault.discover(config, []),
                                             progress=progress_bars(output_format), log=written)
    except VaultToolError as error:
        fail(error)
    summary = report.summary(unreadable_failed=True)
    summary["failed"] += len(notes.problems)
    if output_format == "json":
        click.echo(json.dumps({"notes": refresh_records(report), "summary": summary}, ensure_ascii=True, indent=2))
    else:
        click.echo(render(notes.problems, "text"), nl=False)
        echo_refresh(report)
        print_notices(report.warnings + report.errors)
        verb = "changed" if write else "would change"
        click.echo(f"{summary['checked']} notes checked, {summary['changed']} {verb}, {summary['failed']} failed; "
                   f"{summary['requests']} requests", err=True)
    sys.exit(EXIT_FINDINGS if summary["failed"] or (check and summary["changed"]) else EXIT_CLEAN)

