"""The one output contract every command keeps: the options that shape output, and `Reporter`,
which prints a command's findings, files and counts in text, JSON or GitHub annotations and exits.

Every JSON document has the same top level (`vaulttool/schemas/output.schema.json`): `command`,
`exit_code`, `findings` (each with its severity and code), `files` (written, or that would be),
`summary` (counts: `errors`, `warnings` and `suppressed` always), and for some commands `notes` (one
record a note) and `fixed`. Text goes to standard output, the summary line to standard error.

`check`, `validate` and `baseline` honour the vault's baseline (`rules.baseline`): the findings it
accepts are counted (`baselined`), not printed, and in JSON listed with `"baselined": true`.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NoReturn, Sequence

import click

from vaulttool import __version__
from vaulttool.cli.base import ON_FAILURE
from vaulttool.cli.progress import progress_bars
from vaulttool.commands.progress import Progress
from vaulttool.config.settings import OUTPUT_FORMATS, Config
from vaulttool.disk.vault import is_inside, vault_path_of
from vaulttool.findings import ERROR, Finding, code_selectors, error_count, plural, render
from vaulttool.rules.baseline import BASELINE_FILE, Key, match
from vaulttool.rules.suppress import Suppressions

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """What the person asked of the output on the command line (None: as vaulttool.toml says)."""

    output_format: str | None = None
    strict: bool | None = None
    quiet: bool = False
    verbose: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def _selectors(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> tuple[str, ...]:
    try:
        return code_selectors(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def output_options(formats: Sequence[str] = OUTPUT_FORMATS, findings: bool = True) -> Callable[[Any], Any]:
    """The output options of a command, given to it as one `out: OutputOptions` argument: --format,
    --quiet and --verbose everywhere; --strict, --select and --ignore where findings are printed."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def with_options(*args: Any, output_format: str | None, quiet: bool, verbose: bool, strict: bool | None = None,
                         select: tuple[str, ...] = (), ignore: tuple[str, ...] = (), **kwargs: Any) -> Any:
            if quiet and verbose:
                raise click.UsageError("--quiet and --verbose exclude each other")
            out = OutputOptions(output_format, strict, quiet, verbose, select, ignore)
            _on_failure(output_format)  # (for `fail`, before the config is read)
            return command(*args, out=out, **kwargs)

        options = [
            click.option("--format", "output_format", type=click.Choice(formats), default=None,
                         help="Output as " + ", ".join(formats) + ". [default: text, or [validate] format]"),
            click.option("--quiet", "-q", is_flag=True,
                         help="Print only what fails the run: errors (warnings too with --strict), no changes "
                              "or summary."),
            click.option("--verbose", "-v", is_flag=True, help="Also print each file written and each note passed by."),
        ]
        if findings:
            options += [
                click.option("--strict/--no-strict", default=None,
                             help="Exit 1 on warnings too. [default: [validate] strict, else no]"),
                click.option("--select", multiple=True, metavar="CODE", callback=_selectors,
                             help="Report only these codes or prefixes (VT401, VT4; repeatable, or comma-separated)."),
                click.option("--ignore", multiple=True, metavar="CODE", callback=_selectors,
                             help="Do not report these codes or prefixes (repeatable, or comma-separated)."),
            ]
        for option in reversed(options):
            with_options = option(with_options)
        return with_options

    return decorate


@dataclass
class FileRecord:
    path: str
    action: str  # CREATE or UPDATE
    written: bool  # False: it would be (a dry run), or it could not be


@dataclass
class Outcome:
    """What one command has to say, in every format."""

    findings: list[Finding] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)  # the command's own counts, before the common ones
    notes: list[dict[str, Any]] | None = None  # one record a note, where the command has them
    fixed: list[Finding] | None = None
    codes: list[dict[str, str]] | None = None  # explain: the codes it explains
    ignored: Mapping[str, frozenset[str]] = field(default_factory=dict)  # each note's vaulttool_ignore codes


class Reporter:
    """Prints for one command run, as its options and the vault's config say."""

    def __init__(self, command: str, out: OutputOptions, config: Config | None = None,
                 formats: Sequence[str] = OUTPUT_FORMATS) -> None:
        self.command = command
        configured = config.output_format if config and config.output_format in formats else "text"
        self.format = out.output_format or configured
        self.strict = out.strict if out.strict is not None else bool(config and config.strict)
        self.quiet = out.quiet
        self.verbose = out.verbose
        self.suppressions = Suppressions(tuple(config.ignore.items()) if config else (), out.select, out.ignore)
        self._root = str(config.root.resolve()) if config else None
        self._config = config
        self._baseline: Counter[Key] | None = None  # the baseline's entries, where the command honours one
        self._judged: Callable[[Key], bool] = lambda key: False
        _on_failure(self.format)

    @property
    def text(self) -> bool:
        """Whether lines for people are printed: not in JSON, and not with --quiet."""
        return self.format != "json" and not self.quiet

    def progress(self) -> Progress | None:
        """The progress bars to give the command: on a terminal, unless JSON or --quiet is asked for."""
        return progress_bars(self.format, self.quiet)

    def line(self, text: str = "", nl: bool = True) -> None:
        """A line for people on standard output (a change, a diff); none in JSON or with --quiet."""
        if self.text:
            click.echo(text, nl=nl)

    def essential(self, text: str = "", nl: bool = True) -> None:
        """A line --quiet prints too (not JSON): what the command was asked for, or why it exits
        non-zero (a note that failed, or that would change under --check)."""
        if self.format != "json":
            click.echo(text, nl=nl)

    def detail(self, text: str) -> None:
        """A line only --verbose prints."""
        if self.verbose and self.format != "json":
            click.echo(text)

    def notice(self, text: str) -> None:
        """`vaulttool: …` on standard error: what to know beside the findings; none with --quiet."""
        if not self.quiet:
            click.echo(f"vaulttool: {text}", err=True)

    def vault_path(self, display: str) -> str | None:
        """The vault path of a file as findings name it (None: not in the vault)."""
        if self._root is None:
            return None
        path = os.path.abspath(display)
        return vault_path_of(path, self._root) if is_inside(path, self._root) else None

    def shown(self, findings: Iterable[Finding], ignored: Mapping[str, frozenset[str]]) -> tuple[list[Finding], int]:
        """The findings not suppressed, sorted, and how many were."""
        shown, suppressed = self.suppressions.apply(findings, ignored, self.vault_path)
        return sorted(shown), suppressed

    def counted(self, findings: Iterable[Finding], ignored: Mapping[str, frozenset[str]]
                ) -> tuple[list[Finding], dict[str, int]]:
        """The findings shown, and the counts every summary has: errors, warnings, suppressed."""
        shown, suppressed = self.shown(findings, ignored)
        errors = error_count(shown)
        return shown, {"errors": errors, "warnings": len(shown) - errors, "suppressed": suppressed}

    def use_baseline(self, paths: Sequence[Path], codes: Callable[[str], bool]) -> None:
        """Have `finish` report only the findings the vault's baseline file (`vaulttool baseline`) does
        not accept, counting the others, and say how many of its entries no longer occur: of those this
        run judges, of the notes under PATHS (the whole vault when none) and the `codes` the command
        reports, less those --select/--ignore hide. Without the file, nothing changes (nor do the
        counts). ConfigError for a file that is no baseline."""
        from vaulttool.commands import baseline

        assert self._config is not None
        self._baseline = baseline.load(self._config.root)
        in_scope = baseline.scope(self._config.root, paths)
        select, ignore = self.suppressions.select, self.suppressions.ignore
        self._judged = lambda key: (in_scope(key.path) and codes(key.code) and not key.code.startswith(ignore)
                                    and (not select or key.code.startswith(select)))

    def _baselined(self, shown: list[Finding], counts: dict[str, int]) -> tuple[list[Finding], list[Finding]]:
        """The findings shown that the baseline does not accept, and those it does; `counts` made to
        count the first as errors and warnings, with `baselined` and `baseline_unused` besides."""
        if self._baseline is None or self._config is None:
            return shown, []
        from vaulttool.commands import baseline

        named = {(key.path, key.code) for key in self._baseline}  # only their notes are read for fingerprints
        keyed = baseline.keyed(shown, self._config.root, self.vault_path, lambda path, code: (path, code) in named)
        matched = match(keyed, self._baseline, self._judged)
        errors = error_count(matched.reported)
        counts.update(errors=errors, warnings=len(matched.reported) - errors, baselined=len(matched.baselined),
                      baseline_unused=matched.unused)
        return matched.reported, matched.baselined

    def failing(self, shown: Iterable[Finding]) -> bool:
        """Whether these findings fail the run: errors, or warnings with --strict."""
        return any(finding.severity == ERROR or self.strict for finding in shown)

    def finish(self, outcome: Outcome, summary: Callable[[dict[str, Any]], str] | None,
               exit_code: Callable[[bool], int]) -> NoReturn:
        """Print `outcome` and exit. `summary` makes the text summary line from the counts;
        `exit_code` gives the exit code from whether the findings shown fail the run (errors, or
        warnings with --strict)."""
        shown, common = self.counted(outcome.findings, outcome.ignored)
        shown, baselined = self._baselined(shown, common)
        code = exit_code(self.failing(shown))  # (which may add to the counts, as sync its status)
        counts = {**outcome.counts, **common}
        suppressed = common["suppressed"]
        if self.format == "json":
            records = [{**finding.record(), **({"baselined": True} if accepted else {})}
                       for finding, accepted in sorted([(f, False) for f in shown] + [(f, True) for f in baselined])]
            document = _document(self.command, code, records, [asdict(record) for record in outcome.files], counts)
            if outcome.notes is not None:
                document["notes"] = outcome.notes
            if outcome.fixed is not None:
                document["fixed"] = [finding.record() for finding in outcome.fixed]
            if outcome.codes is not None:
                document["codes"] = outcome.codes
            # ASCII: JSON's own escapes (`"Gen\u00e8ve.md"`) read back as the same text in every JSON
            # reader, and keep the document the same bytes, and valid, in any console or file encoding.
            click.echo(json.dumps(document, ensure_ascii=True, indent=2))
        else:
            if self.quiet:  # what fails the run: errors, and with --strict warnings too
                shown = [finding for finding in shown if finding.severity == ERROR or self.strict]
            click.echo(render(shown, self.format), nl=False)
            if summary is not None and not self.quiet:
                line = summary(counts)
                hidden = [f"{suppressed} suppressed"] if suppressed else []
                hidden += [f"{len(baselined)} baselined"] if baselined else []
                if hidden:
                    line += f" ({', '.join(hidden)})"
                click.echo(line, err=True)
        if counts.get("baseline_unused"):
            self.notice(f"{plural(counts['baseline_unused'], 'baseline entry', 'baseline entries')} no longer "
                        f"{'occurs' if counts['baseline_unused'] == 1 else 'occur'}: run `vaulttool baseline` "
                        f"to shrink {BASELINE_FILE}")
        sys.exit(code)


def _document(command: str, exit_code: int, findings: list[dict[str, Any]], files: list[dict[str, Any]],
              summary: dict[str, Any]) -> dict[str, Any]:
    return {"vaulttool": __version__, "schema": SCHEMA_VERSION, "command": command, "exit_code": exit_code,
            "findings": findings, "files": files, "summary": summary}


def _on_failure(output_format: str | None) -> None:
    """Have `fail` print the JSON document of a failed run when the output is JSON."""
    context = click.get_current_context(silent=True)
    if context is None:
        return
    command = context.command.name or ""
    context.meta[ON_FAILURE] = (lambda code, error: click.echo(error_document(command, code, error))) \
        if output_format == "json" else None


def error_document(command: str, exit_code: int, error: str) -> str:
    """The JSON document of a run stopped by an error (a usage or configuration error, a busy lock)."""
    document = _document(command, exit_code, [], [], {"errors": 0, "warnings": 0, "suppressed": 0, "files": 0})
    document["error"] = error
    return json.dumps(document, ensure_ascii=True, indent=2)


def findings_summary(counts: Mapping[str, Any]) -> str:
    """`0 errors, 1 warning`."""
    return f"{plural(counts['errors'], 'error')}, {plural(counts['warnings'], 'warning')}"


def schema_path() -> Path:
    """The JSON Schema every command's `--format json` output validates against."""
    return Path(__file__).resolve().parent.parent / "schemas" / "output.schema.json"
