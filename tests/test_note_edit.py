"""Edits re-emit only the changed key's lines; everything else keeps its bytes."""

from __future__ import annotations

import difflib

import pytest
from conftest import DATA

from vaulttool.engine.note import DELETE, Note
from vaulttool.errors import EditError


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """The removed and added lines of a line diff (line endings included)."""
    old = before.decode("utf-8").splitlines(keepends=True)
    new = after.decode("utf-8").splitlines(keepends=True)
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added


def corpus(name: str) -> bytes:
    return (DATA / "roundtrip" / name).read_bytes()


def test_scalar_edit_changes_only_that_line(reference_bytes: bytes) -> None:
    edited = Note.parse(reference_bytes).edit({"country": "[[_Standards/WikiData/WD~France,142]]"})
    assert changed_lines(reference_bytes, edited.render()) == (
        ['country: "[[_Standards/WikiData/WD~Switzerland,39]]"\n'],
        ['country: "[[_Standards/WikiData/WD~France,142]]"\n'],
    )


def test_list_edit_changes_only_that_keys_lines_in_the_notes_style(reference_bytes: bytes) -> None:
    edited = Note.parse(reference_bytes).edit({"ISNI": ["0000000092270825", "0000000405225946"]})
    assert changed_lines(reference_bytes, edited.render()) == (['  - "0000000122994331"\n'], [])
    assert edited.values()["ISNI"] == ["0000000092270825", "0000000405225946"]


def test_scalar_becoming_a_list_follows_the_notes_list_indent(reference_bytes: bytes) -> None:
    edited = Note.parse(reference_bytes).edit({"Bluesky_handle": ["iom.int", "un.org"]})
    assert changed_lines(reference_bytes, edited.render()) == (
        ["Bluesky_handle: iom.int\n"],
        ["Bluesky_handle:\n", "  - iom.int\n", "  - un.org\n"],
    )


def test_nested_value_edit_changes_only_that_key() -> None:
    before = corpus("nested_values.md")
    edited = Note.parse(before).edit({"place": {"city": "Geneva", "coords": {"lat": 46.2, "lon": 6.2}}})
    assert changed_lines(before, edited.render()) == (["    lon: 6.15\n"], ["    lon: 6.2\n"])


def test_crlf_edit_keeps_crlf_and_every_other_byte() -> None:
    before = corpus("crlf.md")
    edited = Note.parse(before).edit({"list": ["one", "two", "three"]})
    assert changed_lines(before, edited.render()) == ([], ["  - three\r\n"])


def test_crlf_scalar_edit() -> None:
    before = corpus("crlf.md")
    edited = Note.parse(before).edit({"title": "Edited"})
    assert changed_lines(before, edited.render()) == (["title: CRLF note\r\n"], ["title: Edited\r\n"])


def test_zero_indent_lists_stay_zero_indent() -> None:
    before = corpus("list_indent_zero.md")
    edited = Note.parse(before).edit({"aliases": ["First", "Second", "Third"]})
    assert changed_lines(before, edited.render()) == ([], ["- Third\n"])


def test_strings_are_quoted_where_a_yaml_reader_would_misread_them(reference_bytes: bytes) -> None:
    edited = Note.parse(reference_bytes).edit({"new_isni": "0000000092270825", "answer": "NO", "on_off": "on"})
    _, added = changed_lines(reference_bytes, edited.render())
    assert added == ['new_isni: "0000000092270825"\n', 'answer: "NO"\n', 'on_off: "on"\n']


def test_single_quote_style_is_followed() -> None:
    before = b"---\nlink: '[[A]]'\nother: x\n---\n"
    edited = Note.parse(before).edit({"other": "[[B]]"})
    assert edited.render() == b"---\nlink: '[[A]]'\nother: '[[B]]'\n---\n"


def test_delete_and_append(reference_bytes: bytes) -> None:
    edited = Note.parse(reference_bytes).edit({"short_name": DELETE, "added": 1})
    removed, added = changed_lines(reference_bytes, edited.render())
    assert removed == ["short_name:\n", "  - МОМ\n", "  - IOM\n", "  - OIM\n", "  - OIM\n", "  - OIM\n"]
    assert added == ["added: 1\n"]
    assert list(edited.values())[-1] == "added"


def test_comment_and_blank_lines_after_an_edited_key_stay() -> None:
    before = corpus("comments.md")
    edited = Note.parse(before).edit({"tags": ["a", "c"]})
    assert changed_lines(before, edited.render()) == (["  - b\n"], ["  - c\n"])


def test_equal_value_changes_nothing(reference_bytes: bytes) -> None:
    note = Note.parse(reference_bytes)
    assert note.edit(note.values()).render() == reference_bytes


def test_bom_survives_an_edit() -> None:
    before = corpus("bom.md")
    edited = Note.parse(before).edit({"title": "Changed"})
    assert edited.render() == before.replace(b"title: With BOM", b"title: Changed")


def test_edit_of_a_note_with_duplicate_keys_is_refused() -> None:
    with pytest.raises(EditError, match="duplicate keys"):
        Note.parse(b"---\na: 1\na: 2\n---\n").edit({"a": 3})


def test_edit_of_a_note_without_frontmatter_is_refused() -> None:
    with pytest.raises(EditError, match="no frontmatter"):
        Note.parse(b"# title\n").edit({"a": 3})


def test_new_key_in_empty_frontmatter() -> None:
    assert Note.parse(b"---\n---\nbody\n").edit({"a": "x"}).render() == b"---\na: x\n---\nbody\n"


@pytest.mark.parametrize(("line", "kept"), [
    ('country: "[[WD~France,142]]" # checked by me in 2024\n', " # checked by me in 2024"),
    ("country: France   #  why\r\n", "   #  why"),
    ("country: 'a # not a comment'\n", ""),
    ('country: "a # not a comment"  # but this is\n', "  # but this is"),
])
def test_a_comment_closing_a_changed_line_is_kept(line: str, kept: str) -> None:
    newline = "\r\n" if line.endswith("\r\n") else "\n"
    note = Note.parse(f"---\ntitle: x\n{line}---\nbody\n".encode())
    edited = note.edit({"country": "Switzerland"}).render().decode()
    assert edited == f"---\ntitle: x\ncountry: Switzerland{kept}{newline}---\nbody\n"
