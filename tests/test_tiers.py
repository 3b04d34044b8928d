"""`vaulttool tiers` on the real filesystem: stubs, links sections, idempotence, safety, leaks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REFERENCE_NOTE, fingerprint, symlinks

from vaulttool.cli import main
from vaulttool.config.settings import TiersConfig
from vaulttool.disk.vault import display_path
from vaulttool.engine import paths
from vaulttool.engine.note import Note
from vaulttool.errors import UnsafePathError
from vaulttool.tiers import layout
from vaulttool.tiers.templates import Template, TemplateError, is_untouched, render

TIERS = TiersConfig().names
IOM = "UN(United_Nations)/IOM(International_Organization_for_Migration)"
REFERENCE_PATH = f"_Standards/{IOM}.md"
STANDARD_NOTES = 4


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def bare_vault(example_vault: Path) -> Path:
    """The example vault without its tier folders, and the reference note without its links section."""
    for tier in TIERS:
        shutil.rmtree(example_vault / f"_{tier}")
    note = example_vault / REFERENCE_PATH
    text = note.read_bytes()
    note.write_bytes(text[: text.index(b"## Confidential Links & Embeds: ")])
    return example_vault


def test_generation_makes_six_siblings_and_the_reference_section(bare_vault: Path) -> None:
    result = run("tiers", str(bare_vault))
    assert result.exit_code == 0, result.output
    for tier in TIERS:
        folder = bare_vault / f"_{tier}"
        assert len(list(folder.rglob(f"*.{tier}.md"))) == STANDARD_NOTES
    assert (bare_vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()


def test_second_run_changes_no_byte_and_check_passes(bare_vault: Path) -> None:
    run("tiers", str(bare_vault))
    before = fingerprint(bare_vault)
    second = run("tiers", str(bare_vault))
    assert second.exit_code == 0 and second.stdout == ""
    assert fingerprint(bare_vault) == before
    assert run("tiers", "--check", str(bare_vault)).exit_code == 0


def test_stub_content(bare_vault: Path) -> None:
    run("tiers", str(bare_vault))
    secret = Note.parse((bare_vault / f"_secret/{IOM}.secret.md").read_bytes())
    public = Note.parse((bare_vault / f"_public/{IOM}.public.md").read_bytes())
    assert secret.values()["tier"] == "secret" and secret.values()["publish"] is False
    assert secret.values()["source"] == f"[[_Standards/{IOM}]]"
    assert secret.values()["has_id_wikidata"] == "Q472311"
    assert "publish" not in public.values()
    assert f'source: "[[_Standards/{IOM}]]"\n' in public.text
    assert f"Back to the standard note: [[_Standards/{IOM}]]" in secret.body
    idm = Note.parse(next((bare_vault / "_internal").rglob("IDM*.md")).read_bytes())
    assert "has_id_wikidata" not in idm.values()  # its standard note has none


def test_no_higher_tier_reaches_a_lower_tier_stub(bare_vault: Path) -> None:
    run("tiers", str(bare_vault))
    for rank, tier in enumerate(TIERS):
        for stub in (bare_vault / f"_{tier}").rglob("*.md"):
            text = stub.read_text(encoding="utf-8")
            for higher in TIERS[rank + 1:]:
                assert f".{higher}" not in text and f"_{higher}/" not in text, (stub, higher)
    validate = run("validate", str(bare_vault))
    assert validate.exit_code == 0 and "VT401" not in validate.stdout


def test_check_lists_a_deleted_stub_and_an_orphan(bare_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("tiers", str(bare_vault))
    monkeypatch.chdir(bare_vault)
    Path(f"_private/{IOM}.private.md").unlink()
    micic = next(Path("_Standards").rglob("MICIC*.md"))
    micic.unlink()
    result = run("tiers", "--check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{REFERENCE_PATH}:1:1: VT411 missing tier stub _private/{IOM}.private.md" in lines
    orphans = [line for line in lines if " VT413 " in line]
    assert len(orphans) == 6 and orphans[0].startswith("_internal/IOM(International_Organization_for_Migration)/MICIC")
    assert "orphaned internal note: its standard note _Standards/IOM(" in orphans[0]
    assert run("tiers", "--check", f"_public/{IOM}.public.md").exit_code == 0  # given files work too
    assert run("tiers", "--check", REFERENCE_PATH).exit_code == 1


def test_an_edited_stub_survives_and_stale_facts_are_reported(bare_vault: Path) -> None:
    run("tiers", str(bare_vault))
    stub = bare_vault / f"_protect/{IOM}.protect.md"
    edited = stub.read_bytes() + b"\nMy own notes.\n"
    stub.write_bytes(edited)
    untouched = bare_vault / f"_private/{IOM}.private.md"
    assert not is_untouched(edited) and is_untouched(untouched.read_bytes())
    note = bare_vault / REFERENCE_PATH
    note.write_bytes(note.read_bytes().replace(b"has_id_wikidata: Q472311", b"has_id_wikidata: Q472312"))
    result = run("tiers", str(bare_vault))
    assert stub.read_bytes() == edited
    assert f"_protect/{IOM}.protect.md:1:1: VT415 warning: stub edited by hand and out of date" in result.stdout
    assert Note.parse(untouched.read_bytes()).values()["has_id_wikidata"] == "Q472312"
    assert is_untouched(untouched.read_bytes())
    assert not [line for line in run("tiers", str(bare_vault)).stdout.splitlines() if line.startswith("updated")]


def test_stubs_checked_out_with_other_line_endings_stay_vaulttools(bare_vault: Path) -> None:
    """A checkout with core.autocrlf=true (Git for Windows' default) turns every LF into CRLF, and one with
    autocrlf=input turns CRLF back into LF: neither is an edit, and such stubs are still updated."""
    run("tiers", str(bare_vault))
    stub = bare_vault / f"_protect/{IOM}.protect.md"
    hand_edited = bare_vault / f"_public/{IOM}.public.md"
    note = bare_vault / REFERENCE_PATH
    for old_id, new_id, newline in (("Q472311", "Q472312", b"\r\n"), ("Q472312", "Q472313", b"\n")):
        # (the first round: made with LF, checked out with CRLF; the second: sealed with CRLF, checked out with LF)
        stub.write_bytes(stub.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", newline))
        hand_edited.write_bytes(hand_edited.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", newline)
                                + b"My own line." + newline)
        assert is_untouched(stub.read_bytes()) and not is_untouched(hand_edited.read_bytes())
        note.write_bytes(note.read_bytes().replace(f"has_id_wikidata: {old_id}".encode(),
                                                   f"has_id_wikidata: {new_id}".encode()))
        result = run("tiers", str(bare_vault))
        assert [line for line in result.stdout.splitlines() if "VT415" in line] == [
            f"{display_path(hand_edited)}:1:1: VT415 warning: stub edited by hand and out of date with its "
            "standard note; not updated"]
        data = stub.read_bytes()
        assert Note.parse(data).values()["has_id_wikidata"] == new_id and is_untouched(data)
        assert data.count(b"\n") == data.count(newline)  # its line endings kept


def test_fail_on_change_for_pre_commit(bare_vault: Path) -> None:
    assert run("tiers", "--fail-on-change", str(bare_vault)).exit_code == 1
    assert run("tiers", "--fail-on-change", str(bare_vault)).exit_code == 0


def test_dry_run_writes_nothing(bare_vault: Path) -> None:
    before = fingerprint(bare_vault)
    result = run("tiers", "--dry-run", str(bare_vault))
    assert result.exit_code == 0
    assert fingerprint(bare_vault) == before
    assert f"+++ b/_secret/{IOM}.secret.md\n" in result.stdout
    assert "+## Confidential Links & Embeds: \n" in result.stdout


# --- hostile names and paths ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vault_path", "problem"),
    [
        ("_Standards/../../etc/passwd.md", "'..' is not a usable name"),
        ("_Standards/a/../../x.md", "'..' is not a usable name"),
        ("_Standards/" + "x" * 300 + ".md", "over the 255-byte limit"),
        ("_Standards/UN/" + "é" * 124 + ".md", "over the 255-byte limit"),  # the stem fits; `.personal.md` does not
        ("_Standards/UN/CON.md", "reserved name"),
        ("_Standards/UN/nul.md", "reserved name"),
        ("_Standards/aux/x.md", "reserved name"),
        ("_Standards/UN/trailing. /x.md", "ends in a space or dot"),
        ("_Standards/UN/a|b.md", "character a file name or a wikilink cannot hold"),
        ("_Standards/UN/[[x]].md", "character a file name or a wikilink cannot hold"),
        ("_Standards/UN/a\\b.md", "character a file name or a wikilink cannot hold"),
    ],
)
def test_hostile_names_are_refused(vault_path: str, problem: str) -> None:
    with pytest.raises(UnsafePathError, match=problem.replace("|", r"\|").replace("(", r"\(")):
        layout.siblings(vault_path, TiersConfig())


@pytest.mark.parametrize("path", ["/etc/passwd", "C:/Windows/x.md", "\\\\server\\share"])
def test_absolute_paths_are_refused(path: str) -> None:
    with pytest.raises(UnsafePathError, match="absolute path"):
        paths.check_vault_path(path)


@symlinks
def test_a_symlinked_tier_folder_pointing_outside_is_refused(bare_vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, bare_vault / "_secret")
    before = fingerprint(bare_vault)
    result = run("tiers", str(bare_vault / REFERENCE_PATH))
    assert result.exit_code == 1
    assert "VT414 refused: _secret/ is a symlink; vaulttool writes only into real tier folders" in result.stdout
    assert fingerprint(bare_vault) == before and list(outside.iterdir()) == []


@symlinks
def test_a_symlinked_subfolder_pointing_to_another_tier_is_refused(bare_vault: Path) -> None:
    (bare_vault / "_secret" / "UN(United_Nations)").mkdir(parents=True)
    (bare_vault / "_public").mkdir()
    os.symlink(bare_vault / "_secret" / "UN(United_Nations)", bare_vault / "_public" / "UN(United_Nations)")
    result = run("tiers", str(bare_vault / REFERENCE_PATH))
    assert "would be written outside _public/ (a symlinked folder on the way)" in result.stdout
    assert list((bare_vault / "_secret" / "UN(United_Nations)").iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="a 253-character name in a temp folder passes Windows' MAX_PATH (260)")
def test_a_hostile_note_name_on_disk_is_refused_and_nothing_written(bare_vault: Path) -> None:
    hostile = bare_vault / "_Standards" / "UN(United_Nations)" / ("a" * 250 + ".md")
    hostile.write_bytes(b"---\n---\n")
    result = run("tiers", str(hostile))
    assert result.exit_code == 1 and "VT414 refused:" in result.stdout and "255-byte limit" in result.stdout
    assert hostile.read_bytes() == b"---\n---\n"
    assert not (bare_vault / "_public").exists()


# --- templates --------------------------------------------------------------------------------


def test_unknown_placeholder_names_the_template_and_line() -> None:
    template = Template("_Templates/tier.md", "---\ntier: {{tier}}\n---\n\n# {{title}}\n{{author}}\n")
    with pytest.raises(TemplateError, match=r"_Templates/tier.md:6: unknown placeholder \{\{author\}\}"):
        render(template, {"tier": "public", "title": "x"})


def test_values_are_escaped_for_where_they_land() -> None:
    template = Template("t.md", '---\nname: {{title}}\nquoted: "{{title}}"\nlist:\n  - {{title}}\n---\n{{title}} {{source_link}}\n')
    hostile = 'x: "y" # [[z]] *b* <i> `c` _u_'
    text = render(template, {"title": hostile, "source_link": "[[_Standards/a]]"})
    values = Note.parse(text.encode()).values()
    assert values == {"name": hostile, "quoted": hostile, "list": [hostile]}
    assert text.endswith('x: "y" # \\[\\[z\\]\\] \\*b\\* \\<i\\> \\`c\\` \\_u\\_ [[_Standards/a]]\n')


def test_a_placeholder_inside_a_frontmatter_key_is_refused() -> None:
    with pytest.raises(TemplateError, match="t.md:2: in the frontmatter a placeholder must be a whole value"):
        render(Template("t.md", "---\n{{tier}}: x\n---\n"), {"tier": "public"})


def test_the_vaults_own_templates_are_used_and_not_read_as_notes(bare_vault: Path) -> None:
    folder = bare_vault / "_Templates" / "vaulttool"
    folder.mkdir(parents=True)
    (folder / "secret.md").write_bytes(b"---\ntags: [restricted]\n---\n# {{title}} ({{date}})\n")
    (folder / "tier.md").write_bytes(b"# {{title}}\n\n{{source_link}}\n")
    config = bare_vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[tiers]\ntemplates = "_Templates/vaulttool"\n',
                      encoding="utf-8")
    assert run("tiers", str(bare_vault)).exit_code == 0
    secret = Note.parse((bare_vault / f"_secret/{IOM}.secret.md").read_bytes()).values()
    public = Note.parse((bare_vault / f"_public/{IOM}.public.md").read_bytes())
    assert secret["tags"] == ["restricted"] and secret["publish"] is False
    assert public.body.startswith("# IOM(International_Organization_for_Migration).public\n")
    assert "49 notes checked" in run("validate", str(bare_vault)).stderr  # the templates are not notes


def test_a_template_whose_frontmatter_is_never_closed_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="t.md:1: frontmatter is opened but never closed"):
        render(Template("t.md", "---\ntier: {{tier}}\n"), {"tier": "public"})
