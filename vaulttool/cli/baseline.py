"""`baseline`: accept today's findings, so that `check`, `validate` and the hooks fail only on new ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaulttool.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    fail,
    is_whole_vault,
    load_vault,
    lock_option,
    main,
    paths_argument,
    writer,
)
from vaulttool.cli.notes import check_findings
from vaulttool.cli.output import FileRecord, Outcome, OutputOptions, Reporter, findings_summary, output_options
from vaulttool.errors import VaultToolError
from vaulttool.findings import plural
from vaulttool.rules.baseline import BASELINE_FILE


@main.command()
@paths_argument
@output_options(("text", "json"), findings=False)
@lock_option
def baseline(paths: tuple[Path, ...], out: OutputOptions, lock_timeout: float | None) -> None:
    """Record what `check` finds today in vaulttool-baseline.json at the vault root, to commit: from
    then on `check`, `validate` and the hooks report only findings it does not hold, count the others,
    and say when some of its entries no longer occur (run `baseline` again to shrink it).

    An entry is a note's path, the finding's code and a fingerprint of the line it is on, so it holds
    when the line moves. With PATHS, only the entries of those notes are written again.
    """
    from vaulttool.commands import baseline as baseline_command

    try:
        config, notes = load_vault(paths, lock_timeout=lock_timeout)
        reporter = Reporter("baseline", out, config)
        whole_vault = is_whole_vault(config, paths)
        findings, ignored = check_findings(config, notes, reporter, whole_vault)
        shown, _ = reporter.shown(findings, ignored)
        keys = [key for _, key in baseline_command.keyed(shown, config.root, reporter.vault_path) if key is not None]
        with writer(config, "baseline", True, notes.debris):
            recorded = baseline_command.record(config.root, keys, None if whole_vault else
                                               baseline_command.scope(config.root, paths))
        # Reported as `check` would now report it: what the file accepts is counted, not listed.
        reporter.use_baseline(paths, baseline_command.every_code)
    except VaultToolError as error:
        fail(error)
    size = f"{plural(recorded.entries, 'finding')} in {plural(recorded.notes, 'note')}"
    if not recorded.present:
        reporter.line(f"no findings: {BASELINE_FILE} not written")
    elif recorded.action is None:
        reporter.line(f"{BASELINE_FILE} unchanged: {size}")
    else:
        was = f" (was {recorded.before})" if recorded.action == "update" and recorded.before is not None else ""
        reporter.line(f"{recorded.action}d {BASELINE_FILE}: {size}{was}")
    files = [FileRecord(BASELINE_FILE, recorded.action, True)] if recorded.action else []
    counts = {"notes": len(notes), "files": len(files), "entries": recorded.entries}

    def summary(counts: dict[str, Any]) -> str:
        return f"{plural(counts['notes'], 'note')} checked: {findings_summary(counts)}"

    # Findings no baseline holds (a file not written, a vaulttool bug) are still reported, and fail.
    reporter.finish(Outcome(findings, files, counts, ignored=ignored), summary,
                    lambda failing: EXIT_FINDINGS if failing else EXIT_CLEAN)
