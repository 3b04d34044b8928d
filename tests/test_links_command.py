"""`vaulttool links [--check] [PATHS]`: every link of the notes given that opens no file (VT510),
resolved against the whole vault's file list, on a real file system through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import REFERENCE_NOTE

from vaulttool.cli import main
from vaulttool.cli.output import schema_path

NOTE = """\
---
title: A
related: "[[Missing note]]"
single: '[[gone#Heading|Alias]]'
plain: see [[b]] and [[nowhere]]
list:
  - "[[b]]"
  - "[[sub/lost]]"
nested:
  key: "![[lost.png]]"
esc: "[[lo\\x73t]]"
---
# A

[[b]] resolves; [[nothere]] does not.
![[photo.png]] exists; ![[lost.png|100]] does not; ![[attachments/photo.png]] ![[attachments/lost.png]]
[text](b.md) [text](Missing%20file.md) [x](Lost%20file.md) ![img](../attachments/photo.png) [y](sub/c.md#Top)
[[#Heading]] [[#^block]] [[/notes/b]] [[/b]] [[./b]] [[../b]] [[sub/c]] [[c]] [[outside]] [[other/outside.md]]
[[B]] [[notes/sub/c.md]] [[./sub/gone]]
[web](https://example.org/x.md) [mail](mailto:a@b.c) [[#Missing heading]]

```
[[in a fence]]
```
"""

EXPECTED = """\
notes/a.md:3:11: VT510 unresolved link [[Missing note]]
notes/a.md:4:10: VT510 unresolved link [[gone#Heading|Alias]]
notes/a.md:5:22: VT510 unresolved link [[nowhere]]
notes/a.md:8:6: VT510 unresolved link [[sub/lost]]
notes/a.md:10:9: VT510 unresolved link ![[lost.png]]
notes/a.md:11:6: VT510 unresolved link [[lost]]
notes/a.md:15:17: VT510 unresolved link [[nothere]]
notes/a.md:16:24: VT510 unresolved link ![[lost.png|100]]
notes/a.md:16:79: VT510 unresolved link ![[attachments/lost.png]]
notes/a.md:17:40: VT510 unresolved link [x](Lost%20file.md)
notes/a.md:18:39: VT510 unresolved link [[/b]]
notes/a.md:18:54: VT510 unresolved link [[../b]]
notes/a.md:19:26: VT510 unresolved link [[./sub/gone]]
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vault whose note `notes/a.md` links every way there is, to files that exist and that do not."""
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    for name, text in {"notes/a.md": NOTE, "notes/b.md": "---\ntitle: B\n---\n", "notes/sub/c.md": "# Top\n",
                       "notes/Missing file.md": "", "other/outside.md": "", "attachments/photo.png": "x"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_each_unresolved_link_is_one_exact_line_and_the_report_exits_0(linked: Path) -> None:
    result = run("links")
    assert result.exit_code == 0
    assert result.stdout == EXPECTED
    assert result.stderr == "5 notes checked, 33 links: 13 errors, 0 warnings\n"


def test_check_exits_1_on_an_unresolved_link_and_0_when_every_link_resolves(linked: Path) -> None:
    assert run("links", "--check").exit_code == 1
    clean = run("links", "--check", "notes/b.md", "notes/sub")
    assert (clean.exit_code, clean.stdout) == (0, "")
    assert clean.stderr == "2 notes checked, 0 links: 0 errors, 0 warnings\n"


def test_paths_limit_the_notes_checked_not_the_files_links_resolve_against(linked: Path) -> None:
    (linked / "notes" / "only.md").write_text("[[outside]] [[sub/c]] ![[photo.png]] [[a]] [[gone]]\n", encoding="utf-8")
    result = run("links", "--check", "notes/only.md")
    assert result.exit_code == 1
    assert result.stdout == "notes/only.md:1:44: VT510 unresolved link [[gone]]\n"
    assert result.stderr == "1 note checked, 5 links: 1 error, 0 warnings\n"


def test_a_note_that_does_not_parse_is_skipped_without_a_traceback(linked: Path) -> None:
    (linked / "notes" / "broken.md").write_text("---\nkey: [unclosed\n---\n[[nothere]]\n", encoding="utf-8")
    result = run("links", "--check", "-v", "notes/broken.md", "notes/b.md")
    assert result.exit_code == 0
    assert result.stdout == "notes/broken.md: skipped, cannot be parsed (`vaulttool validate` says why)\n"
    assert result.stderr == "1 note checked, 1 skipped, 0 links: 0 errors, 0 warnings\n"


def test_select_and_ignore_apply_to_vt510(linked: Path) -> None:
    result = run("links", "--check", "--ignore", "VT510")
    assert (result.exit_code, result.stdout) == (0, "")


def test_json_output_validates(linked: Path) -> None:
    result = run("links", "--check", "--format", "json", "notes/a.md")
    document = json.loads(result.stdout)
    jsonschema.validate(document, json.loads(schema_path().read_text(encoding="utf-8")))
    assert document["command"] == "links" and document["exit_code"] == result.exit_code == 1
    assert document["summary"]["links"] == 33 and document["summary"]["errors"] == 13
    assert document["findings"][0] == {"path": "notes/a.md", "line": 3, "col": 11, "code": "VT510",
                                       "severity": "error", "message": "unresolved link [[Missing note]]"}


def test_github_output(linked: Path) -> None:
    result = run("links", "--format", "github", "notes/a.md")
    assert result.stdout.splitlines()[0] == "::error file=notes/a.md,line=3,col=11,title=VT510::unresolved link " \
                                            "[[Missing note]]"


def _entity_links(text: str) -> list[tuple[int, int, str]]:
    """(line, col, link) of each `[[…WD~…]]` link of the reference note, found by plain text search."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        start = line.find("[[")
        while start >= 0:
            end = line.index("]]", start) + 2
            if "WD~" in line[start:end]:
                found.append((number, start + 1, line[start:end]))
            start = line.find("[[", end)
    return found


def test_every_entity_link_of_the_reference_note_is_reported_at_its_place(example_vault: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_vault)
    note = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
    assert (example_vault / note).read_bytes() == REFERENCE_NOTE.read_bytes()
    entity = _entity_links(REFERENCE_NOTE.read_text(encoding="utf-8"))
    standards = [link for link in entity if "_Standards/WikiData/WD~" in link[2]]
    assert len(standards) == 18 and len(entity) == 19  # 18 frontmatter values, and the body's same_as field
    # The example vault has every entity note (`vaulttool entities`): every link resolves.
    assert (run("links", "--check", note).exit_code, run("links", "--check", ".").exit_code) == (0, 0)
    for made in (example_vault / "_Standards" / "WikiData").glob("*.md"):
        if made.name != "WD~Geneva,71.md":  # (made by hand)
            made.unlink()
    # Without those vaulttool made, the link to Geneva's resolves, each other one does not.
    result = run("links", "--check", note)
    assert result.exit_code == 1
    expected = [f"{note}:{line}:{col}: VT510 unresolved link {link}" for line, col, link in entity
                if link != "[[_Standards/WikiData/WD~Geneva,71]]"]
    assert result.stdout.splitlines() == expected and len(expected) == 18
    shutil.rmtree(example_vault / "_Standards" / "WikiData")
    result = run("links", "--check", note)
    assert result.stdout.splitlines() == [f"{note}:{line}:{col}: VT510 unresolved link {link}" for line, col, link in entity]
    assert result.stderr == "1 note checked, 27 links: 19 errors, 0 warnings\n"


# --- the cache (`.vaulttool/cache/links.json`) ------------------------------------------------------

@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stats of files written just now (the tests' files all are: see statcache.RACY_NS)."""
    from vaulttool.disk import statcache

    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def checked(root: Path, whole_vault: bool = True) -> tuple[int, int, list[str]]:
    """(notes read from the cache, links, each finding) of a links run over the whole vault."""
    from vaulttool.commands import links
    from vaulttool.disk import vault

    config = vault.open_vault(root)
    report = links.run(config, vault.discover(config, []), whole_vault=whole_vault)
    return report.cached, report.links, [finding.text().replace(f"{root}/", "") for finding in report.findings]


def test_a_warm_run_reads_no_note_and_finds_the_same(linked: Path, trusting: None) -> None:
    (linked / "notes" / "broken.md").write_text("---\nkey: [unclosed\n---\n[[nothere]]\n", encoding="utf-8")
    cold = checked(linked)
    warm = checked(linked)
    assert cold[0] == 0 and warm[0] == 5  # (not the note that does not parse: read again each run)
    assert warm[1:] == cold[1:] == checked(linked, whole_vault=False)[1:]  # (the last: no cache, few notes)
    assert "\n".join(cold[2]) + "\n" == EXPECTED


def test_a_warm_run_keeps_the_cache_for_the_next(linked: Path, trusting: None) -> None:
    checked(linked)
    checked(linked)
    assert checked(linked)[0] == 5


def test_a_file_added_or_removed_changes_what_the_kept_links_resolve_to(linked: Path, trusting: None) -> None:
    checked(linked)
    (linked / "notes" / "nowhere.md").write_text("", encoding="utf-8")  # ([[nowhere]] resolves now)
    (linked / "notes" / "sub" / "c.md").unlink()  # ([[sub/c]] and the others to c no longer do)
    cached, _, findings = checked(linked)
    assert cached == 4  # (a.md's links are kept: its own bytes did not change)
    assert "notes/a.md:5:22: VT510 unresolved link [[nowhere]]" not in findings
    assert "notes/a.md:18:63: VT510 unresolved link [[sub/c]]" in findings


def test_an_edited_note_is_read_again(linked: Path, trusting: None) -> None:
    checked(linked)
    note = linked / "notes" / "b.md"
    note.write_text("---\ntitle: B\n---\n[[gone too]]\n", encoding="utf-8")
    cached, _, findings = checked(linked)
    assert cached == 4 and "notes/b.md:4:1: VT510 unresolved link [[gone too]]" in findings


def test_a_note_changed_just_now_is_not_trusted(linked: Path) -> None:
    checked(linked)  # (every note was written in this second: too recent to be trusted next run)
    assert checked(linked)[0] == 0


@pytest.mark.parametrize("damage", ['{"key": 1}', "not json", '{"notes": {"notes/a.md": [1]}}'])
def test_a_damaged_cache_is_read_as_empty(linked: Path, trusting: None, damage: str) -> None:
    cold = checked(linked)
    cache = linked / ".vaulttool" / "cache" / "links.json"
    if damage.startswith('{"notes"'):
        kept = json.loads(cache.read_text(encoding="utf-8"))
        kept["notes"]["notes/a.md"][1] = [[1, 1, 5, "x"]]  # (a path that is no string)
        damage = json.dumps(kept)
    cache.write_text(damage, encoding="utf-8")
    assert checked(linked)[1:] == cold[1:]


def test_a_cache_that_cannot_be_written_is_a_notice(linked: Path, trusting: None) -> None:
    (linked / ".vaulttool" / "cache" / "links.json").mkdir(parents=True)  # (in the way of the file)
    result = run("links")
    assert result.stdout == EXPECTED
    assert result.stderr.startswith("vaulttool: the links cache was not written (")
    assert result.stderr.endswith("; the next run reads every note again\n5 notes checked, 33 links: 13 errors, "
                                  "0 warnings\n")
