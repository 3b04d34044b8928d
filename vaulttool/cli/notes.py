"""`init`, `validate`, `roundtrip` and `check`: the commands about notes as they are."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    is_whole_vault,
    jobs_option,
    load_vault,
    lock_option,
    main,
    nearest_existing,
    open_config,
    paths_argument,
    writer,
)
from vaulttool.cli.output import (
    FileRecord,
    Outcome,
    OutputOptions,
    Reporter,
    findings_summary,
    output_options,
)
from vaulttool.commands import baseline as baseline_command
from vaulttool.commands import validate as validate_command
from vaulttool.commands.writes import UPDATE
from vaulttool.config.settings import Config
from vaulttool.disk import vault
from vaulttool.errors import StateWriteError, UsageError, VaultToolError
from vaulttool.findings import Finding, new_to, plural


@main.command()
@click.argument("folder", required=False, default=".",
                type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--nested", is_flag=True, help="Make FOLDER a vault of its own even inside another vault's root "
                                             "(whose commands and hooks then no longer check its notes).")
@output_options(("text", "json"), findings=False)
def init(folder: Path, nested: bool, out: OutputOptions) -> None:
    """Make FOLDER (default: here) a vault: a commented vaulttool.toml, the .gitignore lines vaulttool
    needs, and the .pre-commit-config.yaml snippet. Never overwrites a file."""
    from vaulttool.commands import init as init_command

    reporter = Reporter("init", out)
    try:
        report = init_command.run(folder, vault.precommit_hooks_text(), nested)
    except OSError as error:
        fail(StateWriteError(f"{error.filename}: {error.strerror}"))
    except VaultToolError as error:
        fail(error)
    for line in report.lines:
        reporter.line(line)
    reporter.line("\nFor pre-commit, add to the vault's .pre-commit-config.yaml; its hooks run the vaulttool "
                  "installed on this machine (no network needed):\n")
    reporter.line(report.snippet, nl=False)
    files = [FileRecord(name, action, True) for name, action in report.files]
    reporter.finish(Outcome(files=files, counts={"files": len(files)}), None, lambda failing: EXIT_CLEAN)


@main.command()
@paths_argument
@output_options()
@click.option("--no-cache", is_flag=True, help="Check every note again; neither read nor write .vaulttool/cache/.")
@click.option("--fix", is_flag=True, help="Quote unquoted wikilinks (VT201), ambiguous scalars (VT202) and integers "
                                          "too large for Obsidian (VT204), trim whitespace in quoted values "
                                          "(VT203); exit 1 when a note changed.")
@click.option("--dry-run", is_flag=True, help="With --fix: print a unified diff of the fixes; write nothing.")
@jobs_option
@lock_option
def validate(paths: tuple[Path, ...], out: OutputOptions, no_cache: bool, fix: bool, dry_run: bool, jobs: int | None,
             lock_timeout: float | None) -> None:
    """Check each note's frontmatter; print one `path:line:col: CODE message` line per finding.

    PATHS are notes or folders (default: the vault around the current folder). Notes unchanged since
    the last run (size, mtime, ctime, inode, content hash) are not checked again (.vaulttool/cache/,
    safe to delete). With --fix, the findings that have one right fix are fixed, changing only their characters.
    """
    if dry_run and not fix:
        fail(UsageError("--dry-run goes with --fix"))
    fixed = None
    try:
        config, notes = load_vault(paths, jobs=jobs, lock_timeout=lock_timeout)
        reporter = Reporter("validate", out, config)
        reporter.use_baseline(paths, baseline_command.validate_reports)
        whole_vault = is_whole_vault(config, paths)
        progress = reporter.progress()
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
    for notice in result.notices:
        reporter.notice(notice)
    findings = result.findings + notes.problems
    counts: dict[str, Any] = {"notes": result.notes, "files": 0}
    outcome = Outcome(findings, counts=counts, ignored=result.ignored)
    if fixed is not None:
        outcome.findings = sorted(new_to(findings, fixed.fixed) + fixed.findings)
        outcome.fixed = fixed.fixed
        outcome.files = [FileRecord(display, UPDATE, not fixed.dry_run) for display in fixed.changed]
        counts.update(files=len(fixed.changed), fixed=len(fixed.fixed), changed=len(fixed.changed))
        for diff in fixed.diffs:
            reporter.line(diff, nl=False)
        for finding in fixed.fixed:  # (--fix exits 1 when it fixed: these say why, even with --quiet)
            reporter.essential(finding.text(severity=False))
        for message in fixed.messages:
            reporter.line(message)
        for display in [] if fixed.dry_run else fixed.changed:
            reporter.detail(f"wrote {display}")
    reporter.detail(f"{plural(result.cached, 'note')} of {result.notes} unchanged since the last run, from the cache")

    def summary(counts: dict[str, Any]) -> str:
        line = f"{plural(counts['notes'], 'note')} checked: {findings_summary(counts)}"
        if fixed is not None:
            verb = "would fix" if fixed.dry_run else "fixed"
            line += f"; {verb} {len(fixed.fixed)} in {plural(len(fixed.changed), 'note')}"
        return line

    # --fix exits 1 whenever it changed a note (would, with --dry-run), as pre-commit expects of fixers.
    changed = bool(fixed and fixed.changed)
    reporter.finish(outcome, summary, lambda failing: EXIT_FINDINGS if failing or changed else EXIT_CLEAN)


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Exit 1 if any note would not come back byte for byte.")
@output_options()
@jobs_option
def roundtrip(paths: tuple[Path, ...], check: bool, out: OutputOptions, jobs: int | None) -> None:
    """Prove the engine lossless on your notes: parse, render, compare every byte.

    A note that would change is a VT120 finding. Notes that cannot be parsed are listed as skipped
    (vaulttool never writes them; `validate` says why).
    """
    from vaulttool.commands import roundtrip as roundtrip_command

    try:
        config, notes = load_vault(paths, jobs=jobs)
        reporter = Reporter("roundtrip", out, config)
        outcomes = roundtrip_command.run(config, notes, reporter.progress())
    except VaultToolError as error:
        fail(error)
    differing = [o for o in outcomes if o.status == "differs"]
    skipped = [o for o in outcomes if o.status == "unreadable"]
    for outcome in skipped:
        reporter.line(f"{outcome.display}: skipped, cannot be parsed ({outcome.detail})")
    findings = [Finding(o.display, 1, 1, "VT120", f"would change ({o.detail}); please report this") for o in differing]
    records = [{"path": o.display, "status": o.status, "detail": o.detail} for o in outcomes]
    counts = {"notes": len(outcomes), "files": 0, "identical": len(outcomes) - len(differing) - len(skipped),
              "differ": len(differing), "skipped": len(skipped)}

    def summary(counts: dict[str, Any]) -> str:
        return (f"{plural(counts['notes'], 'note')}: {counts['identical']} byte-identical, "
                f"{counts['differ']} would change, {counts['skipped']} skipped")

    # Without --check, a report: it proves, and exits 0 whatever it found; with it, 1 on any finding
    # that fails the run (a note that would change, a folder that cannot be read).
    reporter.finish(Outcome(findings + notes.problems, counts=counts, notes=records), summary,
                    lambda failing: EXIT_FINDINGS if check and failing else EXIT_CLEAN)


@main.command()
@paths_argument
@output_options()
@click.option("--skip-missing", is_flag=True,
              help="Skip PATHS that no longer exist (a hook before this one moved or removed them); with every "
                   "one gone, check nothing.")
def check(paths: tuple[Path, ...], out: OutputOptions, skip_missing: bool) -> None:
    """Validate, round-trip and tiers-check notes, writing nothing: the `vaulttool-check` pre-commit hook.

    Reads only the notes given (and the validate cache, for the one-type-per-property rule); never
    touches the network. Findings vaulttool-baseline.json accepts (`vaulttool baseline`) are counted,
    not reported.
    """
    # pre-commit passes the names staged when the commit began; the tiers hook may have moved some since.
    existing = tuple(path for path in paths if not skip_missing or os.path.lexists(path))
    gone = bool(paths) and not existing  # (then nothing to check: not the whole vault)
    findings: list[Finding] = []
    ignored: dict[str, frozenset[str]] = {}
    try:
        if gone:
            config, notes = open_config((nearest_existing(paths[0]),)), vault.Discovered([], [], [])
        else:
            config, notes = load_vault(existing)
        reporter = Reporter("check", out, config)
        if not gone:
            reporter.use_baseline(existing, baseline_command.every_code)
            findings, ignored = check_findings(config, notes, reporter, is_whole_vault(config, existing))
    except VaultToolError as error:
        fail(error)
    reporter.finish(Outcome(findings, counts={"notes": len(notes), "files": 0}, ignored=ignored),
                    lambda counts: f"{plural(counts['notes'], 'note')} checked: {findings_summary(counts)}",
                    lambda failing: EXIT_FINDINGS if failing else EXIT_CLEAN)


def check_findings(config: Config, notes: vault.Discovered, reporter: Reporter,
                   whole_vault: bool) -> tuple[list[Finding], dict[str, frozenset[str]]]:
    """What `check` finds in `notes` (and `baseline` records), and each note's `vaulttool_ignore` codes."""
    from vaulttool.commands import tiers as tiers_command

    result = validate_command.run(config, notes, whole_vault=whole_vault, prove_round_trip=True)
    planned = tiers_command.plan(config, notes, validated=result.findings, whole_vault=whole_vault)
    # Each problem once: tiers' findings at a place and code validate's shown ones name are left out.
    shown, _ = reporter.shown(result.findings, result.ignored)
    return result.findings + new_to(tiers_command.check_findings(planned), shown) + notes.problems, result.ignored
