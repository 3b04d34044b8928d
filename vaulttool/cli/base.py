"""The command group and what its commands share: path and lock options, exit codes, the writer
lock and the handling of interrupted runs (the output options and formats are `cli.output`'s).

Exit codes: 0 clean; 1 findings, or with --check something would change, or some notes failed;
2 usage or configuration error. `sync` tells more apart: 3 changed, 4 failed (see `sync --help`).
Commands that write take the vault's writer lock first. Network code is imported only by commands
that need it, so the pre-commit hook starts fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any, Iterator, NoReturn, Sequence

import click

from vaulttool import DISTRIBUTION, __version__
from vaulttool.config.settings import Config
from vaulttool.disk import vault
from vaulttool.disk.store import HOLDER_NAME, cache_folder
from vaulttool.errors import ConfigError, Terminated, UsageError, VaultToolError
from vaulttool.findings import plural

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_CHANGED, EXIT_FAILED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them

paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
                           help="Worker processes for large runs; 0 uses every core. [default: from config, 0]")
lock_option = click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
                           help="How long to wait for another vaulttool writing this vault. [default: from config, 60]")


def open_config(paths: Sequence[Path], **flags: object) -> Config:
    """The config of the vault PATHS (or --root, or the working folder) are in, with the flags given."""
    root = (click.get_current_context().find_root().obj or {}).get("root")
    return vault.open_vault(paths[0] if paths else (root or Path.cwd()), root).override(**flags)


def nearest_existing(path: Path) -> Path:
    """`path`, or the nearest folder above it that exists (a note already deleted or moved, named
    anyway): where to look for the vault it was in."""
    return next((candidate for candidate in (path, *path.parents) if os.path.lexists(candidate)), Path.cwd())


def load_vault(paths: Sequence[Path], writing: str | None = None, **flags: object) -> tuple[Config, vault.Discovered]:
    """The vault's config and the notes under PATHS. `writing`: the command, when it may write: it first
    waits while another vaulttool writes (see wait_for_writer)."""
    config = open_config(paths, **flags)
    if writing is not None:
        wait_for_writer(config, writing)
    return config, vault.discover(config, list(paths))


def is_whole_vault(config: Config, paths: Sequence[Path]) -> bool:
    """Whether PATHS name the whole vault: none at all, or the vault's own folder."""
    return all(path.resolve() == config.root.resolve() for path in paths)


# Where `cli.output` leaves, for `fail`, what prints a failed run's JSON document (with --format json).
ON_FAILURE = "vaulttool.on_failure"


def fail(error: VaultToolError, code: int | None = None) -> NoReturn:
    """Stop with `error`: a line on standard error, and with --format json the command's document too,
    holding the error, so that a program reading standard output never gets nothing."""
    code = code if code is not None else EXIT_USAGE if isinstance(error, (ConfigError, UsageError)) else EXIT_FINDINGS
    context = click.get_current_context(silent=True)
    on_failure = context.meta.get(ON_FAILURE) if context is not None else None
    if on_failure is not None:
        on_failure(code, str(error))
    click.echo(f"vaulttool: {error}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def writer(config: Config, command: str, write: bool = True, debris: Sequence[str] = ()) -> Iterator[None]:
    """Hold the vault's writer lock while `command` writes (nothing to hold when it does not), after
    removing the temporary files a killed run left (`debris`, found by discovery, and under .vaulttool/)."""
    if not write:
        yield
        return
    from vaulttool.disk import fileio
    from vaulttool.disk.lock import VaultLock

    with VaultLock(cache_folder(config.root), command, config.lock_timeout, waiting=_say_waiting) as lock:
        stale = lock.stale_message()
        if stale:
            click.echo(f"vaulttool: {stale}", err=True)
        removed = fileio.remove_debris([*debris, *vault.state_debris(config.root)], lock.started)
        if removed:
            click.echo(f"vaulttool: removed {plural(removed, 'temporary file')} left by a run that was killed",
                       err=True)
        yield


def _say_waiting(message: str) -> None:
    click.echo(f"vaulttool: {message}", err=True)


def wait_for_writer(config: Config, command: str) -> None:
    """Before a command that may write reads the vault: wait while another vaulttool writes it (saying
    so), so that its plan never sees that writer's work half done. Takes no lock, and costs one stat
    when no one writes (the pre-commit hook's usual run)."""
    folder = cache_folder(config.root)
    # A holder leaves its record while it holds the lock: without one, no writer is at work, and the
    # lock library need not even be imported.
    if (folder / HOLDER_NAME).exists():
        from vaulttool.disk.lock import VaultLock

        VaultLock(folder, command, config.lock_timeout, waiting=_say_waiting).wait()


@contextlib.contextmanager
def saying_on_interrupt(written: list[str]) -> Iterator[None]:
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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands, each with the whole first sentence of its help, wrapped (click's own list cuts
        it to the width left on the line and ends it in "...")."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        previous = signal.signal(signal.SIGTERM, _terminated) if hasattr(signal, "SIGTERM") else None
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _stopping()
            click.echo("vaulttool: interrupted; notes not yet written are as they were", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Terminated:
            _stopping()
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


def _stopping() -> None:
    """A run stopped by a signal: the temporary files it left where the signal struck are removed,
    with a second signal held off meanwhile (SIGTERM stays ignored until `invoke` puts its handler back)."""
    from vaulttool.disk import fileio

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        fileio.remove_own_temps()
    finally:
        signal.signal(signal.SIGINT, previous)


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


