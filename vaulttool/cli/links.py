"""`links`: the links of notes that open nothing in Obsidian."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vaulttool.cli.base import EXIT_CLEAN, EXIT_FINDINGS, fail, is_whole_vault, load_vault, main, paths_argument
from vaulttool.cli.output import Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.errors import VaultToolError
from vaulttool.findings import plural


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Exit 1 when a link resolves to nothing: for pre-commit.")
@output_options()
def links(paths: tuple[Path, ...], check: bool, out: OutputOptions) -> None:
    """List the links that open no file (VT510): wikilinks, embeds and Markdown links, in the body and
    in frontmatter values.

    PATHS are notes or folders (default: the whole vault); only their links are checked, against every
    file of the vault, resolved as Obsidian resolves them. Headings and blocks (`#…`) are not checked.
    Without --check a report: it exits 0 whatever it found. Writes nothing, never touches the network.
    """
    from vaulttool.commands import links as links_command

    try:
        config, notes = load_vault(paths)
        reporter = Reporter("links", out, config)
        report = links_command.run(config, notes, whole_vault=is_whole_vault(config, paths))
    except VaultToolError as error:
        fail(error)
    for notice in report.notices:
        reporter.notice(notice)
    for display in report.skipped:
        reporter.detail(f"{display}: skipped, cannot be parsed (`vaulttool validate` says why)")
    counts = {"notes": report.notes, "files": 0, "links": report.links, "skipped": len(report.skipped)}

    def summary(counts: dict[str, Any]) -> str:
        skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
        return (f"{plural(counts['notes'], 'note')} checked{skipped}, {plural(counts['links'], 'link')}: "
                f"{findings_summary(counts)}")

    reporter.finish(Outcome(report.findings + notes.problems, counts=counts), summary,
                    lambda failing: EXIT_FINDINGS if check and failing else EXIT_CLEAN)
