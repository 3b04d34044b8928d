"""The golden corpus: every note comes back byte for byte, and reads as YAML readers read it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from conftest import DATA, EXAMPLE_VAULT
from ruamel.yaml import YAML

from vaulttool.engine.note import Note

CORPUS = sorted((DATA / "roundtrip").glob("*.md"))
EXAMPLE_NOTES = sorted(EXAMPLE_VAULT.rglob("*.md"))


@pytest.mark.parametrize("path", CORPUS + EXAMPLE_NOTES, ids=lambda p: p.name)
def test_render_of_unedited_note_is_its_exact_bytes(path: Path) -> None:
    data = path.read_bytes()
    assert Note.parse(data).render() == data


def test_corpus_covers_the_cases_the_engine_must_keep() -> None:
    blobs = {path.name: path.read_bytes() for path in CORPUS}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in blobs.values()), "BOM"
    assert any(b"\r\n" in b and b"\n" in b.replace(b"\r\n", b"") for b in blobs.values()), "mixed endings"
    assert any(not b.endswith(b"\n") for b in blobs.values()), "no final newline"
    assert any(b" \t\n" in b or b"\t\n" in b for b in blobs.values()), "trailing tabs"
    assert any(not b.startswith(b"---") for b in blobs.values()), "no frontmatter"


def _ruamel_values(frontmatter: str) -> dict:
    """What ruamel.yaml's own YAML 1.2 loader reads, with timestamps back as their text."""
    loaded = YAML(typ="safe", pure=True).load(frontmatter) or {}

    def plain(value):  # noqa: ANN001, ANN202
        if isinstance(value, (datetime.date, datetime.datetime)):
            return None  # compared separately: vaulttool keeps them as the text Obsidian shows
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        return value

    return plain(loaded)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_values_agree_with_ruamel_yaml(path: Path) -> None:
    note = Note.parse(path.read_bytes())
    if not note.has_frontmatter:
        assert note.body == path.read_bytes().decode("utf-8")
        return
    expected = _ruamel_values(note.frontmatter_text)
    got = note.values()
    assert list(got) == list(expected)
    for key, value in expected.items():
        if value is not None:
            assert got[key] == value, key


def test_reference_note_values(reference_bytes: bytes) -> None:
    values = Note.parse(reference_bytes).values()
    assert values["ISNI"] == ["0000000092270825", "0000000122994331", "0000000405225946"]
    assert values["inception"] == "1951-01-01T00:00:00Z"
    assert values["social_media_followers"] == 49000
    assert values["aliases"] == ["International Organization for Migration", "IOM"]
    assert values["short_name"] == ["МОМ", "IOM", "OIM", "OIM", "OIM"]
    assert len(values) == 31


def test_positions_are_file_lines_and_columns(reference_bytes: bytes) -> None:
    note = Note.parse(reference_bytes)
    entry = next(e for e in note.entries() if e.key == "country")
    assert note.file_position(entry.key_node) == (36, 1)
    assert note.file_position(entry.value_node) == (36, 10)


def test_bom_crlf_and_body_are_split_exactly() -> None:
    note = Note.parse(b"\xef\xbb\xbf---\r\na: 1\r\n---\r\nbody\r\n")
    assert note.bom and note.frontmatter_text == "a: 1\r\n" and note.body == "body\r\n"
    assert note.values() == {"a": 1}


def test_frontmatter_only_without_newline_has_empty_body() -> None:
    note = Note.parse(b"---\na: x\n---")
    assert note.values() == {"a": "x"} and note.body == ""
