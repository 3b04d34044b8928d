"""The `vaulttool` command line: the only package importing click. Options, output formats and exit
codes live here (`base`); each command's work is in `vaulttool.commands`.

Exit codes: 0 clean; 1 findings, or with --check something would change, or some notes failed;
2 usage or configuration error. `sync` tells more apart: 3 changed, 4 failed (see `sync --help`).
Commands that write take the vault's writer lock first. Network code is imported only by commands
that need it, so the pre-commit hook starts fast.
"""

from vaulttool.cli import baseline, entities, explain, links, mv, new, notes, refresh, rm, sync, tiers  # noqa: F401  (each registers its commands)
from vaulttool.cli.base import main

__all__ = ["main"]
