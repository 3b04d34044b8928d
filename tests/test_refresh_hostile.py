"""Hostile and broken answers through `vaulttool refresh`: each is refused for its batch, with every
note byte-identical and nothing stored, or cleaned, with the note written from the good parts only;
and the run never waits longer than its retry budget."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import REFERENCE_NOTE, fingerprint
from test_refresh import REFERENCE_PATH, refresh, strip_or_stale
from wikidata_server import FakeWikidata

from vaulttool.engine.note import DELETE, Note


def honest(fake: FakeWikidata) -> dict[str, Any]:
    """The answer the stand-in would give the first request of a cold run (the three notes' items)."""
    ids = ["Q1065", "Q472311", "Q71"]
    return {"entities": {i: fake._answer(i, "info|claims") for i in ids}, "success": 1}


def mutated(change: Callable[[dict[str, Any]], None]) -> Callable[[FakeWikidata], bytes]:
    def body(fake: FakeWikidata) -> bytes:
        answer = honest(fake)
        change(answer)
        return json.dumps(answer).encode()
    return body


def raw(text: Callable[[str], str]) -> Callable[[FakeWikidata], bytes]:
    return lambda fake: text(json.dumps(honest(fake))).encode()


IOM = "Q472311"
REFUSED = {
    "nested 5,000 deep": (lambda fake: b'{"entities": ' + b"[" * 5000 + b"]" * 5000 + b', "success": 1}',
                          "the answer nests deeper than 64 levels"),
    "claims as a list": (mutated(lambda a: a["entities"][IOM].update(claims=[])), "claims is not an object"),
    "no claims": (mutated(lambda a: a["entities"][IOM].pop("claims")), "the entity has no claims"),
    "NaN": (raw(lambda t: t.replace('"success": 1', '"success": NaN')), "NaN, which is not JSON"),
    "duplicate keys": (raw(lambda t: t.replace('"success": 1', '"success": 1, "success": 1')),
                       "repeats the key 'success'"),
    "another id": (mutated(lambda a: a["entities"][IOM].update(id="Q1")), "the answer is for Q1"),
    "success 0": (mutated(lambda a: a.update(success=0)), "success is not 1"),
    "an id missing": (mutated(lambda a: a["entities"].pop("Q71")), "it does not hold Q71"),
}


@pytest.mark.parametrize("shape", list(REFUSED))
def test_a_hostile_answer_is_refused_and_every_note_stays(wikidata: FakeWikidata, vault: Path, shape: str) -> None:
    (vault / REFERENCE_PATH).write_bytes(strip_or_stale({"country": DELETE}))
    before = fingerprint(vault, "*.md")
    body, reason = REFUSED[shape]
    wikidata.serve_next(body(wikidata))
    result = refresh(str(vault))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert fingerprint(vault, "*.md") == before
    assert f"{REFERENCE_PATH}: failed: " in result.stdout.replace(str(vault) + "/", "")
    assert reason in result.stdout
    # The refused answer is not stored: the whole batch, or the one entity refused (the others are used)
    assert not (vault / ".vaulttool" / "wikidata" / "entities" / f"{IOM}.json").exists()


def test_a_malformed_statement_leaves_its_key_and_the_rest_is_written(wikidata: FakeWikidata, vault: Path) -> None:
    note = vault / REFERENCE_PATH
    note.write_bytes(strip_or_stale({"country": DELETE, "official_language": DELETE}))

    def spoil(answer: dict[str, Any]) -> None:
        answer["entities"][IOM]["claims"]["P37"][1]["mainsnak"]["datavalue"]["value"] = "Q1860"
    answer = honest(wikidata)
    spoil(answer)
    wikidata.serve_json_next(answer)
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    values = Note.parse(note.read_bytes()).values()
    assert values["country"] == "[[_Standards/WikiData/WD~Switzerland,39]]"
    assert "official_language" not in values  # not written from two of its three statements
    assert (f"{REFERENCE_PATH}: note: Q472311: P37: a statement was skipped (mainsnak.datavalue.value is not an "
            "object); the key is left as it is") in result.stdout.replace(str(vault) + "/", "")


def test_the_apis_warnings_are_printed(wikidata: FakeWikidata, vault: Path) -> None:
    answer = honest(wikidata)
    answer["warnings"] = {"main": {"warnings": "Unrecognized parameter: foo."}}
    wikidata.serve_json_next(answer)
    result = refresh(str(vault))
    assert result.exit_code == 0
    assert "vaulttool: Wikidata warns: main: Unrecognized parameter: foo.\n" in result.stderr


def test_an_edited_stored_answer_is_not_trusted(wikidata: FakeWikidata, vault: Path) -> None:
    refresh(str(vault))
    stored = vault / ".vaulttool" / "wikidata" / "entities" / f"{IOM}.json"
    entity = json.loads(stored.read_text(encoding="utf-8"))
    entity["claims"] = []  # an answer like this would remove every Wikidata key
    stored.write_text(json.dumps(entity), encoding="utf-8")
    result = refresh("--offline", str(vault))
    assert result.exit_code == 1
    assert (vault / REFERENCE_PATH).read_bytes() == REFERENCE_NOTE.read_bytes()
    assert f"the stored answer for {IOM} is not used: {IOM}: claims is not an object" in result.stderr
    assert refresh(str(vault)).exit_code == 0  # online, it is asked for again
    assert json.loads(stored.read_text(encoding="utf-8"))["claims"]


def test_a_429_asking_for_a_day_ends_the_run_at_once(wikidata: FakeWikidata, vault: Path) -> None:
    config = vault / "vaulttool.toml"  # the defaults: the real waits and the 60 s budget
    config.write_text(config.read_text(encoding="utf-8").replace(
        "retry_base_seconds = 0\nmax_retry_wait = 0\nmax_retries = 2\n", ""), encoding="utf-8")
    before = fingerprint(vault, "*.md")
    wikidata.serve_next(b'{"error": {"code": "too-many"}}', status=429, headers={"Retry-After": "86400"}, times=5)
    start = time.monotonic()
    result = refresh(str(vault))
    assert time.monotonic() - start < 10
    assert result.exit_code == 1 and fingerprint(vault, "*.md") == before
    host = wikidata.server.host
    assert (f"failed: HTTP 429: {host} asked to wait 86400 s (Retry-After); that is more than the 60 s left of "
            "this run's retry budget") in result.stdout
    assert len(wikidata.requests) == 1


def test_no_server_fails_fast_and_names_the_endpoint(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/w/api.php"
    monkeypatch.setenv("VAULTTOOL_WIKIDATA_URL", endpoint)
    monkeypatch.setenv("VAULTTOOL_CONTACT", "tests@vaulttool.invalid")
    start = time.monotonic()
    result = refresh(str(vault))
    assert time.monotonic() - start < 5
    assert result.exit_code == 1
    assert f"failed: cannot connect to {endpoint} (connection refused)" in result.stdout
