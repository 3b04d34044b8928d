"""The `vaulttool` command line: the only module importing click.

Exit codes: 0 clean, 1 findings (or, with --check, something would change), 2 usage or config error.
"""

from __future__ import annotations

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

