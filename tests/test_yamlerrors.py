"""YAML syntax errors (VT103) in plain words, at the line of the mistake: `vaulttool validate` output."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from vaulttool.cli import main
from vaulttool.disk.vault import display_path
from vaulttool.engine.yamlerrors import describe

# A note like the vault's: the mistake goes where `{}` is, on line 6.
NOTE = "---\ntitle: IOM\nhas_id_wikidata: Q472311\naliases:\n  - IOM\n{}\nfounded: 1951\nsite: \"[[Geneva]]\"\n---\n# IOM\n"


def validate(folder: Path, text: str) -> list[str]:
    (folder / "vaulttool.toml").write_text("", encoding="utf-8")
    (folder / "n.md").write_bytes(text.encode("utf-8"))
    result = CliRunner().invoke(main, ["validate", "--no-cache", str(folder / "n.md")], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    prefix = display_path(folder / "n.md") + ":"
    return [line.replace(prefix, "n.md:", 1) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(("line6", "expected"), [
    ('motto: "unclosed', 'n.md:6:8: VT103 unclosed " quote: the value that starts here never ends'),
    ("motto: 'unclosed", "n.md:6:8: VT103 unclosed ' quote: the value that starts here never ends"),
], ids=["double", "single"])
def test_an_unclosed_quote_closed_by_a_later_value_points_at_its_opening(tmp_path: Path, line6: str,
                                                                         expected: str) -> None:
    # The later `site: "` closes it; ruamel.yaml says `expected <block end>, but found '['` at 8:9.
    text = NOTE.format(line6).replace('site: "[[Geneva]]"', 'site: ' + line6[7] + "[[Geneva]]" + line6[7])
    assert validate(tmp_path, text) == [expected]


def test_an_unclosed_quote_at_the_end_points_at_its_opening(tmp_path: Path) -> None:
    # Nothing closes it: the parser stops at the end of the frontmatter, while scanning a quoted scalar.
    text = "---\ntitle: IOM\nmotto: 'unclosed\nfounded: 1951\n---\n"
    assert validate(tmp_path, text) == ["n.md:3:8: VT103 unclosed ' quote: the value that starts here never ends"]


@pytest.mark.parametrize(("line6", "expected"), [
    ("motto: 'it's ours'", "n.md:6:11: VT103 this ' ends the quoted value early: inside a '-quoted value write it as ''"),
    ('motto: "say "hi""', 'n.md:6:13: VT103 this " ends the quoted value early: inside a "-quoted value write it as \\"'),
], ids=["single", "double"])
def test_a_quote_inside_a_quoted_value(tmp_path: Path, line6: str, expected: str) -> None:
    assert validate(tmp_path, NOTE.format(line6)) == [expected]


def test_a_list_item_indented_one_space_less_than_its_siblings(tmp_path: Path) -> None:
    text = NOTE.format(" - International Organization for Migration")
    assert validate(tmp_path, text) == [
        "n.md:6:2: VT103 bad indentation: this list item is indented 1 space, the line above 2 spaces; "
        "indent the items of one list alike"]


def test_a_key_indented_one_space_less_than_its_siblings(tmp_path: Path) -> None:
    text = NOTE.format("office:\n  city: Geneva\n country: CH")
    assert validate(tmp_path, text) == [
        "n.md:8:2: VT103 bad indentation: this key is indented 1 space, the line above 2 spaces; "
        "indent the keys of one mapping alike"]


def test_a_key_indented_further_than_the_key_above(tmp_path: Path) -> None:
    text = NOTE.format("motto: Migration for all\n country: CH")
    assert validate(tmp_path, text) == [
        "n.md:7:2: VT103 bad indentation: this key is indented 1 space, the line above 0 spaces, "
        "so YAML reads it as part of the value above"]


@pytest.mark.parametrize(("line6", "expected"), [
    ("country:[[Switzerland]]", "n.md:6:9: VT103 missing space after ':': YAML reads 'country:[[Switzerland]]' "
                                "as text, not as the key 'country'; write 'country: [[Switzerland]]'"),
    ("country:CH", "n.md:6:9: VT103 missing space after ':': YAML reads 'country:CH' as text, "
                   "not as the key 'country'; write 'country: CH'"),
], ids=["wikilink", "text"])
def test_a_missing_space_after_a_colon(tmp_path: Path, line6: str, expected: str) -> None:
    assert validate(tmp_path, NOTE.format(line6)) == [expected]


def test_a_missing_space_after_a_colon_before_a_key_at_the_same_indent(tmp_path: Path) -> None:
    # `a:b` then `c: 3`: YAML reads `a:b c` as one text, then trips on the colon of line 3.
    assert validate(tmp_path, "---\na:b\nc: 3\n---\n") == [
        "n.md:2:3: VT103 missing space after ':': YAML reads 'a:b' as text, not as the key 'a'; write 'a: b'"]


def test_key_colon_value_alone_is_valid_yaml_and_not_reported(tmp_path: Path) -> None:
    # A plain scalar may hold a colon: the whole frontmatter `a:b` is the text 'a:b' (VT104, no VT103).
    assert validate(tmp_path, "---\na:b\n---\n") == ["n.md:2:1: VT104 frontmatter must be a mapping of keys to values"]


def test_a_line_with_no_colon(tmp_path: Path) -> None:
    assert validate(tmp_path, NOTE.format("just some words")) == [
        "n.md:6:1: VT103 expected 'key: value': this line has no ': ' after a key"]


def test_a_colon_inside_an_unquoted_value(tmp_path: Path) -> None:
    assert validate(tmp_path, NOTE.format("motto: Migration: for all")) == [
        "n.md:6:8: VT103 ': ' inside an unquoted value: quote the whole value"]


@pytest.mark.parametrize(("line6", "expected"), [
    ("tags: [a, b", "n.md:6:7: VT103 unclosed [: the list that starts here never ends"),
    ("office: {city: Geneva", "n.md:6:9: VT103 unclosed {: the mapping that starts here never ends"),
], ids=["list", "mapping"])
def test_an_unclosed_flow_collection(tmp_path: Path, line6: str, expected: str) -> None:
    assert validate(tmp_path, NOTE.format(line6)) == [expected]


def test_a_list_item_among_keys(tmp_path: Path) -> None:
    assert validate(tmp_path, NOTE.format("- Geneva")) == [
        "n.md:6:1: VT103 a list item where YAML expects a key: a list goes under its key, "
        "indented (`key:`, then `  - item`)"]


def test_a_key_among_list_items(tmp_path: Path) -> None:
    assert validate(tmp_path, NOTE.format("  city: Geneva")) == [
        "n.md:6:3: VT103 a key where YAML expects a list item: each item of a list starts with '- '"]


def test_a_tab_after_a_colon(tmp_path: Path) -> None:
    assert validate(tmp_path, NOTE.format("motto:\tfor all")) == [
        "n.md:6:7: VT103 tab where YAML expects a space: write spaces instead"]


@pytest.mark.parametrize(("line6", "expected"), [
    ("\tcity: Geneva", "n.md:6:1: VT106 tab in indentation: YAML indents with spaces only"),
    ("  \t- Geneva", "n.md:6:3: VT106 tab in indentation: YAML indents with spaces only"),
], ids=["first", "after-spaces"])
def test_a_tab_in_indentation_is_vt106_at_the_tab(tmp_path: Path, line6: str, expected: str) -> None:
    assert validate(tmp_path, NOTE.format(line6)) == [expected]


def test_an_unrecognised_error_keeps_the_parser_words_at_its_position(tmp_path: Path) -> None:
    assert validate(tmp_path, NOTE.format('motto: "bad \\q escape"')) == [
        "n.md:6:14: VT103 YAML syntax error: found unknown escape character 'q'"]


def test_an_error_at_the_end_of_the_text_points_at_the_last_line(tmp_path: Path) -> None:
    # ruamel.yaml stops after the last line (the closing `---`); the mistake is on the line before.
    assert validate(tmp_path, "---\na: 1\n%x\n---\n") == [
        "n.md:3:3: VT103 YAML syntax error: expected '<document start>', but found ('<stream end>',)"]


BROKEN = st.lists(st.text(alphabet=" :-\"'[]{}#,|>&*!?%@\ta\\", max_size=12), min_size=1, max_size=8)


@settings(max_examples=150)
@given(lines=BROKEN)
def test_broken_frontmatter_never_tracebacks_and_points_inside_it(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        text = "---\n" + "\n".join(lines) + "\n---\nbody\n"
        for finding in validate(Path(folder), text):
            _, line, col, rest = finding.split(":", 3)
            if rest.split()[0] in ("VT103", "VT106"):
                assert 2 <= int(line) <= len(lines) + 1 and int(col) >= 1, finding


def test_a_key_after_a_list_is_compared_with_the_list_line(tmp_path: Path) -> None:
    # The line above is `  - IOM`: its indentation counts, not the column of the item's text.
    assert validate(tmp_path, NOTE.format(" office: Geneva")) == [
        "n.md:6:2: VT103 bad indentation: this key is indented 1 space, the line above 2 spaces; "
        "indent the keys of one mapping alike"]


def test_describe_keeps_the_parser_words_when_there_is_no_difference_to_name() -> None:
    # `describe` is pure: given an indentation error whose line is indented like the line above
    # (or with no line above), it names no difference that is not there.
    problem = "expected <block end>, but found '<block mapping start>'"
    assert describe("a: 1\nb: 2\n", problem, (1, 0)) == (1, 0, f"YAML syntax error: {problem}")
    assert describe("# only\nb: 2\n", problem, (0, 0)) == (0, 0, f"YAML syntax error: {problem}")


def test_describe_uses_the_context_mark_when_the_parser_gives_no_problem_mark() -> None:
    assert describe("a: [b\n", "something odd", None, "while parsing", (0, 3)) == (
        0, 3, "YAML syntax error: something odd")
