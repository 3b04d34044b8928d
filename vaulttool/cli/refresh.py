"""`refresh`: the Wikidata keys of the notes."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
    fail,
    is_whole_vault,
    load_vault,
    lock_option,
    main,
    paths_argument,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, output_options
from vaulttool.commands.writes import UPDATE
from vaulttool.disk import vault
from vaulttool.errors import VaultToolError
from vaulttool.findings import plural

if TYPE_CHECKING:
    from vaulttool.commands.refresh import RefreshReport


def refresh_records(report: RefreshReport) -> list[dict[str, Any]]:
    """One JSON record a note refresh looked at (its findings are in the document's `findings`)."""
    return [{"path": o.display, "id": o.entity_id, "status": o.status, "reason": o.reason, "keys": o.keys,
             "messages": o.messages} for o in report.outcomes]


def refresh_files(report: RefreshReport) -> list[FileRecord]:
    from vaulttool.commands import refresh as refresh_command

    return [FileRecord(o.display, UPDATE, o.status == refresh_command.CHANGED) for o in report.outcomes
            if o.status in (refresh_command.CHANGED, refresh_command.WOULD_CHANGE)]


# An item id in a reason: reasons that differ only there are one reason (`Q12 is not in the offline
# cache; run without --offline once`, said of each note of an offline run without stored answers).
_ITEM_ID = re.compile(r"\b[QPL][1-9][0-9]*\b")


def echo_refresh(report: RefreshReport, reporter: Reporter, check: bool = False) -> None:
    """What refresh did, a line a note (the findings are printed with the others). A failed note, and
    with `check` a note that would change, is printed even with --quiet: it is why the run fails. Of
    the notes that failed for one reason, the first is named and the others counted (--verbose names
    each; the JSON document holds each)."""
    from vaulttool.commands import refresh as refresh_command

    alike: dict[tuple[str, str], list[str]] = {}  # (status, reason but its ids) -> the lines of its notes
    for outcome in report.outcomes:
        if outcome.diff:
            reporter.line(outcome.diff, nl=False)
        if outcome.status in (refresh_command.CHANGED, refresh_command.WOULD_CHANGE):
            line = f"{outcome.display}: {outcome.status}: {', '.join(outcome.keys)}"
            reporter.essential(line) if check else reporter.line(line)
        elif outcome.status == refresh_command.UNCHANGED:
            reporter.detail(f"{outcome.display}: {outcome.status}")
        elif outcome.finding is None:  # (a note with a finding is named by it)
            line = f"{outcome.display}: {outcome.status}: {outcome.reason}"
            same = alike.setdefault((outcome.status, _ITEM_ID.sub("Q", outcome.reason)), [])
            same.append(line)
            if len(same) == 1:
                reporter.essential(line)
            else:
                reporter.detail(line)
        for message in outcome.messages:
            reporter.line(f"{outcome.display}: note: {message}")
    for (status, _), lines in alike.items():
        if len(lines) > 1 and not reporter.verbose:
            reporter.essential(f"and {plural(len(lines) - 1, 'more note')} {status} the same way as "
                               f"{lines[0].split(': ', 1)[0]}; --verbose names each")
    for notice in report.warnings + report.errors:
        reporter.notice(notice)


def refresh_summary(counts: dict[str, Any], write: bool) -> str:
    verb = "changed" if write else "would change"
    return (f"{plural(counts['checked'], 'note')} checked, {counts['changed']} {verb}, {counts['failed']} failed, "
            f"{counts['skipped']} skipped; {plural(counts['requests'], 'request')}")


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
@output_options()
@lock_option
def refresh(paths: tuple[Path, ...], qids: tuple[str, ...], dry_run: bool, check: bool, offline: bool,
            fix_redirects: bool, allow_removals: bool, as_of: datetime.datetime | None, out: OutputOptions,
            lock_timeout: float | None) -> None:
    """Update the frontmatter keys Wikidata owns from the Wikidata API; every other byte stays.

    Notes name their item with `has_id_wikidata: Q…`. The endpoint and the User-Agent contact come
    from vaulttool.toml or VAULTTOOL_WIKIDATA_URL and VAULTTOOL_CONTACT. Exit 1 when a note failed or
    has an error finding; with --check, also when a note would change.
    """
    from vaulttool.commands import refresh as refresh_command

    write = not (dry_run or check)
    try:
        wanted = refresh_command.item_ids(qids)
        config, notes = load_vault(paths, lock_timeout=lock_timeout)
        reporter = Reporter("refresh", out, config)
        with writer(config, "refresh", write, notes.debris):
            client = refresh_command.client_for(config, offline)
            written: list[str] = []
            with saying_on_interrupt(written):
                report = refresh_command.run(config, notes, client, write=write, diff=dry_run,
                                             fix_redirects=fix_redirects, qids=wanted,
                                             allow_removals=allow_removals, as_of=as_of.date() if as_of else None,
                                             rest_of_vault=None if is_whole_vault(config, paths)
                                             else lambda: vault.discover(config, []),
                                             progress=reporter.progress(), log=written)
    except VaultToolError as error:
        fail(error)
    echo_refresh(report, reporter, check)
    counts = {"notes": len(notes), **report.summary()}
    files = refresh_files(report)
    counts["files"] = len(files)
    outcome = Outcome(report.findings + notes.problems, files, counts, refresh_records(report), ignored=report.ignored)
    failed = counts["failed"] or (check and counts["changed"])
    # A --qid that names no note of the run is a mistake in the command (a typo, or a note outside
    # PATHS), not a clean run: said, and exit 2, after what the other items' notes got.
    unnamed = sorted(wanted - {outcome.entity_id for outcome in report.outcomes}) if wanted else []
    for qid in unnamed:
        click.echo(f"vaulttool: --qid {qid}: no note in this run names that item ({config.schema.id_key})", err=True)
    reporter.finish(outcome, lambda counts: refresh_summary(counts, write),
                    lambda failing: EXIT_USAGE if unnamed else EXIT_FINDINGS if failing or failed else EXIT_CLEAN)

