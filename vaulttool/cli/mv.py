"""`mv`: rename a standard note, move its tier stubs after it and rewrite every link to them."""

from __future__ import annotations

import os
from pathlib import Path

import click

from vaulttool.cli.base import EXIT_CLEAN, EXIT_FAILED, EXIT_FINDINGS, fail, lock_option, main, open_config, writer
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.config.settings import Config
from vaulttool.disk.fileio import unreadable
from vaulttool.disk.vault import is_inside
from vaulttool.errors import UsageError, VaultToolError
from vaulttool.findings import plural


def note_vault_path(config: Config, path: Path, must_exist: bool) -> str:
    """A PATH as a vault path: relative to the working folder, else to the vault's root."""
    root = os.path.realpath(config.root)
    # Only the folder is made absolute (and relative again); the name stays as typed, for the name checks
    # to judge: on Windows, abspath of `X/CON.md` is the device `\\.\CON`, and it drops trailing dots and spaces.
    named = path.name not in ("", ".", "..")
    absolute = Path(os.path.abspath(path.parent)) / path.name if named else Path(os.path.abspath(path))
    candidates = [absolute] + ([] if path.is_absolute() else [config.root / path])
    for candidate in candidates:
        folder = os.path.realpath(candidate.parent)
        if not is_inside(folder, root):
            continue
        error = unreadable(candidate)  # (whether the note is there cannot be told)
        if error is not None:
            raise UsageError(f"{path}: cannot read: {error.strerror}")
        if os.path.lexists(candidate) or not must_exist:
            return (Path(os.path.relpath(folder, root)) / candidate.name).as_posix()
    raise UsageError(f"{path}: {'no such note' if must_exist else 'not inside the vault'}")


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the renames and every note's diff; write nothing.")
@output_options()
@lock_option
def mv(old: Path, new: Path, dry_run: bool, out: OutputOptions, lock_timeout: float | None) -> None:
    """Rename the standard note OLD to NEW, move its tier stubs to the matching names, rewrite its links
    section and every link to any of them in the vault.

    OLD and NEW are paths (from the working folder, or from the vault's root) of standard notes; NEW's
    folders are made. Each link keeps its form, `#heading` and `|alias`; every other byte stays. Nothing
    is ever overwritten: a NEW, or a stub's new name, that exists refuses the whole move.
    Exit codes: 0 moved, 1 a link could not be rewritten (VT531), 2 usage error, 4 not written.
    """
    from vaulttool.commands import move

    try:
        config = open_config([old], lock_timeout=lock_timeout)
        reporter = Reporter("mv", out, config)
        source, target = note_vault_path(config, old, True), note_vault_path(config, new, False)
        moves = move.standard_moves(config, source, target)
        report = move.plan(config, moves)
        if not dry_run:
            with writer(config, "mv"):
                report = move.plan(config, moves)  # again under the lock: another writer may have been quicker
                move.apply(report)
    except VaultToolError as error:
        fail(error)
    if dry_run:
        reporter.line(report.diffs(), nl=False)
    for line in report.done:
        reporter.line(line)
    written = not dry_run
    done_renames = {line.split(" ", 1)[1] for line in report.done if line.startswith("moved ")}
    files = [FileRecord(r.new, "move", written and f"{r.old} -> {r.new}" in done_renames) for r in report.renames]
    done_writes = {line.rsplit(" in ", 1)[1] for line in report.done if line.startswith("updated ")}
    files += [FileRecord(w.vault_path, "update", written and w.vault_path in done_writes) for w in report.rewrites]
    counts = {"moved": len(report.renames), "files": len(files)}

    def summary(counts: dict[str, object]) -> str:
        verb = "moved" if written else "would move"
        return (f"{verb} {plural(len(report.renames), 'file')}, rewrote {plural(len(report.rewrites), 'note')}"
                f"{'' if written else ' (dry run)'}; {findings_summary(counts)}")

    reporter.finish(Outcome(report.findings, files, counts), summary,
                    lambda failing: EXIT_FAILED if report.failed else EXIT_FINDINGS if failing else EXIT_CLEAN)
