"""`vaulttool refresh` against a real HTTP server on localhost serving the recorded Wikidata JSON."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, FAST_RETRIES, REFERENCE_NOTE, fingerprint
from wikidata_server import FakeWikidata

from vaulttool.cli import main
from vaulttool.disk.vault import display_path
from vaulttool.engine.note import DELETE, Note

REFERENCE_PATH = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"


def refresh(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, ["refresh", *args], catch_exceptions=False)


def test_reference_note_is_a_no_op_and_is_not_rewritten(wikidata: FakeWikidata, vault: Path) -> None:
    note = vault / REFERENCE_PATH
    before = note.stat()
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert result.stderr == "3 notes checked, 0 changed, 0 failed, 0 skipped; 2 requests\n"
    after = note.stat()
    assert note.read_bytes() == REFERENCE_NOTE.read_bytes()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_user_agent_names_vaulttool_and_the_contact(wikidata: FakeWikidata, vault: Path) -> None:
    refresh(str(vault))
    assert wikidata.user_agents[0].startswith("vaulttool/0.1.0 (tests@vaulttool.invalid) python-requests/")
    assert all(request["maxlag"] == "5" and request["formatversion"] == "2" for request in wikidata.requests)


def strip_or_stale(change: dict) -> bytes:
    return Note.parse(REFERENCE_NOTE.read_bytes()).edit(change).render()


WIKIDATA_KEYS = [key for key in Note.parse(REFERENCE_NOTE.read_bytes()).values()
                 if key not in ("aliases", "has_id_wikidata")]


@pytest.mark.parametrize(
    "change",
    [
        {key: DELETE for key in WIKIDATA_KEYS},
        {"country": "[[_Standards/WikiData/WD~France,142]]", "social_media_followers": 47500,
         "locations": ["[[_Standards/WikiData/WD~Geneva,71]]"], "ISNI": ["0000000400000017"],
         "inception": "1950",
         "short_name": DELETE, "official_website": "http://www.iom.int/jahia/Jahia/lang/en/pid/1"},
    ],
    ids=["wikidata-keys-deleted", "stale-values-and-traps"],
)
def test_a_stripped_or_stale_copy_comes_back_as_the_reference_note(
        wikidata: FakeWikidata, vault: Path, change: dict) -> None:
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale(change))
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == REFERENCE_NOTE.read_bytes()


def test_existing_values_keep_their_order_and_new_ones_are_appended(wikidata: FakeWikidata, vault: Path) -> None:
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({"official_language": ["[[_Standards/WikiData/WD~French,150]]"]}))
    refresh(str(vault))
    assert Note.parse(note.read_bytes()).values()["official_language"] == [
        "[[_Standards/WikiData/WD~French,150]]", "[[_Standards/WikiData/WD~Spanish,1321]]",
        "[[_Standards/WikiData/WD~English,1860]]",
    ]


def test_a_deleted_key_comes_back_in_its_place(wikidata: FakeWikidata, vault: Path) -> None:
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({"short_name": DELETE, "Medium_username": DELETE, "official_name": DELETE}))
    refresh(str(vault))
    assert note.read_bytes() == REFERENCE_NOTE.read_bytes()


def test_edge_cases_end_to_end(wikidata: FakeWikidata, vault: Path) -> None:
    note = vault / "_Standards" / "edge.md"
    note.write_bytes((DATA / "refresh" / "edge_before.md").read_bytes())
    result = refresh(str(note))
    assert result.exit_code == 0
    assert note.read_bytes() == (DATA / "refresh" / "edge_after.md").read_bytes()
    assert "_Standards/edge.md: note: owned_by: Q999999999 not found on Wikidata; left out" in result.stdout
    # The example vault's IDM note has a `part_of` of its own: P361 is bound to nothing, so not written.
    assert ("_Standards/edge.md: note: P361 (part of) is not written: part_of is held by _Standards/"
            "IOM(International_Organization_for_Migration)/IDM(International_Dialogue_on_Migration).md, which "
            "this run does not read") in result.stdout.replace(display_path(vault) + "/", "")


def many_notes(wikidata: FakeWikidata, folder: Path, count: int) -> list[Path]:
    """`count` notes on distinct items, each shaped like Q472311 (same items and properties)."""
    reference = wikidata.entities["Q472311"]
    paths = []
    for index in range(count):
        entity_id = f"Q{5000 + index}"
        wikidata.entities[entity_id] = dict(copy.deepcopy(reference), id=entity_id, title=entity_id)
        path = folder / "_Standards" / "Many" / f"N{index:03}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(REFERENCE_NOTE.read_bytes().replace(b"Q472311", entity_id.encode()))
        paths.append(path)
    return paths


def test_request_counts_cold_and_warm(wikidata: FakeWikidata, vault: Path) -> None:
    many_notes(wikidata, vault, 120)
    notes = 120 + 3
    cold = refresh(str(vault))
    assert cold.exit_code == 0, cold.output
    items_and_properties = 18 + 31 + 1  # the reference note's items and properties, and New York City
    assert len(wikidata.requests) == math.ceil(notes / 50) + math.ceil(items_and_properties / 50) == 4
    wikidata.requests.clear()
    warm = refresh(str(vault))
    assert warm.exit_code == 0
    # The notes' entities' revisions, then the revisions of the items and properties whose labels are stored
    assert [request["props"] for request in wikidata.requests] == ["info"] * (
        math.ceil(notes / 50) + math.ceil(items_and_properties / 50))

    changed = wikidata.entities["Q5007"]
    changed["lastrevid"] += 1
    changed["claims"]["P2002"] = changed["claims"]["P2002"][:1]
    wikidata.requests.clear()
    result = refresh(str(vault))
    assert result.stdout.replace(display_path(vault) + "/", "") == \
        "_Standards/Many/N007.md: changed: X_Twitter_username\n" \
        '_Standards/Many/N007.md: note: X_Twitter_username: removed "UNmigration", which Wikidata does not have\n'
    assert [r["props"] for r in wikidata.requests] == ["info"] * 3 + ["info|claims", "info"]
    assert wikidata.requests[-2]["ids"] == "Q5007"  # (and the labels' revisions: none changed)


def test_a_property_gone_upstream_removes_its_key(wikidata: FakeWikidata, vault: Path) -> None:
    refresh(str(vault))
    entity = wikidata.entities["Q472311"]
    entity["lastrevid"] += 1
    del entity["claims"]["P2002"]
    result = refresh(str(vault))
    assert result.exit_code == 0
    values = Note.parse((vault / REFERENCE_PATH).read_bytes()).values()
    assert "X_Twitter_username" not in values and values["Snapchat_username"] == "unmigration"


def test_a_renamed_property_label_keeps_its_key(wikidata: FakeWikidata, vault: Path) -> None:
    refresh(str(vault))
    wikidata.labels["P2013"]["labels"]["en"]["value"] = "Facebook ID"  # the 2022 label
    (vault / ".vaulttool" / "wikidata" / "labels.json").unlink()  # labels fetched again
    result = refresh(str(vault))
    assert result.exit_code == 0 and "0 changed" in result.stderr
    assert json.loads((vault / ".vaulttool" / "keys.json").read_text())["P2013"] == "Facebook_username"


@pytest.mark.parametrize(
    "envelope",
    ["maxlag.json", "http_429.json", "http_503_html.json", "truncated_json.json", "http_200_html_block.json"],
)
def test_transient_failures_are_retried(wikidata: FakeWikidata, vault: Path, envelope: str) -> None:
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({"country": DELETE}))
    wikidata.fail_next(envelope)
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == REFERENCE_NOTE.read_bytes()
    assert result.stderr == "3 notes checked, 1 changed, 0 failed, 0 skipped; 3 requests\n"


@pytest.mark.parametrize(
    ("envelope", "times", "reason"),
    [
        ("no_such_entity.json", 1, "API error no-such-entity: Could not find an entity with the ID \"QX1\"."),
        ("http_503_html.json", 3, "HTTP 503 (gave up after 3 attempts)"),
        ("maxlag.json", 3, "API error maxlag (gave up after 3 attempts)"),
    ],
)
def test_a_failed_batch_leaves_its_notes_byte_identical(
        wikidata: FakeWikidata, vault: Path, envelope: str, times: int, reason: str) -> None:
    note = vault / REFERENCE_PATH
    stale = strip_or_stale({"country": DELETE})
    note.write_bytes(stale)
    before = fingerprint(vault, "*.md")
    wikidata.fail_next(envelope, times)
    result = refresh(str(vault))
    assert result.exit_code == 1
    assert fingerprint(vault, "*.md") == before
    assert f"{REFERENCE_PATH}: failed: {reason}" in result.stdout.replace(display_path(vault) + "/", "")
    assert not (vault / ".vaulttool" / "wikidata" / "entities").exists()


def test_server_failing_mid_run_changes_no_note(wikidata: FakeWikidata, vault: Path) -> None:
    """The entity batch is answered, then the server fails for good: nothing is written at all."""
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({key: DELETE for key in WIKIDATA_KEYS}))
    before = fingerprint(vault, "*.md")
    original = wikidata.handle

    def fail_after_first(request):  # noqa: ANN001, ANN202
        if len(wikidata.requests) >= 1:
            wikidata.fail_next("http_503_html.json")
        return original(request)

    wikidata.server.clear()
    wikidata.server.expect_request("/w/api.php").respond_with_handler(fail_after_first)
    result = refresh(str(vault))
    assert result.exit_code == 1
    assert fingerprint(vault, "*.md") == before
    assert result.stdout.count("failed: labels of") == 3


def test_dry_run_prints_a_diff_and_writes_nothing(wikidata: FakeWikidata, vault: Path) -> None:
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({"country": "[[_Standards/WikiData/WD~France,142]]"}))
    before = fingerprint(vault, "*.md")
    result = refresh("--dry-run", str(vault))
    assert result.exit_code == 0
    assert fingerprint(vault, "*.md") == before
    assert '-country: "[[_Standards/WikiData/WD~France,142]]"\n' in result.stdout
    assert '+country: "[[_Standards/WikiData/WD~Switzerland,39]]"\n' in result.stdout
    assert f"--- a/{REFERENCE_PATH}\n" in result.stdout
    assert not (vault / ".vaulttool" / "wikidata").exists()


def test_check_exits_1_on_drift_and_0_when_clean(wikidata: FakeWikidata, vault: Path) -> None:
    assert refresh("--check", str(vault)).exit_code == 0
    (vault / REFERENCE_PATH).write_bytes(strip_or_stale({"Medium_username": "someone"}))
    result = refresh("--check", "--format", "json", str(vault))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"] == {"notes": 49, "checked": 3, "changed": 1, "failed": 0, "skipped": 0, "requests": 2,
                                 "files": 1, "errors": 0, "warnings": 0, "suppressed": 0}
    assert [(f["path"].endswith(REFERENCE_PATH), f["action"], f["written"]) for f in report["files"]] == [
        (True, "update", False)]
    assert [n["keys"] for n in report["notes"] if n["status"] == "would change"] == [["Medium_username"]]


def test_offline_uses_the_recorded_responses_only(example_vault: Path, wikidata: FakeWikidata) -> None:
    (example_vault / REFERENCE_PATH).write_bytes(strip_or_stale({"country": DELETE}))
    result = refresh("--offline", str(example_vault))
    assert result.exit_code == 0
    assert result.stderr == "3 notes checked, 1 changed, 0 failed, 0 skipped; 0 requests\n"
    assert (example_vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()
    assert wikidata.requests == []


def test_offline_without_a_recorded_response_fails_clearly(vault: Path, wikidata: FakeWikidata) -> None:
    result = refresh("--offline", str(vault / REFERENCE_PATH))
    assert result.exit_code == 1
    assert "failed: Q472311 is not in the offline cache; run without --offline once" in result.stdout


def test_redirected_and_missing_entities(wikidata: FakeWikidata, vault: Path) -> None:
    redirected = vault / "_Standards" / "redirected.md"
    redirected.write_bytes(b"---\nhas_id_wikidata: Q999999904\n---\n")
    missing = vault / "_Standards" / "missing.md"
    missing.write_bytes(b"---\nhas_id_wikidata: Q999999999\n---\nbody\n")
    result = refresh("--qid", "Q999999904", "--qid", "Q999999999", str(vault))
    assert result.exit_code == 1
    assert "_Standards/redirected.md: note: Q999999904 redirects to Q999999905; --fix-redirects updates" in result.stdout
    assert ("_Standards/missing.md: failed: Q999999999 does not exist on Wikidata (deleted, or never created)"
            in result.stdout)
    assert missing.read_bytes() == b"---\nhas_id_wikidata: Q999999999\n---\nbody\n"
    refresh("--fix-redirects", "--qid", "Q999999904", str(vault))
    assert Note.parse(redirected.read_bytes()).values()["has_id_wikidata"] == "Q999999905"


def test_invalid_ids_are_reported_and_never_sent(wikidata: FakeWikidata, vault: Path) -> None:
    bad = vault / "_Standards" / "bad.md"
    bad.write_bytes(b"---\nhas_id_wikidata: Q0472311\n---\n")
    result = refresh(str(vault))
    assert "_Standards/bad.md: failed: has_id_wikidata 'Q0472311' is not a Wikidata item id" in result.stdout
    assert all("Q0472311" not in request["ids"] for request in wikidata.requests)


def test_wikidata_org_without_a_contact_is_refused(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULTTOOL_CONTACT", raising=False)
    monkeypatch.setenv("VAULTTOOL_WIKIDATA_URL", "https://www.wikidata.org/w/api.php")
    result = refresh(str(vault))
    assert result.exit_code == 2
    assert "calling wikidata.org needs a contact for the User-Agent" in result.stderr


def test_server_gone_changes_no_note(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens at the endpoint any more (the server was killed): every note stays as it was."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("VAULTTOOL_WIKIDATA_URL", f"http://127.0.0.1:{port}/w/api.php")
    (vault / REFERENCE_PATH).write_bytes(strip_or_stale({"country": DELETE}))
    before = fingerprint(vault, "*.md")
    result = refresh(str(vault))
    assert result.exit_code == 1
    assert fingerprint(vault, "*.md") == before
    assert f"failed: cannot connect to http://127.0.0.1:{port}/w/api.php (connection refused)" in result.stdout


def test_blocked_properties_are_left_alone(wikidata: FakeWikidata, vault: Path) -> None:
    config = vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(FAST_RETRIES, FAST_RETRIES + 'block = ["P2002", "ISNI"]\n'),
                      encoding="utf-8")
    stale = strip_or_stale({"X_Twitter_username": "someone", "ISNI": "1", "country": DELETE})
    (vault / REFERENCE_PATH).write_bytes(stale)
    refresh(str(vault))
    values = Note.parse((vault / REFERENCE_PATH).read_bytes()).values()
    assert (values["X_Twitter_username"], values["ISNI"]) == ("someone", "1")
    assert values["country"] == "[[_Standards/WikiData/WD~Switzerland,39]]"


def test_duplicates_can_be_dropped() -> None:
    import datetime

    from wikidata_server import load_entities

    from vaulttool.config.settings import Schema, WikidataConfig
    from vaulttool.wikidata.mapping import parse_label
    from vaulttool.wikidata.plan import Bindings, NoteData, bind_new_properties, plan_note

    entity = load_entities("Q472311.json")["Q472311"]
    labels = {key: parse_label(value, ("en",)) for key, value in load_entities("labels.json").items()}
    config = WikidataConfig(duplicates="drop")
    bindings = Bindings({}, {}, {})
    bind_new_properties(bindings, [NoteData({}, entity, None)], labels, config)
    plan = plan_note({}, entity, None, labels, bindings, config, Schema(), datetime.date(2026, 11, 23))
    assert plan.changes["short_name"] == ["МОМ", "IOM", "OIM"]


@pytest.mark.parametrize("qid", ["472311", "q472311", "Q0472311", "Q2147483648", "Q999999999999", "P31"])
def test_a_qid_that_is_no_item_id_is_a_usage_error(vault: Path, qid: str) -> None:
    """Not a filter that silently matches no note: the run stops before it reads or sends anything."""
    result = refresh("--offline", "--qid", "Q472311", "--qid", qid, str(vault))
    assert result.exit_code == 2
    assert result.stderr == (f"vaulttool: --qid {qid!r} is not a Wikidata item id (Q followed by digits, no leading 0, "
                             "at most Q2147483647)\n")


def test_the_largest_item_id_wikibase_allows_is_one() -> None:
    from vaulttool.engine.ids import is_entity_id, is_item_id

    assert is_item_id("Q2147483647") and is_item_id("Q1") and is_entity_id("P31")
    assert not any(is_item_id(text) for text in ("Q2147483648", "Q0", "Q01", "P31", "Q", "Q12345678901", " Q1", 1))
