"""Issue 27's smaller items, each as a user meets it: `init` inside a vault, VT302's value, `type = "any"`
and VT306, the tiers planning bar's ETA, `--help`'s summaries, a `--qid` naming no note, an offline
sync's failed notes said once with a count."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_faults import generate  # (the benchmarks' vault of reference-shaped notes)
from test_progress import bars, pty_only, run_vaulttool

from vaulttool.cli import main


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- init inside another vault ------------------------------------------------------------------


def test_init_refuses_a_folder_inside_a_vault(tmp_path: Path) -> None:
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    inner = tmp_path / "Projects" / "Notes"
    inner.mkdir(parents=True)
    result = run("init", str(inner))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"vaulttool: {inner}: is inside the vault at {tmp_path}; a vaulttool.toml here would "
                             f"make a second vault root in it. Run init at {tmp_path}, or pass --nested to make "
                             "this folder a vault of its own\n")
    assert list(inner.iterdir()) == []


def test_init_refuses_inside_an_obsidian_vault_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = run("init")
    assert result.exit_code == 2 and "is inside the vault at" in result.stderr
    assert not (tmp_path / "sub" / "vaulttool.toml").exists()


def test_init_nested_makes_a_vault_inside_a_vault(tmp_path: Path) -> None:
    (tmp_path / "vaulttool.toml").write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    result = run("init", "--nested", str(tmp_path / "sub"))
    assert result.exit_code == 0 and result.stdout.startswith("created vaulttool.toml\n")
    assert (tmp_path / "sub" / "vaulttool.toml").is_file()


def test_init_at_a_vault_s_own_root_still_works(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    result = run("init", str(tmp_path))
    assert result.exit_code == 0 and result.stdout.startswith("created vaulttool.toml\n")


# --- VT302 names the value as the note holds it -----------------------------------------------


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # (findings name notes from the working folder)


def vault_with(tmp_path: Path, config: str, notes: dict[str, str]) -> Path:
    (tmp_path / "vaulttool.toml").write_text(config, encoding="utf-8")
    for name, text in notes.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_vt302_shows_a_date_as_written_not_as_python_sees_it(tmp_path: Path) -> None:
    vault = vault_with(tmp_path, '[schema.fields]\nfounded = { type = "integer" }\n',
                       {"a.md": "---\nfounded: 1945-12-27\n---\n"})
    result = run("validate", str(vault))
    assert (result.exit_code, result.stdout) == (1, "a.md:2:10: VT302 founded: expected integer, got date 1945-12-27\n")


# --- type = "any" takes a key out of the one-type vote --------------------------------------


NOTES = {"a.md": "---\nrating: 3\n---\n", "b.md": "---\nrating: three\n---\n", "c.md": "---\nrating: 4\n---\n"}


def test_type_any_silences_vt306(tmp_path: Path) -> None:
    vault = vault_with(tmp_path, '[schema.fields]\nrating = { type = "any" }\n', NOTES)
    result = run("validate", str(vault))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "3 notes checked: 0 errors, 0 warnings\n")


def test_without_a_rule_the_kinds_still_vote(tmp_path: Path) -> None:
    vault = vault_with(tmp_path, "", NOTES)
    result = run("validate", str(vault))
    assert result.exit_code == 1 and [line.split(" VT")[0] for line in result.stdout.splitlines()] == [
        "a.md:2:9:", "c.md:2:9:"]


# --- --help's summaries -------------------------------------------------------------------------


def test_help_lists_every_command_with_a_whole_sentence() -> None:
    result = run("--help")
    listing = result.stdout.split("Commands:\n", 1)[1]
    summaries: dict[str, str] = {}
    name = ""
    for line in listing.splitlines():
        entry = re.match(r"  (\S+)\s+(.*)", line)
        if entry:
            name = entry.group(1)
            summaries[name] = entry.group(2)
        else:
            summaries[name] += " " + line.strip()
    assert set(summaries) >= {"check", "entities", "init", "refresh", "sync", "tiers", "validate"}
    for name, summary in summaries.items():
        assert not summary.endswith("...") and summary.endswith("."), (name, summary)
    assert summaries["sync"] == ("Validate, refresh from Wikidata, write entity notes, then tier stubs and links "
                                 "sections: one summary.")


# --- --qid naming no note -----------------------------------------------------------------------


def test_a_qid_that_names_no_note_is_said_and_exits_2(example_vault: Path) -> None:
    result = run("refresh", "--offline", "--qid", "Q1", "--qid", "Q472311", str(example_vault))
    assert result.exit_code == 2
    assert result.stderr == ("vaulttool: --qid Q1: no note in this run names that item (has_id_wikidata)\n"
                             "1 note checked, 0 changed, 0 failed, 0 skipped; 0 requests\n")


def test_qids_that_each_name_a_note_exit_0(example_vault: Path) -> None:
    result = run("refresh", "--offline", "--qid", "Q472311", str(example_vault))
    assert (result.exit_code, result.stderr) == (0, "1 note checked, 0 changed, 0 failed, 0 skipped; 0 requests\n")


# --- an offline sync: the notes that failed alike, once with a count --------------------------


def test_offline_sync_says_a_reason_once_with_a_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = tmp_path / "vault"
    generate(vault, 30)  # 30 notes, each naming an item the (absent) offline store lacks
    monkeypatch.chdir(vault)
    result = run("sync", "--offline", "--dry-run")
    failed = [line for line in result.stdout.splitlines() if "VT5" not in line and " failed" in line]
    first = "_Standards/Org000/ORG00000(Organization_0).md"
    assert failed == [f"{first}: failed: Q1000 is not in the offline cache; run without --offline once",
                      f"and 29 more notes failed the same way as {first}; --verbose names each"]
    assert result.exit_code == 4
    verbose = run("sync", "--offline", "--dry-run", "--verbose")
    named = [line for line in verbose.stdout.splitlines() if ": failed: " in line]
    assert len(named) == 30 and "more notes failed" not in verbose.stdout


# --- the tiers planning bar's ETA -------------------------------------------------------------


@pty_only
def test_the_planning_eta_is_of_the_order_of_the_run(tmp_path: Path) -> None:
    """Each tier note's check (a stat) was a step as long as a standard note's plan in the bar's eyes:
    with six tier notes a standard note, its ETA said 7 times the time left, and up to a thousand
    times near the end of the plans. Now every ETA shown is at most the run's own length (with slack
    for a first estimate that includes the workers' start)."""
    vault = tmp_path / "vault"
    generate(vault, 2000)  # 2000 standard notes to plan, each with its six tier notes
    for tier in ("public", "internal"):  # (stubs to make: a plan as long as a real first run's)
        shutil.rmtree(vault / f"_{tier}")
    started = time.monotonic()
    code, _, err = run_vaulttool(["tiers", "--check"], vault)
    took = time.monotonic() - started
    assert code == 1 and "10000 notes checked: 6000 errors" in err  # (stubs, links sections)
    planning = [frame for frames in bars(err, "planning tiers") for frame in frames]
    etas = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in re.findall(r"(\d\d):(\d\d):(\d\d)$",
                                                                            "\n".join(planning), re.MULTILINE)]
    assert max(etas, default=0) <= 2 * took + 1, (etas, took)


# --- sync, like tiers, waits for another writer before it reads the vault ------------------------


def test_sync_says_it_waits_for_another_writer(example_vault: Path) -> None:
    from test_lock import hold

    holder = hold(example_vault / ".vaulttool" / "cache", 1)
    try:
        result = run("sync", "--offline", "--lock-timeout", "20", str(example_vault))
    finally:
        holder.wait()
    assert result.exit_code == 0
    assert result.stderr.startswith(f"vaulttool: another vaulttool is writing this vault (pid {holder.pid} on ")
    assert "`vaulttool holder` since " in result.stderr.splitlines()[0]
    assert result.stderr.splitlines()[0].endswith("; waiting up to 20 s for it to finish")
