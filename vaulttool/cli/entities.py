"""`entities`: an entity note for each Wikidata item the vault's notes link to."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    load_vault,
    lock_option,
    main,
    saying_on_interrupt,
    writer,
)
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.errors import VaultToolError
from vaulttool.findings import plural

if TYPE_CHECKING:
    from vaulttool.commands.entities import EntitiesReport


def entity_files(report: EntitiesReport, write: bool) -> list[FileRecord]:
    files = [FileRecord(action.vault_path, action.kind, write) for action in (report.written if write else report.actions)]
    relinked = report.relinked
    if relinked is not None:  # the renames and links of label drift and merges: written when said done
        files += [FileRecord(r.new, "move", write and f"moved {r.old} -> {r.new}" in relinked.done)
                  for r in relinked.renames]
        files += [FileRecord(w.vault_path, "update", write and f"updated {w.what} in {w.vault_path}" in relinked.done)
                  for w in relinked.rewrites]
    return files


def echo_entities(report: EntitiesReport, reporter: Reporter, dry_run: bool, fail_on_change: bool = False) -> None:
    """What entities did: the diffs of a dry run, a line a file written, the notices; a failed fetch
    even with --quiet (it is why the run fails)."""
    from vaulttool.commands import entities as entities_command

    for action in report.actions if dry_run else []:
        reporter.line(entities_command.diff(action), nl=False)
    if dry_run and report.relinked is not None and (report.relinked.renames or report.relinked.rewrites):
        reporter.line(report.relinked.diffs(), nl=False)
    for line in report.done:  # (with --fail-on-change, why it exits 1: printed even with --quiet)
        reporter.essential(line) if fail_on_change else reporter.line(line)
    for error in report.errors:
        reporter.essential(f"failed: {error}")
    for notice in report.notices:
        reporter.notice(notice)


def entities_summary(counts: dict[str, Any], write: bool) -> str:
    verb = "wrote" if write else "would write"
    return f"{plural(counts['items'], 'item')} linked, {verb} {plural(counts['files'], 'file')}"


@main.command()
@click.argument("vault_path", metavar="[VAULT]", required=False, type=click.Path(path_type=Path))
@click.option("--offline", is_flag=True, help="Work from the answers stored under .vaulttool/ alone.")
@click.option("--dry-run", is_flag=True, help="Print what would be created or changed; write nothing.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when a note was created or changed (would be, with "
                                                     "--dry-run): for pre-commit.")
@output_options()
@lock_option
def entities(vault_path: Path | None, offline: bool, dry_run: bool, fail_on_change: bool, out: OutputOptions,
             lock_timeout: float | None) -> None:
    """Create or update the entity note of each Wikidata item the vault's notes link to.

    Links follow [wikidata] link_pattern (`[[_Standards/WikiData/WD~Geneva,71]]`, or the bare name
    `[[WD~Geneva,71]]`), in frontmatter values and in bodies. Notes are made from the `entity.md`
    template; only a note vaulttool made and nobody edited is ever rewritten. Exit 1 on error
    findings (warnings too with --strict), when a fetch failed, or with --fail-on-change when a note
    was written.
    """
    from vaulttool.commands import entities as entities_command
    from vaulttool.commands import refresh as refresh_command

    write = not dry_run
    try:
        config, notes = load_vault([vault_path] if vault_path else [], lock_timeout=lock_timeout)
        reporter = Reporter("entities", out, config)
        with writer(config, "entities", write, notes.debris):
            client = refresh_command.client_for(config, offline)
            written: list[str] = []
            with saying_on_interrupt(written):
                report = entities_command.run(config, notes, client, write=write, log=written,
                                              progress=reporter.progress())
    except VaultToolError as error:
        fail(error)
    echo_entities(report, reporter, dry_run, fail_on_change)
    files = entity_files(report, write)
    counts = {"notes": report.notes, **report.summary(), "files": len(files)}

    def summary(counts: dict[str, Any]) -> str:
        return (f"entities: {plural(counts['notes'], 'note')} read, {entities_summary(counts, write)}; "
                f"{findings_summary(counts)}; {plural(counts['requests'], 'request')}")

    changed = fail_on_change and bool(files)
    reporter.finish(Outcome(report.findings + notes.problems, files, counts), summary,
                    lambda failing: EXIT_FINDINGS if failing or changed or report.failed else EXIT_CLEAN)
