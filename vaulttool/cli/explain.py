"""`explain`: what a finding code means, why it matters in Obsidian, and how to fix it."""

from __future__ import annotations

import click

from vaulttool.cli.base import EXIT_CLEAN, fail, main
from vaulttool.cli.output import Outcome, OutputOptions, Reporter, output_options
from vaulttool.errors import UsageError
from vaulttool.findings import CODES


@main.command()
@click.argument("code", required=False)
@click.option("--list", "list_codes", is_flag=True, help="List every code with its severity and name (the default "
                                                         "without CODE).")
@output_options(("text", "json"), findings=False)
def explain(code: str | None, list_codes: bool, out: OutputOptions) -> None:
    """Say what finding CODE (say VT201, any case) means, why it matters in Obsidian, and how to fix it.
    Without CODE, list every code."""
    from vaulttool import explanations

    reporter = Reporter("explain", out)
    codes = list(CODES) if code is None or list_codes else [code]
    try:
        records = [explanations.record(one) for one in codes]
    except KeyError:
        fail(UsageError(f"no finding code {str(code).strip()!r}; `vaulttool explain` lists them"))
    reporter.essential(explanations.listing() if len(codes) > 1 else explanations.explain(codes[0]), nl=False)
    reporter.finish(Outcome(codes=records, counts={"files": 0}), None, lambda failing: EXIT_CLEAN)
