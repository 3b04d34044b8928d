"""Which keys refresh may write: only those it owns, decided once and recorded, never by today's labels
alone; which values a property gives (Wikidata's truthy values, end times only where asked); and that
a broken answer cannot empty a note. Against the local Wikidata stand-in, through the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import DATA, REFERENCE_NOTE, fingerprint
from test_refresh import REFERENCE_PATH, refresh, strip_or_stale
from wikidata_server import FakeWikidata

from vaulttool.cli import main
from vaulttool.disk.vault import display_path
from vaulttool.engine.note import DELETE, Note

BOOK = "_Standards/Books/The_Book.md"
KEYS = Path(".vaulttool") / "keys.json"


def snak(property_id: str, datatype: str, value: Any) -> dict[str, Any]:
    kinds = {"wikibase-item": "wikibase-entityid", "monolingualtext": "monolingualtext",
             "wikibase-lexeme": "wikibase-entityid", "string": "string", "time": "time"}
    return {"snaktype": "value", "property": property_id, "datatype": datatype,
            "datavalue": {"type": kinds[datatype], "value": value}}


def statement(property_id: str, datatype: str, value: Any, rank: str = "normal",
              ended: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"mainsnak": snak(property_id, datatype, value), "type": "statement", "rank": rank}
    if ended:
        result["qualifiers"] = {"P582": [snak("P582", "time", {
            "time": ended, "timezone": 0, "before": 0, "after": 0, "precision": 11,
            "calendarmodel": "http://www.wikidata.org/entity/Q1985727"})]}
    return result


def item(number: int) -> dict[str, Any]:
    return {"entity-type": "item", "numeric-id": number, "id": f"Q{number}"}


def label(fake: FakeWikidata, entity_id: str, text: str, datatype: str | None = None) -> None:
    fake.labels[entity_id] = {"id": entity_id, "type": "property" if datatype else "item",
                              "labels": {"en": {"language": "en", "value": text}},
                              **({"datatype": datatype} if datatype else {})}


@pytest.fixture
def book(wikidata: FakeWikidata, vault: Path) -> Path:
    """An item with properties labelled like keys people write themselves (title, author, aliases),
    and a note on it with the user's own values there."""
    wikidata.entities["Q900001"] = {
        "id": "Q900001", "type": "item", "lastrevid": 7, "modified": "2026-01-02T00:00:00Z",
        "claims": {
            "P1476": [statement("P1476", "monolingualtext", {"text": "The Book", "language": "en"})],
            "P50": [statement("P50", "wikibase-item", item(900002))],
            "P99990010": [statement("P99990010", "string", "Wikidata's alias")],
            "P577": [statement("P577", "string", "first edition")],
        },
    }
    label(wikidata, "P1476", "title", "monolingualtext")
    label(wikidata, "P50", "author", "wikibase-item")
    label(wikidata, "P99990010", "aliases", "string")
    label(wikidata, "P577", "publication note", "string")
    label(wikidata, "Q900002", "An Author")
    note = vault / BOOK
    note.parent.mkdir(parents=True)
    note.write_bytes(b'---\naliases:\n  - The Book\nhas_id_wikidata: Q900001\ntitle: My own title\n'
                     b'author: "[[People/Me]]"\n---\n\nMy notes.\n')
    return note


def test_keys_the_user_wrote_are_kept_and_reported_once_each(wikidata: FakeWikidata, vault: Path,
                                                             book: Path) -> None:
    before = book.read_bytes()
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    lines = [line.replace(display_path(vault) + "/", "") for line in result.stdout.splitlines()]
    assert [line for line in lines if "VT501" in line] == [
        f"{BOOK}:2:1: VT501 warning: aliases is the note's own key, not written from P99990010 (aliases): bind it in "
        "[wikidata] properties, or rename the key in the note",
        f"{BOOK}:5:1: VT501 warning: title is the note's own key, not written from P1476 (title): bind it in "
        "[wikidata] properties, or rename the key in the note",
        f"{BOOK}:6:1: VT501 warning: author is the note's own key, not written from P50 (author): bind it in "
        "[wikidata] properties, or rename the key in the note",
    ]
    # The one key nobody holds is bound and written; the user's keys are bound to nothing.
    assert book.read_bytes() == before.replace(b"---\n\nMy", b"publication_note: first edition\n---\n\nMy")
    keys = json.loads((vault / KEYS).read_text(encoding="utf-8"))
    assert keys["P577"] == "publication_note" and not {"P1476", "P50", "P99990010"} & set(keys)


def test_a_users_key_is_not_written_in_other_notes_either(wikidata: FakeWikidata, vault: Path,
                                                          book: Path) -> None:
    """Binding `title` for a note without one would make the user's `title` vaulttool's next time."""
    wikidata.entities["Q900003"] = dict(wikidata.entities["Q900001"], id="Q900003")
    other = vault / "_Standards" / "Books" / "Another.md"
    other.write_bytes(b"---\naliases:\n  - Another\nhas_id_wikidata: Q900003\n---\n")
    refresh(str(vault))
    assert "title" not in Note.parse(other.read_bytes()).values()
    assert b"My own title" in book.read_bytes()


def test_binding_the_key_in_the_config_makes_it_vaulttools(wikidata: FakeWikidata, vault: Path,
                                                           book: Path) -> None:
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'properties = { P1476 = "title" }\n', encoding="utf-8")
    result = refresh(str(vault))
    assert result.exit_code == 0
    assert Note.parse(book.read_bytes()).values()["title"] == "The Book"
    assert "not written from P1476" not in result.stdout


def test_a_bound_key_whose_values_cannot_be_written_is_kept(wikidata: FakeWikidata, vault: Path,
                                                            book: Path) -> None:
    """A lexeme has no value vaulttool writes; its key must not be taken for one gone upstream."""
    wikidata.entities["Q900001"]["claims"]["P6254"] = [
        statement("P6254", "wikibase-lexeme", {"entity-type": "lexeme", "numeric-id": 1, "id": "L1"})]
    label(wikidata, "P6254", "subject lexeme", "wikibase-lexeme")
    keys = json.loads((vault / KEYS).read_text(encoding="utf-8"))
    (vault / KEYS).write_text(json.dumps({**keys, "P6254": "subject_lexeme"}), encoding="utf-8")
    book.write_bytes(book.read_bytes().replace(b"---\n\nMy", b"subject_lexeme: L1 (book)\n---\n\nMy"))
    refresh(str(vault))
    assert Note.parse(book.read_bytes()).values()["subject_lexeme"] == "L1 (book)"


def adopt(vault: Path) -> None:
    """The vault as before its first refresh: no record of bindings."""
    (vault / KEYS).unlink()


def test_first_adoption_binds_the_keys_whose_values_are_wikidatas(wikidata: FakeWikidata, vault: Path,
                                                                  book: Path) -> None:
    recorded = json.loads((vault / KEYS).read_text(encoding="utf-8"))
    adopt(vault)
    before = fingerprint(vault, "*.md")
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    after = fingerprint(vault, "*.md")
    # (fingerprint names files by str(relative path): `\`-separated on Windows, BOOK is `/`-separated)
    assert {path: digest for path, digest in after.items() if Path(path).as_posix() != BOOK} == {
        path: digest for path, digest in before.items() if Path(path).as_posix() != BOOK}
    keys = json.loads((vault / KEYS).read_text(encoding="utf-8"))
    assert {p: k for p, k in keys.items() if p in recorded} == recorded  # every reference key adopted
    assert keys["P214"] is None  # VIAF ID: decided against, and recorded
    assert not {"P1476", "P50", "P99990010"} & set(keys)  # the book's keys differ: left alone
    assert result.stdout.count("VT501") == 3


def test_on_adoption_a_key_named_by_an_older_label_is_kept(wikidata: FakeWikidata, vault: Path) -> None:
    """Today's British spelling must not add `…organisation` beside the note's `…organization`."""
    adopt(vault)
    wikidata.labels["P99990001"]["labels"]["en"]["value"] = "official observer status in organisation"
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert (vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()
    keys = json.loads((vault / KEYS).read_text(encoding="utf-8"))
    assert keys["P99990001"] == "official_observer_status_in_organization"


def test_a_decision_not_to_write_survives_a_relabel(wikidata: FakeWikidata, vault: Path) -> None:
    refresh(str(vault))
    assert json.loads((vault / KEYS).read_text(encoding="utf-8"))["P214"] is None
    wikidata.labels["P214"]["labels"]["en"]["value"] = "VIAF cluster"  # no longer says "ID"
    (vault / ".vaulttool" / "wikidata" / "labels.json").unlink()
    wikidata.entities["Q472311"]["lastrevid"] += 1
    result = refresh(str(vault))
    assert "0 changed" in result.stderr
    assert (vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()


def test_properties_in_the_config_win_over_the_id_rule(wikidata: FakeWikidata, vault: Path) -> None:
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'properties = { P214 = "VIAF" }\n', encoding="utf-8")
    refresh(str(vault))
    viaf = [s["mainsnak"]["datavalue"]["value"] for s in wikidata.entities["Q472311"]["claims"]["P214"]
            if s["rank"] != "deprecated"]
    value = Note.parse((vault / REFERENCE_PATH).read_bytes()).values()["VIAF"]
    assert (value if isinstance(value, list) else [value]) == viaf


def test_a_relabelled_property_keeps_writing_its_bound_key(wikidata: FakeWikidata, vault: Path) -> None:
    """P2013 was labelled "Facebook ID" in 2022: the "ID" rule must not take a bound key away."""
    wikidata.labels["P2013"]["labels"]["en"]["value"] = "Facebook ID"
    (vault / REFERENCE_PATH).write_bytes(strip_or_stale({"Facebook_username": DELETE}))
    refresh(str(vault))
    assert (vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()


def test_new_keys_take_their_place_whatever_the_order_of_the_answer(wikidata: FakeWikidata,
                                                                    vault: Path) -> None:
    entity = wikidata.entities["Q472311"]
    entity["claims"] = dict(reversed(list(entity["claims"].items())))
    wikidata_keys = [k for k in Note.parse(REFERENCE_NOTE.read_bytes()).values() if k not in ("aliases", "has_id_wikidata")]
    (vault / REFERENCE_PATH).write_bytes(strip_or_stale({key: DELETE for key in wikidata_keys}))
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert (vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()


def test_an_answer_that_would_empty_a_note_is_held_back(wikidata: FakeWikidata, vault: Path) -> None:
    refresh(str(vault))
    entity = wikidata.entities["Q472311"]
    entity["lastrevid"] += 1
    entity["claims"] = {pid: entity["claims"][pid] for pid in ("P17", "P159")}  # 27 of 29 keys gone
    before = fingerprint(vault, "*.md")
    result = refresh(str(vault))
    assert result.exit_code == 1
    assert fingerprint(vault, "*.md") == before
    assert (f"{REFERENCE_PATH}: failed: would remove 27 of the note's 29 Wikidata keys; held back "
            "(--allow-removals writes it)") in result.stdout.replace(display_path(vault) + "/", "")
    result = refresh("--allow-removals", str(vault))
    assert result.exit_code == 0
    assert set(Note.parse((vault / REFERENCE_PATH).read_bytes()).values()) == {
        "aliases", "has_id_wikidata", "country", "headquarters_locations"}


def test_half_of_the_keys_may_go(wikidata: FakeWikidata, vault: Path) -> None:
    """The boundary: removing exactly half is an upstream edit, not a broken answer."""
    refresh(str(vault))
    entity = wikidata.entities["Q472311"]
    entity["lastrevid"] += 1
    keep = list(entity["claims"])[:15] + ["P214"]  # 15 of the 29 bound properties stay: 14 keys go
    entity["claims"] = {pid: entity["claims"][pid] for pid in keep}
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert len(Note.parse((vault / REFERENCE_PATH).read_bytes()).values()) == 2 + 15


# --- which values: Wikidata's truthy ones -------------------------------------------------------


@pytest.fixture
def q42(wikidata: FakeWikidata, vault: Path) -> Path:
    """Douglas Adams as the API really answered (2017), with labels for the items he links to."""
    entity = json.loads((DATA / "wikidata" / "real_Q42_full.json").read_text(encoding="utf-8"))["entities"]["Q42"]
    wikidata.entities["Q42"] = entity
    for property_id, text in (("P26", "spouse"), ("P69", "educated at"), ("P551", "residence")):
        label(wikidata, property_id, text, "wikibase-item")
    for statements in (entity["claims"][p] for p in ("P26", "P69", "P551")):
        for one in statements:
            target = one["mainsnak"]["datavalue"]["value"]["id"]
            label(wikidata, target, f"Item {target}")
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'allow = ["P26", "P69", "P551"]\n', encoding="utf-8")
    note = vault / "_Standards" / "People" / "Douglas_Adams.md"
    note.parent.mkdir(parents=True)
    note.write_bytes(b"---\naliases:\n  - Douglas Adams\nhas_id_wikidata: Q42\n---\n")
    return note


def test_q42_keeps_ended_statements_as_wdt_does(q42: Path) -> None:
    result = refresh(str(q42))
    assert result.exit_code == 0, result.output
    values = Note.parse(q42.read_bytes()).values()
    assert values["spouse"] == "[[_Standards/WikiData/WD~Item_Q14623681,14623681]]"  # ended 2001
    assert len(values["educated_at"]) == 2 and len(values["residence"]) == 3


def test_a_current_only_property_is_judged_at_the_as_of_day(q42: Path, vault: Path) -> None:
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'current_only = ["P551", "P26"]\n', encoding="utf-8")
    refresh(str(q42))  # the entity's last edit, 2017-11-18: the 2001 residence has ended
    values = Note.parse(q42.read_bytes()).values()
    assert values["residence"] == ["[[_Standards/WikiData/WD~Item_Q84,84]]",
                                   "[[_Standards/WikiData/WD~Item_Q909993,909993]]"]
    assert values["spouse"] == "[[_Standards/WikiData/WD~Item_Q14623681,14623681]]"  # its only value stays
    refresh("--as-of", "2000-01-01", str(q42))
    assert len(Note.parse(q42.read_bytes()).values()["residence"]) == 3


def test_end_times_are_judged_at_the_items_last_edit_not_today(q42: Path, vault: Path,
                                                               wikidata: FakeWikidata) -> None:
    """No clock: a residence that ended in 2020 was current at the 2017 revision, and stays so in
    every later run, whatever the date (what `refresh --check` in CI relies on)."""
    residence = wikidata.entities["Q42"]["claims"]["P551"]
    residence[1]["qualifiers"] = statement("P551", "wikibase-item", item(84), ended="+2020-01-01T00:00:00Z")["qualifiers"]
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'current_only = ["P551"]\n', encoding="utf-8")
    refresh(str(q42))
    assert len(Note.parse(q42.read_bytes()).values()["residence"]) == 2
    shutil.rmtree(vault / ".vaulttool" / "wikidata")
    assert refresh("--check", str(q42)).exit_code == 0


def test_a_run_over_part_of_the_vault_asks_the_other_notes_first(wikidata: FakeWikidata, vault: Path,
                                                                  book: Path) -> None:
    """Refreshing one new note must not bind `title` while another note, not read, holds its own."""
    wikidata.entities["Q900003"] = dict(wikidata.entities["Q900001"], id="Q900003")
    other = vault / "_Standards" / "Books" / "Another.md"
    other.write_bytes(b"---\naliases:\n  - Another\nhas_id_wikidata: Q900003\n---\n")
    result = refresh(str(other))
    assert result.exit_code == 0, result.output
    assert "title" not in Note.parse(other.read_bytes()).values()
    assert (f"{'_Standards/Books/Another.md'}: note: P1476 (title) is not written: title is held by {BOOK}, "
            "which this run does not read; a refresh of the whole vault decides") in result.stdout.replace(
                display_path(vault) + "/", "")
    assert "P1476" not in json.loads((vault / KEYS).read_text(encoding="utf-8"))
    assert Note.parse(other.read_bytes()).values()["publication_note"] == "first edition"  # nobody else's


def test_values_per_property_are_capped_with_a_message(wikidata: FakeWikidata, vault: Path) -> None:
    """10,000 ISNI values would make a 232 KB frontmatter: 100 are written, and the run says so."""
    isni = wikidata.entities["Q472311"]["claims"]["P213"]
    wikidata.entities["Q472311"]["claims"]["P213"] = [
        dict(isni[0], rank="normal", mainsnak=dict(isni[0]["mainsnak"], datavalue={
            "type": "string", "value": f"0000 0000 {n // 10000:04d} {n % 10000:04d}"})) for n in range(10_000)]
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    values = Note.parse((vault / REFERENCE_PATH).read_bytes()).values()
    assert values["ISNI"] == [f"00000000{n // 10000:04d}{n % 10000:04d}" for n in range(100)]
    assert (f"{REFERENCE_PATH}: note: ISNI: 10000 values; wrote the first 100 (max_values)"
            in result.stdout.replace(display_path(vault) + "/", ""))


def test_a_notes_own_vaulttool_ignore_holds_in_refresh_as_in_sync(wikidata: FakeWikidata, vault: Path,
                                                                  book: Path) -> None:
    own = b"vaulttool_ignore: [VT501, VT307]\nhas_id_wikidata:"  # (VT307: sync's validate warns of title, author)
    book.write_bytes(book.read_bytes().replace(b"has_id_wikidata:", own))
    refreshed = refresh("--dry-run", "--strict", str(vault))
    assert ": VT501 " not in refreshed.stdout and refreshed.stderr.endswith(" (3 suppressed)\n")
    assert refreshed.exit_code == 0
    synced = CliRunner().invoke(main, ["sync", "--dry-run", "--strict", str(vault)], catch_exceptions=False)
    assert ": VT501 " not in synced.stdout, synced.stdout
    assert synced.exit_code == 3, synced.stdout
