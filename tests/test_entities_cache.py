"""The entities scan cache (`.vaulttool/cache/entities.json`): a note unchanged since a run read its links
is not read again, and the plan is the same; a changed note is read again, and a note that cannot be
read or parsed is never kept, so its finding comes back every run."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from vaulttool.commands import entities
from vaulttool.disk import statcache, vault

UN = "_Standards/UN(United_Nations)/UN(United_Nations).md"
CACHE = Path(".vaulttool/cache/entities.json")
# Reading a folder as a file: Linux says EISDIR, Windows refuses it as EACCES ("Permission denied").
IN_THE_WAY = os.strerror(errno.EACCES if os.name == "nt" else errno.EISDIR)


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stats of files written just now (the tests' files all are: see statcache.RACY_NS)."""
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def plan(root: Path) -> entities.EntitiesReport:
    config = vault.open_vault(root)
    return entities.plan(config, vault.discover(config, []), None)


def texts(report: entities.EntitiesReport) -> list[str]:
    return [finding.text() for finding in report.findings]


@pytest.fixture
def broken_vault(example_vault: Path) -> Path:
    """The example vault with a note whose frontmatter does not parse."""
    (example_vault / "_Standards/Broken.md").write_bytes(b"---\nname: [unclosed\n---\n[[_Standards/WikiData/WD~x,1]]\n")
    return example_vault


def test_a_warm_scan_reads_no_note_and_plans_the_same(broken_vault: Path, trusting: None) -> None:
    cold = plan(broken_vault)
    warm = plan(broken_vault)
    assert cold.cached == 0 and warm.cached == warm.notes == cold.notes > 40
    assert warm.items == cold.items and warm.items
    assert texts(warm) == texts(cold)
    assert [(a.kind, a.vault_path, a.data) for a in warm.actions] == [(a.kind, a.vault_path, a.data) for a in cold.actions]


def test_a_note_that_does_not_parse_is_reported_every_run(broken_vault: Path, trusting: None) -> None:
    plan(broken_vault)
    report = plan(broken_vault)
    assert [text for text in texts(report) if "Broken.md" in text] == [
        f"{vault.display_path(broken_vault / '_Standards/Broken.md')}:2:7: VT103 unclosed [: the list that starts "
        "here never ends; its links are not read"]
    assert "_Standards/Broken.md" not in json.loads((broken_vault / CACHE).read_text(encoding="utf-8"))["notes"]


def test_a_link_added_after_a_warm_run_is_found(example_vault: Path, trusting: None) -> None:
    plan(example_vault)
    note = example_vault / UN
    note.write_bytes(note.read_bytes() + b"\nSee [[_Standards/WikiData/WD~Geneva,71]].\n")
    report = plan(example_vault)
    assert report.cached == report.notes - 1
    assert [link.vault_path for link in report.items["Q71"].links].count(UN) == 1


def test_a_file_changed_just_now_is_read_again(example_vault: Path) -> None:
    plan(example_vault)  # (every note was copied in this second: too recent to be trusted next run)
    assert plan(example_vault).cached == 0


@pytest.mark.parametrize("damage", [b"{not json", b'{"notes": {"x": 1}}'])
def test_a_damaged_cache_is_read_as_empty(example_vault: Path, trusting: None, damage: bytes) -> None:
    cold = plan(example_vault)
    (example_vault / CACHE).write_bytes(damage)
    assert plan(example_vault).items == cold.items


def test_a_damaged_entry_is_read_again(example_vault: Path, trusting: None) -> None:
    cold = plan(example_vault)
    cache = json.loads((example_vault / CACHE).read_text(encoding="utf-8"))
    key = next(path for path, entry in cache["notes"].items() if entry[1])
    cache["notes"][key][1] = [["Q1", "x"]]  # (a link of the wrong shape)
    (example_vault / CACHE).write_text(json.dumps(cache), encoding="utf-8")
    report = plan(example_vault)
    assert report.cached == report.notes - 1 and report.items == cold.items


def test_a_cache_that_cannot_be_written_is_a_notice_and_changes_nothing(example_vault: Path, trusting: None) -> None:
    (example_vault / CACHE).mkdir(parents=True)  # (in the way of the file)
    cold = plan(example_vault)
    assert cold.notices == [f"the entities cache was not written ({example_vault / CACHE}: {IN_THE_WAY}); the "
                            "next run reads every note again"]
    warm = plan(example_vault)
    assert warm.items == cold.items and warm.cached == 0
