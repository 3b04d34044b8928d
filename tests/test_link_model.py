"""The link model: exact spans, links in frontmatter values, Obsidian's resolution, and rewriting a
link that changes nothing but its path."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vaulttool.engine.links import links_in, note_links
from vaulttool.engine.note import Note
from vaulttool.engine.relink import RelinkError, rewrite, written_path
from vaulttool.engine.resolve import VaultIndex


def test_a_wikilink_has_its_path_heading_and_alias_with_exact_spans() -> None:
    text = "see ![[ Folder/Note #Part|shown ]] and [[#^block]]"
    first, second = links_in(text)
    assert (first.target, first.subpath, first.alias, first.embed) == ("Folder/Note", "#Part", "shown ", True)
    assert text[first.offset:first.end] == "![[ Folder/Note #Part|shown ]]"
    assert text[first.target_start:first.target_end] == "Folder/Note"
    assert (second.target, second.subpath, second.alias) == ("", "#^block", None)
    assert second.target_start == second.target_end == text.index("#^block")


def test_a_markdown_link_keeps_its_encoding_and_splits_off_its_heading() -> None:
    text = "[the text](/a%20b/Note%28x%29.md#Part) ![img](pic.png) [web](https://x.org/a) [h](#local)"
    note, image = links_in(text)
    assert (note.target, note.path, note.subpath, note.alias, note.markdown) == (
        "/a%20b/Note%28x%29.md", "/a b/Note(x).md", "#Part", "the text", True)
    assert text[note.target_start:note.target_end] == "/a%20b/Note%28x%29.md"
    assert (image.target, image.embed) == ("pic.png", True)


def test_links_in_code_fences_are_not_links() -> None:
    assert [link.target for link in links_in("```\n[[inside]]\n```\n[[outside]]\n")] == ["outside"]


def _note(text: str) -> Note:
    return Note.parse(text.encode("utf-8"))


def test_note_links_places_frontmatter_links_at_their_own_line_and_column() -> None:
    note = _note('---\na: "[[X]]"\nb:\n  - \'[[Y|y]]\'\n  - plain [[Z]] text\nc: {d: "[[W]]"}\n---\n\n[[V]]\n')
    found = note_links(note)
    assert [(f.key, f.link.target, f.line, f.col, f.quote, f.exact) for f in found] == [
        ("a", "X", 2, 5, '"', True), ("b", "Y", 4, 6, "'", True), ("b", "Z", 5, 11, "", True),
        ("c", "W", 6, 9, '"', True), (None, "V", 9, 1, "", True)]
    for f in found:
        assert note.text[f.link.target_start:f.link.target_end] == f.link.target


def test_a_value_with_escapes_is_found_but_marked_not_to_splice() -> None:
    note = _note('---\na: "[[X]] \\u00e9"\nb: >\n  [[Y]]\n  more\n---\n')
    found = note_links(note)
    assert [(f.link.target, f.exact, f.line, f.col) for f in found] == [("X", False, 2, 4), ("Y", False, 3, 4)]
    with pytest.raises(RelinkError, match="line 2"):
        rewrite(note.text, [(found[0], "New")])


INDEX = VaultIndex([
    "Root.md", "A/Same.md", "Same.md", "A/B/Deep.md", "C/Deep.md", "A/pic.png", "A/Note.md", "X/Y/Note.md",
    "Café.md", "Notes/Upper.md",
])


@pytest.mark.parametrize("link, source, expected", [
    ("", "A/Note.md", "A/Note.md"),  # [[#heading]]: the note itself
    ("/Same", "A/Note.md", "Same.md"),  # absolute
    ("Same", "A/Note.md", "A/Same.md"),  # beside the note wins over the root
    ("Same", "Root.md", "Same.md"),
    ("A/Same", "X/Y/Note.md", "A/Same.md"),  # a vault path
    ("./Same", "A/Note.md", "A/Same.md"),
    ("../Root", "A/Note.md", "Root.md"),
    ("../../Root", "A/Note.md", None),  # out of the vault
    ("Deep", "Root.md", "C/Deep.md"),  # by name: the shortest path
    ("B/Deep", "Root.md", "A/B/Deep.md"),  # the end of a longer path
    ("Y/Note", "Root.md", "X/Y/Note.md"),
    ("pic.png", "Root.md", "A/pic.png"),  # an attachment by its extension
    ("Root.md", "A/Note.md", "Root.md"),  # `.md` written out
    ("root", "A/Note.md", "Root.md"),  # case folded, as Obsidian's lookup does
    ("cafe\u0301", "Root.md", "Café.md"),  # a decomposed (macOS) spelling
    ("upper", "Root.md", "Notes/Upper.md"),
    ("Missing", "Root.md", None),
    ("pic", "Root.md", None),  # no extension: a note, and there is no pic.md
])
def test_links_resolve_as_obsidian_resolves_them(link: str, source: str, expected: str | None) -> None:
    assert INDEX.resolve(link, source) == expected


AFTER = VaultIndex(["New/Moved.md", "Other/Moved2.md", "Twice/Dup.md", "Also/Dup.md", "A/Note.md"])


@pytest.mark.parametrize("written, new, expected", [
    ("[[Old]]", "New/Moved.md", "Moved"),  # a bare name stays bare while unique
    ("[[Old.md]]", "New/Moved.md", "Moved.md"),
    ("[[Dir/Old]]", "New/Moved.md", "New/Moved"),
    ("[[/Dir/Old]]", "New/Moved.md", "/New/Moved"),
    ("[[../Dir/Old]]", "New/Moved.md", "../New/Moved"),
    ("[[./Old]]", "A/Moved.md", "./Moved"),
    ("[[Old]]", "Twice/Dup.md", "Twice/Dup"),  # the name is shared: the vault path
    ("[x](/Dir/Old.md)", "New/My Note (1).md", "/New/My%20Note%20(1).md"),
    ("[x](Old)", "New/Moved.md", "Moved"),
])
def test_a_rewritten_link_keeps_its_form(written: str, new: str, expected: str) -> None:
    (link,) = links_in(written)
    assert written_path(link, new, "A/Note.md", AFTER) == expected


def test_rewrite_changes_only_the_path_keeping_heading_alias_and_quotes() -> None:
    note = _note("---\na: '[[Old#Part|shown]]'\nb: \"[[Old]]\"\n---\nText [[Old#^b|x]] and [y](Old.md#H) end\n")
    edits = [(found, "It's") for found in note_links(note)]
    assert rewrite(note.text, edits) == (
        "---\na: '[[It''s#Part|shown]]'\nb: \"[[It's]]\"\n---\nText [[It's#^b|x]] and [y](It's#H) end\n")


_text = st.text(st.sampled_from(list("ab \n|#^[]()!-:\"'")), max_size=12)
_name = st.text(st.sampled_from(list("abcXY_~,.")), min_size=1, max_size=8)


@given(st.lists(st.tuples(_text, _name, st.sampled_from(["[[{}]]", "![[{}#h]]", "[[{}|al]]", "[t]({})"])),
                min_size=1, max_size=6), _text, _name)
@example([("", "X", "[[{}]]"), ("", "X", "[[{}]]"), ("(", "X", "[[{}]]"), (")", "X", "[[{}]]")], "", "X")  # (`[[X]]([[X]])`)
def test_relinking_changes_no_byte_outside_the_links_it_rewrote(parts: list[tuple[str, str, str]], tail: str,
                                                              new: str) -> None:
    body = "".join(before + form.format(name) for before, name, form in parts) + tail
    note = _note("---\nk: x\n---\n" + body)
    found = [f for f in note_links(note) if f.link.target]
    chosen = found[::2]
    result = rewrite(note.text, [(f, new) for f in chosen])
    # Outside the rewritten spans, every character is where it was, in order.
    cursor, out = 0, 0
    for f in sorted(chosen, key=lambda f: f.link.target_start):
        kept = note.text[cursor:f.link.target_start]
        assert result[out:out + len(kept)] == kept
        out += len(kept)
        assert result[out:out + len(new)] == new
        out += len(new)
        cursor = f.link.target_end
    assert result[out:] == note.text[cursor:]


def test_inline_code_holds_no_link_but_an_unclosed_backtick_does_not_hide_one() -> None:
    text = "`[[a]]` ``x [[b]] y`` [[c]] ``[[d]]` [[e]]\n```\n[[f]]\n```\n"
    assert [link.target for link in links_in(text)] == ["c", "d", "e"]
