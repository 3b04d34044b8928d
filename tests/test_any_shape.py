"""Frontmatter of any shape other plugins write (nested maps, lists of maps, nulls, dates, big
numbers, empty collections) beside `has_id_wikidata`: no command raises, and a key vaulttool does not
own keeps its bytes. Every command runs through the command line, refresh and sync against the
Wikidata stand-in on localhost."""

from __future__ import annotations

import datetime
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import copy_example_vault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from wikidata_server import FakeWikidata

from vaulttool.cli import main

IOM = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
RENAMED = "_Standards/UN(United_Nations)/IOM(renamed).md"


def invoke(vault: Path, *args: str) -> int:
    """Run one command in-process; an exception (a traceback for the user) fails the test."""
    result = CliRunner().invoke(main, ["--root", str(vault), *args], catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result.exit_code


def copy_vault(target: Path) -> Path:
    """The example vault as on its first refresh (no key bindings recorded yet)."""
    vault = copy_example_vault(target / "vault")
    (vault / ".vaulttool" / "keys.json").unlink()
    return vault


def with_key(note: Path, block: bytes) -> None:
    """Add `block` (a top-level key and its value, as YAML) as the frontmatter's last key, and drop a
    key of a property only this note's item has: on a first refresh, the key that property is bound
    to is looked for among the note's other keys (a label renamed since), which compares their values."""
    data = note.read_bytes().replace(b"Facebook_username: IOM\n", b"")
    end = data.index(b"\n---", 3) + 1
    note.write_bytes(data[:end] + block + data[end:])


# --- the crash a real vault hit: a nested mapping on a vault's first refresh ------------------

NAMES = b"names: {en: IOM, fr: OIM}\n"
LANGUAGE_MAPS = b"dataview_terms:\n  - lang: en\n    text: IOM\n  - lang: fr\n    text: OIM\n"


@pytest.mark.parametrize("block", [NAMES, LANGUAGE_MAPS], ids=["flow-mapping", "list-of-mappings"])
@pytest.mark.parametrize("command", ["refresh", "sync"])
def test_a_nested_mapping_does_not_stop_the_first_refresh(wikidata: FakeWikidata, tmp_path: Path, command: str,
                                                          block: bytes) -> None:
    vault = copy_vault(tmp_path)
    note = vault / IOM
    with_key(note, block)
    assert invoke(vault, command) in (0, 1, 3)
    assert block in note.read_bytes()
    assert wikidata.requests, "refreshed from the local server"


# --- any shape, every command ----------------------------------------------------------------

plain_text = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"], exclude_characters="\x85\u2028\u2029"),
                     max_size=12)
names = st.from_regex(r"[a-z][a-z_]{0,7}", fullmatch=True)


def shapes(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
                        max_leaves=10)


# Values with nothing `--fix` fixes (no whitespace at a quoted text's ends, no text YAML 1.1 reads as
# another type, no integer past 2^53), so that every command, `--fix` too, must keep their bytes.
unfixable = shapes(st.none() | st.booleans() | st.integers(min_value=1 - 2**53, max_value=2**53 - 1)
                   | plain_text.map(lambda text: "x" + text.strip()) | st.dates(min_value=datetime.date(1, 1, 1))
                   | st.floats(allow_nan=False, allow_infinity=False))
# Anything: integers past 2^53 (VT204), text such as `yes` or ` padded ` (VT202, VT203).
values = shapes(st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | plain_text
                | st.dates(min_value=datetime.date(1, 1, 1)) | st.floats(allow_nan=False, allow_infinity=False))


def as_yaml(key: str, value: Any, flow: bool) -> bytes:
    yaml = YAML()
    yaml.default_flow_style = flow
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump({key: value}, out)
    return out.getvalue().encode("utf-8")


COMMANDS: list[tuple[str, ...]] = [
    ("validate",), ("validate", "--fix"), ("check",), ("roundtrip",), ("tiers",), ("entities",), ("links",),
    ("refresh",), ("sync",), ("mv", IOM, RENAMED), ("new", "Q42"),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=unfixable, flow=st.booleans(), key=names.filter(lambda name: not name.startswith("vaulttool")))
def test_no_command_raises_on_any_shape_and_a_key_of_theirs_keeps_its_bytes(
        wikidata: FakeWikidata, key: str, value: Any, flow: bool) -> None:
    key = f"plugin_{key}"  # (no schema key nor Wikidata label is named so)
    block = as_yaml(key, value, flow)
    with tempfile.TemporaryDirectory() as folder:
        vault = copy_vault(Path(folder))
        with_key(vault / IOM, block)
        for command in COMMANDS:
            invoke(vault, *(str(vault / arg) if arg.endswith(".md") else arg for arg in command))
            note = vault / (IOM if command[0] not in ("mv", "new") else RENAMED)
            assert block in note.read_bytes(), command


def without_key(note: Path, key: str) -> None:
    """Remove a top-level key and its indented lines from the note's frontmatter."""
    lines = note.read_bytes().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(key.encode() + b":"))
    end = start + 1
    while end < len(lines) and lines[end].startswith((b" ", b"-")):
        end += 1
    note.write_bytes(b"".join(lines[:start] + lines[end:]))


# Keys vaulttool reads: the schema's, Wikidata's, the tiers', its own. Their values may change; no command may raise.
READ_KEYS = ["country", "aliases", "inception", "social_media_followers", "official_name", "publish", "tier",
             "source", "vaulttool_ignore", "has_id_wikidata"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values, flow=st.booleans(), key=st.sampled_from(READ_KEYS))
def test_no_command_raises_on_any_shape_under_a_key_vaulttool_reads(
        wikidata: FakeWikidata, key: str, value: Any, flow: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        vault = copy_vault(Path(folder))
        note = vault / IOM
        if f"\n{key}:".encode() in note.read_bytes():
            without_key(note, key)
        with_key(note, as_yaml(key, value, flow))
        for command in COMMANDS:
            invoke(vault, *(str(vault / arg) if arg.endswith(".md") else arg for arg in command))
