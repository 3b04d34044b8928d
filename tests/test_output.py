"""The one output contract: suppressions (vaulttool.toml globs, a note's `vaulttool_ignore`, --select
and --ignore), --strict, --quiet and --verbose, exit codes of --dry-run, and the JSON document every
command prints, checked against the JSON Schema in the repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint
from wikidata_server import FakeWikidata

from vaulttool.cli import main
from vaulttool.cli.output import schema_path

HUB_CONFIG = '[validate.ignore]\n"_public/**/*hub*.md" = ["VT401"]\n'
LEAK = "See [[_secret/UN/IOM.secret]]\n"
OTHER_LEAK = "_public/UN/other.md:4:5: VT401 this public note links to a secret note: _secret/UN/IOM.secret"
TYPO = ("_public/UN/typo.md:2:19: VT308 vaulttool_ignore: 'VT041' is not a finding code or a prefix of one "
        "(such as VT401 or VT4); `vaulttool explain` lists them")
TYPO_LEAK = "_public/UN/typo.md:4:5: VT401 this public note links to a secret note: _secret/UN/IOM.secret"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def hubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four public notes that link to a secret one: a hub the config allows, one it does not, one
    that allows itself, and one whose own allowance is misspelt."""
    (tmp_path / "vaulttool.toml").write_text(HUB_CONFIG, encoding="utf-8")
    public = tmp_path / "_public" / "UN"
    public.mkdir(parents=True)
    (public / "hub.md").write_text(f"---\ntitle: Hub\n---\n{LEAK}", encoding="utf-8")
    (public / "other.md").write_text(f"---\ntitle: Other\n---\n{LEAK}", encoding="utf-8")
    (public / "own.md").write_text(f"---\nvaulttool_ignore: [VT401]\n---\n{LEAK}", encoding="utf-8")
    (public / "typo.md").write_text(f"---\nvaulttool_ignore: [VT041]\n---\n{LEAK}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- suppressions ----------------------------------------------------------------------------------

def test_a_glob_and_a_notes_own_key_suppress_and_are_counted(hubs: Path) -> None:
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [OTHER_LEAK, TYPO, TYPO_LEAK]
    assert result.stderr == "4 notes checked: 3 errors, 0 warnings (2 suppressed)\n"


def test_the_glob_matches_vault_paths_from_any_working_folder(hubs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(hubs / "_public")
    result = run("validate", "UN/hub.md")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 note checked: 0 errors, 0 warnings "
                                                                      "(1 suppressed)\n")


def test_without_the_suppressions_every_leak_is_reported(hubs: Path) -> None:
    (hubs / "vaulttool.toml").write_text("", encoding="utf-8")
    (hubs / "_public" / "UN" / "own.md").write_text(f"---\ntitle: Own\n---\n{LEAK}", encoding="utf-8")
    result = run("validate")
    assert result.stdout.count(": VT401 ") == 4
    assert result.stderr == "4 notes checked: 5 errors, 0 warnings\n"


def test_ignore_and_select_on_the_command_line(hubs: Path) -> None:
    ignored = run("validate", "--ignore", "VT4")
    assert (ignored.exit_code, ignored.stdout.splitlines()) == (1, [TYPO])
    assert ignored.stderr == "4 notes checked: 1 error, 0 warnings (4 suppressed)\n"
    selected = run("validate", "--select", "vt308,VT307")
    assert selected.stdout.splitlines() == [TYPO]
    nothing = run("validate", "--ignore", "VT308", "--ignore", "VT401")
    assert (nothing.exit_code, nothing.stdout) == (0, "")
    assert nothing.stderr == "4 notes checked: 0 errors, 0 warnings (5 suppressed)\n"


def test_an_unknown_code_is_a_usage_error(hubs: Path) -> None:
    result = run("validate", "--ignore", "VT999")
    assert result.exit_code == 2
    assert "'VT999' is not a finding code or a prefix of one" in result.stderr


def test_an_unknown_code_in_the_config_names_its_line(hubs: Path) -> None:
    (hubs / "vaulttool.toml").write_text('[validate]\nstrict = false\n\n[validate.ignore]\n"**" = ["VT4", "X1"]\n',
                                         encoding="utf-8")
    result = run("validate")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"vaulttool: {hubs / 'vaulttool.toml'}:5: validate.ignore.** 'X1' is not a "
                                    "finding code")


@pytest.mark.parametrize("value", ["VT401", "[VT401, 7]", "{VT401: 1}"])
def test_a_key_that_is_no_list_of_codes_is_vt308_and_hides_nothing(hubs: Path, value: str) -> None:
    own = hubs / "_public" / "UN" / "own.md"
    own.write_text(f"---\nvaulttool_ignore: {value}\n---\n{LEAK}", encoding="utf-8")
    result = run("validate", "_public/UN/own.md")
    lines = result.stdout.splitlines()
    if value == "VT401":  # a single code, not in a list, is taken as one
        assert lines == []
    else:
        assert [line.split(" ")[1] for line in lines] == ["VT308", "VT401"]


def test_a_write_failure_is_never_suppressed(hubs: Path) -> None:
    from vaulttool.findings import Finding
    from vaulttool.rules.suppress import Suppressions

    suppress_all = Suppressions((("**", ("VT",)),), select=("VT2",), ignore=("VT4",))
    kept, hidden = suppress_all.apply([Finding("a.md", 1, 1, "VT417", "not written"),
                                       Finding("a.md", 1, 1, "VT111", "read-only"),
                                       Finding("a.md", 1, 1, "VT401", "leak")], {}, lambda path: path)
    assert ([f.code for f in kept], hidden) == (["VT417", "VT111"], 1)


def test_check_and_tiers_honour_the_suppressions(hubs: Path) -> None:
    check = run("check", "_public/UN/hub.md", "_public/UN/own.md")
    assert (check.exit_code, check.stdout, check.stderr) == (0, "", "2 notes checked: 0 errors, 0 warnings "
                                                                    "(2 suppressed)\n")


# --- strict, quiet, verbose -----------------------------------------------------------------------

@pytest.fixture
def warned(example_vault: Path) -> Path:
    """The example vault with one note holding a value with a trailing space (VT203, a warning)."""
    (example_vault / "misc").mkdir()
    (example_vault / "misc" / "warned.md").write_bytes(b'---\nofficial_name: "IOM "\n---\n')
    return example_vault


def test_a_warning_is_marked_and_fails_only_with_strict(warned: Path) -> None:
    plain = run("check", str(warned))
    assert plain.exit_code == 0
    assert plain.stdout == (f"{warned.as_posix()}/misc/warned.md:2:16: VT203 warning: value 'IOM ' has leading or "
                            "trailing whitespace\n")
    assert run("check", "--strict", str(warned)).exit_code == 1


def test_check_and_sync_honour_strict_in_the_config(warned: Path) -> None:
    config = warned / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("strict = false", "strict = true"), encoding="utf-8")
    assert run("check", str(warned)).exit_code == 1
    synced = run("sync", "--offline", "--dry-run", str(warned))
    assert synced.exit_code == 1 and synced.stderr.endswith("; findings\n")
    assert run("sync", "--offline", "--dry-run", "--no-strict", str(warned)).exit_code == 0


def test_quiet_prints_errors_only_and_verbose_each_file_written(warned: Path, tmp_path: Path) -> None:
    broken = warned / "misc" / "broken.md"
    broken.write_bytes(b"---\nkey: [[X]]\n---\n")
    shown = run("validate", str(warned / "misc"))
    assert [line.split(" ")[1] for line in shown.stdout.splitlines()] == ["VT307", "VT201", "VT203"]
    quiet = run("validate", "--quiet", str(warned / "misc"))
    assert quiet.exit_code == 1
    assert [line.split(" ")[1] for line in quiet.stdout.splitlines()] == ["VT201"]
    assert quiet.stderr == ""
    verbose = run("validate", "--fix", "--verbose", str(broken))
    assert f"wrote {broken.as_posix()}" in verbose.stdout.splitlines()
    assert run("validate", "--quiet", "--verbose", str(warned)).exit_code == 2


# --- --dry-run exits as the run would --------------------------------------------------------------

def test_dry_run_exit_codes(example_vault: Path) -> None:
    shutil.rmtree(example_vault / "_public")
    before = fingerprint(example_vault)
    assert run("tiers", "--dry-run", "--fail-on-change", str(example_vault)).exit_code == 1
    assert run("tiers", "--dry-run", str(example_vault)).exit_code == 0
    assert run("sync", "--offline", "--dry-run", str(example_vault)).exit_code == 3
    note = example_vault / "_Standards" / "broken.md"
    note.write_bytes(b"---\nkey: [[X]]\n---\n")
    before = fingerprint(example_vault)
    assert run("validate", "--fix", "--dry-run", str(note)).exit_code == 1
    assert fingerprint(example_vault) == before


# --- sync says each finding once, with the single commands' counts ---------------------------------

def test_sync_reports_each_finding_once_with_refreshs_counts(example_vault: Path) -> None:
    broken = example_vault / "_Standards" / "broken.md"
    broken.write_bytes(b"---\nhas_id_wikidata: Q1\nkey: [unclosed\n---\n")
    synced = run("sync", "--offline", "--format", "json", str(example_vault))
    refreshed = run("refresh", "--offline", "--dry-run", "--format", "json", str(example_vault))
    document, alone = json.loads(synced.stdout), json.loads(refreshed.stdout)
    codes = [(f["path"], f["code"]) for f in document["findings"]]
    assert codes.count((broken.as_posix(), "VT103")) == 1
    sync_refresh = document["summary"]["refresh"]
    assert {key: sync_refresh[key] for key in ("checked", "changed", "failed", "skipped", "requests")} == \
        {key: alone["summary"][key] for key in ("checked", "changed", "failed", "skipped", "requests")}
    assert sync_refresh["skipped"] == 1
    assert document["exit_code"] == synced.exit_code == 1


# --- one JSON document, one shape, for every command ------------------------------------------------

SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))


def json_of(result: Result, command: str) -> dict:
    document = json.loads(result.stdout)  # the whole of standard output: one document, nothing else
    jsonschema.validate(document, SCHEMA)
    assert document["command"] == command and document["exit_code"] == result.exit_code
    return document


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_commands_json_validates(example_vault: Path, tmp_path: Path, wikidata: FakeWikidata) -> None:
    vault = str(example_vault)
    shutil.rmtree(example_vault / "_public")
    broken = example_vault / "_Standards" / "broken.md"
    broken.write_bytes(b"---\nkey: [[X]]\nsome: ' padded'\n---\n")
    runs = {
        "validate": [["validate", vault], ["validate", "--fix", "--dry-run", str(broken)]],
        "roundtrip": [["roundtrip", vault]],
        "check": [["check", vault]],
        "tiers": [["tiers", "--check", vault], ["tiers", "--dry-run", vault]],
        "refresh": [["refresh", "--offline", "--dry-run", vault]],
        "entities": [["entities", "--offline", "--dry-run", vault], ["entities", "--offline", vault]],
        "sync": [["sync", "--offline", "--dry-run", vault], ["sync", "--offline", vault]],
        "mv": [["mv", "--dry-run", f"{vault}/_Standards/UN(United_Nations)/UN(United_Nations).md",
                f"{vault}/_Standards/UN(United_Nations)/UNO.md"]],
        "links": [["links", vault], ["links", "--check", vault]],
    }
    seen: dict[str, list[int]] = {}
    for command, argument_lists in runs.items():
        for arguments in argument_lists:
            document = json_of(run(*arguments[:1], "--format", "json", *arguments[1:]), command)
            seen.setdefault(command, []).append(document["exit_code"])
    assert seen == {"validate": [1, 1], "roundtrip": [0], "check": [1], "tiers": [1, 1], "refresh": [0],
                    "entities": [0, 0], "sync": [1, 1], "mv": [0], "links": [0, 0]}
    fixed = json_of(run("validate", "--fix", "--format", "json", str(broken)), "validate")
    assert [f["code"] for f in fixed["fixed"]] == ["VT201", "VT203"]
    assert fixed["files"] == [{"path": broken.as_posix(), "action": "update", "written": True}]
    broken.unlink()
    synced = json_of(run("sync", "--offline", "--format", "json", vault), "sync")
    assert synced["summary"]["status"] == "clean" and synced["files"] == []
    folder = tmp_path / "fresh"
    folder.mkdir()
    made = json_of(run("init", "--format", "json", str(folder)), "init")
    assert made["files"] == [{"path": "vaulttool.toml", "action": "create", "written": True}]
    explained = json_of(run("explain", "--format", "json", "vt401"), "explain")
    assert [(c["code"], c["severity"]) for c in explained["codes"]] == [("VT401", "error")]
    assert len(json_of(run("explain", "--format", "json"), "explain")["codes"]) > 30
    (example_vault / "_Standards" / "UN(United_Nations)" / "IOM(International_Organization_for_Migration).md").unlink()
    created = json_of(run("--root", vault, "new", "Q472311", "--format", "json", "--dry-run"), "new")
    assert [(f["action"], f["written"]) for f in created["files"]] == [("create", False)] * 7


def test_plurals_and_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    (tmp_path / "_public").mkdir()
    (tmp_path / "_public" / "a.md").write_text("---\ntitle: A\n---\nSee [[_internal/UN/IOM.internal]]\n",
                                              encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    one = run("validate")
    assert one.stdout == ("_public/a.md:4:5: VT401 this public note links to an internal note: "
                          "_internal/UN/IOM.internal\n")
    assert one.stderr == "1 note checked: 1 error, 0 warnings\n"
    (tmp_path / "_public" / "b.md").write_text("---\ntitle: B\n---\n", encoding="utf-8")
    two = run("tiers", "--dry-run")
    assert two.stderr == "2 notes checked: would write 0 files; 0 errors, 0 warnings\n"


# --- what a suppression can never hide, and --quiet's promise ---------------------------------------

NESTED = "---\naliases: [X]\nvaulttool_ignore: [VT201]\nseealso: [[Y]]\n---\n"


def test_a_suppressed_finding_never_hides_the_work_it_stopped(example_vault: Path) -> None:
    note = example_vault / "_Standards" / "UN(United_Nations)" / "New.md"
    note.write_text(NESTED, encoding="utf-8")
    refusal = (f"{note.as_posix()}:4:10: VT201 unquoted wikilink [[Y]] reads as a nested list; quote it: \"[[Y]]\"; "
               "no tier stubs or links section written")
    for arguments in (["check", str(note)], ["tiers", "--check", str(note)], ["sync", "--offline", "--dry-run",
                                                                            str(example_vault)]):
        result = run(*arguments)
        assert refusal in result.stdout.splitlines(), arguments
        assert result.exit_code == 1, arguments
    assert run("validate", str(note)).exit_code == 0  # what validate says of the note alone is suppressed


def test_quiet_still_says_why_the_run_fails(warned: Path, example_vault: Path) -> None:
    strict = run("check", "--quiet", "--strict", str(warned / "misc"))
    assert strict.exit_code == 1 and ": VT203 warning: " in strict.stdout
    note = example_vault / "_Standards" / "UN(United_Nations)" / "IOM(International_Organization_for_Migration).md"
    note.write_bytes(note.read_bytes().replace(b"social_media_followers: 49000", b"social_media_followers: 1"))
    drift = run("refresh", "--offline", "--check", "--quiet", str(example_vault))
    assert drift.exit_code == 1
    assert drift.stdout == f"{note.as_posix()}: would change: social_media_followers\n"
    assert drift.stderr == ""
    assert run("explain", "--quiet", "VT204").stdout.startswith("VT204 (error): ")


def test_tiers_honours_a_standard_notes_own_key(example_vault: Path) -> None:
    note = example_vault / "_Standards" / "UN(United_Nations)" / "New.md"
    note.write_text("---\naliases: [New]\nvaulttool_ignore: [VT411, VT412]\n---\n", encoding="utf-8")
    result = run("tiers", "--check", str(note))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "1 note checked: 0 errors, 0 warnings (7 suppressed)\n"


def test_of_two_vaulttool_ignore_keys_the_last_holds(hubs: Path) -> None:
    own = hubs / "_public" / "UN" / "own.md"
    own.write_text(f"---\nvaulttool_ignore: [VT401]\nvaulttool_ignore: [VT105]\n---\n{LEAK}", encoding="utf-8")
    codes = [line.split(" ")[1] for line in run("validate", "_public/UN/own.md").stdout.splitlines()]
    assert codes == ["VT401"]  # VT105 (the duplicate key) hidden by the second; VT401 not, as YAML keeps the last


def test_sync_dry_run_shows_the_tier_files_it_would_write(example_vault: Path) -> None:
    stub = example_vault / "_secret" / "UN(United_Nations)" / "IOM(International_Organization_for_Migration).secret.md"
    stub.unlink()
    result = run("sync", "--offline", "--dry-run", str(example_vault))
    assert result.exit_code == 3
    assert f"+++ b/{stub.relative_to(example_vault).as_posix()}" in result.stdout.splitlines()


def test_a_run_stopped_by_an_error_still_prints_its_json(hubs: Path) -> None:
    (hubs / "vaulttool.toml").write_text('[validate.ignore]\n"**" = ["VTX"]\n', encoding="utf-8")
    result = run("validate", "--format", "json")
    document = json_of(result, "validate")
    assert result.exit_code == 2 and "'VTX' is not a finding code" in document["error"]
    assert "vaulttool: " in result.stderr


def test_vt204_in_a_key_declared_a_number_says_what_to_do_and_is_not_fixed(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "vaulttool.toml").write_text('[schema.fields]\ncount = { type = "integer" }\n'
                                             'isni = { type = "external_id" }\n', encoding="utf-8")
    note = tmp_path / "a.md"
    note.write_bytes(b"---\nisni: 0000000121464380\ncount: 9007199254740993\n---\n")
    monkeypatch.chdir(tmp_path)
    result = run("validate", "--fix")
    assert result.stdout.splitlines() == [
        'a.md:2:7: VT202 fixed: quoted 0000000121464380 as "0000000121464380"',
        "a.md:3:8: VT204 9007199254740993 is beyond 2^53 - 1, which Obsidian cannot hold exactly, and count is "
        "declared integer in [schema.fields]: no number this large survives; declare the key text and quote the value",
    ]
    assert note.read_bytes() == b'---\nisni: "0000000121464380"\ncount: 9007199254740993\n---\n'
