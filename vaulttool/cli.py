"""The `vaulttool` command line: the only module importing click.

Exit codes: 0 clean, 1 findings (or, with --check, something would change), 2 usage or config error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Sequence

import click

from vaulttool import __version__, vault
from vaulttool import jobs as work
from vaulttool.config import OUTPUT_FORMATS, Config
from vaulttool.errors import ConfigError, UsageError, VaultToolError
from vaulttool.findings import ERROR, render

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
                           help="Worker processes for large runs; 0 uses every core. [default: from config, 0]")


def _load(paths: Sequence[Path], **flags: object) -> tuple[Config, list[vault.NoteFile]]:
    config = vault.open_vault(paths[0] if paths else Path.cwd()).override(**flags)
    return config, vault.discover(config, list(paths))


def _fail(error: VaultToolError) -> None:
    click.echo(f"vaulttool: {error}", err=True)
    sys.exit(EXIT_USAGE if isinstance(error, (ConfigError, UsageError)) else EXIT_FINDINGS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaulttool")
def main() -> None:
    """Keep an Obsidian vault's frontmatter correct without ever damaging a note."""


@main.command()
@paths_argument
@click.option("--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="Output as text lines, one JSON document, or GitHub workflow annotations. [default: text]")
@click.option("--strict/--no-strict", default=None, help="Exit 1 on warnings too.")
@jobs_option
def validate(paths: tuple[Path, ...], output_format: str | None, strict: bool | None, jobs: int | None) -> None:
    """Check each note's frontmatter; print one `path:line:col: CODE message` line per finding.

    PATHS are notes or folders (default: the vault around the current folder).
    """
    try:
        config, notes = _load(paths, output_format=output_format, strict=strict, jobs=jobs)
        result = work.validate(config, notes)
    except VaultToolError as error:
        _fail(error)
        return
    errors = sum(1 for f in result.findings if f.severity == ERROR)
    warnings = len(result.findings) - errors
    summary = {"notes": result.notes, "errors": errors, "warnings": warnings}
    click.echo(render(result.findings, config.output_format, summary), nl=False)
    if config.output_format == "text":
        click.echo(f"{result.notes} notes checked: {errors} errors, {warnings} warnings", err=True)
    failed = errors > 0 or (config.strict and warnings > 0)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Exit 1 if any note would not come back byte for byte.")
@jobs_option
def roundtrip(paths: tuple[Path, ...], check: bool, jobs: int | None) -> None:
    """Prove the engine lossless on your notes: parse, render, compare every byte.

    Notes that cannot be parsed are listed as skipped (vaulttool never writes them; `validate` says why).
    """
    try:
        config, notes = _load(paths, jobs=jobs)
        outcomes = work.roundtrip(config, notes)
    except VaultToolError as error:
        _fail(error)
        return
    differing = [o for o in outcomes if o.status == "differs"]
    skipped = [o for o in outcomes if o.status == "unreadable"]
    for outcome in differing:
        click.echo(f"{outcome.display}: would change ({outcome.detail})")
    for outcome in skipped:
        click.echo(f"{outcome.display}: skipped, cannot be parsed ({outcome.detail})")
    identical = len(outcomes) - len(differing) - len(skipped)
    click.echo(f"{len(outcomes)} notes: {identical} byte-identical, {len(differing)} would change, "
               f"{len(skipped)} skipped", err=True)
    sys.exit(EXIT_FINDINGS if check and differing else EXIT_CLEAN)



@main.command()
@paths_argument
@click.option("--qid", "qids", multiple=True, metavar="Q…", help="Only notes about these items (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print a unified diff of what would change; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any note would change (CI drift check).")
@click.option("--offline", is_flag=True, help="Work from the responses stored under .vaulttool/ alone.")
@click.option("--fix-redirects", is_flag=True, help="Rewrite a note's Wikidata id when it redirects.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="Report as text lines or one JSON document. [default: text]")
def refresh(paths: tuple[Path, ...], qids: tuple[str, ...], dry_run: bool, check: bool, offline: bool,
            fix_redirects: bool, output_format: str) -> None:
    """Update the frontmatter keys Wikidata owns from the Wikidata API; every other byte stays.

    Notes name their item with `has_id_wikidata: Q…`. The endpoint and the User-Agent contact come
    from vaulttool.toml or VAULTTOOL_WIKIDATA_URL and VAULTTOOL_CONTACT.
    """
    from vaulttool import refresher

    try:
        config, notes = _load(paths)
        client = None
        if not offline:
            from vaulttool import wikidata

            client = wikidata.Client(wikidata.make_session(), config.wikidata)
        with _progress(len(notes)) as step:
            report = refresher.run(config, notes, client, write=not (dry_run or check), diff=dry_run,
                                   fix_redirects=fix_redirects, qids=frozenset(qids) if qids else None,
                                   progress=step)
    except VaultToolError as error:
        _fail(error)
        return
    failed = report.count(refresher.FAILED)
    changed = report.count(refresher.CHANGED) + report.count(refresher.WOULD_CHANGE)
    summary = {"checked": len(report.outcomes), "changed": changed, "failed": failed, "requests": report.requests}
    if output_format == "json":
        records = [{"path": o.display, "id": o.entity_id, "status": o.status, "reason": o.reason, "keys": o.keys,
                    "messages": o.messages} for o in report.outcomes]
        click.echo(json.dumps({"notes": records, "summary": summary}, ensure_ascii=False, indent=2))
    else:
        for outcome in report.outcomes:
            if outcome.diff:
                click.echo(outcome.diff, nl=False)
            if outcome.status == refresher.FAILED:
                click.echo(f"{outcome.display}: failed: {outcome.reason}")
            elif outcome.status != refresher.UNCHANGED:
                click.echo(f"{outcome.display}: {outcome.status}: {', '.join(outcome.keys)}")
            for message in outcome.messages:
                click.echo(f"{outcome.display}: note: {message}")
        verb = "changed" if not (dry_run or check) else "would change"
        click.echo(f"{summary['checked']} notes checked, {changed} {verb}, {failed} failed; "
                   f"{report.requests} requests", err=True)
    sys.exit(EXIT_FINDINGS if failed or (check and changed) else EXIT_CLEAN)


class _progress:
    """A progress bar on a terminal; nothing in CI logs or pipes."""

    def __init__(self, total: int) -> None:
        show = sys.stderr.isatty() and not os.environ.get("CI") and total > 1
        self.bar = click.progressbar(length=total, label="refreshing", file=sys.stderr) if show else None

    def __enter__(self):  # noqa: ANN204
        if self.bar is None:
            return None
        self.bar.__enter__()
        return lambda: self.bar.update(1)  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing missing stubs, stale links sections "
                                            "and orphaned tier notes.")
@click.option("--dry-run", is_flag=True, help="Print what would be created or changed; write nothing.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when a file was created or changed (for pre-commit).")
@click.option("--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="Findings as text lines, one JSON document, or GitHub annotations. [default: text]")
def tiers(paths: tuple[Path, ...], check: bool, dry_run: bool, fail_on_change: bool, output_format: str | None) -> None:
    """Create the missing access-tier stubs of standard notes and their links sections.

    PATHS are standard notes, tier notes (checked for a standard note behind them) or folders.
    Only the links section of a standard note is ever rewritten; every other byte stays.
    """
    from vaulttool import tiering

    try:
        config, notes = _load(paths, output_format=output_format)
        report = tiering.plan(config, notes)
    except VaultToolError as error:
        _fail(error)
        return
    if check:
        findings = tiering.check_findings(report)
        click.echo(render(findings, config.output_format), nl=False)
        failed = any(f.severity == ERROR for f in findings)
        click.echo(f"{len(notes)} notes checked: {len(findings)} tier problems", err=True)
        sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)
    if dry_run:
        for action in report.actions:
            click.echo(tiering.diff(action), nl=False)
    else:
        tiering.apply(report)
        for line in report.done:
            click.echo(line)
    click.echo(render(sorted(report.findings), config.output_format), nl=False)
    written = len(report.done)
    verb = "would write" if dry_run else "wrote"
    click.echo(f"{len(notes)} notes checked: {verb} {written if not dry_run else len(report.actions)} files, "
               f"{len(report.findings)} problems", err=True)
    failed = any(f.severity == ERROR for f in report.findings)
    sys.exit(EXIT_FINDINGS if failed or (fail_on_change and written) else EXIT_CLEAN)
