"""The new command's work: create the standard note of a Wikidata item. Free of click.

The note is planned in full before anything is written, from the pieces the other commands own: the
name and body come from the item's English label, short name (P1813), description and enwiki
sitelink through the `standard.md` template; the frontmatter is what `refresh` writes for a note that
holds only `aliases` and `has_id_wikidata` (refresh itself runs on it, in a temporary folder outside
the vault, with the vault's client, store and key bindings); the links section and the stubs are what
`tiers` writes. Only then is the note created (never replacing a file) and `tiers` run on it. The caller
holds the writer lock around `run`.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from vaulttool.commands import refresh, tiers
from vaulttool.commands.scan import holder_of
from vaulttool.config.settings import Config
from vaulttool.disk import fileio, vault
from vaulttool.disk.store import Store
from vaulttool.disk.vault import NoteFile
from vaulttool.engine.ids import ITEM_ID_FORM, is_item_id
from vaulttool.engine.note import Note
from vaulttool.engine.paths import check_name, check_vault_path
from vaulttool.engine.scalars import DateText
from vaulttool.errors import ConcurrentChangeError, UnsafePathError, UsageError, VaultToolError
from vaulttool.findings import error_count
from vaulttool.tiers import layout, templates
from vaulttool.tiers.templates import LINK_VARIABLES, Template
from vaulttool.wikidata import mapping
from vaulttool.wikidata.values import safe_label, visible_text

if TYPE_CHECKING:
    from vaulttool.wikidata.client import Client

PROPS = "info|claims|labels|descriptions|sitelinks"
SHORT_NAME = "P1813"
TEMPLATE = "standard.md"
WIKIPEDIA = "https://en.wikipedia.org/wiki/"
RAW_VARIABLES = LINK_VARIABLES | {"same_as", "abstract"}  # built here, escaped already


class NewError(VaultToolError):
    """The note cannot be created: the reason, for the user (exit 1)."""


@dataclass
class NewReport:
    vault_path: str
    data: bytes  # the note as written, or as it would be
    stubs: list[str] = field(default_factory=list)  # the vault paths of the stubs tiers creates
    done: list[str] = field(default_factory=list)  # lines saying what was written
    messages: list[str] = field(default_factory=list)  # what refresh said of the note
    requests: int = 0


@dataclass(frozen=True)
class Planned:
    """The new note before refresh and tiers: its name, vault path and first text."""

    name: str
    vault_path: str
    data: bytes


# --- pure: names and text ----------------------------------------------------------------------

def english(entity: dict[str, Any], key: str) -> str | None:
    """The English label or description of an entity, or None."""
    value = (entity.get(key) or {}).get("en", {}).get("value")
    return value if isinstance(value, str) and value.strip() else None


def short_name(entity: dict[str, Any]) -> str | None:
    """The English value of the item's best-rank `short name` (P1813) statements, or None."""
    for statement in mapping.best_statements(entity.get("claims", {}).get(SHORT_NAME, [])):
        snak = statement.get("mainsnak", {})
        value = snak.get("datavalue", {}).get("value") if snak.get("snaktype") == "value" else None
        if isinstance(value, dict) and value.get("language") == "en" and isinstance(value.get("text"), str) \
                and value["text"].strip():
            return str(value["text"])
    return None


def note_name(label: str, short: str | None, max_label_bytes: int) -> str:
    """`<short name>(<label>)` as the reference note is named, or the label alone; spaces as `_` and
    every character a file name or link cannot hold made safe. UnsafePathError when no safe name results."""
    long = safe_label(label, max_label_bytes)
    name = f"{safe_label(short, max_label_bytes)}({long})" if short else long
    check_name(name)
    check_name(name + ".md")
    return name


def plain_text(text: str) -> str:
    """Text from Wikidata as one line of Markdown text: no control or format characters, line breaks
    as spaces, Markdown syntax escaped."""
    return templates.markdown_text(" ".join(visible_text(text, keep="\t\n\r").split()))


def abstract(description: str | None, wikipedia_title: str | None, newline: str = "\n") -> str:
    """The abstract block: the description quoted, then the Wikipedia link, as the reference note has them."""
    lines = [f"> {plain_text(description)}"] if description else []
    if wikipedia_title:
        if lines:
            lines.append(">")
        lines.append(f"> [Wikipedia]({WIKIPEDIA}{quote(wikipedia_title, safe='/')}) ")
    return newline.join(lines)


def plan(config: Config, entity_id: str, entity: dict[str, Any], folder: str, template: Template,
         now: datetime.datetime) -> Planned:
    """The new note's name, path and first text (frontmatter `aliases` and the id only). Raises
    NewError when the item gives no safe name, UsageError for a folder that holds no standard notes."""
    label = english(entity, "labels")
    if label is None:
        raise NewError(f"{entity_id} has no English label to name the note by")
    short = short_name(entity)
    try:
        name = note_name(label, short, config.wikidata.max_label_bytes)
    except UnsafePathError as error:
        raise NewError(f"{entity_id}: no safe note name from its English label and short name: {error}") from None
    vault_path = f"{folder}/{name}.md"
    if layout.standard_parts(vault_path, config.tiers) is None:
        raise UsageError(f"--folder {folder}: standard notes live under {config.tiers.source_folder}/ "
                         "(and not in a folder [tiers] skip names)")
    sitelink = (entity.get("sitelinks") or {}).get("enwiki", {}).get("title")
    newline = "\r\n" if "\r\n" in template.text else "\n"
    variables = {
        "title": name, "date": DateText(now.strftime("%Y-%m-%d")), "time": now.strftime("%H:%M"),
        "wikidata_id": entity_id, "label": label, "short_name": short or "",
        "description": english(entity, "descriptions") or "",
        "same_as": f"[[WD~{safe_label(label, config.wikidata.max_label_bytes)},{entity_id[1:]}]]",
        "abstract": abstract(english(entity, "descriptions"), sitelink if isinstance(sitelink, str) else None,
                             newline),
    }
    text = templates.render(template, variables, RAW_VARIABLES)
    if not text.startswith("---"):
        text = f"---{newline}---{newline}" + text
    aliases = list(dict.fromkeys([label] + ([short] if short else [])))
    try:
        note = Note.parse(text.encode("utf-8")).edit({"aliases": aliases, config.schema.id_key: entity_id})
    except VaultToolError as error:
        raise templates.TemplateError(f"{template.name}: the rendered note is not a valid note: {error}") from None
    return Planned(name, vault_path, note.render())


def check_id(entity_id: str) -> None:
    """UsageError unless `entity_id` is an item id Wikidata could have."""
    if not is_item_id(entity_id):
        raise UsageError(f"{entity_id!r} is not a Wikidata item id ({ITEM_ID_FORM})")


def folder_path(config: Config, folder: str | None) -> str:
    """The vault path of `--folder` (default: the source folder), checked. UsageError if unusable."""
    text = (folder or config.tiers.source_folder).replace("\\", "/").strip("/")
    try:
        check_vault_path(text)
    except UnsafePathError as error:
        raise UsageError(f"--folder {folder}: {error}") from None
    return text


# --- the run -----------------------------------------------------------------------------------

def entity_of(entity_id: str, client: Client | None, store: Store) -> tuple[dict[str, Any], int]:
    """The item's entity with labels, descriptions and sitelinks: fetched, or offline the stored answer.
    (entity, requests made). NewError when it cannot be had."""
    from vaulttool.wikidata import answer

    if client is None:
        stored = store.entity(entity_id)
        if stored is None:
            raise NewError(f"{entity_id} is not in the offline cache (.vaulttool/wikidata/); run without --offline")
        try:
            entity, _ = answer.check_entity(entity_id, stored, PROPS)
        except answer.AnswerError as error:
            raise NewError(f"the stored answer for {entity_id} is not usable: {error}") from None
        if english(entity, "labels") is None:
            raise NewError(f"the stored answer for {entity_id} has no English label; run without --offline")
        return entity, 0
    result = client.get_entities([entity_id], PROPS, ("en",))
    if entity_id in result.failed:
        raise NewError(f"{entity_id} could not be fetched: {result.failed[entity_id]}")
    entity = result.entities[entity_id]
    if "missing" in entity:
        raise NewError(f"{entity_id} does not exist on Wikidata (deleted, or never created)")
    target = entity.get("redirects", {}).get("to")
    if target:
        raise NewError(f"{entity_id} redirects to {target}; create the note of {target}")
    return entity, client.requests_made


def run(config: Config, entity_id: str, folder: str | None, client: Client | None, *, write: bool,
        now: datetime.datetime | None = None) -> NewReport:
    """Create the standard note of `entity_id` in `folder` (a vault path) with its tier stubs; with
    `write` False, plan it all and write nothing. Raises NewError, UsageError or ConfigError."""
    check_id(entity_id)
    folder = folder_path(config, folder)
    notes = vault.discover(config, [])
    holder = holder_of(config, notes, entity_id)
    if holder is not None:
        raise NewError(f"{entity_id} is already in the vault: {holder}")
    template = vault.load_note_template(config, TEMPLATE)
    store = Store(config.root)
    entity, requests = entity_of(entity_id, client, store)
    planned = plan(config, entity_id, entity, folder, template, now or datetime.datetime.now())
    try:
        target = fileio.safe_target(config.root, config.tiers.source_folder, planned.vault_path)
    except UnsafePathError as error:
        raise NewError(f"refused: {error}") from None
    if target.exists() or target.is_symlink() or fileio.exists_in_any_spelling(config.root, planned.vault_path):
        raise NewError(f"{planned.vault_path} exists already; not replaced")
    if write:
        store.save_entity(entity_id, entity)  # refresh then checks its revision with one cheap request

    with tempfile.TemporaryDirectory(prefix="vaulttool-new-") as temp:
        draft = Path(temp) / f"{planned.name}.md"
        draft.write_bytes(planned.data)
        file = NoteFile(str(draft), planned.vault_path, planned.vault_path)
        refreshed = refresh.run(config, [file], client, write=write, rest_of_vault=lambda: notes, keep_data=True)
        outcome = refreshed.outcomes[0]
        if outcome.status in (refresh.FAILED, refresh.UNREADABLE):
            raise NewError(f"{planned.vault_path}: not created: {outcome.reason}")
        refreshed_data = outcome.data or planned.data
        draft.write_bytes(refreshed_data)
        tiered = tiers.plan(config, [file])
        if error_count(tiered.findings):
            raise NewError(f"{planned.vault_path}: not created: {tiered.findings[0].message}")
        final = next((a.data for a in tiered.actions if a.kind == tiers.UPDATE and a.what == "links section"),
                     refreshed_data)
    report = NewReport(planned.vault_path, final, [a.vault_path for a in tiered.actions if a.kind == tiers.CREATE],
                       messages=outcome.messages + [notice.text() for notice in outcome.notices]
                       + refreshed.warnings + refreshed.errors,
                       requests=requests + refreshed.requests)
    if not write:
        report.messages += [finding.text() for finding in sorted(tiered.findings)]  # warnings: errors raised
        return report
    try:
        fileio.create_file(target, refreshed_data)
    except ConcurrentChangeError:
        raise NewError(f"{planned.vault_path} appeared while vaulttool was working; not replaced") from None
    report.done.append(f"created {planned.vault_path}")
    # tiers itself, on the note as it now stands in the vault: the same stubs and section as planned.
    written = tiers.plan(config, [NoteFile(str(target), planned.vault_path, vault.display_path(target))])
    tiers.apply(written)
    report.done += written.done
    report.messages += [finding.text() for finding in sorted(written.findings)]
    if error_count(written.findings):
        raise NewError(f"{planned.vault_path} was created, but tiers could not finish: "
                       f"{written.findings[0].text()}; run vaulttool tiers")
    return report

