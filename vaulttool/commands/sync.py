"""The sync command's work: validate, refresh, then tiers over the whole vault. Free of click; the
caller holds the writer lock around `run`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vaulttool.commands import refresh, tiers, validate
from vaulttool.commands.progress import Progress
from vaulttool.config.settings import Config
from vaulttool.disk.vault import NoteFile
from vaulttool.findings import NOT_WRITTEN

CLEAN, FINDINGS, CHANGED, FAILED = "clean", "findings", "changed", "failed"


@dataclass
class SyncResult:
    validation: validate.ValidateResult
    refreshed: refresh.RefreshReport
    tiered: tiers.TiersReport
    dry_run: bool

    @property
    def written(self) -> list[tiers.Action]:
        """Tier files written (with a dry run: that would be written)."""
        return self.tiered.actions if self.dry_run else self.tiered.written

    def status(self, failing: bool) -> str:
        """The run's status, given whether its findings (those shown) fail it."""
        if self.refreshed.summary()["failed"] or any(f.code in NOT_WRITTEN for f in self.tiered.findings):
            return FAILED
        if failing:
            return FINDINGS
        if self.refreshed.summary()["changed"] or self.written:
            return CHANGED
        return CLEAN


def run(config: Config, notes: Sequence[NoteFile], *, offline: bool, dry_run: bool,
        progress: Progress | None = None, log: list[str] | None = None) -> SyncResult:
    """Validate, refresh and tiers; `log` gets a line for each file as soon as it is written.
    `progress` gets each command's phases in turn."""
    write = not dry_run
    validation = validate.run(config, notes, progress=progress)
    client = refresh.client_for(config, offline)
    refreshed = refresh.run(config, notes, client, write=write, diff=dry_run, progress=progress, log=log)
    tiered = tiers.run(config, notes, write, log, progress)
    return SyncResult(validation, refreshed, tiered, dry_run)
