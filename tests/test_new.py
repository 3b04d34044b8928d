"""`vaulttool new Q…`: the standard note of a Wikidata item, named, refreshed and tiered as the
reference note is, against the local Wikidata stand-in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import REFERENCE_NOTE, fingerprint
from wikidata_server import FakeWikidata

from vaulttool.cli import main
from vaulttool.commands import new
from vaulttool.disk.vault import display_path
from vaulttool.errors import UnsafePathError

IOM_FOLDER = "_Standards/UN(United_Nations)"
IOM = f"{IOM_FOLDER}/IOM(International_Organization_for_Migration).md"
TIERS = ("public", "internal", "protect", "private", "personal", "secret")
STUBS = [f"_{tier}/UN(United_Nations)/IOM(International_Organization_for_Migration).{tier}.md" for tier in TIERS]
SECTION = "## Confidential Links & Embeds: "


def run(vault: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--root", str(vault), "new", *args], catch_exceptions=False)


@pytest.fixture
def fresh(vault: Path) -> Path:
    """The example vault (its vaulttool.toml and keys.json) without the IOM note and its stubs."""
    for vault_path in (IOM, *STUBS):
        (vault / vault_path).unlink()
    return vault


def frontmatter(data: bytes) -> bytes:
    return data[:data.index(b"\n---\n") + 5]


def test_new_creates_the_reference_note(fresh: Path, wikidata: FakeWikidata) -> None:
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER)
    assert result.exit_code == 0, result.output
    note = fresh / IOM
    assert note.is_file()
    reference, data = REFERENCE_NOTE.read_bytes(), note.read_bytes()
    # The frontmatter is refresh's, byte for byte; only the aliases differ (the reference's own first
    # alias has a trailing space a person typed): the English label, then the English short name.
    expected = frontmatter(reference).replace(b"  - International Organization for Migration \n",
                                              b"  - International Organization for Migration\n", 1)
    assert frontmatter(data) == expected
    assert data[data.index(SECTION.encode()):] == reference[reference.index(SECTION.encode()):]
    assert all((fresh / stub).is_file() for stub in STUBS)
    body = data.decode("utf-8")
    assert "\n# [[IOM(International_Organization_for_Migration)]] \n" in body
    assert "\n#is_/same_as :: [[WD~International_Organization_for_Migration,472311]] \n" in body
    assert ("\n## #has_/text_of_/abstract \n\n> United Nations related organization working in the field of "
            "migration\n>\n> [Wikipedia](https://en.wikipedia.org/wiki/International%20Organization%20for%20Migration) "
            "\n") in body
    assert result.output.splitlines()[0] == f"created {IOM}"
    assert result.output.splitlines()[1:] == [f"created {stub}" for stub in STUBS] + \
        [f"updated links section in {IOM}"]
    # tiers and refresh agree with what new wrote: nothing left to do.
    tiers = CliRunner().invoke(main, ["tiers", "--check", str(fresh)])
    assert tiers.exit_code == 0, tiers.output
    refresh = CliRunner().invoke(main, ["refresh", "--check", "--offline", str(note)])
    assert refresh.exit_code == 0, refresh.output

    again = run(fresh, "Q472311", "--folder", IOM_FOLDER)
    assert again.exit_code == 1
    assert again.output == f"vaulttool: Q472311 is already in the vault: {display_path(fresh / IOM)}\n"


def test_a_note_with_the_id_anywhere_is_named(vault: Path, wikidata: FakeWikidata) -> None:
    before = fingerprint(vault)
    result = run(vault, "Q472311", "--folder", "_Standards/Elsewhere")
    assert result.exit_code == 1
    assert result.output == f"vaulttool: Q472311 is already in the vault: {display_path(vault / IOM)}\n"
    assert fingerprint(vault) == before and wikidata.requests == []


def test_an_existing_file_is_not_replaced(fresh: Path, wikidata: FakeWikidata) -> None:
    (fresh / IOM).write_bytes(b"mine\n")
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER)
    assert result.exit_code == 1
    assert result.output == f"vaulttool: {IOM} exists already; not replaced\n"
    assert (fresh / IOM).read_bytes() == b"mine\n"


def test_dry_run_prints_the_note_and_stubs_and_writes_nothing(fresh: Path, wikidata: FakeWikidata) -> None:
    before = fingerprint(fresh)
    state = sorted(p.name for p in (fresh / ".vaulttool").rglob("*"))
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER, "--dry-run")
    assert result.exit_code == 0, result.output
    assert fingerprint(fresh) == before
    assert sorted(p.name for p in (fresh / ".vaulttool").rglob("*")) == state
    lines = result.output.splitlines()
    assert lines[0] == f"--- would create {IOM}"
    assert lines[-6:] == [f"--- would create {stub}" for stub in STUBS]
    reference = REFERENCE_NOTE.read_text(encoding="utf-8")
    assert reference[reference.index(SECTION):] in result.output
    assert "has_id_wikidata: Q472311\nofficial_name:\n" in result.output


def test_offline_without_a_stored_answer_fails_clearly(fresh: Path, wikidata: FakeWikidata) -> None:
    before = fingerprint(fresh)
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER, "--offline")
    assert result.exit_code == 1
    assert result.output == ("vaulttool: Q472311 is not in the offline cache (.vaulttool/wikidata/); "
                             "run without --offline\n")
    assert fingerprint(fresh) == before and wikidata.requests == []


def test_offline_uses_the_answer_new_stored(fresh: Path, wikidata: FakeWikidata) -> None:
    assert run(fresh, "Q472311", "--folder", IOM_FOLDER).exit_code == 0
    first = {path: (fresh / path).read_bytes() for path in (IOM, *STUBS)}
    for path in (IOM, *STUBS):
        (fresh / path).unlink()
    asked = len(wikidata.requests)
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER, "--offline")
    assert result.exit_code == 0, result.output
    assert len(wikidata.requests) == asked
    assert (fresh / IOM).read_bytes() == first[IOM]


@pytest.mark.parametrize("entity_id", ["472311", "Q0", "P31", "Q1|Q2", "q472311"])
def test_an_invalid_id_is_a_usage_error(fresh: Path, entity_id: str) -> None:
    result = run(fresh, entity_id)
    assert result.exit_code == 2
    assert "is not a Wikidata item id" in result.output


def test_a_folder_outside_the_standard_notes_is_a_usage_error(fresh: Path, wikidata: FakeWikidata) -> None:
    for folder in ("Elsewhere", "_Standards/../x", "_Standards/WikiData"):
        result = run(fresh, "Q472311", "--folder", folder)
        assert result.exit_code == 2, (folder, result.output)
    assert not (fresh / IOM).exists()


def test_without_a_short_name_the_label_alone_names_the_note(fresh: Path, wikidata: FakeWikidata) -> None:
    del wikidata.entities["Q472311"]["claims"]["P1813"]
    result = run(fresh, "Q472311")
    assert result.exit_code == 0, result.output
    note = fresh / "_Standards/International_Organization_for_Migration.md"
    assert note.read_text(encoding="utf-8").startswith(
        "---\naliases:\n  - International Organization for Migration\nhas_id_wikidata: Q472311\n")
    assert (fresh / "_secret/International_Organization_for_Migration.secret.md").is_file()


def test_a_vault_template_replaces_the_built_in_one(fresh: Path, wikidata: FakeWikidata) -> None:
    own = fresh / "_Templates/vaulttool"
    shutil.copytree(Path(new.__file__).parents[2] / "templates", own)
    (own / "standard.md").write_text("---\ntags: [org]\n---\n\n# {{label}} ({{short_name}})\n\n{{description}}\n",
                                     encoding="utf-8")
    with (fresh / "vaulttool.toml").open("a", encoding="utf-8") as config:
        config.write('\n[tiers]\ntemplates = "_Templates/vaulttool"\n')
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER)
    assert result.exit_code == 0, result.output
    text = (fresh / IOM).read_text(encoding="utf-8")
    assert text.startswith("---\ntags: [org]\naliases:\n")
    assert "\n# International Organization for Migration (IOM)\n\nUnited Nations related organization" in text


def test_names_are_made_safe_or_refused() -> None:
    assert new.note_name("A/B: C", "X|Y", 200) == "X_Y(A_B__C)"
    assert new.note_name("Geneva", None, 200) == "Geneva"
    for label in ("...", "CON", "x" * 300):
        with pytest.raises(UnsafePathError):
            new.note_name(label, None, 300)
    assert new.abstract("a *b* [c]", "AC/DC (band)") == \
        "> a \\*b\\* \\[c\\]\n>\n> [Wikipedia](https://en.wikipedia.org/wiki/AC/DC%20%28band%29) "
    assert new.abstract(None, None) == ""
    assert new.plain_text("line\u202eone\ntwo") == "lineone two"


def test_the_english_short_name_of_the_best_rank_is_taken() -> None:
    def short(text: str, language: str, rank: str = "normal") -> dict[str, object]:
        value = {"text": text, "language": language}
        return {"rank": rank, "mainsnak": {"snaktype": "value", "property": "P1813", "datatype": "monolingualtext",
                                           "datavalue": {"type": "monolingualtext", "value": value}}}
    entity = {"claims": {"P1813": [short("OIM", "fr"), short("IOM", "en"), short("UNM", "en", "preferred")]}}
    assert new.short_name(entity) == "UNM"
    entity = {"claims": {"P1813": [short("OIM", "fr"), short("OLD", "en", "deprecated")]}}
    assert new.short_name(entity) is None


def test_new_takes_the_writer_lock(fresh: Path, wikidata: FakeWikidata) -> None:
    from test_lock import hold

    holder = hold(fresh / ".vaulttool" / "cache", 30)
    try:
        result = run(fresh, "Q472311", "--folder", IOM_FOLDER, "--lock-timeout", "0.2")
        assert result.exit_code == 1
        assert result.output.startswith(f"vaulttool: another vaulttool is writing this vault (pid {holder.pid} on ")
        assert not (fresh / IOM).exists() and wikidata.requests == []
        assert run(fresh, "Q472311", "--folder", IOM_FOLDER, "--dry-run").exit_code == 0  # writes nothing: no lock
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_answer_creates_nothing(fresh: Path, wikidata: FakeWikidata) -> None:
    before = fingerprint(fresh)
    wikidata.fail_next("http_503_html.json", times=10)
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER)
    assert result.exit_code == 1
    assert result.output.startswith("vaulttool: Q472311 could not be fetched: ")
    assert fingerprint(fresh) == before


def test_the_vaults_key_bindings_are_honoured(fresh: Path, wikidata: FakeWikidata) -> None:
    keys = fresh / ".vaulttool" / "keys.json"
    keys.write_text(keys.read_text(encoding="utf-8").replace('"P17": "country"', '"P17": "state"')
                    .replace('"P571": "inception"', '"P571": null'), encoding="utf-8")
    assert run(fresh, "Q472311", "--folder", IOM_FOLDER).exit_code == 0
    text = (fresh / IOM).read_text(encoding="utf-8")
    assert '\nstate: "[[_Standards/WikiData/WD~Switzerland,39]]"\n' in text
    assert "\ncountry:" not in text and "\ninception:" not in text


def test_a_stub_edited_by_hand_is_kept_and_reported(fresh: Path, wikidata: FakeWikidata) -> None:
    """The note's stubs may outlive it: an edited one is left as it is, and tiers' warning is shown."""
    stub = fresh / STUBS[3]
    stub.write_text("---\ntier: private\nsource: \"[[elsewhere]]\"\n---\nmine\n", encoding="utf-8")
    result = run(fresh, "Q472311", "--folder", IOM_FOLDER)
    assert result.exit_code == 0, result.output
    assert stub.read_text(encoding="utf-8") == "---\ntier: private\nsource: \"[[elsewhere]]\"\n---\nmine\n"
    assert f"created {STUBS[3]}" not in result.output
    assert "VT415 warning: stub edited by hand and out of date with its standard note; not updated" in result.output
