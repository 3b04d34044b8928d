"""The `vaulttool` command line: the only module importing click. Options, output formats and exit
codes live here; each command's work is in `vaulttool.commands`.

Exit codes: 0 clean; 1 findings, or with --check something would change, or some notes failed;
2 usage or configuration error. `sync` tells more apart: 3 changed, 4 failed (see `sync --help`).
Commands that write take the vault's writer lock first. Network code is imported only by commands
that need it, so the pre-commit hook starts fast.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Sequence

import click

from vaulttool import DISTRIBUTION, __version__
from vaulttool.commands import validate as validate_command
from vaulttool.config.settings import OUTPUT_FORMATS, Config
from vaulttool.disk import vault
from vaulttool.disk.store import cache_folder
from vaulttool.errors import ConfigError, StateWriteError, Terminated, UsageError, VaultToolError
from vaulttool.findings import Finding, error_count, new_to, render

if TYPE_CHECKING:
    from vaulttool.commands.fix import FixReport
    from vaulttool.commands.refresh import RefreshReport

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_CHANGED, EXIT_FAILED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them

paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
                           help="Worker processes for large runs; 0 uses every core. [default: from config, 0]")
lock_option = click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
                           help="How long to wait for another vaulttool writing this vault. [default: from config, 60]")


def findings_format(choices: Sequence[str] = OUTPUT_FORMATS) -> Callable[[Any], Any]:
    return click.option("--format", "output_format", type=click.Choice(choices), default=None,
                        help="Output as " + ", ".join(choices) + ". [default: text]")


def _load(paths: Sequence[Path], **flags: object) -> tuple[Config, vault.Discovered]:
    root = (click.get_current_context().find_root().obj or {}).get("root")
    config = vault.open_vault(paths[0] if paths else (root or Path.cwd()), root).override(**flags)
    return config, vault.discover(config, list(paths))


def _whole_vault(config: Config, paths: Sequence[Path]) -> bool:
    """Whether PATHS name the whole vault: none at all, or the vault's own folder."""
    return all(path.resolve() == config.root.resolve() for path in paths)


def _notices(notices: Sequence[str]) -> None:
    for notice in notices:
        click.echo(f"vaulttool: {notice}", err=True)


def _fail(error: VaultToolError, code: int | None = None) -> NoReturn:
    click.echo(f"vaulttool: {error}", err=True)
    sys.exit(code if code is not None else EXIT_USAGE if isinstance(error, (ConfigError, UsageError)) else EXIT_FINDINGS)


@contextlib.contextmanager
def _writer(config: Config, command: str, write: bool = True, debris: Sequence[str] = ()) -> Iterator[None]:
    """Hold the vault's writer lock while `command` writes (nothing to hold when it does not), after
    removing the temporary files a killed run left (`debris`, found by discovery, and under .vaulttool/)."""
    if not write:
        yield
        return
    from vaulttool.disk import fileio
    from vaulttool.disk.lock import VaultLock

    with VaultLock(cache_folder(config.root), command, config.lock_timeout) as lock:
        stale = lock.stale_message()
        if stale:
            click.echo(f"vaulttool: {stale}", err=True)
        removed = fileio.remove_debris([*debris, *vault.state_debris(config.root)], lock.started)
        if removed:
            click.echo(f"vaulttool: removed {removed} temporary file{'s' if removed != 1 else ''} left by a run "
                       "that was killed", err=True)
        yield


@contextlib.contextmanager
def _saying_on_interrupt(written: list[str]) -> Iterator[None]:
    """On Ctrl-C or SIGTERM, first print what was already written (the person may want to commit it)."""
    try:
        yield
    except (KeyboardInterrupt, Terminated):
        for line in written:
            click.echo(line)
        raise


def _escaping_output() -> None:
    """Let standard output and error write what their encoding cannot hold as backslash escapes
    (`\\u041c\\u041e\\u041c` for МОМ) instead of raising UnicodeEncodeError: a cp1252 pipe or file on
    Windows, or PYTHONIOENCODING naming an 8-bit code page. The encoding is kept, so what it can hold
    (Genève on cp1252) is printed as it is and the output stays readable in that encoding; the escapes
    say exactly which character stood there. (Click itself writes UTF-8 to a stream that claims to be
    ASCII, and a Windows console takes any character; errors the user chose, such as
    PYTHONIOENCODING=cp1252:replace, are kept.)"""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "surrogateescape"):
            with contextlib.suppress(AttributeError, ValueError, OSError):  # (not a TextIOWrapper, or closed)
                stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


class _Group(click.Group):
    """The command group, with the exit codes of interrupted runs: 130 for SIGINT (Ctrl-C), 143 for
    SIGTERM, after a line saying so (click's own handling would exit 1, the code for findings)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _escaping_output()  # before anything is printed, click's usage errors too
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        previous = signal.signal(signal.SIGTERM, _terminated) if hasattr(signal, "SIGTERM") else None
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("vaulttool: interrupted; notes not yet written are as they were", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Terminated:
            click.echo("vaulttool: terminated; notes not yet written are as they were", err=True)
            sys.exit(EXIT_TERMINATED)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`vaulttool 0.1.0 (obsidian-vaulttool 0.1.0)`: the distribution's name tells this vaulttool from
    the unrelated PyPI project of the same name, and its installed version shows a stale install."""
    if not value or ctx.resilient_parsing:
        return
    from importlib import metadata

    try:
        installed = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        installed = "not installed, run from a source tree"
    click.echo(f"vaulttool {__version__} ({DISTRIBUTION} {installed})")
    ctx.exit()


def _terminated(signum: int, frame: object) -> None:
    raise Terminated()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and the distribution it was installed from, and exit.")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Treat this folder as the vault's root (default: the nearest folder above the PATHS "
                   "holding vaulttool.toml or .obsidian/).")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Keep an Obsidian vault's frontmatter correct without ever damaging a note."""
    ctx.obj = {"root": root}


# --- validate, roundtrip, check ----------------------------------------------------------------


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
        _fail(StateWriteError(f"{error.filename}: {error.strerror}"))
    except VaultToolError as error:
        _fail(error)
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
        _fail(UsageError("--dry-run goes with --fix"))
    fixed = None
    try:
        config, notes = _load(paths, output_format=output_format, strict=strict, jobs=jobs, lock_timeout=lock_timeout)
        whole_vault = _whole_vault(config, paths)
        with _writer(config, "validate --fix", fix and not dry_run, notes.debris):
            result = validate_command.run(config, notes, use_cache=not no_cache, whole_vault=whole_vault)
            if fix:
                from vaulttool.commands import fix as fix_command

                fixed = fix_command.run(config, notes, result.findings, write=not dry_run)
                if fixed.changed and not dry_run:  # what is left, as the notes now read
                    result = validate_command.run(config, notes, use_cache=not no_cache, whole_vault=whole_vault)
    except VaultToolError as error:
        _fail(error)
    _notices(result.notices)
    findings = result.findings + notes.problems
    if fixed is not None:
        findings = sorted(new_to(findings, fixed.fixed) + fixed.findings)
    _exit_with_findings(findings, result.notes, config, fixed)


def _exit_with_findings(findings: Sequence[Finding], notes: int, config: Config,
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
        config, notes = _load(paths, jobs=jobs)
        outcomes = roundtrip_command.run(config, notes)
    except VaultToolError as error:
        _fail(error)
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
        config, notes = _load(paths, output_format=output_format)
        result = validate_command.run(config, notes, whole_vault=_whole_vault(config, paths), prove_round_trip=True)
        tier_findings = tiers_command.check_findings(tiers_command.plan(config, notes, validated=result.findings))
        findings = result.findings + new_to(tier_findings, result.findings) + notes.problems  # each once
    except VaultToolError as error:
        _fail(error)
    _exit_with_findings(sorted(findings), len(notes), config)


# --- refresh ----------------------------------------------------------------------------------


def _refresh_records(report: RefreshReport) -> list[dict[str, Any]]:
    return [{"path": o.display, "id": o.entity_id, "status": o.status, "reason": o.reason, "keys": o.keys,
             "messages": o.messages, "code": o.finding.code if o.finding else None,
             "findings": [asdict(finding) for finding in o.notices]} for o in report.outcomes]


def _echo_refresh(report: RefreshReport, validated: bool = False) -> None:
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
        config, notes = _load(paths, lock_timeout=lock_timeout)
        with _writer(config, "refresh", write, notes.debris):
            client = refresh_command.client_for(config, offline)
            written: list[str] = []
            with _progress(len(notes)) as step, _saying_on_interrupt(written):
                report = refresh_command.run(config, notes, client, write=write, diff=dry_run,
                                             fix_redirects=fix_redirects, qids=wanted,
                                             allow_removals=allow_removals, as_of=as_of.date() if as_of else None,
                                             rest_of_vault=None if _whole_vault(config, paths)
                                             else lambda: vault.discover(config, []),
                                             progress=step, log=written)
    except VaultToolError as error:
        _fail(error)
    summary = report.summary(unreadable_failed=True)
    summary["failed"] += len(notes.problems)
    if output_format == "json":
        click.echo(json.dumps({"notes": _refresh_records(report), "summary": summary}, ensure_ascii=True, indent=2))
    else:
        click.echo(render(notes.problems, "text"), nl=False)
        _echo_refresh(report)
        _notices(report.warnings + report.errors)
        verb = "changed" if write else "would change"
        click.echo(f"{summary['checked']} notes checked, {summary['changed']} {verb}, {summary['failed']} failed; "
                   f"{summary['requests']} requests", err=True)
    sys.exit(EXIT_FINDINGS if summary["failed"] or (check and summary["changed"]) else EXIT_CLEAN)


class _progress:
    """A progress bar on a terminal; nothing in CI logs or pipes."""

    def __init__(self, total: int) -> None:
        show = sys.stderr.isatty() and not os.environ.get("CI") and total > 1
        self.bar = click.progressbar(length=total, label="refreshing", file=sys.stderr) if show else None

    def __enter__(self) -> Callable[[], None] | None:
        if self.bar is None:
            return None
        self.bar.__enter__()
        return lambda: self.bar.update(1)  # type: ignore[union-attr]

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, traceback)


# --- tiers ------------------------------------------------------------------------------------


@main.command()
@paths_argument
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing missing stubs, stale links sections "
                                            "and orphaned tier notes.")
@click.option("--dry-run", is_flag=True, help="Print what would be created or changed; write nothing.")
@click.option("--fail-on-change", is_flag=True, help="Exit 1 when a file was created or changed (for pre-commit).")
@findings_format()
@lock_option
def tiers(paths: tuple[Path, ...], check: bool, dry_run: bool, fail_on_change: bool, output_format: str | None,
          lock_timeout: float | None) -> None:
    """Create the missing access-tier stubs of standard notes and their links sections.

    PATHS are standard notes, tier notes (checked for a standard note behind them) or folders.
    Only the links section of a standard note is ever rewritten; every other byte stays.
    """
    from vaulttool.commands import tiers as tiers_command

    write = not (check or dry_run)
    try:
        config, notes = _load(paths, output_format=output_format, lock_timeout=lock_timeout)
        report = tiers_command.plan(config, notes)
        # Most runs (a pre-commit hook on every commit) have nothing to write: they need no lock, and
        # neither wait for another writer nor pay for the lock library. One that writes plans again
        # under the lock, as another writer may have changed the vault in between.
        if write and (report.actions or notes.debris):
            with _writer(config, "tiers", write, notes.debris):
                report = tiers_command.plan(config, notes)
                with _saying_on_interrupt(report.done):
                    tiers_command.apply(report)
        report.findings += notes.problems
    except VaultToolError as error:
        _fail(error)
    if check:
        findings = tiers_command.check_findings(report)
        click.echo(render(findings, config.output_format), nl=False)
        click.echo(f"{len(notes)} notes checked: {len(findings)} tier problems", err=True)
        sys.exit(EXIT_FINDINGS if error_count(findings) else EXIT_CLEAN)
    for action in report.actions if dry_run else []:
        click.echo(tiers_command.diff(action), nl=False)
    for line in report.done:
        click.echo(line)
    click.echo(render(sorted(report.findings), config.output_format), nl=False)
    written = len(report.actions) if dry_run else len(report.done)
    click.echo(f"{len(notes)} notes checked: {'would write' if dry_run else 'wrote'} {written} files, "
               f"{len(report.findings)} problems", err=True)
    sys.exit(EXIT_FINDINGS if error_count(report.findings) or (fail_on_change and report.done) else EXIT_CLEAN)


# --- new --------------------------------------------------------------------------------------


@main.command()
@click.argument("entity_id", metavar="Q…")
@click.option("--folder", default=None, metavar="FOLDER",
              help="The vault folder the note goes in, under the standard notes' folder. [default: _Standards]")
@click.option("--offline", is_flag=True, help="Use the answer stored under .vaulttool/ alone.")
@click.option("--dry-run", is_flag=True, help="Print the note and the stubs it would get; write nothing.")
@lock_option
def new(entity_id: str, folder: str | None, offline: bool, dry_run: bool, lock_timeout: float | None) -> None:
    """Create the standard note of a Wikidata item, with its frontmatter, links section and tier stubs.

    The note is named from the item's English short name and label (`IOM(International_Organization_for_Migration)`);
    an existing note, or an id another note already has, is never replaced.
    """
    from vaulttool.commands import new as new_command
    from vaulttool.commands import refresh as refresh_command

    if not new_command.is_item_id(entity_id):
        raise click.BadParameter(f"{entity_id!r} is not a Wikidata item id (Q followed by digits, no leading 0, "
                                 "at most Q2147483647)", param_hint="Q…")
    try:
        root = (click.get_current_context().find_root().obj or {}).get("root")
        config = vault.open_vault(root or Path.cwd(), root).override(lock_timeout=lock_timeout)
        with _writer(config, "new", not dry_run):
            report = new_command.run(config, entity_id, folder, refresh_command.client_for(config, offline),
                                     write=not dry_run)
    except VaultToolError as error:
        _fail(error)
    if dry_run:
        click.echo(f"--- would create {report.vault_path}")
        click.echo(report.data.decode("utf-8"), nl=False)
        for stub in report.stubs:
            click.echo(f"--- would create {stub}")
    for line in report.done:
        click.echo(line)
    _notices(report.messages)
    sys.exit(EXIT_CLEAN)


# --- sync -------------------------------------------------------------------------------------

SYNC_STATUS = {"clean": EXIT_CLEAN, "findings": EXIT_FINDINGS, "changed": EXIT_CHANGED, "failed": EXIT_FAILED}


@main.command()
@click.argument("vault_path", metavar="[VAULT]", required=False, type=click.Path(path_type=Path))
@click.option("--offline", is_flag=True, help="Refresh from the responses stored under .vaulttool/ alone.")
@click.option("--dry-run", is_flag=True, help="Show what refresh and tiers would write; write nothing.")
@findings_format(("text", "json"))
@lock_option
def sync(vault_path: Path | None, offline: bool, dry_run: bool, output_format: str | None,
         lock_timeout: float | None) -> None:
    """Validate, refresh from Wikidata, then write tier stubs and links sections: one summary.

    \b
    Exit codes:
      0  clean: nothing to change, no findings
      1  findings: validate or tiers found problems (nothing failed)
      2  usage or configuration error
      3  changed: notes or tier files were written (would be, with --dry-run); no findings
      4  failed: some notes could not be refreshed or written, or another writer held the vault
    """
    from vaulttool.commands import sync as sync_command

    try:
        config, notes = _load([vault_path] if vault_path else [], lock_timeout=lock_timeout)
        with _writer(config, "sync", not dry_run, notes.debris):
            written: list[str] = []
            with _saying_on_interrupt(written):
                result = sync_command.run(config, notes, offline=offline, dry_run=dry_run, progress=_progress,
                                          log=written)
            result.validation.findings += notes.problems
    except VaultToolError as error:
        from vaulttool.disk.lock import LockBusyError

        _fail(error, EXIT_FAILED if isinstance(error, (LockBusyError, StateWriteError)) else None)
    _notices(result.validation.notices + result.refreshed.warnings + result.refreshed.errors)
    status = result.status
    summary = {**result.summary(), "exit_code": SYNC_STATUS[status], "dry_run": dry_run}
    if output_format == "json":
        findings = result.validation.findings + result.tier_findings
        document = {"summary": summary, "findings": json.loads(render(findings, "json"))["findings"],
                    "refresh": _refresh_records(result.refreshed), "tiers": result.tiered.done}
        click.echo(json.dumps(document, ensure_ascii=True, indent=2))
    else:
        click.echo(render(result.validation.findings, "text"), nl=False)
        _echo_refresh(result.refreshed, validated=True)
        for line in result.tiered.done:
            click.echo(line)
        click.echo(render(result.tier_findings, "text"), nl=False)
        v, r, t = summary["validate"], summary["refresh"], summary["tiers"]
        click.echo(f"sync: {v['notes']} notes validated ({v['errors']} errors, {v['warnings']} warnings); "
                   f"refresh: {r['checked']} checked, {r['changed']} {'would change' if dry_run else 'changed'}, "
                   f"{r['failed']} failed, {r['requests']} requests; tiers: {t['written']} files "
                   f"{'to write' if dry_run else 'written'}, {t['problems']} problems; {status}", err=True)
    sys.exit(SYNC_STATUS[status])
