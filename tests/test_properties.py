"""Invariants, checked on generated notes with hypothesis."""

from __future__ import annotations

import os
import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vaulttool.engine import emit, yamlnodes
from vaulttool.engine.note import Note

KEY = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=12).filter(
    lambda k: not k[0].isdigit()
)
WORD = st.text(string.ascii_letters + string.digits + " .,:#'\"-[]{}!&*|>%@`?éМ🌍\\", max_size=20)
SCALAR = st.one_of(
    WORD,
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.sampled_from(["NO", "on", "0777", "1_000", "0000000092270825", "1951-01-01T00:00:00Z", "[[A,1]]", ""]),
)
VALUE = st.one_of(SCALAR, st.lists(SCALAR, min_size=1, max_size=4),
                  st.dictionaries(KEY, SCALAR, min_size=1, max_size=3))
FRONTMATTER = st.dictionaries(KEY, VALUE, max_size=6)
STYLE = st.builds(emit.Style, quote=st.sampled_from(['"', "'"]), list_indent=st.sampled_from([0, 2, 4]),
                  map_indent=st.sampled_from([2, 4]))
NEWLINE = st.sampled_from(["\n", "\r\n"])
TRIVIA = st.sampled_from(["", "\n", "# a comment\n", "\n\n", "   \n"])
BODY = st.text(max_size=80)


@st.composite
def notes(draw: st.DrawFn) -> bytes:
    """A note built the way people's notes look: emitted entries, comments, blank lines, any body."""
    values = draw(FRONTMATTER)
    style = draw(STYLE)
    newline = draw(NEWLINE)
    lines = []
    for key, value in values.items():
        lines.append(draw(TRIVIA).replace("\n", newline))
        lines.append(emit.entry(key, value, style, newline))
    bom = draw(st.booleans())
    text = "---" + newline + "".join(lines) + "---" + newline + draw(BODY)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@given(notes())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_render_of_parse_is_identity(data: bytes) -> None:
    assert Note.parse(data).render() == data


@given(st.binary(max_size=200))
def test_any_bytes_either_parse_and_render_exactly_or_raise_a_note_error(data: bytes) -> None:
    from vaulttool.errors import NoteError

    try:
        note = Note.parse(b"---\n" + data)
    except NoteError:
        return
    assert note.render() == b"---\n" + data


@given(FRONTMATTER, STYLE, NEWLINE)
@settings(max_examples=300)
def test_emitted_values_read_back_equal(values: dict, style: emit.Style, newline: str) -> None:
    text = "---" + newline + "".join(emit.entry(k, v, style, newline) for k, v in values.items()) + "---" + newline
    got = Note.parse(text.encode()).values()
    assert list(got) == list(values)
    for key, value in values.items():
        assert got[key] == value or (value in ([], {}) and got[key] in ([], {}))


@given(notes(), st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_edit_keeps_every_byte_outside_the_edited_key(data: bytes, draw: st.DataObject) -> None:
    note = Note.parse(data)
    entries = note.entries()
    assume(entries)
    target = draw.draw(st.sampled_from(entries))
    new_value = draw.draw(VALUE)
    edited = note.edit({target.key: new_value}).render()
    # Everything before the key's first line and after its last value line is untouched.
    prefix = (b"\xef\xbb\xbf" if note.bom else b"") + note.text[: target.start].encode()
    suffix = note.text[target.end:].encode()
    assert edited.startswith(prefix)
    assert edited.endswith(suffix)
    assert Note.parse(edited).values()[target.key] == new_value or new_value in ([], {})


# --- the fast scanner agrees with ruamel.yaml wherever it answers ------------------------------

LINE = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", KEY, WORD),
    st.builds(lambda k: f"{k}:", KEY),
    st.builds(lambda i, v: " " * i + f"- {v}", st.integers(0, 4), WORD),
    st.builds(lambda i, v: " " * i + f'- "{v}"', st.integers(0, 4), WORD),
    st.builds(lambda k, v: f"{k}: '{v}'", KEY, WORD),
    st.builds(lambda k, v: f'{k}: "{v}" # c', KEY, WORD),
    st.sampled_from(["", "# comment", "  # indented comment", "   ", "  continued", "key :", "-", "...",
                     "k: a: b", "k: [x]", "k: &a x", "k: *a", "k: !!str 1", "k: |", "  block"]),
)


@given(st.lists(LINE, max_size=8), NEWLINE)
@settings(max_examples=int(os.environ.get("VAULTTOOL_HYPOTHESIS_EXAMPLES", "1000")))
def test_fast_scanner_matches_ruamel_composer(lines: list[str], newline: str) -> None:
    text = "".join(line + newline for line in lines)
    fast = yamlnodes.scan_simple(text)
    if fast is None:
        return
    full = yamlnodes.compose(text)  # must not raise: the scanner accepted valid YAML only
    assert fast == full
