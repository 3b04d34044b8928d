"""The baseline (`vaulttool baseline`, vaulttool-baseline.json): a vault that already has findings
accepts them, and `check`, `validate` and the hooks fail only on new ones; matching by path, code and
the offending line's text, through the command line, and through real pre-commit in a real git
repository."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from test_faults import vaulttool
from test_hooks import CONFIG, commit, environment, git, repo  # noqa: F401  (repo: the fixture)
from test_output import SCHEMA

from vaulttool.cli import main
from vaulttool.commands.baseline import keyed
from vaulttool.findings import Finding
from vaulttool.rules.baseline import Key, baselinable, dump, fingerprint, line_text, match, merged, parse

GENEVA = "_Standards/WikiData/WD~Geneva,71.md"
SWITZERLAND = "_Standards/WikiData/WD~Switzerland,39.md"
NEW_YORK = "_Standards/WikiData/WD~New_York_City,60.md"
IOM = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"

# What `check` finds in the troubled vault (see `troubled`): six findings in three notes.
TODAY = [
    f"{GENEVA}:6:25: VT302 social_media_followers: expected integer, got text 'many'",
    f"{GENEVA}:6:25: VT306 property 'social_media_followers' is declared number in .obsidian/types.json, but text here",
    f"{NEW_YORK}:5:1: VT307 warning: key 'links' is not in the schema",
    f'{NEW_YORK}:6:5: VT201 unquoted wikilink [[a]] reads as a nested list; quote it: "[[a]]"',
    f'{NEW_YORK}:7:5: VT201 unquoted wikilink [[a]] reads as a nested list; quote it: "[[a]]"',
    f"{SWITZERLAND}:1:1: VT305 required key 'aliases' is missing",
]
# What `check` finds once `inception: soon` is added to Geneva, after its key.
NEW = [f"{GENEVA}:7:12: VT302 inception: expected datetime, got text 'soon'",
       f"{GENEVA}:7:12: VT306 property 'inception' is declared datetime in .obsidian/types.json, but text here"]
ACCEPTED = "49 notes checked: 0 errors, 0 warnings (6 baselined)\n"
SHRINK = "vaulttool: {} no longer {}: run `vaulttool baseline` to shrink vaulttool-baseline.json\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def edit(vault: Path, path: str, old: str, new: str) -> None:
    note = vault / path
    text = note.read_text(encoding="utf-8")
    assert old in text
    note.write_text(text.replace(old, new, 1), encoding="utf-8")


def break_notes(vault: Path) -> None:
    """Findings no fixer fixes, as a vault adopting vaulttool has them: a value of the wrong type
    (VT302, VT306), a required key missing (VT305), a key not in the schema (a warning, VT307) and two
    alike unquoted wikilinks on lines of the same text (VT201)."""
    edit(vault, GENEVA, "description: city", "social_media_followers: many\ndescription: city")
    edit(vault, SWITZERLAND, "aliases:\n  - Switzerland\n  - Swiss Confederation\n", "")
    (vault / NEW_YORK).write_text("---\naliases:\n  - New York City\nhas_id_wikidata: Q60\nlinks:\n  - [[a]]\n"
                                  "  - [[a]]\n---\n", encoding="utf-8")


@pytest.fixture
def troubled(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    break_notes(example_vault)
    monkeypatch.chdir(example_vault)
    return example_vault


@pytest.fixture
def baselined(troubled: Path) -> Path:
    result = run("baseline")
    assert (result.exit_code, result.stdout) == (0, "created vaulttool-baseline.json: 6 findings in 3 notes\n")
    return troubled


# --- the pure core -----------------------------------------------------------------------------------

def test_a_fingerprint_is_the_code_and_the_lines_text_not_its_place() -> None:
    data = b"\xef\xbb\xbf---\r\n  key: [[x]]  \r\n---\r\n"
    assert [line_text(data, line) for line in (0, 1, 2, 3, 4, 5)] == ["", "---", "key: [[x]]", "---", "", ""]
    assert line_text(b"---\nname: Gen\xe8ve\n", 2) == "name: Gen\ufffdve"  # (a note that is not UTF-8: VT101)
    moved = fingerprint("VT201", line_text(b"---\na: 1\nkey: [[x]]\n", 3))
    assert moved == fingerprint("VT201", line_text(data, 2)) != fingerprint("VT202", line_text(data, 2))
    assert len(moved) == 16 and set(moved) <= set("0123456789abcdef")


def finding(line: int, code: str = "VT201", path: str = "a.md") -> Finding:
    return Finding(path, line, 5, code, "unquoted wikilink")


def test_each_entry_accepts_as_many_findings_as_its_count() -> None:
    key = Key("a.md", "VT201", "f1")
    keyed = [(finding(8), key), (finding(6), key), (finding(7), key), (finding(9, path="outside.md"), None)]
    matched = match(keyed, Counter({key: 2}), judged=lambda entry: True)
    assert [f.line for f in matched.baselined] == [6, 7]  # the first ones, in the note's order
    assert [f.line for f in matched.reported] == [8, 9]
    assert matched.unused == 0


def test_only_the_entries_a_run_judges_count_as_no_longer_occurring() -> None:
    gone, elsewhere = Key("a.md", "VT305", "f2"), Key("b.md", "VT305", "f3")
    baseline = Counter({gone: 2, elsewhere: 1, Key("a.md", "VT201", "f1"): 1})
    matched = match([(finding(6), Key("a.md", "VT201", "f1"))], baseline, judged=lambda entry: entry.path == "a.md")
    assert (matched.reported, matched.unused) == ([], 2)


def test_findings_about_the_run_are_never_baselined() -> None:
    assert baselinable(finding(1, "VT305"))
    assert not baselinable(finding(1, "VT120"))  # a vaulttool bug
    assert not baselinable(finding(1, "VT417"))  # a file not written
    assert not baselinable(finding(1, "VT201").then("no tier stubs or links section written"))


def test_the_file_is_one_sorted_entry_a_line_and_reads_back() -> None:
    entries = Counter({Key("b.md", "VT201", "00ff"): 2, Key("a.md", "VT305", "11ee"): 1,
                       Key("Genève/\udce8.md", "VT101", "22dd"): 1, Key("gone.md", "VT302", "33cc"): 0})
    text = dump(entries)
    assert text == (
        '{\n "vaulttool_baseline": 1,\n "entries": [\n'
        '  {"path": "Gen\\u00e8ve/\\udce8.md", "code": "VT101", "fingerprint": "22dd"},\n'  # (not UTF-8: escaped)
        '  {"path": "a.md", "code": "VT305", "fingerprint": "11ee"},\n'
        '  {"path": "b.md", "code": "VT201", "fingerprint": "00ff", "count": 2}\n ]\n}\n')
    assert parse(text) == +entries
    assert dump(Counter()) == '{\n "vaulttool_baseline": 1,\n "entries": []\n}\n'
    assert '"path": "Genève/x.md"' in dump(Counter({Key("Genève/x.md", "VT101", "22dd"): 1}))
    old = Counter({Key("a.md", "VT305", "11ee"): 1, Key("b.md", "VT201", "00ff"): 2})
    assert merged(old, Counter({Key("b.md", "VT202", "44bb"): 1}), lambda path: path == "b.md") == \
        Counter({Key("a.md", "VT305", "11ee"): 1, Key("b.md", "VT202", "44bb"): 1})


def test_a_finding_on_what_cannot_be_read_as_a_note_is_keyed_by_an_empty_line(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()  # (VT110 names a folder it could not read)
    (tmp_path / "note.md").write_bytes(b"---\nkey: [[x]]\n---\n")
    findings = [Finding("folder", 1, 1, "VT110", "cannot read the folder"), Finding("gone.md", 1, 1, "VT110", "gone"),
                Finding("note.md", 2, 6, "VT201", "unquoted wikilink"), Finding("note.md", 2, 6, "VT120", "a bug")]
    assert keyed(findings, tmp_path, lambda path: path) == [
        (findings[0], Key("folder", "VT110", fingerprint("VT110", "", "cannot read the folder"))),
        (findings[1], Key("gone.md", "VT110", fingerprint("VT110", "", "gone"))),
        (findings[2], Key("note.md", "VT201", fingerprint("VT201", "key: [[x]]"))), (findings[3], None)]


@pytest.mark.parametrize(("text", "reason"), [
    ("<<<<<<< HEAD\n{}\n", "not JSON (line 1, column 1: Expecting value)"),
    ('{"vaulttool_baseline": 1, "entries": ' + "[" * 200_000 + "]" * 200_000 + "}", "nested too deep to be a baseline"),
    ('{"entries": []}', 'not a vaulttool baseline of format 1 (no "vaulttool_baseline": 1)'),
    ('{"vaulttool_baseline": 1}', '"entries" is not a list'),
    ('{"vaulttool_baseline": 1, "entries": [{"path": "a.md", "code": "VT201"}]}',
     "entry 1 is not an object with path, code and fingerprint"),
    ('{"vaulttool_baseline": 1, "entries": [{"path": "a.md", "code": "VT201", "fingerprint": "f", "count": 0}]}',
     "entry 1: count is not a whole number of at least 1"),
])
def test_a_file_that_is_no_baseline_says_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse(text)
    assert str(raised.value) == reason


# --- through the command line ------------------------------------------------------------------------

def test_check_and_validate_fail_on_todays_findings_until_they_are_baselined(troubled: Path) -> None:
    before = run("check")
    assert (before.exit_code, before.stdout.splitlines()) == (1, TODAY)
    assert before.stderr == "49 notes checked: 5 errors, 1 warning\n"
    assert not (troubled / "vaulttool-baseline.json").exists()
    made = run("baseline")
    assert (made.exit_code, made.stdout, made.stderr) == (
        0, "created vaulttool-baseline.json: 6 findings in 3 notes\n", ACCEPTED)
    entries = json.loads((troubled / "vaulttool-baseline.json").read_text(encoding="utf-8"))["entries"]
    assert [(entry["path"], entry["code"], entry.get("count", 1)) for entry in entries] == [
        (GENEVA, "VT302", 1), (GENEVA, "VT306", 1), (NEW_YORK, "VT201", 2), (NEW_YORK, "VT307", 1),
        (SWITZERLAND, "VT305", 1)]
    for command in ("check", "validate"):
        after = run(command)
        assert (after.exit_code, after.stdout, after.stderr) == (0, "", ACCEPTED), command
    strict = run("check", "--strict")  # the accepted warning fails no strict run either
    assert (strict.exit_code, strict.stdout) == (0, "")
    again = run("baseline")
    assert (again.exit_code, again.stdout) == (0, "vaulttool-baseline.json unchanged: 6 findings in 3 notes\n")


def test_a_new_finding_fails_and_only_it_is_printed(baselined: Path) -> None:
    edit(baselined, GENEVA, "description: city", "inception: soon\ndescription: city")
    for command in ("check", "validate"):
        result = run(command, GENEVA)
        assert (result.exit_code, result.stdout.splitlines()) == (1, NEW), command
        assert result.stderr == "1 note checked: 2 errors, 0 warnings (2 baselined)\n"


def test_a_finding_that_moves_with_its_line_stays_baselined(baselined: Path) -> None:
    edit(baselined, GENEVA, "---\n", "---\nofficial_name: Genève\nshort_name: GE\n")
    moved = run("check", "--format", "json", GENEVA)
    assert moved.exit_code == 0
    assert [(f["line"], f["code"], f.get("baselined")) for f in json.loads(moved.stdout)["findings"]] == [
        (8, "VT302", True), (8, "VT306", True)]


def test_a_third_finding_alike_is_new(baselined: Path) -> None:
    edit(baselined, NEW_YORK, "  - [[a]]\n---", "  - [[a]]\n  - [[a]]\n---")
    result = run("check", NEW_YORK)
    assert (result.exit_code, result.stdout) == (
        1, f'{NEW_YORK}:8:5: VT201 unquoted wikilink [[a]] reads as a nested list; quote it: "[[a]]"\n')
    assert result.stderr == "1 note checked: 1 error, 0 warnings (3 baselined)\n"


def test_entries_no_longer_occurring_are_reported_until_the_file_shrinks(baselined: Path) -> None:
    edit(baselined, SWITZERLAND, "---\n", "---\naliases:\n  - Switzerland\n")
    result = run("check")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "49 notes checked: 0 errors, 0 warnings (5 baselined)\n" + \
        SHRINK.format("1 baseline entry", "occurs")
    shrunk = run("baseline")
    assert (shrunk.exit_code, shrunk.stdout) == (0, "updated vaulttool-baseline.json: 5 findings in 2 notes (was 6)\n")
    assert run("check").stderr == "49 notes checked: 0 errors, 0 warnings (5 baselined)\n"
    edit(baselined, NEW_YORK, "  - [[a]]\n  - [[a]]\n", "")  # (the key stays: a VT307 warning still)
    assert run("validate").stderr == "49 notes checked: 0 errors, 0 warnings (3 baselined)\n" + \
        SHRINK.format("2 baseline entries", "occur")


def test_a_run_judges_only_the_entries_of_the_notes_and_codes_it_checks(baselined: Path) -> None:
    edit(baselined, SWITZERLAND, "---\n", "---\naliases:\n  - Switzerland\n")
    gone = SHRINK.format("1 baseline entry", "occurs")
    assert run("check", GENEVA).stderr == "1 note checked: 0 errors, 0 warnings (2 baselined)\n"  # (a hook's run)
    assert run("check", SWITZERLAND).stderr == "1 note checked: 0 errors, 0 warnings\n" + gone
    assert run("check", "_Standards/WikiData").stderr.endswith(gone)
    assert run("check", "--select", "VT2").stderr == \
        "49 notes checked: 0 errors, 0 warnings (3 suppressed, 2 baselined)\n"
    assert run("check", "--ignore", "VT305").stderr == "49 notes checked: 0 errors, 0 warnings (5 baselined)\n"
    assert run("check", "--select", "VT3").stderr.endswith(gone)
    # A tier finding is `check`'s, not `validate`'s: validate neither reports it nor calls its entry gone.
    (baselined / "_public" / "UN(United_Nations)" / "IOM(International_Organization_for_Migration).public.md").unlink()
    assert run("baseline").stdout == "updated vaulttool-baseline.json: 6 findings in 3 notes (was 6)\n"
    assert run("validate").stderr == "48 notes checked: 0 errors, 0 warnings (5 baselined)\n"
    assert run("check").stderr == "48 notes checked: 0 errors, 0 warnings (6 baselined)\n"


def test_baseline_over_paths_rewrites_only_their_entries(baselined: Path) -> None:
    edit(baselined, GENEVA, "social_media_followers: many\n", "")
    edit(baselined, NEW_YORK, "  - [[a]]\n  - [[a]]\n", "  - [[b]]\n")
    result = run("baseline", GENEVA)
    assert (result.exit_code, result.stdout) == (0, "updated vaulttool-baseline.json: 4 findings in 2 notes (was 6)\n")
    assert result.stderr == "1 note checked: 0 errors, 0 warnings\n"
    assert run("check", NEW_YORK).stdout == \
        f'{NEW_YORK}:6:5: VT201 unquoted wikilink [[b]] reads as a nested list; quote it: "[[b]]"\n'


def test_suppressed_findings_are_not_recorded(troubled: Path) -> None:
    with (troubled / "vaulttool.toml").open("a", encoding="utf-8") as config:
        config.write('\n[validate.ignore]\n"_Standards/WikiData/WD~Switzerland*" = ["VT305"]\n')
    assert run("baseline").stdout == "created vaulttool-baseline.json: 5 findings in 2 notes\n"
    assert run("check").stderr == "49 notes checked: 0 errors, 0 warnings (1 suppressed, 5 baselined)\n"


def test_a_vault_without_findings_gets_no_file(example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_vault)
    result = run("baseline")
    assert (result.exit_code, result.stdout) == (0, "no findings: vaulttool-baseline.json not written\n")
    assert not (example_vault / "vaulttool-baseline.json").exists()
    assert run("check").stderr == "49 notes checked: 0 errors, 0 warnings\n"


def test_json_marks_the_baselined_findings_and_counts_them(baselined: Path) -> None:
    edit(baselined, SWITZERLAND, "---\n", "---\naliases:\n  - Switzerland\ninception: soon\n")
    result = run("check", "--format", "json")
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert (result.exit_code, document["exit_code"]) == (1, 1)
    assert [(f["path"], f["line"], f["code"], f.get("baselined", False)) for f in document["findings"]] == [
        (GENEVA, 6, "VT302", True), (GENEVA, 6, "VT306", True), (NEW_YORK, 5, "VT307", True),
        (NEW_YORK, 6, "VT201", True), (NEW_YORK, 7, "VT201", True), (SWITZERLAND, 4, "VT302", False),
        (SWITZERLAND, 4, "VT306", False)]
    assert document["summary"] == {"notes": 49, "files": 0, "errors": 2, "warnings": 0, "suppressed": 0,
                                   "baselined": 5, "baseline_unused": 1}
    made = run("baseline", "--format", "json")
    document = json.loads(made.stdout)
    jsonschema.validate(document, SCHEMA)
    assert (document["command"], document["exit_code"], document["files"]) == (
        "baseline", 0, [{"path": "vaulttool-baseline.json", "action": "update", "written": True}])
    assert all(f["baselined"] for f in document["findings"]) and len(document["findings"]) == 7
    assert (document["summary"]["baselined"], document["summary"]["entries"]) == (7, 7)


@pytest.mark.parametrize("text", ["<<<<<<< HEAD\n", '{"entries": []}\n'])
def test_a_broken_file_stops_the_run_with_a_clear_error_and_baseline_writes_it_again(baselined: Path,
                                                                                      text: str) -> None:
    (baselined / "vaulttool-baseline.json").write_text(text, encoding="utf-8")
    result = run("check")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("vaulttool: vaulttool-baseline.json: not ")
    assert result.stderr.endswith("; mend it, or run `vaulttool baseline` to write it again from today's findings\n")
    assert json.loads(run("validate", "--format", "json").stdout)["exit_code"] == 2
    assert run("baseline", GENEVA).exit_code == 2  # (it would keep the other notes' entries: it cannot read them)
    remade = run("baseline")
    assert (remade.exit_code, remade.stdout) == (0, "updated vaulttool-baseline.json: 6 findings in 3 notes\n")
    assert run("check").stderr == ACCEPTED


# --- through real pre-commit in a real git repository ------------------------------------------------

def test_through_pre_commit_a_troubled_vault_commits_after_baseline_and_fails_on_a_new_finding(repo: Path) -> None:  # noqa: F811
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == CONFIG  # vaulttool-tiers and -check
    break_notes(repo)
    git(repo, "add", "-A")
    assert git(repo, "commit", "--no-verify", "-m", "the vault as it was").returncode == 0
    edit(repo, GENEVA, "# Geneva\n", "# Geneva\n\nA city on the lake.\n")  # any edit to a troubled note
    blocked = commit(repo, "describe Geneva")
    assert blocked.returncode != 0
    assert TODAY[0] in blocked.stdout + blocked.stderr

    made = vaulttool("baseline", cwd=repo, env=environment(repo))
    assert (made.returncode, made.stdout) == (0, "created vaulttool-baseline.json: 6 findings in 3 notes\n")
    passed = commit(repo, "describe Geneva; accept the vault's findings")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(repo, "show", "--name-only", "--format=", "HEAD").stdout.split() == [GENEVA, "vaulttool-baseline.json"]

    edit(repo, GENEVA, "description: city", "inception: soon\ndescription: city")
    failed = commit(repo, "a new finding")
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    assert "".join(line + "\n" for line in NEW) + "1 note checked: 2 errors, 0 warnings (2 baselined)\n" in output
    assert TODAY[0] not in output
    assert "accept the vault's findings" in git(repo, "log", "-1", "--format=%s").stdout


def test_the_tiers_hooks_accept_an_orphaned_stub_the_baseline_holds(example_vault: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_vault)
    orphan = example_vault / "_public" / "Gone" / "Gone.public.md"
    orphan.parent.mkdir()
    orphan.write_text("---\ntier: public\nsource: \"[[_Standards/Gone/Gone]]\"\n---\n\nA stub left behind.\n",
                      encoding="utf-8")
    line = "_public/Gone/Gone.public.md:1:1: VT413 orphaned public note: its standard note _Standards/Gone/Gone.md does not exist"
    for command in (["tiers", "--check"], ["tiers-complete"]):
        result = run(*command)
        assert result.exit_code == 1 and line in result.stdout, command
    assert run("baseline").exit_code == 0
    for command in (["tiers", "--check"], ["tiers-complete"], ["tiers", "--fail-on-change"], ["check"]):
        result = run(*command)
        assert result.exit_code == 0, (command, result.output)
        assert "VT413" not in result.stdout, command
        assert "(1 baselined)" in result.output or command != ["check"], command  # (the others are silent when clean)


def test_a_note_level_finding_is_told_apart_by_what_it_is_about(example_vault: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings about a whole note stand at its first line (`---`): a missing private stub is not the
    missing secret stub the baseline accepted."""
    monkeypatch.chdir(example_vault)
    note = "_Standards/UN(United_Nations)/UN(United_Nations).md"
    secret, private = (example_vault / f"_{tier}/UN(United_Nations)/UN(United_Nations).{tier}.md"
                       for tier in ("secret", "private"))
    kept = secret.read_bytes()
    secret.unlink()
    assert run("baseline").exit_code == 0
    secret.write_bytes(kept)
    private.unlink()
    result = run("check", note)
    assert result.exit_code == 1
    assert result.stdout == (f"{note}:1:1: VT411 missing tier stub _private/UN(United_Nations)/"
                             "UN(United_Nations).private.md\n")
