"""The sync command's work: validate, refresh, entities, then tiers over the whole vault. Free of
click; the caller holds the writer lock around `run`. The entity notes made are given to tiers with
the other notes, so they get their stubs (where `[tiers] skip` does not keep them from it) at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vaulttool.commands import entities as entities_step
from vaulttool.commands import refresh, tiers, validate
from vaulttool.commands.progress import Progress
from vaulttool.config.settings import Config
from vaulttool.disk.vault import NoteFile
from vaulttool.findings import NOT_WRITTEN
from vaulttool.wikidata.linkpattern import LinkPatternError

CLEAN, FINDINGS, CHANGED, FAILED = "clean", "findings", "changed", "failed"


@dataclass
class SyncResult:
    validation: validate.ValidateResult
    refreshed: refresh.RefreshReport
    entities: entities_step.EntitiesReport
    tiered: tiers.TiersReport
    dry_run: bool

    @property
    def entities_written(self) -> list[entities_step.Action]:
        """Entity notes written (with a dry run: that would be written)."""
        return self.entities.actions if self.dry_run else self.entities.written

    @property
    def written(self) -> list[tiers.Action]:
        """Tier files written (with a dry run: that would be written)."""
        return self.tiered.actions if self.dry_run else self.tiered.written

    def status(self, failing: bool) -> str:
        """The run's status, given whether its findings (those shown) fail it."""
        if self.refreshed.summary()["failed"] or self.entities.failed or any(
                f.code in NOT_WRITTEN for f in [*self.entities.findings, *self.tiered.findings]):
            return FAILED
        if failing:
            return FINDINGS
        relinked = self.entities.relinked
        moved = relinked is not None and bool(relinked.renames or relinked.rewrites if self.dry_run else relinked.done)
        if self.refreshed.summary()["changed"] or self.entities_written or moved or self.written:
            return CHANGED
        return CLEAN


def run(config: Config, notes: Sequence[NoteFile], *, offline: bool, dry_run: bool,
        progress: Progress | None = None, log: list[str] | None = None) -> SyncResult:
    """Validate, refresh, entities and tiers; `log` gets a line for each file as soon as it is written.
    `progress` gets each command's phases in turn."""
    write = not dry_run
    skipped: entities_step.EntitiesReport | None = None
    prepared: entities_step.Prepared | None = None
    try:  # (a template that cannot work stops the run here, before anything is written)
        prepared = entities_step.prepare(config)
    except LinkPatternError as error:  # a link pattern entity notes cannot follow: the vault has none
        skipped = entities_step.EntitiesReport(notices=[f"entities: skipped: {error}"])
    validation = validate.run(config, notes, progress=progress)
    client = refresh.client_for(config, offline)
    refreshed = refresh.run(config, notes, client, write=write, diff=dry_run, progress=progress, log=log)
    entity_notes = skipped or entities_step.run(config, notes, client, write=write, log=log, progress=progress,
                                                prepared=prepared)
    made = entities_step.created_files(entity_notes)
    tiered = tiers.run(config, sorted([*notes, *made], key=lambda file: file.vault_path) if made else notes,
                       write, log, progress, whole_vault=True)
    return SyncResult(validation, refreshed, entity_notes, tiered, dry_run)
