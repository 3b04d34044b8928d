"""The client alone, against the local server: waits, batching and id checks."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
from pytest_httpserver import HTTPServer
from wikidata_server import FakeWikidata

from vaulttool.config.settings import WikidataConfig
from vaulttool.wikidata.client import Client, _retry_after


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
