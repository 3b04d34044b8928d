"""`vaulttool entities` (and its step of `sync`) against a real HTTP server on localhost serving the
recorded Wikidata JSON, on real copies of the example vault."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import EXAMPLE_VAULT, fingerprint, posix_only
from wikidata_server import FakeWikidata

from vaulttool.cli import main
from vaulttool.commands import entities, refresh
from vaulttool.config.settings import Config
from vaulttool.disk import vault as disk_vault
from vaulttool.engine.links import links_in
from vaulttool.engine.note import Note
from vaulttool.tiers.templates import is_untouched
from vaulttool.wikidata.linkpattern import entity_links

REFERENCE = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
WIKIDATA_FOLDER = "_Standards/WikiData"
GENEVA = f"{WIKIDATA_FOLDER}/WD~Geneva,71.md"
SWITZERLAND = f"{WIKIDATA_FOLDER}/WD~Switzerland,39.md"
MATCHER = entity_links("[[_Standards/WikiData/WD~{label},{numeric_id}]]")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def made_by_vaulttool(root: Path) -> dict[str, bytes]:
    """The entity notes vaulttool made, by vault path."""
    return {f"{WIKIDATA_FOLDER}/{path.name}": path.read_bytes() for path in sorted((root / WIKIDATA_FOLDER).glob("*.md"))
            if is_untouched(path.read_bytes())}


COMMITTED = made_by_vaulttool(EXAMPLE_VAULT)


def remove_made(root: Path) -> None:
    for vault_path in made_by_vaulttool(root):
        (root / vault_path).unlink()


def resolves(root: Path, target: str) -> bool:
    """Whether a link target names an existing note, as Obsidian resolves a full path or a bare name."""
    target = target.removesuffix(".md")
    if "/" in target:
        return (root / f"{target}.md").is_file()
    return any(path.name == f"{target}.md" for path in root.rglob("*.md"))


def config_with(root: Path, text: str) -> None:
    config = root / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


def note_file(root: Path, vault_path: str, text: str) -> Path:
    path = root / vault_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))  # as given: write_text would make each \n \r\n on Windows
    return path


# --- the example vault ------------------------------------------------------------------------

def test_the_example_vault_has_every_entity_note(example_vault: Path) -> None:
    """Every entity link of every note resolves, offline, with nothing to write (the set-up command)."""
    result = run("entities", "--offline", str(example_vault))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "entities: 49 notes read, 21 items linked, wrote 0 files; 0 errors, 0 warnings; 0 requests\n"
    for path in example_vault.rglob("*.md"):
        for link in MATCHER.links(Note.parse(path.read_bytes())):
            assert resolves(example_vault, link.target), (path, link)
    assert len(COMMITTED) == 20  # and Geneva's, made by hand


def test_sync_makes_every_entity_note_of_the_reference_note_then_writes_nothing(wikidata: FakeWikidata,
                                                                                vault: Path) -> None:
    remove_made(vault)
    first = run("sync", str(vault))
    assert first.exit_code == 3, first.output
    assert "entities: 21 items linked, wrote 20 files (0 errors, 0 warnings)" in first.stderr
    reference = Note.parse((vault / REFERENCE).read_bytes())
    links = list(MATCHER.links(reference))
    assert len(links) == 19 and len({link.item for link in links}) == 19  # 18 in the frontmatter, 1 in the body
    assert all(resolves(vault, link.target) for link in links)
    checked = run("links", "--check", str(vault))  # every link of the vault resolves, as Obsidian resolves it
    assert (checked.exit_code, checked.stdout) == (0, "")
    assert made_by_vaulttool(vault) == COMMITTED  # the committed notes are this command's, byte for byte
    assert [r["props"] for r in wikidata.requests].count(entities.PROPS) == 1
    before = fingerprint(vault)
    second = run("sync", str(vault))
    assert second.exit_code == 0, second.output
    assert "entities: 21 items linked, wrote 0 files (0 errors, 0 warnings)" in second.stderr
    assert fingerprint(vault) == before
    assert [r["props"] for r in wikidata.requests].count(entities.PROPS) == 1  # the stored terms are fresh


def test_the_store_holds_labels_and_terms_refresh_agrees_with(wikidata: FakeWikidata, vault: Path) -> None:
    remove_made(vault)
    assert run("entities", str(vault)).exit_code == 0
    stored = json.loads((vault / ".vaulttool" / "wikidata" / "terms.json").read_text(encoding="utf-8"))
    assert stored["Q39"] == {"aliases": ["Swiss Confederation"], "description": "country in Central Europe",
                             "fetched": stored["Q39"]["fetched"], "languages": ["en"],
                             "revision": wikidata.revision("Q39")}
    labels = json.loads((vault / ".vaulttool" / "wikidata" / "labels.json").read_text(encoding="utf-8"))
    assert labels["Q472311"]["label"] == "International Organization for Migration"
    offline = run("entities", "--offline", str(vault))  # from the store alone
    assert (offline.exit_code, offline.stdout) == (0, "")
    assert "21 items linked, wrote 0 files; 0 errors, 0 warnings" in offline.stderr


# --- ownership --------------------------------------------------------------------------------

def test_a_stale_untouched_note_is_brought_up_to_date(wikidata: FakeWikidata, example_vault: Path) -> None:
    (example_vault / ".vaulttool" / "wikidata" / "terms.json").unlink()  # (stale: asked again)
    wikidata.terms["Q39"]["descriptions"]["en"]["value"] = "federal republic in Central Europe"
    before = fingerprint(example_vault, "*.md")
    result = run("entities", str(example_vault))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated {SWITZERLAND}\n"
    note = (example_vault / SWITZERLAND).read_bytes()
    assert b"description: federal republic in Central Europe\n" in note and is_untouched(note)
    assert b"\nfederal republic in Central Europe\n" in note
    after = fingerprint(example_vault, "*.md")
    assert {Path(path).as_posix() for path in before if before[path] != after[path]} == {SWITZERLAND}


def test_an_edited_note_is_reported_and_never_rewritten(wikidata: FakeWikidata, example_vault: Path) -> None:
    note = example_vault / SWITZERLAND
    edited = note.read_bytes() + b"\nMy own notes on Switzerland.\n"
    note.write_bytes(edited)
    (example_vault / ".vaulttool" / "wikidata" / "terms.json").unlink()
    assert run("entities", str(example_vault)).exit_code == 0  # current facts: nothing to say
    wikidata.terms["Q39"]["aliases"]["en"].append({"language": "en", "value": "Confoederatio Helvetica"})
    (example_vault / ".vaulttool" / "wikidata" / "terms.json").unlink()
    result = run("entities", "--strict", str(example_vault))
    shown = "_Standards/WikiData/WD~Switzerland,39.md"
    assert result.stdout.endswith(f"{shown}:2:1: VT520 warning: entity note of Q39 edited by hand and out of date "
                                  "with Wikidata (its aliases); not rewritten\n")
    assert result.exit_code == 1
    assert note.read_bytes() == edited


def test_a_hand_made_note_is_checked_not_rewritten(wikidata: FakeWikidata, example_vault: Path) -> None:
    geneva = example_vault / GENEVA
    before = geneva.read_bytes()
    assert run("entities", "--offline", str(example_vault)).stdout == ""  # it holds Wikidata's facts
    geneva.write_bytes(before.replace(b"description: city in Switzerland\n", b"description: a lake\n"))
    result = run("entities", "--offline", str(example_vault))
    assert result.stdout == (f"{example_vault.as_posix()}/{GENEVA}:6:1: VT520 warning: entity note of Q71 edited by "
                             "hand and out of date with Wikidata (its description); not rewritten\n")
    assert geneva.read_bytes() == before.replace(b"description: city in Switzerland\n", b"description: a lake\n")


def test_a_file_at_the_path_is_never_replaced(wikidata: FakeWikidata, example_vault: Path) -> None:
    switzerland = example_vault / SWITZERLAND
    switzerland.write_bytes(b"Just a text.\n")
    result = run("entities", "--offline", str(example_vault))
    assert "WD~Switzerland,39.md:1:1: VT520 warning: entity note of Q39 edited by hand" in result.stdout
    assert switzerland.read_bytes() == b"Just a text.\n"


def test_notes_in_an_excluded_folder_are_still_never_made_again(example_vault: Path) -> None:
    """Discovery does not list them, but they are there: read and checked, not created over."""
    config = example_vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("exclude = []", 'exclude = ["WikiData"]'),
                      encoding="utf-8")
    before = fingerprint(example_vault)
    result = run("entities", "--offline", str(example_vault))
    assert (result.exit_code, result.stdout) == (0, "")
    assert "28 notes read, 21 items linked, wrote 0 files" in result.stderr
    assert fingerprint(example_vault) == before


def test_a_note_appearing_meanwhile_is_kept(example_vault: Path) -> None:
    (example_vault / SWITZERLAND).unlink()
    config = disk_vault.open_vault(example_vault)
    report = entities.plan(config, disk_vault.discover(config, []), None)
    assert [action.vault_path for action in report.actions] == [SWITZERLAND]
    (example_vault / SWITZERLAND).write_bytes(b"mine\n")  # another program made it since the plan
    entities.apply(report, config)
    assert (example_vault / SWITZERLAND).read_bytes() == b"mine\n"
    assert [f.code for f in report.findings] == ["VT417"] and report.written == []


def test_a_dry_run_shows_the_diff_and_writes_nothing(wikidata: FakeWikidata, example_vault: Path) -> None:
    (example_vault / SWITZERLAND).unlink()
    before = fingerprint(example_vault)
    stored = (example_vault / ".vaulttool" / "wikidata" / "terms.json").read_bytes()
    (example_vault / ".vaulttool" / "wikidata" / "terms.json").write_bytes(b"{}")
    result = run("entities", "--dry-run", "--fail-on-change", str(example_vault))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- /dev/null\n+++ b/{SWITZERLAND}\n")
    assert "+description: country in Central Europe\n" in result.stdout
    assert result.stderr.endswith("would write 1 file; 0 errors, 0 warnings; 1 request\n")
    assert fingerprint(example_vault) == {k: v for k, v in before.items()}
    assert (example_vault / ".vaulttool" / "wikidata" / "terms.json").read_bytes() == b"{}" != stored
    written = run("entities", "--fail-on-change", str(example_vault))
    assert (written.exit_code, written.stdout) == (1, f"created {SWITZERLAND}\n")
    assert (example_vault / SWITZERLAND).read_bytes() == COMMITTED[SWITZERLAND]


# --- items gone upstream ------------------------------------------------------------------------

GONE = ('---\naliases:\n  - Gone\nrelated:\n  - "[[_Standards/WikiData/WD~Something,999999999]]"\n---\n\n'
        'Once: [[WD~Something,999999999|an old item]] and [[_Standards/WikiData/WD~Redirect_source,999999904]].\n')


def test_a_deleted_item_is_reported_at_each_link(wikidata: FakeWikidata, example_vault: Path) -> None:
    note_file(example_vault, "Notes/Gone.md", GONE)
    result = run("entities", str(example_vault))
    shown = f"{example_vault.as_posix()}/Notes/Gone.md"
    assert f"{shown}:5:6: VT521 warning: Q999999999 was deleted on Wikidata (or never existed): the link leads " \
           "nowhere; no entity note\n" in result.stdout
    assert f"{shown}:8:7: VT521 warning: Q999999999 was deleted" in result.stdout
    assert not list((example_vault / WIKIDATA_FOLDER).glob("*999999999*"))
    assert result.exit_code == 0


def test_a_merged_item_gets_its_targets_note(wikidata: FakeWikidata, example_vault: Path) -> None:
    note_file(example_vault, "Notes/Gone.md", GONE)
    result = run("entities", str(example_vault))
    assert f"{example_vault.as_posix()}/Notes/Gone.md:8:50: VT523 warning: Q999999904 was merged into Q999999905 " \
           "on Wikidata: link Q999999905 instead; the entity note is Q999999905's\n" in result.stdout
    target = example_vault / WIKIDATA_FOLDER / "WD~Redirect_target_item,999999905.md"
    assert f"created {WIKIDATA_FOLDER}/{target.name}\n" in result.stdout
    assert Note.parse(target.read_bytes()).values()["has_id_wikidata"] == "Q999999905"
    # The link naming the merged id now opens the surviving item's note; the deleted item's links stay.
    assert (example_vault / "Notes/Gone.md").read_bytes() == GONE.replace(
        "WD~Redirect_source,999999904", "WD~Redirect_target_item,999999905").encode()


def test_an_items_note_under_another_name_is_not_made_twice(wikidata: FakeWikidata, example_vault: Path) -> None:
    """The relinking seam: the plan lists the note found by its numeric id and the path wanted."""
    note_file(example_vault, "Notes/Gone.md", GONE)
    old = note_file(example_vault, f"{WIKIDATA_FOLDER}/WD~Redirect_source,999999904.md",
                    "---\naliases:\n  - Redirect source\nhas_id_wikidata: Q999999904\n---\n")
    amy = example_vault / WIKIDATA_FOLDER / "WD~Amy_E._Pope,123397878.md"
    amy.rename(amy.with_name("WD~Amy_Pope,123397878.md"))  # as after a relink, or a rename by hand
    config = disk_vault.open_vault(example_vault)
    report = entities.plan(config, disk_vault.discover(config, []), refresh.client_for(config, False))
    assert report.actions == []
    merged = report.items["Q999999905"]
    assert (merged.linked, merged.existing, merged.wanted, merged.state, merged.moved) == (
        ["Q999999904"], [old.relative_to(example_vault).as_posix()],
        f"{WIKIDATA_FOLDER}/WD~Redirect_target_item,999999905.md", entities.ELSEWHERE, True)
    pope = report.items["Q123397878"]
    assert (pope.existing, pope.wanted, pope.moved) == ([f"{WIKIDATA_FOLDER}/WD~Amy_Pope,123397878.md"],
                                                        f"{WIKIDATA_FOLDER}/WD~Amy_E._Pope,123397878.md", True)
    assert len(pope.links) == 1 and (pope.links[0].line, pope.links[0].col) == (28, 21)
    switzerland = report.items["Q39"]
    assert (switzerland.existing, switzerland.state, switzerland.moved) == ([SWITZERLAND], entities.CURRENT, False)
    assert [link.display.rsplit("/", 1)[-1] for link in switzerland.links] == [
        "IOM(International_Organization_for_Migration).md", "WD~Geneva,71.md"]
    result = run("entities", str(example_vault))  # the relinking: each note renamed to the name wanted
    assert "moved _Standards/WikiData/WD~Amy_Pope,123397878.md -> _Standards/WikiData/WD~Amy_E._Pope,123397878.md\n" \
        in result.stdout
    assert made_by_vaulttool(example_vault) == {**COMMITTED, **made_by_vaulttool(example_vault)}


# --- offline ------------------------------------------------------------------------------------

def test_offline_an_item_without_stored_terms_is_reported_once(example_vault: Path) -> None:
    terms_file = example_vault / ".vaulttool" / "wikidata" / "terms.json"
    stored = json.loads(terms_file.read_text(encoding="utf-8"))
    del stored["Q39"]
    terms_file.write_text(json.dumps(stored), encoding="utf-8")
    (example_vault / SWITZERLAND).unlink()
    result = run("entities", "--offline", "--strict", str(example_vault))
    assert result.stdout == (f"{example_vault.as_posix()}/{REFERENCE}:36:11: VT524 warning: Q39 is not in the offline "
                             "store (.vaulttool/wikidata/): no entity note; run `vaulttool entities` without "
                             "--offline once\n")  # the first of its two links
    assert result.exit_code == 1 and not (example_vault / SWITZERLAND).exists()


def test_a_failed_fetch_writes_nothing_and_fails(wikidata: FakeWikidata, vault: Path) -> None:
    remove_made(vault)
    wikidata.fail_next("http_503_html.json", times=3)
    before = fingerprint(vault)
    result = run("entities", str(vault))
    assert result.exit_code == 1
    assert "failed: Q39: could not be had from Wikidata (HTTP 503 (gave up after 3 attempts)); its entity note " \
           "is as it was\n" in result.stdout
    assert fingerprint(vault) == before


# --- hostile strings stay data ------------------------------------------------------------------

HOSTILE_LABEL = "]]\n---\nevil: true\n# Heading | [[x]] ../../etc \u202eCON"
HOSTILE_DESCRIPTION = "- [[secret]] #tag $x$ %%c%% <script>alert(1)</script>\n\n---\nkey: value\u2028line"


def test_hostile_terms_stay_data_and_the_path_stays_safe(wikidata: FakeWikidata, example_vault: Path) -> None:
    wikidata.entities["Q900100"] = {
        "type": "item", "id": "Q900100", "labels": {"en": {"language": "en", "value": HOSTILE_LABEL}},
        "descriptions": {"en": {"language": "en", "value": HOSTILE_DESCRIPTION}},
        "aliases": {"en": [{"language": "en", "value": value} for value in ("NO", "a: b", "]]", "\u200f")]},
    }
    note_file(example_vault, "Notes/Hostile.md", "See [[WD~x,900100]].\n")
    result = run("entities", str(example_vault))
    assert result.exit_code == 0, result.output
    made = [path for path in (example_vault / WIKIDATA_FOLDER).glob("*900100.md")]
    assert [path.name for path in made] == ["WD~__---evil__true__Heading_____x___.._.._etc_CON,900100.md"]
    data = made[0].read_bytes()
    note = Note.parse(data)
    label = "]] --- evil: true # Heading | [[x]] ../../etc CON"
    # The label and the description hold link syntax: not in the frontmatter, where they would be links (VT502)
    assert note.values() == {"aliases": ["NO", "a: b", "]]"], "has_id_wikidata": "Q900100",
                             "vaulttool_stub": note.values()["vaulttool_stub"]}
    assert f"VT502 warning: Q900100: the label {label!r} holds link syntax" in result.stdout
    assert "VT502 warning: Q900100: the description '- [[secret]] #tag" in result.stdout
    body = note.body.split("\n")
    assert body == ["", r"# \]\] --- evil: true \# Heading \| \[\[x\]\] ../../etc CON", "",
                    r"\- \[\[secret\]\] \#tag \$x\$ \%\%c\%\% \<script\>alert(1)\</script\> --- key: value line", "",
                    "[Wikidata](https://www.wikidata.org/wiki/Q900100)", ""]
    assert list(links_in(note.body)) == []  # the Wikidata link is a URL; nothing else is a link
    assert b"evil: true\n" not in data and "\u202e" not in data.decode()


def test_a_name_too_long_is_refused(wikidata: FakeWikidata, example_vault: Path) -> None:
    config_with(example_vault, "max_label_bytes = 400\n")  # (the [wikidata] table ends the file)
    wikidata.entities["Q900101"] = {"type": "item", "id": "Q900101",
                                    "labels": {"en": {"language": "en", "value": "L" * 300}}}
    note_file(example_vault, "Notes/Long.md", "See [[WD~x,900101]].\n")
    result = run("entities", str(example_vault))
    assert f"{example_vault.as_posix()}/Notes/Long.md:1:5: VT414 refused: the entity note of Q900101: " in result.stdout
    assert "over the 255-byte limit; not written" in result.stdout and result.exit_code == 1
    assert not list((example_vault / WIKIDATA_FOLDER).glob("*900101*"))


@posix_only
def test_a_symlinked_entity_folder_is_refused(wikidata: FakeWikidata, example_vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.move(str(example_vault / WIKIDATA_FOLDER), outside)
    os.symlink(outside, example_vault / WIKIDATA_FOLDER)
    (outside / "WD~Switzerland,39.md").unlink()
    result = run("entities", "--offline", str(example_vault))
    assert "VT414 refused: the entity note of Q39: _Standards/WikiData/ is a symlink" in result.stdout
    assert not (outside / "WD~Switzerland,39.md").exists()


# --- refresh and tiers --------------------------------------------------------------------------

def test_refresh_leaves_vaulttool_made_entity_notes_alone(example_vault: Path) -> None:
    geneva = example_vault / GENEVA
    geneva.write_bytes(geneva.read_bytes().replace(b"Switzerland,39", b"France,142"))
    result = run("refresh", "--offline", str(example_vault))
    assert result.stderr == "3 notes checked, 1 changed, 0 failed, 0 skipped; 0 requests\n"  # Geneva's: refreshed
    assert b"Switzerland,39" in geneva.read_bytes()
    ioms = example_vault / WIKIDATA_FOLDER / "WD~International_Organization_for_Migration,472311.md"
    assert ioms.read_bytes() == COMMITTED[ioms.relative_to(example_vault).as_posix()]  # has_id_wikidata Q472311


def test_entity_notes_get_stubs_where_tiers_do_not_skip_them(example_vault: Path) -> None:
    config_with(example_vault, "\n[tiers]\nskip = []\n")
    remove_made(example_vault)
    first = run("sync", "--offline", str(example_vault))
    assert first.exit_code == 3, first.output
    # 6 stubs of each of 21 entity notes, and Geneva's links section
    assert "entities: 21 items linked, wrote 20 files (0 errors, 0 warnings); tiers: wrote 127 files" in first.stderr
    switzerland = (example_vault / SWITZERLAND).read_bytes()
    assert is_untouched(switzerland)  # its links section is vaulttool's too
    assert b"### #is_/same_as :: [WD~Switzerland,39.secret](/_secret/WikiData/WD~Switzerland,39.secret.md)" \
        in switzerland
    stub = example_vault / "_public" / "WikiData" / "WD~Switzerland,39.public.md"
    assert Note.parse(stub.read_bytes()).values()["source"] == "[[_Standards/WikiData/WD~Switzerland,39]]"
    before = fingerprint(example_vault)
    second = run("sync", "--offline", str(example_vault))
    assert second.exit_code == 0, second.output
    assert fingerprint(example_vault) == before


def test_a_link_only_tier_notes_hold_makes_no_note_with_stubs(example_vault: Path) -> None:
    """Its stubs would show in `_public` what only a `_secret` note links to: a tier leak."""
    config_with(example_vault, "\n[tiers]\nskip = []\n")
    note_file(example_vault, "_secret/UN(United_Nations)/Private.secret.md", "---\ntier: secret\npublish: false\n---\n"
              "[[WD~Switzerland,39]] [[WD~French,150]]\n")
    reference = example_vault / REFERENCE
    reference.write_bytes(reference.read_bytes().replace(b'  - "[[_Standards/WikiData/WD~French,150]]"\n', b""))
    for name in ("WD~French,150.md", "WD~Switzerland,39.md"):
        (example_vault / WIKIDATA_FOLDER / name).unlink()
    result = run("entities", "--offline", str(example_vault))  # (sync's refresh would bring the link back)
    assert "vaulttool: Q150 is linked only from tier notes: no entity note, as its tier stubs would show the link " \
           "in lower tiers\n" in result.stderr
    assert not (example_vault / WIKIDATA_FOLDER / "WD~French,150.md").exists()
    assert (example_vault / SWITZERLAND).is_file()  # the reference note links it too
    run("tiers", str(example_vault))
    assert not list(example_vault.glob("_*/WikiData/WD~French*"))
    assert list(example_vault.glob("_*/WikiData/WD~Switzerland*"))


def test_a_link_pattern_entity_notes_cannot_follow(example_vault: Path) -> None:
    config = example_vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'link_pattern = "[[_Standards/WikiData/WD~{label},{numeric_id}]]"', 'link_pattern = "WD:{id}"'),
        encoding="utf-8")
    result = run("entities", "--offline", str(example_vault))
    assert (result.exit_code, result.stderr) == (2, "vaulttool: wikidata.link_pattern 'WD:{id}': entity notes need a "
                                                    "wikilink pattern ([[…]])\n")
    synced = run("sync", "--offline", str(example_vault))
    assert "vaulttool: entities: skipped: wikidata.link_pattern 'WD:{id}'" in synced.stderr


def test_an_own_template_is_used(example_vault: Path) -> None:
    config_with(example_vault, '\n[tiers]\ntemplates = "_Templates/vaulttool"\n')
    note_file(example_vault, "_Templates/vaulttool/entity.md",
              "---\ntags: [entity]\nlabel: \"{{label}}\"\n---\n# {{title}}\n\n{{description}}\n\nSee {{wikidata_url}}.\n")
    remove_made(example_vault)
    assert run("entities", "--offline", str(example_vault)).exit_code == 0
    note = Note.parse((example_vault / SWITZERLAND).read_bytes())
    assert list(note.values())[:5] == ["tags", "label", "aliases", "has_id_wikidata", "description"]
    assert note.body == "# WD\\~Switzerland,39\n\ncountry in Central Europe\n\nSee https://www.wikidata.org/wiki/Q39.\n"
    (example_vault / "_Templates/vaulttool/entity.md").write_text("# {{date}}\n", encoding="utf-8")
    broken = run("entities", "--offline", str(example_vault))
    assert broken.exit_code == 2 and "unknown placeholder {{date}}" in broken.stderr


def test_plan_of_an_empty_vault(tmp_path: Path) -> None:
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    config: Config = disk_vault.open_vault(tmp_path)
    report = entities.plan(config, disk_vault.discover(config, []), None)
    assert (report.items, report.actions, report.findings) == ({}, [], [])


def test_an_item_without_a_description_or_aliases(wikidata: FakeWikidata, example_vault: Path) -> None:
    wikidata.entities["Q900102"] = {"type": "item", "id": "Q900102", "labels": {"en": {"language": "en",
                                                                                       "value": "Bare"}}}
    note_file(example_vault, "Notes/Bare.md", "---\nsee: \"[[_Standards/WikiData/WD~Bare,900102]]\"\n---\n")
    assert run("entities", str(example_vault)).exit_code == 0
    data = (example_vault / WIKIDATA_FOLDER / "WD~Bare,900102.md").read_bytes()
    note = Note.parse(data)
    assert list(note.values()) == ["aliases", "has_id_wikidata", "vaulttool_stub"]
    assert note.values()["aliases"] == ["Bare"]
    assert note.body == "\n# Bare\n\n[Wikidata](https://www.wikidata.org/wiki/Q900102)\n"


def test_a_links_section_tiers_adds_keeps_the_note_vaulttools(example_vault: Path) -> None:
    """Entity notes made while tiers skipped them, then given tiers: they stay vaulttool's to update."""
    config_with(example_vault, "\n[tiers]\nskip = []\n")
    before = (example_vault / SWITZERLAND).read_bytes()
    assert b"## Confidential Links & Embeds: " not in before
    assert run("tiers", str(example_vault)).exit_code == 0
    after = (example_vault / SWITZERLAND).read_bytes()
    assert Note.parse(after).body.startswith(Note.parse(before).body) and is_untouched(after)  # (sealed again)
    assert b"## Confidential Links & Embeds: " in after
    terms_file = example_vault / ".vaulttool" / "wikidata" / "terms.json"
    stored = json.loads(terms_file.read_text(encoding="utf-8"))
    stored["Q39"]["description"] = "federal republic in Central Europe"
    terms_file.write_text(json.dumps(stored), encoding="utf-8")
    result = run("entities", "--offline", str(example_vault))
    assert result.stdout == f"updated {SWITZERLAND}\n"  # not VT520: it is still vaulttool's
    updated = (example_vault / SWITZERLAND).read_bytes()
    assert b"description: federal republic in Central Europe\n" in updated
    assert updated.endswith(after[after.index(b"## Confidential Links & Embeds: "):])  # its section kept


# --- relinking: label drift and merges --------------------------------------------------------------

LEADERS = ("---\nsee_also: \"[[WD~Amy_E._Pope,123397878|the Director General]]\"\n---\n"
           "Led by [[WD~Amy_E._Pope,123397878#Career|Amy Pope]], see [her note](/_Standards/WikiData/"
           "WD~Amy_E._Pope,123397878.md) and ![[_Standards/WikiData/WD~Amy_E._Pope,123397878]].\r\n"
           "```\n[[WD~Amy_E._Pope,123397878]] in code stays\n```\n")


def _relabel(wikidata: FakeWikidata, vault: Path, item: str, label: str) -> None:
    """Wikidata now labels `item` `label`; the vault's stored label and terms of it have aged out."""
    for entity in (wikidata.labels.get(item), wikidata.terms.get(item)):
        if entity is not None:
            entity["labels"]["en"]["value"] = label
    for name in ("labels.json", "terms.json"):
        stored = vault / ".vaulttool" / "wikidata" / name
        data = json.loads(stored.read_text(encoding="utf-8"))
        data[item]["fetched"] = "2000-01-01"
        stored.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def test_a_label_changed_upstream_renames_the_entity_note_and_relinks_every_note(wikidata: FakeWikidata,
                                                                                 example_vault: Path) -> None:
    vault = example_vault
    leaders = note_file(vault, "Notes/Leaders.md", LEADERS)
    _relabel(wikidata, vault, "Q123397878", "Amy Pope")
    reference_before = (vault / REFERENCE).read_bytes()
    before = fingerprint(vault)
    result = run("sync", str(vault))
    assert result.exit_code == 3, result.output
    old, new = f"{WIKIDATA_FOLDER}/WD~Amy_E._Pope,123397878.md", f"{WIKIDATA_FOLDER}/WD~Amy_Pope,123397878.md"
    assert f"moved {old} -> {new}\n" in result.stdout
    assert not (vault / old).exists()
    # The reference note: refresh rewrote one line of its frontmatter, and nothing else.
    old_line = b'general_secretary: "[[_Standards/WikiData/WD~Amy_E._Pope,123397878]]"'
    assert (vault / REFERENCE).read_bytes() == reference_before.replace(
        old_line, b'general_secretary: "[[_Standards/WikiData/WD~Amy_Pope,123397878]]"')
    # Every other note's links: only their paths changed; forms, headings, aliases and code kept.
    assert leaders.read_bytes() == LEADERS.replace("WD~Amy_E._Pope,123397878]] in code", "KEEP").replace(
        "Amy_E._Pope", "Amy_Pope").replace("KEEP", "WD~Amy_E._Pope,123397878]] in code").encode()
    # The renamed note is vaulttool's, made again for the new label; no other file changed.
    renamed = Note.parse((vault / new).read_bytes())
    assert renamed.values()["aliases"][0] == "Amy Pope" and is_untouched((vault / new).read_bytes())
    after = fingerprint(vault)
    changed = {Path(path).as_posix() for path in set(before) | set(after) if before.get(path) != after.get(path)}
    assert {path for path in changed if not path.startswith(".vaulttool/")} == {old, new, REFERENCE, "Notes/Leaders.md"}
    checked = run("links", "--check", str(vault))
    assert (checked.exit_code, checked.stdout) == (0, "")
    assert run("check", str(vault)).exit_code == 0
    settled = fingerprint(vault)
    again = run("sync", str(vault))
    assert again.exit_code == 0, again.output
    assert fingerprint(vault) == settled


def test_a_dry_run_shows_the_rename_and_the_relinking_and_writes_nothing(wikidata: FakeWikidata,
                                                                        example_vault: Path) -> None:
    note_file(example_vault, "Notes/Leaders.md", LEADERS)
    _relabel(wikidata, example_vault, "Q123397878", "Amy Pope")
    before = fingerprint(example_vault)
    result = run("entities", "--dry-run", str(example_vault))
    assert result.exit_code == 0, result.output
    assert "rename _Standards/WikiData/WD~Amy_E._Pope,123397878.md -> _Standards/WikiData/WD~Amy_Pope,123397878.md" \
        in result.stdout
    assert "+Led by [[WD~Amy_Pope,123397878#Career|Amy Pope]]" in result.stdout
    assert fingerprint(example_vault) == before


def test_a_link_in_an_escaped_value_is_reported_and_only_it_left(wikidata: FakeWikidata, example_vault: Path) -> None:
    """Relinking is per link: the one link it cannot rewrite in place is reported, the others are rewritten."""
    text = ('---\nsee: "[[WD~Amy_E._Pope,123397878]] \\u00e9"\nalso: "[[WD~Amy_E._Pope,123397878]]"\n---\n'
            '[[WD~Amy_E._Pope,123397878]]\n')
    escaped = note_file(example_vault, "Notes/Escaped.md", text)
    _relabel(wikidata, example_vault, "Q123397878", "Amy Pope")
    result = run("entities", str(example_vault))
    assert (f"{escaped.as_posix()}:2:6: VT531 link not rewritten: 'WD~Amy_E._Pope,123397878' names Q123397878, "
            "whose note is _Standards/WikiData/WD~Amy_Pope,123397878.md, but it is in a frontmatter value written "
            "with escapes or over several lines; this link is left as it was, edit it by hand\n") in result.stdout
    assert escaped.read_bytes() == text.replace("also: \"[[WD~Amy_E._Pope", "also: \"[[WD~Amy_Pope").replace(
        "\n[[WD~Amy_E._Pope", "\n[[WD~Amy_Pope").encode()
    assert (example_vault / WIKIDATA_FOLDER / "WD~Amy_Pope,123397878.md").is_file()


def test_a_hand_made_note_under_the_old_name_is_moved_with_its_bytes(wikidata: FakeWikidata,
                                                                    example_vault: Path) -> None:
    old = example_vault / WIKIDATA_FOLDER / "WD~Amy_E._Pope,123397878.md"
    mine = b"---\naliases:\n  - Amy E. Pope\nhas_id_wikidata: Q123397878\n---\nMy own notes on her.\n"
    old.write_bytes(mine)
    _relabel(wikidata, example_vault, "Q123397878", "Amy Pope")
    result = run("entities", str(example_vault))
    assert (example_vault / WIKIDATA_FOLDER / "WD~Amy_Pope,123397878.md").read_bytes() == mine
    assert not old.exists()
    assert "VT520" not in result.stdout
    again = run("entities", str(example_vault))  # under its new name, it is checked as any note made by hand
    assert "WD~Amy_Pope,123397878.md:2:1: VT520 warning: entity note of Q123397878 edited by hand" in again.stdout
