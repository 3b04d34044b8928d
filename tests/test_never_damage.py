"""What `tiers` and `refresh` may change, on the real filesystem: nothing outside the part they mean to
change, in the note's own line endings, and nothing at all in a note that does not read cleanly, that
the filesystem protects, or that a sync client made as a conflict copy."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REFERENCE_NOTE, fingerprint
from hypothesis import assume, given
from hypothesis import strategies as st
from wikidata_server import FakeWikidata

from vaulttool.cli import main
from vaulttool.config.settings import TiersConfig
from vaulttool.engine.paths import conflict_copy
from vaulttool.tiers import section

IOM = "UN(United_Nations)/IOM(International_Organization_for_Migration)"
REFERENCE_PATH = f"_Standards/{IOM}.md"
HEADING = b"## Confidential Links & Embeds: "
SECRET_LINE = re.compile(rb" \n\n### #is_/same_as :: \[[^\n]*\.secret\]\([^\n]*\.secret\.md\)")
REFERENCE = REFERENCE_NOTE.read_bytes()
# The reference note with its links section out of date: the line of the secret tier is gone.
STALE = SECRET_LINE.sub(b"", REFERENCE)
STALE_COUNTRY = REFERENCE.replace(b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"',
                                  b'country: "[[_Standards/WikiData/WD~France,142]]"')


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_stale_fixtures_differ_from_the_reference() -> None:
    assert STALE != REFERENCE and STALE.count(b"### #is_/same_as") == 6
    assert STALE_COUNTRY != REFERENCE


# --- the links section ends where its lines end -----------------------------------------------

TAILS = {
    "text": b"\nA paragraph the person wrote after the links.\n",
    "embed": b"\n![[logo.png]]\n",
    "tags": b"\n#organisation #migration\n",
    "callout": b"\n> [!note] Remember\n> the links section is not the end of the note\n",
    "heading": b"\n## Notes\n\n- a list item\n",
    "no-final-newline": b"\nlast words",
}


@pytest.mark.parametrize("tail", TAILS.values(), ids=TAILS.keys())
@pytest.mark.parametrize("command", ["tiers", "sync"])
def test_text_after_the_links_section_survives(example_vault: Path, command: str, tail: bytes) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE + tail)
    result = run(command, "--offline", str(example_vault)) if command == "sync" else run(command, str(example_vault))
    assert f"updated links section in {REFERENCE_PATH}" in result.output
    assert note.read_bytes() == REFERENCE + tail
    assert run("tiers", "--check", str(example_vault)).exit_code == 0


def test_check_names_the_line_of_the_section(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE + TAILS["text"])
    line = STALE[:STALE.index(HEADING)].count(b"\n") + 1
    monkeypatch.chdir(example_vault)
    result = run("check", REFERENCE_PATH)
    assert result.exit_code == 1
    assert result.stdout == f"{REFERENCE_PATH}:{line}:1: VT412 links section out of date: `vaulttool tiers` rewrites it\n"



@pytest.mark.parametrize("ending", [b"\n", b""], ids=["final-newline", "none"])
def test_check_names_the_last_line_when_the_section_is_missing(example_vault: Path, monkeypatch: pytest.MonkeyPatch,
                                                               ending: bytes) -> None:
    # A missing section is appended after the note's last line: `--check` points there, not at 1:1.
    note = example_vault / REFERENCE_PATH
    body = REFERENCE[:REFERENCE.index(HEADING)].rstrip(b"\n") + ending
    note.write_bytes(body)
    last = body.rstrip(b"\n").count(b"\n") + 1
    monkeypatch.chdir(example_vault)
    result = run("check", REFERENCE_PATH)
    assert result.exit_code == 1
    assert result.stdout == (f"{REFERENCE_PATH}:{last}:1: VT412 links section missing: "
                             "`vaulttool tiers` appends it after this line\n")

LEAD = "### #is_/same_as :: "
TIERS = TiersConfig()


@given(tail=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1),
       gap=st.sampled_from(["\n", "\n\n", "\n\n\n", "\r\n"]))
def test_any_text_after_the_section_is_kept(tail: str, gap: str) -> None:
    """The section is rewritten (it lacks a line); whatever follows its last line comes back as it was."""
    first_line = tail.lstrip("\r\n \t").split("\n", 1)[0]
    assume(first_line.strip() and not first_line.startswith(LEAD))
    body = STALE.decode("utf-8").split("---\n")[-1]
    body = body[:body.rindex(".md)") + len(".md)")] + gap + tail
    planned = section.plan(body, REFERENCE_PATH, TIERS)
    assert planned.body is not None
    assert planned.body.endswith(gap + tail)
    assert planned.body[:len(planned.body) - len(gap + tail)] == REFERENCE.decode("utf-8").split("---\n")[-1].rstrip("\n")
    assert section.plan(planned.body, REFERENCE_PATH, TIERS).body is None  # and it is current now


# --- line endings -------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def mixed(data: bytes) -> bytes:
    """CRLF in the frontmatter, LF in the body: a note two editors have written."""
    end = data.index(b"\n---\n") + len(b"\n---\n")
    return crlf(data[:end]) + data[end:]


ENDINGS = {"crlf": crlf, "bom-crlf": lambda data: BOM + crlf(data), "mixed": mixed,
           "no-final-newline": lambda data: data.rstrip(b"\n")}


@pytest.mark.parametrize("style", ENDINGS.values(), ids=ENDINGS.keys())
def test_tiers_writes_in_the_notes_line_endings(example_vault: Path, style) -> None:  # noqa: ANN001
    note = example_vault / REFERENCE_PATH
    note.write_bytes(style(STALE))
    assert run("tiers", str(example_vault)).exit_code == 0
    assert note.read_bytes() == style(REFERENCE)


@pytest.mark.parametrize("style", ENDINGS.values(), ids=ENDINGS.keys())
def test_a_missing_section_is_appended_in_the_notes_line_endings(example_vault: Path, style) -> None:  # noqa: ANN001
    note = example_vault / REFERENCE_PATH
    note.write_bytes(style(REFERENCE[:REFERENCE.index(HEADING)]))
    assert run("tiers", str(example_vault)).exit_code == 0
    expected = style(REFERENCE)
    if style is ENDINGS["no-final-newline"]:  # the note's last line is ended, then one blank line
        expected = REFERENCE[:REFERENCE.index(HEADING)].rstrip(b"\n") + b"\n\n" + REFERENCE[REFERENCE.index(HEADING):]
    assert note.read_bytes() == expected


@pytest.mark.parametrize("style", ENDINGS.values(), ids=ENDINGS.keys())
def test_refresh_writes_in_the_notes_line_endings(wikidata: FakeWikidata, example_vault: Path, style) -> None:  # noqa: ANN001
    note = example_vault / REFERENCE_PATH
    note.write_bytes(style(STALE_COUNTRY))
    result = run("refresh", str(example_vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == style(REFERENCE)


TEMPLATES = {
    "frontmatter": b"---\r\ntier: {{tier}}\r\nsource: \"{{source_link}}\"\r\n---\r\n\r\n# {{title}}\r\n",
    "no-frontmatter": b"# {{title}}\r\n\r\nBack to {{source_link}}\r\n",
}


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_new_stubs_take_the_templates_line_endings(example_vault: Path, template: bytes) -> None:
    folder = example_vault / "_Templates" / "vaulttool"
    folder.mkdir(parents=True)
    (folder / "tier.md").write_bytes(template)
    with (example_vault / "vaulttool.toml").open("a", encoding="utf-8") as config:
        config.write('\n[tiers]\ntemplates = "_Templates/vaulttool"\n')
    stub = example_vault / f"_secret/{IOM}.secret.md"
    stub.unlink()
    assert run("tiers", str(example_vault)).exit_code == 0
    data = stub.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 5
    assert b"vaulttool_stub: sha256-" in data and b"has_id_wikidata: Q472311\r\n" in data


# --- links sections in the vault's own style -------------------------------------------------


def restyled(data: bytes, line: "re.Pattern[bytes]", replacement: bytes) -> bytes:
    return line.sub(replacement, data)


MARKDOWN_LINK = re.compile(rb"\[([^\]\n]+)\]\(/([^\n]+?)\.md\)")
STYLES = {
    "absolute-wikilink-with-alias": rb"[[/\2|\1]]",
    "absolute-wikilink": rb"[[/\2]]",
    "root-wikilink": rb"[[\2]]",
    "bare-wikilink": rb"[[\1]]",
    "wikilink-with-extension": rb"[[\2.md|\1]]",
}


@pytest.mark.parametrize("replacement", STYLES.values(), ids=STYLES.keys())
def test_a_section_in_another_style_is_current(example_vault: Path, replacement: bytes) -> None:
    note = example_vault / REFERENCE_PATH
    own = MARKDOWN_LINK.sub(replacement, REFERENCE)
    assert own != REFERENCE
    note.write_bytes(own)
    before = fingerprint(example_vault)
    result = run("tiers", str(example_vault))
    assert (result.exit_code, result.stdout) == (0, "")
    assert fingerprint(example_vault) == before
    assert run("tiers", "--check", str(example_vault)).exit_code == 0


def test_relative_markdown_links_are_current(example_vault: Path) -> None:
    note = example_vault / REFERENCE_PATH
    own = MARKDOWN_LINK.sub(rb"[\1](../../\2.md)", REFERENCE)
    note.write_bytes(own)
    assert run("tiers", "--check", str(example_vault)).exit_code == 0


def test_a_section_that_links_other_notes_is_out_of_date(example_vault: Path) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(REFERENCE.replace(b"[[/_secret/", b"[[/_private/").replace(
        b"(/_secret/UN(United_Nations)/IOM(International_Organization_for_Migration).secret.md)",
        b"(/_private/UN(United_Nations)/IOM(International_Organization_for_Migration).private.md)"))
    assert run("tiers", str(example_vault)).exit_code == 0
    assert note.read_bytes() == REFERENCE


def test_links_style_wikilink_for_new_sections(example_vault: Path) -> None:
    with (example_vault / "vaulttool.toml").open("a", encoding="utf-8") as config:
        config.write('\n[tiers]\nlinks_style = "wikilink"\n')
    note = example_vault / REFERENCE_PATH
    note.write_bytes(REFERENCE[:REFERENCE.index(HEADING)])
    assert run("tiers", str(example_vault)).exit_code == 0
    assert note.read_bytes() == MARKDOWN_LINK.sub(STYLES["absolute-wikilink-with-alias"], REFERENCE)


def test_two_sections_are_a_finding_and_neither_changes(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    data = STALE + b"\n" + REFERENCE[REFERENCE.index(HEADING):]
    note.write_bytes(data)
    first = STALE[:STALE.index(HEADING)].count(b"\n") + 1
    second = data[:data.rindex(HEADING)].count(b"\n") + 1
    monkeypatch.chdir(example_vault)
    result = run("tiers", ".")
    assert result.exit_code == 1
    assert (f"{REFERENCE_PATH}:{first}:1: VT419 a second links section on line {second}; vaulttool changes "
            "neither: keep one\n") in result.stdout
    assert note.read_bytes() == data



# --- a line of the person's in the links section is theirs --------------------------------------

THEIR_LINE = b"### #is_/same_as :: [[Organisation internationale pour les migrations]]"
SECRET_END = b".secret.md)\n"


def their_line_warning(data: bytes) -> str:
    line = data[:data.index(THEIR_LINE)].count(b"\n") + 1
    return (f"{REFERENCE_PATH}:{line}:1: VT420 warning: this link line in the links section links none of the note's tiers: "
            "not vaulttool's, kept as it is\n")


@pytest.mark.parametrize("where", ["after", "between"])
def test_a_line_of_theirs_in_a_current_section_is_kept_and_reported(example_vault: Path, where: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    if where == "after":
        data = REFERENCE.replace(SECRET_END, SECRET_END + b"\n" + THEIR_LINE + b"\n")
    else:
        data = REFERENCE.replace(b"### #is_/same_as :: [IOM(International_Organization_for_Migration).secret]",
                                 THEIR_LINE + b" \n\n### #is_/same_as :: [IOM(International_Organization_for_Migration).secret]")
    note.write_bytes(data)
    monkeypatch.chdir(example_vault)
    result = run("tiers", ".")
    assert result.exit_code == 0
    assert their_line_warning(data) in result.stdout
    assert note.read_bytes() == data
    assert run("tiers", "--check", ".").exit_code == 0  # a warning: the commit goes on


def test_a_line_of_theirs_survives_the_rewrite_of_a_stale_section(example_vault: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    stale = STALE.replace(b".personal.md)\n\n", b".personal.md) \n\n" + THEIR_LINE + b"\n\n")
    assert THEIR_LINE in stale
    note.write_bytes(stale + b"Text after the section.\n")
    monkeypatch.chdir(example_vault)
    result = run("tiers", ".")
    assert result.exit_code == 0
    assert their_line_warning(stale) in result.stdout
    # vaulttool's lines, complete, then theirs, byte for byte, then what followed the section.
    assert note.read_bytes() == REFERENCE[:-2] + b" \n\n" + THEIR_LINE + b"\n\nText after the section.\n"


@pytest.mark.parametrize("theirs", [b"## Confidential links &  embeds", b" ##   CONFIDENTIAL LINKS & EMBEDS: ##"])
def test_a_heading_written_otherwise_is_the_section_not_a_reason_for_a_second(example_vault: Path,
                                                                             theirs: bytes) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE.replace(HEADING, theirs))
    assert run("tiers", str(example_vault)).exit_code == 0
    assert note.read_bytes() == REFERENCE.replace(HEADING, theirs)
    assert note.read_bytes().count(b"### #is_/same_as") == 7


@pytest.mark.parametrize("lookalike", [b"# Confidential links & embeds", b"    ## Confidential Links & Embeds: ",
                                       b"#Confidential Links & Embeds:"], ids=["other-level", "indented-code", "tag"])
def test_a_line_like_the_heading_that_is_no_such_heading_is_left_alone(example_vault: Path, lookalike: bytes,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a Markdown heading of the configured level is the section's: not another level, not code
    indented four spaces, not a tag."""
    note = example_vault / REFERENCE_PATH
    at = STALE.index(HEADING)
    data = STALE[:at] + lookalike + b"\n\nWho may see what: ask Ana.\n\n" + STALE[at:]
    note.write_bytes(data)
    monkeypatch.chdir(example_vault)
    assert run("tiers", ".").exit_code == 0
    at = REFERENCE.index(HEADING)
    assert note.read_bytes() == REFERENCE[:at] + lookalike + b"\n\nWho may see what: ask Ana.\n\n" + REFERENCE[at:]


@pytest.mark.parametrize("line", [
    b"### #is_/same_as :: ![[_public/UN(United_Nations)/IOM(International_Organization_for_Migration).public#Summary]]",
    b"### #is_/same_as :: [[_private/UN(United_Nations)/IOM(International_Organization_for_Migration).private|My dossier]]",
], ids=["embed-with-heading", "their-alias"])
def test_a_line_of_theirs_linking_one_of_the_notes_is_theirs_too(example_vault: Path, line: bytes) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE.replace(b".personal.md)\n\n", b".personal.md) \n\n" + line + b"\n\n"))
    result = run("tiers", str(example_vault))
    assert result.exit_code == 0
    assert "VT420" in result.stdout
    assert note.read_bytes() == REFERENCE[:-2] + b" \n\n" + line + b"\n\n"



def test_refresh_says_which_values_it_removes_from_a_key_wikidata_owns(example_vault: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE_COUNTRY.replace(b'country: "[[_Standards/WikiData/WD~France,142]]"',
                                           b'country: "[[_Standards/WikiData/WD~France,142]]"  # as of 2024'))
    monkeypatch.chdir(example_vault)
    result = run("refresh", "--offline", ".")
    assert (f"{REFERENCE_PATH}: note: country: removed \"[[_Standards/WikiData/WD~France,142]]\", which Wikidata "
            "does not have\n") in result.output
    assert note.read_bytes() == REFERENCE.replace(b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"',
                                                  b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"  # as of 2024')


# --- edit only notes that read cleanly ---------------------------------------------------------

CORPUS = {
    "VT101": STALE_COUNTRY.replace(b"Amy E. Pope", b"Amy E. Pope \xff"),
    "VT102": STALE_COUNTRY[:STALE_COUNTRY.index(b"\n---\n") + 1],
    "VT103": STALE_COUNTRY.replace(b"has_id_wikidata: Q472311\n", b'has_id_wikidata: Q472311\nmotto: "unclosed\n'),
    "VT104": b"---\n- a list\n- not a mapping\n---\n\n# A note\n",
    "VT105": STALE_COUNTRY.replace(b"has_id_wikidata: Q472311\n", b"has_id_wikidata: Q472311\ninception: 1951\n"),
    "VT106": STALE_COUNTRY.replace(b"has_id_wikidata: Q472311\n", b"has_id_wikidata: Q472311\nnicknames:\n\t- x\n"),
    "VT107": STALE_COUNTRY.replace(b"has_id_wikidata: Q472311\n",
                                   b"has_id_wikidata: Q472311\nnotes: " + b"x" * 300_000 + b"\n"),
    "VT108": STALE_COUNTRY.replace(b'country: "', b'country: &home "'),
    "VT109": STALE_COUNTRY.replace(b'country: "', b'country: !!python/str "'),
    "VT201": STALE_COUNTRY.replace(b'country: "[[_Standards/WikiData/WD~France,142]]"',
                                   b"country: [[_Standards/WikiData/WD~France,142]]"),
    "VT202": STALE_COUNTRY.replace(b'  - "0000000092270825"', b"  - 0000000092270825").replace(
        b'  - "0000000122994331"', b"  - 0000000122994331"),
}


@pytest.fixture
def corpus(example_vault: Path) -> Path:
    for code, data in CORPUS.items():
        assert data != STALE_COUNTRY, code
        note = example_vault / "_Standards" / "Corpus" / f"{code}.md"
        note.parent.mkdir(exist_ok=True)
        note.write_bytes(data)
    return example_vault


def first_structural(lines: list[str], code: str) -> str:
    return next(line for line in lines if line.startswith(f"_Standards/Corpus/{code}.md:") and f": {code} " in line)


# An ambiguous scalar stops refresh only in the keys it would write; tiers writes none of them.
STRUCTURAL = [code for code in CORPUS if code != "VT202"]


def test_refresh_and_tiers_leave_notes_that_do_not_read_cleanly_alone(
        wikidata: FakeWikidata, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    before = fingerprint(corpus / "_Standards" / "Corpus")
    validated = run("validate", "--no-cache", "_Standards/Corpus").stdout.splitlines()
    refreshed = run("refresh", ".")
    assert refreshed.exit_code == 1
    assert fingerprint(corpus / "_Standards" / "Corpus") == before
    assert "VT104.md" not in refreshed.stdout  # a frontmatter that is not a mapping names no item
    for code in set(CORPUS) - {"VT104"}:
        assert refreshed.stdout.count(f"_Standards/Corpus/{code}.md") == 1, code
        assert f"{first_structural(validated, code)}; not refreshed\n" in refreshed.stdout, code
    tiered = run("tiers", ".")
    assert tiered.exit_code == 1
    after = fingerprint(corpus / "_Standards" / "Corpus")
    assert [code for code in CORPUS if after[f"{code}.md"] != before[f"{code}.md"]] == ["VT202"]
    for tier in TIERS.names:
        assert [path.name for path in (corpus / f"_{tier}" / "Corpus").iterdir()] == [f"VT202.{tier}.md"]
    for code in STRUCTURAL:
        assert tiered.stdout.count(f"_Standards/Corpus/{code}.md") == 1, code
        assert f"{first_structural(validated, code)}; no tier stubs or links section written\n" in tiered.stdout


def test_sync_reports_each_problem_once(wikidata: FakeWikidata, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    before = fingerprint(corpus / "_Standards" / "Corpus")
    result = run("sync", ".")
    assert result.exit_code == 1  # findings
    after = fingerprint(corpus / "_Standards" / "Corpus")
    assert [code for code in CORPUS if after[f"{code}.md"] != before[f"{code}.md"]] == ["VT202"]  # its section
    lines = result.stdout.splitlines()
    for code in CORPUS:
        place = first_structural(lines, code).split(f": {code} ")[0]
        assert sum(1 for line in lines if line.startswith(place + f": {code} ")) == 1, code


def test_an_ambiguous_scalar_elsewhere_does_not_stop_refresh(wikidata: FakeWikidata, example_vault: Path) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE_COUNTRY.replace(b"has_id_wikidata: Q472311\n", b"has_id_wikidata: Q472311\nflag: NO\n"))
    result = run("refresh", str(example_vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == REFERENCE.replace(b"has_id_wikidata: Q472311\n", b"has_id_wikidata: Q472311\nflag: NO\n")


CONFLICT_COPIES = [
    "IOM(International_Organization_for_Migration) (Conflicted copy Pixel-7 202507141203).md",
    "IOM(International_Organization_for_Migration) (Ann's conflicted copy 2019-01-01).md",
    "IOM(International_Organization_for_Migration).sync-conflict-20190101-123456-ABCDEFG.md",
    "IOM(International_Organization_for_Migration)-DESKTOP-AB12CD3.md",
]


@pytest.mark.parametrize("name", CONFLICT_COPIES)
def test_a_conflict_copy_gets_a_warning_and_no_stubs(example_vault: Path, name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    copy = example_vault / "_Standards" / "UN(United_Nations)" / name
    copy.write_bytes(STALE)
    before = fingerprint(example_vault)
    monkeypatch.chdir(example_vault)
    result = run("tiers", ".")
    assert result.exit_code == 0  # a warning
    assert f"_Standards/UN(United_Nations)/{name}:1:1: VT418 warning: a conflict copy made by " in result.stdout
    assert fingerprint(example_vault) == before


@pytest.mark.parametrize("name", ["IOM(International_Organization_for_Migration).md", "Copy of notes.md",
                                  "Notes (draft).md", "WD~Conflict_(band),123.md", "Sync-conflict-notes.md"])
def test_ordinary_names_are_not_conflict_copies(name: str) -> None:
    assert conflict_copy(f"_Standards/{name}") is None


# --- what the filesystem protects ---------------------------------------------------------------


def test_a_read_only_note_is_not_written(wikidata: FakeWikidata, example_vault: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE_COUNTRY)
    note.chmod(0o444)
    monkeypatch.chdir(example_vault)
    refreshed = run("refresh", ".")
    assert refreshed.exit_code == 1
    assert f"{REFERENCE_PATH}:1:1: VT111 read-only (its owner-write bit is off); not written\n" in refreshed.stdout
    note.chmod(0o644)
    note.write_bytes(STALE)
    note.chmod(0o444)
    tiered = run("tiers", ".")
    assert tiered.exit_code == 1
    assert f"{REFERENCE_PATH}:1:1: VT111 read-only (its owner-write bit is off); not written\n" in tiered.stdout
    assert note.read_bytes() == STALE and stat.S_IMODE(note.stat().st_mode) == 0o444


def test_a_hard_linked_note_is_not_split(wikidata: FakeWikidata, example_vault: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE_COUNTRY)
    other = tmp_path / "elsewhere.md"
    os.link(note, other)
    monkeypatch.chdir(example_vault)
    result = run("refresh", ".")
    assert result.exit_code == 1
    assert (f"{REFERENCE_PATH}:1:1: VT112 one of 2 hard links to the same file, which replacing it would split; "
            "not written\n") in result.stdout
    assert note.stat().st_nlink == 2 and note.stat().st_ino == other.stat().st_ino
    assert note.read_bytes() == STALE_COUNTRY


def test_a_read_only_stub_keeps_its_stale_facts(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub = example_vault / f"_secret/{IOM}.secret.md"
    note = example_vault / REFERENCE_PATH
    note.write_bytes(REFERENCE.replace(b"has_id_wikidata: Q472311", b"has_id_wikidata: Q472312"))
    stub.chmod(0o400)
    mode = stat.S_IMODE(stub.stat().st_mode)  # 0o400; Windows has only a read-only flag, shown as 0o444
    assert mode == (0o444 if os.name == "nt" else 0o400)
    monkeypatch.chdir(example_vault)
    before = stub.read_bytes()
    result = run("tiers", ".")
    assert f"_secret/{IOM}.secret.md:1:1: VT111 read-only (its owner-write bit is off); not written\n" in result.stdout
    assert stub.read_bytes() == before and stat.S_IMODE(stub.stat().st_mode) == mode
    assert b"Q472312" in (example_vault / f"_public/{IOM}.public.md").read_bytes()


def test_refresh_says_nothing_of_broken_notes_that_name_no_item(wikidata: FakeWikidata, example_vault: Path) -> None:
    """Only the notes refresh would have written are its business; validate reports the rest."""
    (example_vault / "notes.md").write_bytes(b"---\nlink: [[somewhere]]\n---\nA note about no item.\n")
    (example_vault / "other.md").write_bytes(CORPUS["VT201"].replace(b"Q472311", b"Q1065"))
    result = run("refresh", "--qid", "Q472311", str(example_vault))
    assert (result.exit_code, result.stdout) == (0, "")


def test_sync_fails_when_a_protected_note_could_not_be_written(example_vault: Path) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE)
    note.chmod(0o444)
    result = run("sync", "--offline", str(example_vault))
    assert result.exit_code == 4  # failed, as when refresh cannot write a note
    assert "VT111 read-only" in result.stdout and note.read_bytes() == STALE


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\x0c", "\x1c", "\x0b"], ids=repr)
def test_characters_python_calls_line_breaks_stay_where_they_are(separator: str) -> None:
    """Only \\n, \\r\\n and \\r end a Markdown line: text after U+2028 on the last link line is not a line
    of its own, so that link line is the person's text and the section stops before it."""
    body = REFERENCE.decode("utf-8").split("---\n")[-1]
    stale = SECRET_LINE.sub(b"", body.encode()).decode().replace(".personal.md)", ".personal.md)" + separator + "mine")
    planned = section.plan(stale, REFERENCE_PATH, TIERS)
    assert planned.body is not None and separator + "mine" in planned.body
    assert planned.body.count(separator) == 1


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root may give a file away")
def test_a_note_rewritten_by_root_keeps_its_owner(wikidata: FakeWikidata, example_vault: Path) -> None:
    note = example_vault / REFERENCE_PATH
    note.write_bytes(STALE_COUNTRY)
    os.chown(note, 1000, 1000)
    result = run("refresh", str(example_vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == REFERENCE
    assert (note.stat().st_uid, note.stat().st_gid) == (1000, 1000)


@pytest.mark.parametrize(("link_line", "lead"), [
    ("### #is_/same_as :: {link}", "### #is_/same_as :: "),
    ("### #is_/same_as :: [{name}](/{path})", "### #is_/same_as :: "),
    ("- see ( {link}", "- see ( "),
    ("- see ([{name}](/{path})", "- see ("),
])
def test_the_lead_of_a_link_line_is_the_text_before_its_link(link_line: str, lead: str) -> None:
    assert section.link_lead(TiersConfig(link_line=link_line)) == lead


def test_check_reports_each_structural_problem_once(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook reuses validate's findings for tiers: a broken note is one finding, not two."""
    monkeypatch.chdir(corpus)
    result = run("check", "_Standards/Corpus")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for code in STRUCTURAL:
        place = first_structural(lines, code).split(f": {code} ")[0]
        assert sum(1 for line in lines if line.startswith(place + f": {code} ")) == 1, code
        assert not [line for line in lines if line.startswith(f"_Standards/Corpus/{code}.md:") and " VT41" in line]
