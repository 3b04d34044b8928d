"""`vaulttool validate --fix` on the real filesystem: what it fixes, the characters it changes, what it
leaves, and its exit codes."""

from __future__ import annotations

import difflib
import json
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA
from hypothesis import given
from hypothesis import strategies as st

from vaulttool.cli import main
from vaulttool.config.settings import Config
from vaulttool.rules import checks, fixes

FIXABLE = {
    "ambiguous_scalars.md": [
        'ambiguous_scalars.md:2:7: VT202 fixed: quoted 0000000092270825 as "0000000092270825"',
        'ambiguous_scalars.md:3:9: VT202 fixed: quoted NO as "NO"',
        'ambiguous_scalars.md:4:9: VT202 fixed: quoted on as "on"',
        'ambiguous_scalars.md:5:7: VT202 fixed: quoted 0777 as "0777"',
        'ambiguous_scalars.md:6:6: VT202 fixed: quoted 1_000 as "1_000"',
    ],
    "unquoted_wikilink.md": [
        'unquoted_wikilink.md:2:10: VT201 fixed: quoted the wikilink: "[[_Standards/WikiData/WD~Switzerland,39]]"',
    ],
    "whitespace.md": ['whitespace.md:2:8: VT203 fixed: trimmed the whitespace: "padded"'],
}


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The negative corpus's fixable notes in a vault of their own, as the working folder."""
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    for name in FIXABLE:
        shutil.copy(DATA / "negative" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def changes(old: bytes, new: bytes) -> list[tuple[str, bytes, bytes]]:
    """What differs between two versions of a note: (operation, old bytes, new bytes) per change."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [(tag, old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def test_fix_prints_each_fix_and_exits_1_when_it_changed_a_note(notes: Path) -> None:
    before = {name: (notes / name).read_bytes() for name in FIXABLE}
    result = run("validate", "--fix", *FIXABLE)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [line for lines in FIXABLE.values() for line in lines]
    assert result.stderr == "3 notes checked: 0 errors, 0 warnings; fixed 7 in 3 notes\n"
    for name in ("ambiguous_scalars.md", "unquoted_wikilink.md"):  # quotes added, nothing else
        assert {(tag, old) for tag, old, _ in changes(before[name], (notes / name).read_bytes())} == {("insert", b"")}
        assert all(new == b'"' for _, _, new in changes(before[name], (notes / name).read_bytes()))
    assert changes(before["whitespace.md"], (notes / "whitespace.md").read_bytes()) == [
        ("delete", b" ", b""), ("delete", b" ", b"")]
    again = run("validate", "--fix", *FIXABLE)
    assert (again.exit_code, again.stdout) == (0, "")
    assert run("validate", *FIXABLE).exit_code == 0


def test_dry_run_prints_the_diff_and_writes_nothing(notes: Path) -> None:
    before = {name: (notes / name).read_bytes() for name in FIXABLE}
    result = run("validate", "--fix", "--dry-run", "unquoted_wikilink.md")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/unquoted_wikilink.md\n+++ b/unquoted_wikilink.md\n@@ -1,3 +1,3 @@\n ---\n"
        "-country: [[_Standards/WikiData/WD~Switzerland,39]]\n"
        '+country: "[[_Standards/WikiData/WD~Switzerland,39]]"\n ---\n'
        + FIXABLE["unquoted_wikilink.md"][0] + "\n")
    assert result.stderr == "1 note checked: 0 errors, 0 warnings; would fix 1 in 1 note\n"
    assert {name: (notes / name).read_bytes() for name in FIXABLE} == before


def test_dry_run_needs_fix(notes: Path) -> None:
    result = run("validate", "--dry-run", ".")
    assert result.exit_code == 2 and "--dry-run goes with --fix" in result.stderr


def test_the_notes_own_quote_character_and_line_endings(notes: Path) -> None:
    note = notes / "single.md"
    note.write_bytes(b"---\r\ntitle: 'IOM'\r\nlinks:\r\n  - [[A]]\r\n  - 'B'\r\nanswer: NO\r\n---\r\nbody\r\n")
    assert run("validate", "--fix", "single.md").exit_code == 1
    assert note.read_bytes() == b"---\r\ntitle: 'IOM'\r\nlinks:\r\n  - '[[A]]'\r\n  - 'B'\r\nanswer: 'NO'\r\n---\r\nbody\r\n"


def test_a_note_with_other_structural_errors_is_not_fixed(notes: Path) -> None:
    note = notes / "anchored.md"
    data = b"---\ncountry: [[X]]\nbase: &b one\nother: *b\n---\n"
    note.write_bytes(data)
    result = run("validate", "--fix", "anchored.md")
    assert result.exit_code == 1
    assert "anchored.md: not fixed: VT108 at 3:7 first\n" in result.stdout
    assert "anchored.md:2:10: VT201 unquoted wikilink [[X]]" in result.stdout  # still a finding
    assert note.read_bytes() == data


def test_whitespace_written_as_an_escape_stays_a_finding(notes: Path) -> None:
    note = notes / "escaped.md"
    data = b'---\ntitle: "\\tpadded"\n---\n'
    note.write_bytes(data)
    result = run("validate", "--fix", "escaped.md")
    assert result.exit_code == 0  # a warning, nothing changed
    assert result.stdout == "escaped.md:2:8: VT203 warning: value '\\tpadded' has leading or trailing whitespace\n"
    assert note.read_bytes() == data


def test_a_read_only_note_is_not_fixed(notes: Path) -> None:
    note = notes / "unquoted_wikilink.md"
    data = note.read_bytes()
    note.chmod(0o444)
    result = run("validate", "--fix", "unquoted_wikilink.md")
    assert result.exit_code == 1
    assert "unquoted_wikilink.md:1:1: VT111 read-only (its owner-write bit is off); not written\n" in result.stdout
    assert "unquoted_wikilink.md:2:10: VT201 unquoted wikilink" in result.stdout
    assert note.read_bytes() == data and stat.S_IMODE(note.stat().st_mode) == 0o444


def test_json_lists_the_fixes(notes: Path) -> None:
    result = run("validate", "--fix", "--format", "json", "whitespace.md")
    document = json.loads(result.stdout)
    assert document["fixed"] == [{"path": "whitespace.md", "line": 2, "col": 8, "code": "VT203", "severity": "warning",
                                  "message": 'fixed: trimmed the whitespace: "padded"'}]
    assert document["files"] == [{"path": "whitespace.md", "action": "update", "written": True}]
    assert document["summary"] == {"notes": 1, "errors": 0, "warnings": 0, "suppressed": 0, "files": 1, "fixed": 1,
                                   "changed": 1}


def test_fixing_the_readme_example_gives_back_the_reference_note(notes: Path) -> None:
    reference = (DATA / "roundtrip" / "reference_note.md").read_bytes()
    note = notes / "IOM.md"
    note.write_bytes(reference.replace(b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"',
                                       b"country: [[_Standards/WikiData/WD~Switzerland,39]]")
                     .replace(b'  - "0000000092270825"', b"  - 0000000092270825"))
    result = run("validate", "--fix", "IOM.md")
    assert result.stdout == (
        'IOM.md:36:10: VT201 fixed: quoted the wikilink: "[[_Standards/WikiData/WD~Switzerland,39]]"\n'
        'IOM.md:51:5: VT202 fixed: quoted 0000000092270825 as "0000000092270825"\n')
    assert note.read_bytes() == reference


# --- the invariant, for any note ----------------------------------------------------------------

SETTINGS = checks.CheckSettings.of(Config(root=Path(".")))
SCALARS = st.sampled_from(["NO", "on", "0777", "1_000", "0000000092270825", "plain text", "Yes", "~", "12",
                           '" padded "', "' padded '", '"x"', "[[A]]", "[[B,2]]", "[[A]], [[B]]", '"[[A]]"',
                           "'it''s'", '"a\\tb "', "[a, NO]", "{k: on}", "2024-01-01", "-", "null"])


@st.composite
def frontmatter_notes(draw: st.DrawFn) -> bytes:
    lines = []
    for index in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            lines.append(f"key{index}: {draw(SCALARS)}")
        else:
            lines.append(f"key{index}:")
            indent = " " * draw(st.sampled_from([0, 2, 4]))
            lines += [f"{indent}- {draw(SCALARS)}" for _ in range(draw(st.integers(1, 3)))]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return ("---" + newline + newline.join(lines) + newline + "---" + newline + "body" + newline).encode()


@given(frontmatter_notes())
def test_a_fix_only_adds_quotes_or_removes_spaces_and_leaves_no_fixable_finding(data: bytes) -> None:
    report = checks.check_note("n.md", "n.md", data, SETTINGS, prove_round_trip=True)
    planned = fixes.fix_note(report, SETTINGS, "n.md")
    if planned.data is None:
        return
    def but_quotes_and_spaces(text: bytes) -> bytes:
        return text.translate(None, b"\"' \t")

    assert but_quotes_and_spaces(planned.data) == but_quotes_and_spaces(data)
    assert planned.data.count(b" ") + planned.data.count(b"\t") <= data.count(b" ") + data.count(b"\t")
    after = checks.check_note("n.md", "n.md", planned.data, SETTINGS, prove_round_trip=True)
    fixed_places = {(finding.line, finding.code) for finding in planned.fixed}
    assert not [f for f in after.findings if (f.line, f.code) in fixed_places]
    assert {(f.line, f.code) for f in after.findings} <= {(f.line, f.code) for f in report.findings}
