"""The tiers cache (`.vaulttool/cache/tiers.json`): a standard note whose own file and six siblings are
unchanged is not planned again, and its findings come back the same; any change to one of them, to a
template or to the settings plans it again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vaulttool.commands import tiers
from vaulttool.disk import statcache, vault

IOM = "UN(United_Nations)/IOM(International_Organization_for_Migration)"
REFERENCE_PATH = f"_Standards/{IOM}.md"


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stats of files written just now (the tests' files all are: see statcache.RACY_NS)."""
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def plan(root: Path, whole_vault: bool = True) -> tiers.TiersReport:
    config = vault.open_vault(root)
    return tiers.plan(config, vault.discover(config, []), whole_vault=whole_vault)


def texts(report: tiers.TiersReport) -> list[str]:
    return [finding.text() for finding in tiers.check_findings(report)]


def standard_notes(report: tiers.TiersReport, root: Path) -> int:
    config = vault.open_vault(root)
    return sum(1 for note in vault.discover(config, []) if tiers.layout.standard_parts(note.vault_path, config.tiers))


@pytest.fixture
def troubled_vault(example_vault: Path) -> Path:
    """The example vault with what tiers reports but cannot write: a stub edited by hand and out of
    date (VT415), a second links section (VT419), a note that does not parse (VT1xx), and ignored codes."""
    stub = example_vault / f"_protect/{IOM}.protect.md"
    stub.write_bytes(stub.read_bytes().replace(b"Q472311", b"Q472312") + b"\nMy own notes.\n")
    note = example_vault / REFERENCE_PATH
    text = note.read_bytes()
    heading = text[text.index(b"## Confidential Links & Embeds: "):]
    note.write_bytes(text + b"\n" + heading)
    broken = example_vault / "_Standards/IOM(International_Organization_for_Migration)/IDM(International_Dialogue_on_Migration).md"
    broken.write_bytes(b"---\nname: [unclosed\n---\n")
    ignoring = example_vault / "_Standards/UN(United_Nations)/UN(United_Nations).md"
    ignoring.write_bytes(ignoring.read_bytes().replace(b"---\n", b"---\nvaulttool_ignore: [VT203]\n", 1))
    return example_vault


def test_a_warm_plan_reads_no_note_and_reports_the_same(troubled_vault: Path, trusting: None) -> None:
    cold = plan(troubled_vault)
    warm = plan(troubled_vault)
    assert cold.cached == 0 and warm.cached == standard_notes(warm, troubled_vault)
    assert {"VT415", "VT419", "VT103"} <= {finding.code for finding in warm.findings}, texts(warm)
    assert texts(warm) == texts(cold) == texts(plan(troubled_vault, whole_vault=False))  # (the last: no cache)
    assert warm.ignored == cold.ignored and warm.ignored
    assert not warm.actions and not cold.actions


def test_a_stub_deleted_after_a_warm_run_is_missing_again(troubled_vault: Path, trusting: None) -> None:
    plan(troubled_vault)
    (troubled_vault / f"_secret/{IOM}.secret.md").unlink()
    report = plan(troubled_vault)
    assert f"{vault.display_path(troubled_vault / REFERENCE_PATH)}:1:1: VT411 missing tier stub _secret/{IOM}.secret.md" \
        in texts(report)
    assert report.cached == standard_notes(report, troubled_vault) - 1


def test_a_stub_edited_back_to_its_size_and_mtime_is_planned_again(example_vault: Path, trusting: None) -> None:
    plan(example_vault)
    stub = example_vault / f"_public/{IOM}.public.md"
    before = os.stat(stub)
    stub.write_bytes(stub.read_bytes().replace(b"Q472311", b"Q472312"))  # (same size)
    os.utime(stub, ns=(before.st_atime_ns, before.st_mtime_ns))  # ctime still moves
    report = plan(example_vault)
    assert f"{vault.display_path(stub)}:1:1: VT415 stub edited by hand and out of date with its standard note; " \
           "not updated" in [finding.text().replace("VT415 warning:", "VT415") for finding in report.findings]


def test_an_edited_standard_note_is_planned_again(example_vault: Path, trusting: None) -> None:
    plan(example_vault)
    note = example_vault / REFERENCE_PATH
    note.write_bytes(note.read_bytes().replace(b"has_id_wikidata: Q472311", b"has_id_wikidata: Q472312"))
    report = plan(example_vault)
    assert sorted({action.what for action in report.actions}) == ["stub facts"]
    assert len(report.actions) == 6


def test_files_changed_just_now_are_planned_again_next_time(example_vault: Path) -> None:
    plan(example_vault)  # every file of the copied vault is younger than statcache.RACY_NS
    assert plan(example_vault).cached == 0


def test_a_changed_template_plans_every_note_again(example_vault: Path, trusting: None) -> None:
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", example_vault / "_Templates")
    toml = example_vault / "vaulttool.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[tiers]\ntemplates = "_Templates"\n', encoding="utf-8")
    plan(example_vault)
    assert plan(example_vault).cached > 0
    template = example_vault / "_Templates/tier.md"
    template.write_bytes(template.read_bytes() + b"\n")
    assert plan(example_vault).cached == 0


def test_a_run_on_a_few_notes_neither_reads_nor_writes_the_cache(example_vault: Path, trusting: None) -> None:
    plan(example_vault, whole_vault=False)
    assert not (example_vault / ".vaulttool/cache/tiers.json").exists()
    plan(example_vault)
    assert (example_vault / ".vaulttool/cache/tiers.json").exists()
    assert plan(example_vault, whole_vault=False).cached == 0


def test_a_cache_that_cannot_be_written_is_a_notice_and_the_plan_stands(example_vault: Path,
                                                                        trusting: None) -> None:
    (example_vault / ".vaulttool/cache/tiers.json").mkdir(parents=True)  # (in the way of the file)
    report = plan(example_vault)
    assert len(report.notices) == 1 and report.notices[0].startswith("the tiers cache was not written (")
    assert texts(report) == texts(plan(example_vault, whole_vault=False))


def test_a_second_plan_keeps_the_plans_of_notes_whose_files_did_not_change(example_vault: Path) -> None:
    """What the CLI does under the writer lock: plan again, taking again the plans still holding."""
    un = "UN(United_Nations)/UN(United_Nations)"
    for tier in ("public", "secret"):
        (example_vault / f"_{tier}/{IOM}.{tier}.md").unlink()
        (example_vault / f"_{tier}/{un}.{tier}.md").unlink()
    config = vault.open_vault(example_vault)
    files = vault.discover(config, [])
    first = tiers.plan(config, files)
    theirs = example_vault / f"_secret/{IOM}.secret.md"
    theirs.write_bytes(b"made by someone meanwhile\n")  # (another vaulttool, or a person)
    second = tiers.plan(config, files, earlier=first)

    def made(report: tiers.TiersReport, note: str) -> list[tiers.Action]:
        return [action for action in report.actions if action.kind == tiers.CREATE and note in action.vault_path]

    assert [a.vault_path for a in made(first, IOM)] == [f"_public/{IOM}.public.md", f"_secret/{IOM}.secret.md"]
    assert [a.vault_path for a in made(second, IOM)] == [f"_public/{IOM}.public.md"]  # (planned again)
    assert len(made(second, un)) == 2 and all(a is b for a, b in zip(made(second, un), made(first, un)))
    assert all(a is not b for a, b in zip(made(second, IOM), made(first, IOM)))
