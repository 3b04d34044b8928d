"""The negative corpus: each note yields exactly its finding lines; and the per-check details."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import DATA

from vaulttool.commands import validate as validate_command
from vaulttool.config.settings import FieldRule, Schema, TiersConfig
from vaulttool.disk import vault
from vaulttool.findings import CODES
from vaulttool.rules.checks import CheckSettings, check_note

NEGATIVE = DATA / "negative"
EXPECTED = (NEGATIVE / "expected.txt").read_text(encoding="utf-8").splitlines()
CLEAN_BY_THEMSELVES = {"rating_c.md"}  # its text makes rating_a.md's and rating_b.md's numbers the misfits
NOTES = sorted(p.relative_to(NEGATIVE).as_posix() for p in NEGATIVE.rglob("*.md"))


@pytest.fixture(scope="module")
def corpus_lines() -> list[str]:
    cwd = Path.cwd()
    os.chdir(NEGATIVE)
    try:
        config = vault.open_vault(NEGATIVE)
        result = validate_command.run(config, vault.discover(config, []), use_cache=False)
    finally:
        os.chdir(cwd)
    return [finding.text() for finding in result.findings]


@pytest.mark.parametrize("note", NOTES)
def test_each_note_yields_exactly_its_finding_lines(note: str, corpus_lines: list[str]) -> None:
    expected = [line for line in EXPECTED if line.startswith(note + ":")]
    assert expected or note in CLEAN_BY_THEMSELVES, f"{note} has no expected finding"
    assert [line for line in corpus_lines if line.startswith(note + ":")] == expected


def test_every_code_is_exercised_by_the_corpus_or_a_test_here() -> None:
    in_corpus = {line.split(": ", 1)[1].split()[0] for line in EXPECTED}
    tested_below = {"VT307", "VT110"}
    tiers_command = {"VT411", "VT412", "VT413", "VT414", "VT415", "VT416", "VT417"}  # tests/test_tiers.py
    never_damage = {"VT111", "VT112", "VT418", "VT419", "VT420"}  # tests/test_never_damage.py
    engine_bug = {"VT120"}  # `check` reports it only if the engine ever failed to round-trip a note
    refresh_command = {"VT501", "VT502"}  # tests/test_refresh_keys.py, tests/test_weekly_refresh.py
    entities_command = {"VT520", "VT521", "VT523", "VT524"}  # tests/test_entities.py
    move_command = {"VT530", "VT531"}  # tests/test_move.py
    links_command = {"VT510"}  # tests/test_links_command.py
    assert set(CODES) - in_corpus == (tested_below | tiers_command | never_damage | engine_bug | refresh_command
                                      | entities_command | move_command | links_command)


def check(data: bytes, schema: Schema | None = None) -> list[str]:
    report = check_note("n.md", "n.md", data, CheckSettings(schema or Schema(), 1 << 20, TiersConfig()))
    return [finding.text() for finding in report.findings]


def test_unknown_key_warning() -> None:
    schema = Schema(fields={"known": FieldRule()}, unknown_keys="warn")
    assert check(b"---\nknown: 1\nextra: 2\n---\n", schema) == ["n.md:3:1: VT307 warning: key 'extra' is not in the schema"]


def test_reference_note_is_clean(reference_bytes: bytes) -> None:
    assert check(reference_bytes) == []


def test_alias_bomb_is_refused_quickly() -> None:
    layers = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        layers.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    findings = check(("---\n" + "\n".join(layers) + "\n---\n").encode())
    assert "n.md:2:4: VT108 YAML anchor &a is not allowed in frontmatter" in findings
    assert sum("aliases are not allowed" in line for line in findings) == 72


def test_deep_nesting_is_a_finding_not_a_crash() -> None:
    findings = check(b"---\nk: " + b"[" * 5000 + b"]" * 5000 + b"\n---\n")
    assert len(findings) == 1 and " VT103 " in findings[0]


def test_wikilink_in_a_block_list_is_found() -> None:
    assert check(b'---\nl:\n  - "[[ok]]"\n  - [[bad|alias]]\n---\n') == [
        'n.md:4:5: VT201 unquoted wikilink [[bad|alias]] reads as a nested list; quote it: "[[bad|alias]]"'
    ]


def test_reference_note_timestamp_is_not_reported_as_ambiguous() -> None:
    assert check(b"---\ninception: 1951-01-01T00:00:00Z\nday: 2024-06-01\n---\n") == []


def test_crlf_positions() -> None:
    assert check(b"---\r\na: ok\r\nb: NO\r\n---\r\n") == [
        "n.md:3:4: VT202 'NO' is ambiguous: YAML 1.1 reads it as bool False, YAML 1.2 as the string 'NO'; quote it"
    ]


def test_invalid_utf8_in_body_is_found_with_its_line() -> None:
    assert check(b"---\na: 1\n---\nline\nbad \xc3\x28\n") == [
        "n.md:5:5: VT101 invalid UTF-8: byte 0xc3 cannot be decoded"
    ]


def test_a_note_that_vanishes_before_it_is_read_is_a_finding(tmp_path: Path) -> None:
    note = tmp_path / "gone.md"
    note.write_bytes(b"---\na: 1\n---\n")
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    config = vault.open_vault(tmp_path)
    files = vault.discover(config, [])
    note.unlink()
    result = validate_command.run(config, files)
    assert [f.code for f in result.findings] == ["VT110"]
    # The system's own words for a missing file: the C library's on POSIX; on Windows vaulttool's first
    # look (os.stat) gets Win32's ("The system cannot find the file specified", wine: "File not found").
    with pytest.raises(FileNotFoundError) as gone:
        os.stat(note)
    assert os.name == "nt" or gone.value.strerror == "No such file or directory"
    assert result.findings[0].message == f"cannot read the file: {gone.value.strerror}"
