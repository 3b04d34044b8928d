"""Identifiers in notes (ISNIs, long numbers): a declared type is judged by its declaration, not by a
vote of the notes (VT306); an undeclared mix of numbers and text is reported at the numbers; and
integers that Obsidian's JavaScript numbers cannot hold are found (VT204) and quoted by `--fix`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from vaulttool.cli import main
from vaulttool.config.settings import FieldRule, Schema, TiersConfig
from vaulttool.rules.checks import CheckSettings, check_note
from vaulttool.rules.schema import expected_kinds, kind_misfit, kind_of, typed_keys

UNQUOTED = ["0000000121497418", "0000000109010685", "0000000081182843", "0000000121032683", "0000000123751394"]
QUOTED = ['"000000012146438X"', '"0000000121497418"']
ISNI_TYPED = '[schema.fields.isni]\ntype = "external_id"\n'


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def mixed_vault(root: Path, config: str) -> Path:
    """Five notes with unquoted ISNIs (numbers to YAML 1.2), two with quoted ones."""
    (root / "vaulttool.toml").write_text(config, encoding="utf-8")
    for index, isni in enumerate(UNQUOTED):
        (root / f"plain{index}.md").write_text(f"---\nisni: {isni}\n---\n", encoding="utf-8")
    for index, isni in enumerate(QUOTED):
        (root / f"quoted{index}.md").write_text(f"---\nisni: {isni}\n---\n", encoding="utf-8")
    return root


def ambiguous(index: int) -> str:
    isni = UNQUOTED[index]
    return (f"plain{index}.md:2:7: VT202 '{isni}' is ambiguous: YAML 1.1 reads it as the string '{isni}', "
            f"YAML 1.2 as int {int(isni)}; quote it")


MIX = ("VT306 property 'isni' holds number in 5 notes and text in 2, but Obsidian gives a property one type: "
       "quote this number, or declare its type in [schema.fields] or .obsidian/types.json")


def test_declared_ids_are_judged_by_their_declaration_not_by_the_majority(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(mixed_vault(tmp_path, ISNI_TYPED))
    result = run("validate")
    # VT202 alone at each unquoted id: quoted, as it says, the id is the external_id the schema wants,
    # so a VT302 there would be a second line for the same fix. Nothing at all on the quoted ones.
    assert result.stdout.splitlines() == [ambiguous(index) for index in range(5)]
    assert result.exit_code == 1


def test_undeclared_ids_are_reported_at_the_numbers_with_both_counts(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(mixed_vault(tmp_path, ""))
    result = run("validate")
    assert result.stdout.splitlines() == [line for index in range(5)
                                          for line in (ambiguous(index), f"plain{index}.md:2:7: {MIX}")]


def test_a_field_of_type_any_still_takes_part_in_the_vote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(mixed_vault(tmp_path, '[schema.fields.isni]\nshape = "scalar"\n'))
    assert f"plain0.md:2:7: {MIX}" in run("validate").stdout.splitlines()


def test_obsidian_types_json_still_wins_over_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mixed_vault(tmp_path, ISNI_TYPED)
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "types.json").write_text('{"types": {"isni": "number"}}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    lines = run("validate").stdout.splitlines()
    assert [line for line in lines if " VT306 " in line] == [
        "quoted0.md:2:7: VT306 property 'isni' is declared number in .obsidian/types.json, but text here",
        "quoted1.md:2:7: VT306 property 'isni' is declared number in .obsidian/types.json, but text here",
    ]


def test_a_schema_finding_stays_where_quoting_would_not_satisfy_the_rule() -> None:
    # Quoted, `0777` is text but not of the pattern: VT202 and VT302 both stand.
    assert check(b"---\ncount: 0777\n---\n", Schema(fields={"count": FieldRule(type="text", pattern="[1-9]+")})) == [
        "n.md:2:8: VT202 '0777' is ambiguous: YAML 1.1 reads it as int 511, YAML 1.2 as int 777; quote it",
        "n.md:2:8: VT302 count: expected text, got number 777",
    ]


def test_an_id_ending_in_x_is_text() -> None:
    assert kind_of("000000012146438X") == "text"
    assert check(b"---\nisni: 000000012146438X\n---\n", Schema(fields={"isni": FieldRule(type="external_id")})) == []


def test_typed_keys_are_those_with_a_declared_type_any_too() -> None:
    schema = Schema(fields={"isni": FieldRule(type="external_id"), "loose": FieldRule(), "n": FieldRule(type="any")})
    assert typed_keys(schema, ["isni", "loose", "n", "other", "has_id_wikidata"]) == {"isni", "n", "has_id_wikidata"}


@given(numbers=st.integers(1, 50), texts=st.integers(1, 50), dates=st.integers(0, 5))
def test_undeclared_numbers_and_text_never_tell_the_text_to_change(numbers: int, texts: int, dates: int) -> None:
    counts = {("k", "number"): numbers, ("k", "text"): texts}
    if dates:
        counts["k", "date"] = dates
    expected = expected_kinds(counts, {})
    assert "make this value number" not in (kind_misfit("k", "text", expected) or "")
    if dates > max(numbers, texts):
        return  # most notes hold a date: the text and numbers are the odd ones out, as before
    assert kind_misfit("k", "text", expected) is None and kind_misfit("k", "date", expected) is None
    message = kind_misfit("k", "number", expected)
    assert message is not None and re.search(rf"\bnumber in {numbers}\b", message)
    assert re.search(rf"\btext in {texts}\b", message)
    assert expected_kinds(counts, {}, typed={"k"}) == {}


def test_other_mixes_are_reported_at_the_minority_with_every_count() -> None:
    expected = expected_kinds({("done", "checkbox"): 3, ("done", "text"): 1, ("done", "number"): 1}, {})
    assert kind_misfit("done", "checkbox", expected) is None
    assert kind_misfit("done", "text", expected) == (
        "property 'done' holds checkbox in 3 notes, text in 1 and number in 1, but Obsidian gives a property "
        "one type: make this value checkbox, or declare its type in [schema.fields] or .obsidian/types.json")


# --- VT204 -------------------------------------------------------------------------------------------


def check(data: bytes, schema: Schema | None = None) -> list[str]:
    report = check_note("n.md", "n.md", data, CheckSettings(schema or Schema(), 1 << 20, TiersConfig()))
    return [finding.text() for finding in report.findings]


def too_large(line: int, col: int, text: str) -> str:
    limit = "below -(2^53 - 1)" if text.startswith("-") else "above 2^53 - 1"
    return (f'n.md:{line}:{col}: VT204 {text} is an integer {limit}, which Obsidian cannot hold exactly; '
            f'quote it: "{text}"')


@pytest.mark.parametrize(("value", "expected"), [
    ("9007199254740991", []),
    ("-9007199254740991", []),
    ("9007199254740992", [too_large(2, 4, "9007199254740992")]),
    ("-9007199254740992", [too_large(2, 4, "-9007199254740992")]),
    ("+123456789012345678", [too_large(2, 4, "+123456789012345678")]),
    ('"9007199254740992"', []),
    ("'9007199254740992'", []),
    ("9007199254740992.5", []),  # floats are out of scope: doubles by nature, in Obsidian and in YAML
    ("!!str 9007199254740992", []),  # tagged: a string by its own declaration
])
def test_vt204_boundary(value: str, expected: list[str]) -> None:
    assert check(f"---\nn: {value}\n---\n".encode()) == expected


def test_vt204_in_list_items_block_and_flow() -> None:
    assert check(b"---\nids:\n  - 1\n  - 12345678901234567890\nflow: [1, 12345678901234567890]\n---\n") == [
        too_large(4, 5, "12345678901234567890"), too_large(5, 11, "12345678901234567890"),
    ]


def test_vt204_does_not_repeat_what_vt202_says_at_the_same_place() -> None:
    # Leading zeros: YAML 1.1 reads a string, 1.2 a number; VT202's "quote it" is the whole fix.
    assert check(b"---\nn: 00009007199254740993\n---\n") == [
        "n.md:2:4: VT202 '00009007199254740993' is ambiguous: YAML 1.1 reads it as the string "
        "'00009007199254740993', YAML 1.2 as int 9007199254740993; quote it",
    ]


def test_vt204_hides_the_schema_finding_that_quoting_fixes() -> None:
    schema = Schema(fields={"isni": FieldRule(type="external_id")})
    assert check(b"---\nisni: 12345678901234567890\n---\n", schema) == [too_large(2, 7, "12345678901234567890")]


def test_fix_quotes_a_too_large_integer_in_the_notes_quote_style(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    note = tmp_path / "n.md"
    note.write_bytes(b"---\ntitle: 'x'\nviews: 9007199254740993  # a comment\nids:\n  - -9007199254740993\n---\nbody\n")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--fix")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "n.md:3:8: VT204 fixed: quoted 9007199254740993 as '9007199254740993'",
        "n.md:5:5: VT204 fixed: quoted -9007199254740993 as '-9007199254740993'",
    ]
    assert note.read_bytes() == (b"---\ntitle: 'x'\nviews: '9007199254740993'  # a comment\nids:\n"
                                 b"  - '-9007199254740993'\n---\nbody\n")
    assert run("validate").stdout == ""


def test_fix_leaves_a_too_large_integer_that_an_integer_field_wants(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Quoted, it would break the schema's integer type: not the one right fix, so nothing is written.
    (tmp_path / "vaulttool.toml").write_text('[schema.fields.views]\ntype = "integer"\n', encoding="utf-8")
    note = tmp_path / "n.md"
    note.write_bytes(b"---\nviews: 9007199254740993\n---\n")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--fix")
    assert note.read_bytes() == b"---\nviews: 9007199254740993\n---\n"
    assert result.stdout.splitlines() == [  # no "quote it": quoted, the value would break the declaration
        "n.md:2:8: VT204 9007199254740993 is beyond 2^53 - 1, which Obsidian cannot hold exactly, and views is "
        "declared integer in [schema.fields]: no number this large survives; declare the key text and quote the value",
    ]
