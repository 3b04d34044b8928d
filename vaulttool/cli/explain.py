"""`explain`: what a finding code means, why it matters in Obsidian, and how to fix it."""

from __future__ import annotations

import click

from vaulttool.cli.base import fail, main
from vaulttool.errors import UsageError


@main.command()
@click.argument("code", required=False)
@click.option("--list", "list_codes", is_flag=True, help="List every code with its severity and name (the default "
                                                         "without CODE).")
def explain(code: str | None, list_codes: bool) -> None:
    """Say what finding CODE (say VT201, any case) means, why it matters in Obsidian, and how to fix it.
    Without CODE, list every code."""
    from vaulttool import explanations

    if code is None or list_codes:
        click.echo(explanations.listing(), nl=False)
        return
    try:
        text = explanations.explain(code)
    except KeyError:
        fail(UsageError(f"no finding code {code.strip()!r}; `vaulttool explain` lists them"))
    click.echo(text, nl=False)
