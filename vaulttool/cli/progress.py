"""The progress bars of the long commands (validate, roundtrip, refresh, entities, tiers, sync), on standard error.

A bar is for a person watching a terminal: it is drawn only when standard error is one, and never
under CI (the variable CI set, as every CI service sets it: a log keeps each frame), with
`--format json` (a program reads the run) or when asked to be quiet. A phase of one step or none
gets no bar; it would only flash. The commands report their phases and totals
(vaulttool.commands.progress); click draws the bar.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Iterator

import click

from vaulttool.commands.progress import (
    ENTITIES,
    REFRESH,
    ROUNDTRIP,
    TIERS_PLAN,
    TIERS_WRITE,
    VALIDATE,
    Advance,
    Progress,
)

LABELS = {VALIDATE: "validating", ROUNDTRIP: "round-tripping", REFRESH: "refreshing", ENTITIES: "reading links",
          TIERS_PLAN: "planning tiers", TIERS_WRITE: "writing tiers"}
_WIDTH = max(len(label) for label in LABELS.values())  # sync's bars, one under another, line up


def shown(output_format: str | None = None, quiet: bool = False) -> bool:
    """Whether this run shows progress bars at all."""
    if quiet or output_format == "json" or os.environ.get("CI"):
        return False
    stream = sys.stderr
    return stream is not None and stream.isatty()


def progress_bars(output_format: str | None = None, quiet: bool = False) -> Progress | None:
    """What to give a command as its `progress`: a bar for each phase, or None when none is shown."""
    return _bar if shown(output_format, quiet) else None


@contextlib.contextmanager
def _bar(phase: str, total: int) -> Iterator[Advance | None]:
    if total <= 1:
        yield None
        return
    # click redraws on each update that changes the line, and on leaving ends the line, so the
    # last frame (100% once every step is counted) stays on the screen above what follows.
    with click.progressbar(length=total, label=LABELS.get(phase, phase).ljust(_WIDTH), file=sys.stderr) as bar:
        started = False

        def advance(steps: int) -> None:
            nonlocal started
            if not started:
                # The ETA is the time a step took so far times the steps left: timed from the first
                # step, not from the bar's start, as what comes before it (worker processes starting,
                # the stubs of renamed notes looked for) is no step's and does not come again.
                started = True
                bar.start = bar.last_eta = time.time()
            bar.update(steps)

        yield advance
