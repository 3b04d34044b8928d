"""The offline refresh cache (`.vaulttool/cache/refresh.json`): a note found up to date, unchanged since,
with its entity's stored answer, the stored labels and the key bindings unchanged too, is not read
again, and the run reports the same; anything that could change its refresh reads it again."""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from vaulttool.commands import refresh
from vaulttool.disk import statcache, vault

IOM = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
UN = "_Standards/UN(United_Nations)/UN(United_Nations).md"
ENTITIES = Path(".vaulttool/wikidata/entities")
CACHE = Path(".vaulttool/cache/refresh.json")
# Reading a folder as a file: Linux says EISDIR, Windows refuses it as EACCES ("Permission denied").
IN_THE_WAY = os.strerror(errno.EACCES if os.name == "nt" else errno.EISDIR)


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stats of files written just now (the tests' files all are: see statcache.RACY_NS)."""
    monkeypatch.setattr(statcache, "RACY_NS", -10**12)


def run(root: Path, whole_vault: bool = True, **options: Any) -> refresh.RefreshReport:
    """An offline refresh of the whole vault (or, as for a run over part of it, without the cache when
    there are fewer than statcache.CACHE_FROM notes), writing nothing."""
    config = vault.open_vault(root)
    files = vault.discover(config, [])
    return refresh.run(config, files, None, write=False, rest_of_vault=None if whole_vault else lambda: [],
                       **options)


def said(report: refresh.RefreshReport) -> list[tuple[Any, ...]]:
    """Everything the report tells of each note, in its order."""
    return [(o.display, o.entity_id, o.status, o.reason, o.keys, o.messages, o.diff,
             [notice.text() for notice in o.notices]) for o in report.outcomes]


def edit(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


@pytest.fixture
def mixed_vault(example_vault: Path) -> Path:
    """The example vault with a note of each kind the cache must not keep: one that would change (a
    stale value), one whose id is no item id, and one up to date that ignores a code."""
    edit(example_vault / IOM, b"short_name:\n  - ", b"short_name:\n  - X")
    (example_vault / "_Standards/Bad.md").write_bytes(b"---\nhas_id_wikidata: nonsense\n---\n")
    book = example_vault / "_Standards/Books/Book.md"
    book.parent.mkdir()
    book.write_bytes((example_vault / UN).read_bytes().replace(b"---\n", b"---\nvaulttool_ignore: [VT203]\n", 1))
    return example_vault


def test_a_warm_run_reads_only_the_notes_with_something_to_say(mixed_vault: Path, trusting: None) -> None:
    cold = run(mixed_vault)
    warm = run(mixed_vault)
    assert {o.status for o in cold.outcomes} == {refresh.UNCHANGED, refresh.WOULD_CHANGE, refresh.FAILED}
    assert cold.ignored
    assert cold.cached == 0
    assert warm.cached == 2  # UN and Geneva: the IOM note changes, the book ignores a code, Bad.md fails
    assert said(warm) == said(cold) == said(run(mixed_vault, whole_vault=False))  # (the last: no cache)
    assert [f.text() for f in warm.findings] == [f.text() for f in cold.findings]
    assert warm.warnings == cold.warnings


def test_notes_naming_no_item_are_not_read_again(example_vault: Path, trusting: None) -> None:
    run(example_vault)
    entries = json.loads((example_vault / CACHE).read_text(encoding="utf-8"))["notes"]
    assert entries["_Standards/WikiData/WD~United_Nations,1065.md"][1] == ""  # (an entity note: entities' business)
    assert entries["_Standards/IOM(International_Organization_for_Migration)/IDM(International_Dialogue_on_"
                   "Migration).md"][1] == ""  # (no id)
    assert [entries[path][1] for path in (IOM, UN, "_Standards/WikiData/WD~Geneva,71.md")] == ["Q472311", "Q1065",
                                                                                             "Q71"]
    assert not [path for path in entries if not path.startswith("_Standards/")]  # (tier stubs are not refreshed)


def test_a_note_edited_after_a_warm_run_is_read_again(example_vault: Path, trusting: None) -> None:
    run(example_vault)
    assert run(example_vault).cached == 3
    edit(example_vault / UN, b"official_website: https://www.un.org/\n", b"official_website: https://un.org/\n")
    report = run(example_vault)
    assert report.cached == 2
    assert [(o.display.endswith(UN), o.status, o.keys) for o in report.outcomes if o.status != refresh.UNCHANGED] \
        == [(True, refresh.WOULD_CHANGE, ["official_website"])]


def test_a_changed_stored_answer_reads_its_notes_again(example_vault: Path, trusting: None) -> None:
    run(example_vault)
    answer = example_vault / ENTITIES / "Q1065.json"
    edit(answer, b"https://www.un.org/", b"https://www.un.org/en/")
    report = run(example_vault)
    assert report.cached == 2
    assert [o.keys for o in report.outcomes if o.status == refresh.WOULD_CHANGE] == [["official_website"]]


@pytest.mark.parametrize("stored", ["wikidata/labels.json", "keys.json"])
def test_changed_labels_or_bindings_read_every_note_again(example_vault: Path, trusting: None, stored: str) -> None:
    run(example_vault)
    path = example_vault / ".vaulttool" / stored
    path.write_bytes(path.read_bytes() + b"\n")
    assert run(example_vault).cached == 0


def test_a_file_changed_just_now_is_not_trusted(example_vault: Path) -> None:
    run(example_vault)  # (every note was copied in this second: too recent to be trusted next run)
    assert run(example_vault).cached == 0


@pytest.mark.parametrize("damage", [b"{not json", b'{"key": 1}', b"[]", b'{"notes": {"x": 1}}'])
def test_a_damaged_cache_is_read_as_empty(example_vault: Path, trusting: None, damage: bytes) -> None:
    cold = run(example_vault)
    (example_vault / CACHE).write_bytes(damage)
    assert said(run(example_vault)) == said(cold)


def test_a_damaged_entry_is_read_again_not_trusted(example_vault: Path, trusting: None) -> None:
    cold = run(example_vault)
    cache = json.loads((example_vault / CACHE).read_text(encoding="utf-8"))
    cache["notes"][UN][1:] = [5, []]  # (no item id: its answer's stat, [] for none, must not make it up to date)
    cache["notes"][IOM] = [1, 2]
    (example_vault / CACHE).write_text(json.dumps(cache), encoding="utf-8")
    report = run(example_vault)
    assert report.cached == 1 and said(report) == said(cold)


def test_a_cache_that_cannot_be_written_is_a_notice(example_vault: Path, trusting: None) -> None:
    (example_vault / CACHE).mkdir(parents=True)  # (in the way of the file)
    report = run(example_vault)
    assert report.warnings == [f"the refresh cache was not written ({example_vault / CACHE}: {IN_THE_WAY}); the "
                               "next run reads every note"]
    assert said(report) == said(run(example_vault, whole_vault=False))


@pytest.mark.parametrize("options", [{"as_of": datetime.date(2020, 1, 1)}, {"allow_removals": True},
                                     {"fix_redirects": True}])
def test_runs_with_options_that_change_a_plan_do_not_use_the_cache(example_vault: Path, trusting: None,
                                                                   options: dict[str, Any]) -> None:
    run(example_vault)
    assert run(example_vault, **options).cached == 0


def test_an_undecided_property_in_an_answer_reads_the_cached_notes_too(example_vault: Path,
                                                                         trusting: None) -> None:
    """Whether a new property may be bound to a key depends on which notes hold that key already: the
    UN note, not read since it was found up to date, holds `rank_title` of its own."""
    labels = example_vault / ".vaulttool/wikidata/labels.json"
    stored = json.loads(labels.read_text(encoding="utf-8"))
    stored["P99999"] = {"datatype": "string", "fetched": "2026-12-01", "label": "rank title"}
    labels.write_text(json.dumps(stored), encoding="utf-8")
    edit(example_vault / UN, b"inception:", b"rank_title: mine\ninception:")
    run(example_vault)
    answer = example_vault / ENTITIES / "Q472311.json"
    entity = json.loads(answer.read_text(encoding="utf-8"))
    entity["claims"]["P99999"] = [{"mainsnak": {"snaktype": "value", "property": "P99999", "datatype": "string",
                                                "datavalue": {"type": "string", "value": "first"}},
                                   "type": "statement", "rank": "normal"}]
    answer.write_text(json.dumps(entity), encoding="utf-8")
    warm = run(example_vault)
    assert warm.cached == 0
    assert not any("rank_title" in o.keys for o in warm.outcomes)
    shutil.rmtree(example_vault / ".vaulttool/cache")
    assert said(warm) == said(run(example_vault))


def test_a_run_on_some_items_reports_only_their_notes(example_vault: Path, trusting: None) -> None:
    run(example_vault)
    report = run(example_vault, qids=frozenset({"Q1065"}))
    assert report.cached == 1 and [o.display.endswith(UN) for o in report.outcomes] == [True]
    assert run(example_vault).cached == 3  # (and the other notes' entries are kept)
