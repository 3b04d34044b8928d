"""`new`: the standard note of a Wikidata item."""

from __future__ import annotations

import click

from vaulttool.cli.base import EXIT_CLEAN, fail, lock_option, main, open_config, writer
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, output_options
from vaulttool.commands.writes import CREATE
from vaulttool.errors import VaultToolError


@main.command()
@click.argument("entity_id", metavar="Q…")
@click.option("--folder", default=None, metavar="FOLDER",
              help="The vault folder the note goes in, under the standard notes' folder. [default: _Standards]")
@click.option("--offline", is_flag=True, help="Use the answer stored under .vaulttool/ alone.")
@click.option("--dry-run", is_flag=True, help="Print the note and the stubs it would get; write nothing.")
@output_options(("text", "json"), findings=False)
@lock_option
def new(entity_id: str, folder: str | None, offline: bool, dry_run: bool, out: OutputOptions,
        lock_timeout: float | None) -> None:
    """Create the standard note of a Wikidata item, with its frontmatter, links section and tier stubs.

    The note is named from the item's English short name and label (`IOM(International_Organization_for_Migration)`);
    an existing note, or an id another note already has, is never replaced.
    """
    from vaulttool.commands import new as new_command
    from vaulttool.commands import refresh as refresh_command

    try:
        new_command.check_id(entity_id)  # before waiting for the lock
        config = open_config([], lock_timeout=lock_timeout)
        reporter = Reporter("new", out, config, ("text", "json"))
        with writer(config, "new", not dry_run):
            report = new_command.run(config, entity_id, folder, refresh_command.client_for(config, offline),
                                     write=not dry_run)
    except VaultToolError as error:
        fail(error)
    if dry_run:
        reporter.line(f"--- would create {report.vault_path}")
        reporter.line(report.data.decode("utf-8"), nl=False)
        for stub in report.stubs:
            reporter.line(f"--- would create {stub}")
    for line in report.done:
        reporter.line(line)
    for message in report.messages:
        reporter.notice(message)
    files = [FileRecord(path, CREATE, not dry_run) for path in [report.vault_path, *report.stubs]]
    counts = {"files": len(files), "requests": report.requests}
    reporter.finish(Outcome(files=files, counts=counts), None, lambda failing: EXIT_CLEAN)  # (its lines say it all)
