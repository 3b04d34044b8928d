"""`init`, `validate`, `roundtrip` and `check`: the commands about notes as they are."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Sequence

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    findings_format,
    is_whole_vault,
    jobs_option,
    load_vault,
    lock_option,
    main,
    paths_argument,
    print_notices,
    writer,
)
from vaulttool.cli.progress import progress_bars
from vaulttool.commands import validate as validate_command
from vaulttool.config.settings import Config
from vaulttool.disk import vault
from vaulttool.errors import StateWriteError, UsageError, VaultToolError
from vaulttool.findings import Finding, error_count, new_to, render

if TYPE_CHECKING:
    from vaulttool.commands.fix import FixReport


@main.command()
@click.argument("folder", required=False, default=".",
                type=click.Path(path_type=Path, exists=True, file_okay=False))
def init(folder: Path) -> None:
    """Make FOLDER (default: here) a vault: a commented vaulttool.toml, the .gitignore lines vaulttool
    needs, and the .pre-commit-config.yaml snippet. Never overwrites a file."""
    from vaulttool.commands import init as init_command

    try:
        report = init_command.run(folder, vault.precommit_hooks_text())
    except OSError as error:
        fail(StateWriteError(f"{error.filename}: {error.strerror}"))
    except VaultToolError as error:
        fail(error)
    for line in report.lines:
        click.echo(line)
    click.echo("\nFor pre-commit, add to the vault's .pre-commit-config.yaml, from a release:\n")
    click.echo(report.release)
    click.echo("or, with vaulttool installed on this machine (no network needed):\n")
    click.echo(report.local, nl=False)


@main.command()
@paths_argument
@findings_format()
@click.option("--strict/--no-strict", default=None, help="Exit 1 on warnings too.")
@click.option("--no-cache", is_flag=True, help="Check every note again; neither read nor write .vaulttool/cache/.")
@click.option("--fix", is_flag=True, help="Quote unquoted wikilinks (VT201) and ambiguous scalars (VT202), trim "
                                          "whitespace in quoted values (VT203); exit 1 when a note changed.")
@click.option("--dry-run", is_flag=True, help="With --fix: print a unified diff of the fixes; write nothing.")
@jobs_option
@lock_option
def validate(paths: tuple[Path, ...], output_format: str | None, strict: bool | None, no_cache: bool, fix: bool,
             dry_run: bool, jobs: int | None, lock_timeout: float | None) -> None:
    """Check each note's frontmatter; print one `path:line:col: CODE message` line per finding.

    PATHS are notes or folders (default: the vault around the current folder). Notes unchanged since
    the last run (size, mtime, ctime, inode, content hash) are not checked again (.vaulttool/cache/,
    safe to delete). With --fix, the findings that have one right fix are fixed, changing only their characters.
    """
    if dry_run and not fix:
        fail(UsageError("--dry-run goes with --fix"))
    fixed = None
    try:
        config, notes = load_vault(paths, output_format=output_format, strict=strict, jobs=jobs, lock_timeout=lock_timeout)
        whole_vault = is_whole_vault(config, paths)
        progress = progress_bars(config.output_format)
        with writer(config, "validate --fix", fix and not dry_run, notes.debris):
            result = validate_command.run(config, notes, use_cache=not no_cache, whole_vault=whole_vault,
                                          progress=progress)
            if fix:
                from vaulttool.commands import fix as fix_command

                fixed = fix_command.run(config, notes, result.findings, write=not dry_run)
                if fixed.changed and not dry_run:  # what is left, as the notes now read
                    result = validate_command.run(config, notes, use_cache=not no_cache, whole_vault=whole_vault,
                                                  progress=progress)
    except VaultToolError as error:
        fail(error)
    print_notices(result.notices)
    findings = result.findings + notes.problems
    if fixed is not None:
        findings = sorted(new_to(findings, fixed.fixed) + fixed.findings)
    exit_with_findings(findings, result.notes, config, fixed)


def exit_with_findings(findings: Sequence[Finding], notes: int, config: Config,
                        fixed: FixReport | None = None) -> NoReturn:
    """Print findings in the configured format, the summary, and exit 0 or 1 (warnings: with --strict;
    with --fix, also when a note was changed, as pre-commit expects of fixers)."""
    errors = error_count(findings)
    warnings = len(findings) - errors
    summary = {"notes": notes, "errors": errors, "warnings": warnings}
    if fixed is not None:
        summary.update(fixed=len(fixed.fixed), changed=len(fixed.changed))
        for diff in fixed.diffs:
            click.echo(diff, nl=False)
        if config.output_format != "json":
            click.echo(render(fixed.fixed, "text"), nl=False)
            for message in fixed.messages:
                click.echo(message)
    click.echo(render(findings, config.output_format, summary, fixed.fixed if fixed else None), nl=False)
    if config.output_format == "text":
        line = f"{notes} notes checked: {errors} errors, {warnings} warnings"
        if fixed is not None:
            verb = "would fix" if fixed.dry_run else "fixed"
            line += f"; {verb} {len(fixed.fixed)} in {len(fixed.changed)} notes"
        click.echo(line, err=True)
    changed = bool(fixed and fixed.changed)
    sys.exit(EXIT_FINDINGS if errors or (config.strict and warnings) or changed else EXIT_CLEAN)


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Exit 1 if any note would not come back byte for byte.")
@jobs_option
def roundtrip(paths: tuple[Path, ...], check: bool, jobs: int | None) -> None:
    """Prove the engine lossless on your notes: parse, render, compare every byte.

    Notes that cannot be parsed are listed as skipped (vaulttool never writes them; `validate` says why).
    """
    from vaulttool.commands import roundtrip as roundtrip_command

    try:
        config, notes = load_vault(paths, jobs=jobs)
        outcomes = roundtrip_command.run(config, notes, progress_bars())
    except VaultToolError as error:
        fail(error)
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
@findings_format()
def check(paths: tuple[Path, ...], output_format: str | None) -> None:
    """Validate, round-trip and tiers-check notes, writing nothing: the `vaulttool-check` pre-commit hook.

    Reads only the notes given (and the validate cache, for the one-type-per-property rule); never
    touches the network.
    """
    from vaulttool.commands import tiers as tiers_command

    try:
        config, notes = load_vault(paths, output_format=output_format)
        result = validate_command.run(config, notes, whole_vault=is_whole_vault(config, paths), prove_round_trip=True)
        tier_findings = tiers_command.check_findings(tiers_command.plan(config, notes, validated=result.findings))
        findings = result.findings + new_to(tier_findings, result.findings) + notes.problems  # each once
    except VaultToolError as error:
        fail(error)
    exit_with_findings(sorted(findings), len(notes), config)


