"""A weekly refresh left alone for months: the Wikidata edge cases that made it stop or fight itself,
each end to end through the CLI against the local Wikidata stand-in (tests/wikidata_server.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import fingerprint
from test_entities import REFERENCE, WIKIDATA_FOLDER, _relabel, config_with, note_file, run
from test_refresh_keys import label, statement
from test_refresh_values import NOTE, quantity, thing
from wikidata_server import FakeWikidata

from vaulttool.engine.note import Note

POPE = "Q123397878"
MERGED_ID = b"---\nhas_id_wikidata: Q999999904\n---\nMine.\n"  # (Q999999904 was merged into Q999999905)


def relative(output: str, vault: Path) -> str:
    """Output with the vault's path taken off the paths it names (as vaulttool prints them, with /)."""
    return output.replace(vault.as_posix() + "/", "")
OLD_POPE = f"{WIKIDATA_FOLDER}/WD~Amy_E._Pope,123397878.md"


# --- a label whose letter case changes ------------------------------------------------------------

@pytest.fixture(params=["folder", "exFAT"])
def vault_at(request: pytest.FixtureRequest, example_vault: Path) -> Path:
    """The example vault in a folder of the test's file system, or on exFAT, which takes names that
    differ only in letter case for one name (as macOS and Windows do)."""
    if request.param == "folder":
        return example_vault
    place = request.getfixturevalue("exfat_folder") / "vault"
    shutil.copytree(example_vault, place)
    return place


def test_a_label_whose_case_changes_renames_the_entity_note_and_relinks(wikidata: FakeWikidata,
                                                                       vault_at: Path) -> None:
    vault = vault_at
    leaders = note_file(vault, "Notes/Leaders.md", "See [[WD~Amy_E._Pope,123397878|Amy]].\n")
    _relabel(wikidata, vault, POPE, "Amy e. pope")
    new = f"{WIKIDATA_FOLDER}/WD~Amy_e._pope,123397878.md"
    result = run("sync", str(vault))
    assert result.exit_code == 3, result.output
    assert "VT531" not in result.stdout and "removed" not in result.stdout, result.stdout  # (the same item)
    assert f"moved {OLD_POPE} -> {new}\n" in result.stdout
    assert [path.name for path in (vault / WIKIDATA_FOLDER).glob("WD~Amy*")] == ["WD~Amy_e._pope,123397878.md"]
    assert leaders.read_bytes() == b"See [[WD~Amy_e._pope,123397878|Amy]].\n"
    assert Note.parse((vault / new).read_bytes()).values()["aliases"][0] == "Amy e. pope"
    checked = run("links", "--check", str(vault))
    assert (checked.exit_code, checked.stdout) == (0, "")
    settled = fingerprint(vault)
    again = run("sync", str(vault))
    assert again.exit_code == 0, again.output
    assert fingerprint(vault) == settled


# --- every link form is relinked on drift and merge -----------------------------------------------

FORMS = ("Relative: [Amy](../../_Standards/WikiData/WD~Amy_E._Pope,123397878.md), "
         "[again](<../../_Standards/WikiData/WD~Amy_E._Pope,123397878.md#Career>), "
         "[escaped](../../_Standards/WikiData/WD~Amy_E._Pope%2C123397878.md).\n"
         "Wikilinks: [[../../_Standards/WikiData/WD~Amy_E._Pope,123397878|Amy]], "
         "![[WD~Amy_E._Pope,123397878#^block]], [[/_Standards/WikiData/WD~Amy_E._Pope,123397878.md]].\n")


def test_every_link_form_is_relinked_when_a_label_drifts(wikidata: FakeWikidata, example_vault: Path) -> None:
    vault = example_vault
    deep = note_file(vault, "Notes/Deep/Leaders.md", FORMS)
    _relabel(wikidata, vault, POPE, "Amy Pope")
    result = run("sync", str(vault))
    assert result.exit_code == 3, result.output
    assert "VT531" not in result.stdout, result.stdout
    # Each link keeps its form, folder part, `#…` and `|…`; a new name is percent-encoded only where a
    # Markdown link needs it, as `mv` writes it (`%2C` was a choice of the writer's, not needed).
    assert deep.read_bytes() == FORMS.replace("Amy_E._Pope%2C", "Amy_Pope,").replace(
        "Amy_E._Pope", "Amy_Pope").encode()
    checked = run("links", "--check", str(vault))
    assert (checked.exit_code, checked.stdout) == (0, "")


def test_a_relative_link_to_a_merged_item_is_relinked(wikidata: FakeWikidata, example_vault: Path) -> None:
    """Q999999904 was merged into Q999999905 (the stand-in answers with a redirect)."""
    text = "Gone: [it](../../_Standards/WikiData/WD~Redirect_source,999999904.md#Top) and [[./Local]].\n"
    deep = note_file(example_vault, "Notes/Deep/Merged.md", text)
    result = run("entities", str(example_vault))
    merged = "Notes/Deep/Merged.md:1:7: VT523 warning: Q999999904 was merged into Q999999905"
    assert merged in result.stdout, result.stdout
    assert deep.read_bytes() == text.replace("WD~Redirect_source,999999904",
                                             "WD~Redirect_target_item,999999905").encode()
    assert (example_vault / WIKIDATA_FOLDER / "WD~Redirect_target_item,999999905.md").is_file()


# --- relinking is per link, and leaves code alone -------------------------------------------------

def test_inline_code_is_left_alone_when_a_label_drifts(wikidata: FakeWikidata, example_vault: Path) -> None:
    text = ("Write `[[WD~Amy_E._Pope,123397878]]` to link her, or ``a [[WD~Amy_E._Pope,123397878]] b``;\n"
            "this one is a link: [[WD~Amy_E._Pope,123397878]].\n")
    code = note_file(example_vault, "Notes/Code.md", text)
    _relabel(wikidata, example_vault, POPE, "Amy Pope")
    result = run("entities", str(example_vault))
    assert result.exit_code == 0, result.output
    assert code.read_bytes() == text.replace("a link: [[WD~Amy_E._Pope", "a link: [[WD~Amy_Pope").encode()


# --- numbers: refresh and `validate --fix` agree ---------------------------------------------------

def test_an_integer_beyond_2_53_is_written_as_fix_writes_it_and_sync_settles(wikidata: FakeWikidata,
                                                                            vault: Path) -> None:
    label(wikidata, "P2067", "mass", "quantity")
    label(wikidata, "P1082", "population", "quantity")
    config_with(vault, '\n[schema.fields.population]\ntype = "integer"\n')
    note = thing(wikidata, vault, {"P2067": [quantity("+123456789012345678901")],
                                   "P1082": [quantity(amount, "P1082") for amount in ("+9007199254740993",
                                                                                     "+9007199254740991")]})
    result = run("refresh", str(vault))
    assert result.exit_code == 0, result.output
    written = note.read_bytes()
    assert b'mass: "123456789012345678901"\n' in written  # quoted: Obsidian would round the number
    # Declared an integer: a number still (quoting breaks the declaration), and VT204 says what to do.
    assert b"population:\n  - 9007199254740993\n  - 9007199254740991\n" in written
    checked = run("validate", "--fix", str(vault / NOTE))
    assert "VT204" in checked.stdout and "population is declared integer in [schema.fields]" in checked.stdout
    assert checked.stdout.count("VT204") == 1 and note.read_bytes() == written  # --fix changes nothing either
    again = run("refresh", str(vault))
    assert "0 changed" in again.stderr and note.read_bytes() == written


# --- values as the Query Service renders them -----------------------------------------------------

def coordinate(latitude: float, longitude: float, globe: str = "http://www.wikidata.org/entity/Q2") -> dict:
    value = {"latitude": latitude, "longitude": longitude, "altitude": None, "precision": 1e-05, "globe": globe}
    return {"mainsnak": {"snaktype": "value", "property": "P625", "datatype": "globe-coordinate",
                         "datavalue": {"type": "globecoordinate", "value": value}},
            "type": "statement", "rank": "normal"}


def test_coordinates_are_written_as_the_query_service_writes_them(wikidata: FakeWikidata, vault: Path) -> None:
    label(wikidata, "P625", "coordinate location", "globe-coordinate")
    note = thing(wikidata, vault, {"P625": [coordinate(45.0, 7.0), coordinate(1e-05, -0.5),
                                            coordinate(1.0, 2.0, "https://example.org/entity/Q2")]})
    result = run("refresh", str(vault))
    assert result.exit_code == 0, result.output
    assert (b"coordinate_location:\n  - Point(7 45)\n  - Point(-0.5 1.0E-5)\n"
            b"  - <https://example.org/entity/Q2> Point(2 1)\n") in note.read_bytes()


def test_a_preferred_unknown_value_keeps_the_key_and_says_so(wikidata: FakeWikidata, vault: Path) -> None:
    label(wikidata, "P570", "date of death", "time")
    unknown = {"mainsnak": {"snaktype": "somevalue", "property": "P570", "datatype": "time"},
               "type": "statement", "rank": "preferred"}
    dated = statement("P570", "time", {"time": "+1990-05-01T00:00:00Z", "timezone": 0, "before": 0, "after": 0,
                                       "precision": 11, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"})
    note = thing(wikidata, vault, {"P570": [unknown, dated]}, b"date_of_death: 1990-05-01T00:00:00Z\n")
    keys = vault / ".vaulttool" / "keys.json"
    keys.write_text(keys.read_text(encoding="utf-8").replace('{', '{"P570": "date_of_death", ', 1), encoding="utf-8")
    before = note.read_bytes()
    result = run("refresh", str(vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == before  # the preferred statement says "unknown value": nothing is removed
    assert 'note: date_of_death: Wikidata\'s value is "unknown value"; the note\'s values are kept' in result.stdout
    # "no value", by contrast, is Wikidata saying there is none: the key goes
    wikidata.entities["Q900100"]["claims"]["P570"][0]["mainsnak"]["snaktype"] = "novalue"
    wikidata.entities["Q900100"]["lastrevid"] = 2
    assert run("refresh", str(vault)).exit_code == 0
    assert b"date_of_death" not in note.read_bytes()


# --- a malformed entity fails only its own notes --------------------------------------------------

def test_one_malformed_entity_fails_only_its_own_notes(wikidata: FakeWikidata, vault: Path) -> None:
    label(wikidata, "P2067", "mass", "quantity")
    thing(wikidata, vault, {"P2067": [quantity("+5")]})
    wikidata.entities["Q900100"]["claims"] = []  # an entity as a whole malformed: claims not a map
    reference = vault / REFERENCE
    country = b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"'
    reference.write_bytes(reference.read_bytes().replace(country + b"\n", b""))
    result = run("refresh", str(vault))
    assert result.exit_code == 1, result.output
    shown = relative(result.stdout, vault)
    assert f"{NOTE}: failed: unusable answer: Q900100: claims is not an object" in shown
    assert f"{REFERENCE}: changed: country" in shown  # the rest of its batch is refreshed
    assert country in reference.read_bytes()


# --- --fix-redirects never gives two notes one id ------------------------------------------------

def test_fix_redirects_refuses_an_id_another_note_has(wikidata: FakeWikidata, vault: Path) -> None:
    """Q999999904 was merged into Q999999905 (the stand-in answers with a redirect)."""
    standards = vault / "_Standards"
    first, second = standards / "Source one.md", standards / "Source two.md"
    for note in (first, second):
        note.write_bytes(MERGED_ID)
    result = run("refresh", "--fix-redirects", "--qid", "Q999999904", str(vault))
    assert result.exit_code == 1, result.output
    shown = relative(result.stdout, vault)
    # The first note takes the surviving id; the second would be its duplicate: refused, left as it was.
    assert Note.parse(first.read_bytes()).values()["has_id_wikidata"] == "Q999999905"
    assert second.read_bytes() == MERGED_ID
    assert ("_Standards/Source two.md: failed: Q999999904 redirects to Q999999905, which _Standards/Source one.md "
            "has for its id already; has_id_wikidata not updated, as two notes would have one id: merge them by hand"
            ) in shown, shown
    # A note made by hand with the surviving id counts the same, on a later run.
    again = run("refresh", "--fix-redirects", "--qid", "Q999999904", str(vault))
    assert again.exit_code == 1 and second.read_bytes() == MERGED_ID


# --- text from Wikidata never becomes a live link -------------------------------------------------

def test_a_wikidata_value_with_link_syntax_is_not_written_and_named(wikidata: FakeWikidata, vault: Path) -> None:
    label(wikidata, "P1448", "official name", "monolingualtext")
    label(wikidata, "P373", "Commons category", "string")
    hostile = statement("P373", "string", "Plans ![[_secret/Plans]]")
    hostile["id"] = "Q900100$0A1B"
    name = statement("P1448", "monolingualtext", {"text": "see [it](_secret/Plans.md)", "language": "en"})
    note = thing(wikidata, vault, {"P373": [hostile], "P1448": [name]}, b"Commons_category: Plans\n")
    before = note.read_bytes()
    result = run("refresh", str(vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == before  # the key keeps the note's value; nothing new is written
    shown = relative(result.stdout, vault)
    assert (f"{NOTE}:5:1: VT502 warning: Commons_category: P373 statement Q900100$0A1B holds link syntax "
            "('Plans ![[_secret/Plans]]'), which Obsidian would read as a link; not written\n") in shown, shown
    assert (f"{NOTE}:1:1: VT502 warning: official_name: a P1448 statement holds link syntax "
            "('see [it](_secret/Plans.md)'), which Obsidian would read as a link; not written\n") in shown, shown
    links = run("links", str(vault))
    assert "_secret/Plans" not in links.stdout


def test_an_alias_or_description_with_link_syntax_stays_out_of_the_entity_note_frontmatter(
        wikidata: FakeWikidata, example_vault: Path) -> None:
    vault = example_vault
    entity = wikidata.terms[POPE]
    entity["aliases"]["en"].append({"language": "en", "value": "![[_secret/Plans]]"})
    entity["descriptions"]["en"]["value"] = "leader, see [[_secret/Plans]] #tag <b>x</b>"
    _relabel(wikidata, vault, POPE, "Amy E. Pope")  # (the same label: the stored terms age out)
    result = run("entities", str(vault))
    assert result.exit_code == 0, result.output
    shown = relative(result.stdout, vault)
    assert (f"VT502 warning: {POPE}: the alias '![[_secret/Plans]]' holds link syntax, which Obsidian would read "
            "as a link; not written in its entity note's frontmatter\n") in shown, shown
    assert f"VT502 warning: {POPE}: the description 'leader, see [[_secret/Plans]] #tag <b>x</b>' holds" in shown
    written = (vault / OLD_POPE).read_bytes()
    values = Note.parse(written).values()
    assert values["aliases"] == ["Amy E. Pope", "Amy Pope"] and "description" not in values
    # In the body the description is text: escaped where Obsidian reads syntax (link, tag, HTML).
    assert b"leader, see \\[\\[\\_secret/Plans\\]\\] \\#tag \\<b\\>x\\</b\\>" in written, written
    links = run("links", str(vault))
    assert "_secret/Plans" not in links.stdout


# --- stored labels: their language and revision --------------------------------------------------

def test_a_label_edit_arrives_with_the_next_run_and_languages_apply_at_once(wikidata: FakeWikidata,
                                                                            vault: Path) -> None:
    reference = vault / REFERENCE
    old_link = b'"[[_Standards/WikiData/WD~Geneva,71]]"'
    assert old_link in reference.read_bytes()
    assert run("refresh", str(vault)).exit_code == 0  # the store now records revisions and languages
    stored = json.loads((vault / ".vaulttool" / "wikidata" / "labels.json").read_text(encoding="utf-8"))
    assert (stored["Q71"]["languages"], stored["Q71"]["revision"]) == (["en"], wikidata.revision("Q71"))
    # An edit of the label upstream, the day after: the revision tells, no 30 days' wait.
    wikidata.labels["Q71"]["labels"]["en"]["value"] = "Genève"
    wikidata.entities["Q71"]["lastrevid"] += 1
    result = run("refresh", str(vault))
    assert result.exit_code == 0, result.output
    assert b'"[[_Standards/WikiData/WD~Gen\xc3\xa8ve,71]]"' in reference.read_bytes()
    # Its revert arrives the same way.
    wikidata.labels["Q71"]["labels"]["en"]["value"] = "Geneva"
    wikidata.entities["Q71"]["lastrevid"] += 1
    assert run("refresh", str(vault)).exit_code == 0
    assert old_link in reference.read_bytes()
    # Another language first: every label is asked for again in it, on the next run.
    wikidata.labels["Q71"]["labels"]["fr"] = {"language": "fr", "value": "Genève"}
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('languages = ["en"]', 'languages = ["fr", "en"]'),
                      encoding="utf-8")
    assert run("refresh", str(vault)).exit_code == 0
    assert b'"[[_Standards/WikiData/WD~Gen\xc3\xa8ve,71]]"' in reference.read_bytes()
