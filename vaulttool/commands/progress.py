"""How the long commands say how far they are, free of any display (the CLI draws the bar).

A command that runs long opens a phase with the number of steps it has, once it knows it (refresh
knows only after reading which notes name an item), and calls the phase's callback with each step
count as those steps are done, so the last call brings the phase to exactly its total. Nobody
watching is `None` at every level: no phase is opened and nothing is counted.
"""

from __future__ import annotations

import contextlib
from typing import Callable, ContextManager

# The phases, as the CLI names them on its bars.
VALIDATE, ROUNDTRIP, REFRESH, TIERS_PLAN, TIERS_WRITE = "validate", "roundtrip", "refresh", "tiers plan", "tiers write"
ENTITIES = "entities"

Advance = Callable[[int], None]  # n more steps are done
# Given a phase and its total of steps, a context yielding the phase's Advance (None: not shown).
Progress = Callable[[str, int], ContextManager[Advance | None]]


def phase(progress: Progress | None, name: str, total: int) -> ContextManager[Advance | None]:
    """The phase `name` of `total` steps, or nothing when no one watches."""
    return progress(name, total) if progress is not None else contextlib.nullcontext()
