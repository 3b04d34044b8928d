"""The client alone, against the local server: waits and the retry budget, batching, id checks, and\nanswers refused or cleaned before use."""

from __future__ import annotations

import copy
import email.utils
import json
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer
from urllib3.exceptions import ProtocolError
from werkzeug import Request, Response
from wikidata_server import DATA, FakeWikidata

from vaulttool.config.settings import WikidataConfig
from vaulttool.wikidata.client import Client, _cannot_connect, _retry_after

REFERENCE = json.loads((DATA / "Q472311.json").read_text(encoding="utf-8"))["entities"]["Q472311"]


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeWikidata:
    return FakeWikidata(httpserver)


def client(fake: FakeWikidata, waits: list[float], **settings: float) -> Client:
    config = WikidataConfig(endpoint=fake.url, **settings)  # type: ignore[arg-type]
    return Client(requests.Session(), config, sleep=waits.append)


@pytest.mark.parametrize(("envelope", "cap", "expected"), [("http_429.json", 2.0, 2.0), ("maxlag.json", 120.0, 5.0)])
def test_retry_after_is_honoured_up_to_the_cap(fake: FakeWikidata, envelope: str, cap: float, expected: float) -> None:
    waits: list[float] = []
    fake.fail_next(envelope)
    result = client(fake, waits, max_retry_wait=cap).get_entities(["Q472311"], "info")
    assert waits == [expected] and list(result.entities) == ["Q472311"]


def test_backoff_grows_exponentially_with_jitter(fake: FakeWikidata) -> None:
    waits: list[float] = []
    fake.fail_next("http_503_html.json", 3)
    result = client(fake, waits, retry_base_seconds=1.0, max_retries=3).get_entities(["Q472311"], "info")
    assert result.failed == {}
    assert [int(wait) for wait in waits] == [1, 2, 4] and all(w % 1 for w in waits)


def test_malformed_ids_are_never_sent_and_batches_hold_50(fake: FakeWikidata) -> None:
    ids = [f"Q{n}" for n in range(1, 121)] + ["QX1", "Q0", "Q1234567890123", "P31"]
    result = client(fake, []).get_entities(ids, "info")
    assert set(result.failed) == {"QX1", "Q0", "Q1234567890123"}
    assert [len(r["ids"].split("|")) for r in fake.requests] == [50, 50, 21]
    assert len(result.entities) == 121


def test_http_date_retry_after() -> None:
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= _retry_after(later) <= 30  # type: ignore[operator]
    assert _retry_after("7") == 7.0 and _retry_after("soon") is None and _retry_after(None) is None


# --- every answer is checked before use ----------------------------------------------------------

def reference_answer() -> dict:
    return {"entities": {"Q472311": copy.deepcopy(REFERENCE)}, "success": 1}


def test_a_bad_answer_fails_its_batch_without_a_retry(fake: FakeWikidata) -> None:
    answer = reference_answer()
    answer["entities"]["Q472311"]["claims"] = []
    fake.serve_json_next(answer)
    result = client(fake, []).get_entities(["Q472311"], "info|claims")
    assert result.failed == {"Q472311": "unusable answer: Q472311: claims is not an object"}
    assert len(fake.requests) == 1 and result.entities == {}


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"entities": {"Q472311": {"id": "Q472311", "lastrevid": NaN}}, "success": 1}', "the answer holds NaN, which is not JSON"),
    (b'{"entities": {}, "entities": {}, "success": 1}', "the answer repeats the key 'entities' in one object"),
    (b'{"entities": ' + b"[" * 5000 + b"]" * 5000 + b', "success": 1}', "the answer nests deeper than 64 levels"),
    (b'{"entities": {"Q472311": {"id": "Q472311", "missing": ""}}, "success": 0}', "unusable answer: success is not 1"),
])
def test_what_is_no_answer_fails_at_once(fake: FakeWikidata, body: bytes, reason: str) -> None:
    fake.serve_next(body)
    waits: list[float] = []
    result = client(fake, waits).get_entities(["Q472311"], "info")
    assert result.failed == {"Q472311": reason} and waits == [] and len(fake.requests) == 1


def test_an_oversize_answer_is_refused_by_its_length_or_while_it_streams(fake: FakeWikidata) -> None:
    small = Client(requests.Session(), WikidataConfig(endpoint=fake.url), sleep=[].append, max_answer_bytes=1000)
    result = small.get_entities(["Q472311"], "info|claims")
    reason = result.failed["Q472311"]
    assert reason.startswith("the answer would be ") and reason.endswith(" bytes, more than the 1000 bytes vaulttool reads")
    # No Content-Length: the client stops reading at the cap, not at the end of a 2 GB stream.
    fake.serve_next(lambda: (b" " * 65536 for _ in range(32768)))
    started = time.monotonic()
    result = small.get_entities(["Q472311"], "info")
    assert result.failed == {"Q472311": "the answer is larger than 1000 bytes"}
    assert time.monotonic() - started < 10


def test_a_bad_statement_is_skipped_and_api_warnings_are_returned(fake: FakeWikidata) -> None:
    answer = reference_answer()
    answer["warnings"] = {"wbgetentities": {"warnings": "Unrecognized value for parameter \"props\": x"}}
    answer["entities"]["Q472311"]["claims"]["P17"][0]["mainsnak"]["datavalue"]["value"] = "Q39"
    fake.serve_json_next(answer)
    result = client(fake, []).get_entities(["Q472311"], "info|claims")
    skipped = ("Q472311: P17: a statement was skipped (mainsnak.datavalue.value is not an object); "
               "the key is left as it is")
    assert result.problems == {"Q472311": [skipped]}
    assert result.warnings == ["wbgetentities: Unrecognized value for parameter \"props\": x"]
    assert result.entities["Q472311"]["claims"]["P17"] == [] and result.entities["Q472311"]["claims"]["P31"]


# --- the retry budget ----------------------------------------------------------------------------

def test_a_retry_after_beyond_the_budget_gives_up_at_once(fake: FakeWikidata) -> None:
    fake.serve_next(b"busy", status=429, headers={"Content-Type": "text/html", "Retry-After": "86400"})
    waits: list[float] = []
    result = client(fake, waits).get_entities(["Q472311"], "info")
    assert waits == [] and len(fake.requests) == 1
    host = urlsplit(fake.url).hostname
    assert result.failed == {"Q472311": f"HTTP 429: {host} asked to wait 86400 s (Retry-After); that is more than "
                                        "the 60 s left of this run's retry budget"}


def test_a_retry_after_beyond_the_budget_ends_the_run_in_real_time(fake: FakeWikidata) -> None:
    fake.serve_next(b"busy", status=429, headers={"Content-Type": "text/html", "Retry-After": "86400"})
    started = time.monotonic()
    result = Client(requests.Session(), WikidataConfig(endpoint=fake.url)).get_entities(["Q472311", "Q1"], "info")
    assert time.monotonic() - started < 5 and len(result.failed) == 2


def test_the_budget_is_shared_by_every_batch(fake: FakeWikidata) -> None:
    fake.fail_next("http_503_html.json", 20)
    waits: list[float] = []
    ids = [f"Q{n}" for n in range(1, 121)]
    result = client(fake, waits, retry_budget=3.0, retry_base_seconds=1.0, max_retries=5).get_entities(ids, "info")
    assert sum(waits) <= 3.0 and len(waits) == 2
    assert len(fake.requests) == 3  # the batches after the first are not sent
    assert set(result.failed.values()) == {"HTTP 503; this run's retry budget of 3 s is spent"}
    assert len(result.failed) == 120


@pytest.mark.parametrize(("retry_after", "maxlag_wait", "expected"), [(None, 5.0, 5.0), (None, 7.0, 7.0), ("9", 5.0, 9.0)])
def test_maxlag_waits_at_least_maxlag_wait(fake: FakeWikidata, retry_after: str | None, maxlag_wait: float,
                                           expected: float) -> None:
    body = b'{"error": {"code": "maxlag", "info": "Waiting for db1: 7 seconds lagged.", "lag": 7}}'
    fake.serve_next(body, headers={"Retry-After": retry_after} if retry_after else {})
    waits: list[float] = []
    result = client(fake, waits, maxlag_wait=maxlag_wait).get_entities(["Q472311"], "info")
    assert waits == [expected] and list(result.entities) == ["Q472311"]


def test_a_refused_connection_fails_fast_naming_the_endpoint(fake: FakeWikidata) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}/w/api.php"
    waits: list[float] = []
    gone = Client(requests.Session(), WikidataConfig(endpoint=endpoint), sleep=waits.append)
    result = gone.get_entities([f"Q{n}" for n in range(1, 61)], "info")
    assert set(result.failed.values()) == {f"cannot connect to {endpoint} (connection refused)"}
    assert len(result.failed) == 60 and gone.requests_made == 1 and waits == []
    assert gone.get_entities(["Q1"], "info").failed == {"Q1": f"cannot connect to {endpoint} (connection refused)"}
    assert gone.requests_made == 1


def test_a_read_timeout_is_retried(fake: FakeWikidata) -> None:
    original = fake.handle
    slept: list[bool] = []

    def slow_once(request: Request) -> Response:
        if not slept:
            slept.append(True)
            time.sleep(0.4)
        return original(request)

    def wait(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(0.3)  # the one-threaded server is still busy with the request that timed out

    fake.server.clear()
    fake.server.expect_request("/w/api.php").respond_with_handler(slow_once)
    waits: list[float] = []
    config = WikidataConfig(endpoint=fake.url, timeout=0.2, retry_base_seconds=0.0)
    result = Client(requests.Session(), config, sleep=wait).get_entities(["Q472311"], "info")
    assert list(result.entities) == ["Q472311"] and len(waits) == 1


@pytest.mark.parametrize(("error", "reason"), [
    (requests.ConnectTimeout(), "no connection within 30 s"),
    (requests.ReadTimeout(), None),
    (requests.ConnectionError(ProtocolError("Connection aborted.")), None),
])
def test_what_counts_as_no_connection_at_all(error: requests.RequestException, reason: str | None) -> None:
    assert _cannot_connect(error, 30.0) == reason
