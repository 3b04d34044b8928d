"""The Wikidata API client: the only module importing requests.

`wbgetentities` with formatversion 2, at most 50 ids a request, ids checked before batching (one bad id
makes the API reject the whole batch), a User-Agent naming vaulttool and a contact, `maxlag=5`,
timeouts, and bounded retries with exponential backoff and jitter on 429, 5xx, HTML error pages,
truncated JSON and the `maxlag` error that comes with HTTP 200. `Retry-After` is honoured up to a cap.
Every response is validated before it is returned; a batch either answers every id it asked for or
fails as a whole.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import requests

from vaulttool import __version__
from vaulttool.config.settings import WikidataConfig
from vaulttool.errors import ConfigError

BATCH_SIZE = 50
ENTITY_ID = re.compile(r"[QP][1-9][0-9]{0,11}")  # longer numbers make the API reject the batch
_RETRYABLE_API_ERRORS = ("maxlag", "ratelimited")


def make_session() -> requests.Session:
    return requests.Session()


@dataclass
class FetchResult:
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # id -> why it could not be fetched


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _Fail(Exception):
    pass


class Client:
    def __init__(self, session: requests.Session, config: WikidataConfig,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        host = urlsplit(config.endpoint).hostname or ""
        if (host == "wikidata.org" or host.endswith(".wikidata.org")) and not config.contact.strip():
            raise ConfigError(
                "calling wikidata.org needs a contact for the User-Agent (Wikimedia's policy): set "
                "[wikidata] contact in vaulttool.toml or the VAULTTOOL_CONTACT environment variable"
            )
        self.session = session
        self.config = config
        self.sleep = sleep
        self.requests_made = 0
        contact = f" ({config.contact.strip()})" if config.contact.strip() else ""
        self.user_agent = f"vaulttool/{__version__}{contact} python-requests/{requests.__version__}"

    def get_entities(self, ids: Iterable[str], props: str, languages: tuple[str, ...] = (),
                     fallback: bool = False) -> FetchResult:
        """Fetch entities in batches of 50. Malformed ids and failed batches are in `failed`."""
        result = FetchResult()
        valid: list[str] = []
        for entity_id in dict.fromkeys(ids):
            if ENTITY_ID.fullmatch(entity_id):
                valid.append(entity_id)
            else:
                result.failed[entity_id] = "not a valid Wikidata id"
        for start in range(0, len(valid), BATCH_SIZE):
            batch = valid[start:start + BATCH_SIZE]
            try:
                result.entities.update(self._fetch_batch(batch, props, languages, fallback))
            except _Fail as error:
                result.failed.update({entity_id: str(error) for entity_id in batch})
        return result

    def _fetch_batch(self, ids: list[str], props: str, languages: tuple[str, ...],
                     fallback: bool) -> dict[str, dict[str, Any]]:
        params = {
            "action": "wbgetentities", "format": "json", "formatversion": "2", "ids": "|".join(ids),
            "props": props, "redirects": "yes", "maxlag": "5",
        }
        if languages:
            params["languages"] = "|".join(languages)
        if fallback:
            params["languagefallback"] = "1"
        reason = ""
        for attempt in range(self.config.max_retries + 1):
            try:
                return self._request_once(params, ids)
            except _Retry as retry:
                reason = retry.reason
                if attempt == self.config.max_retries:
                    break
                self.sleep(self._wait(attempt, retry.wait))
        raise _Fail(f"{reason} (gave up after {self.config.max_retries + 1} attempts)")

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        base = self.config.retry_base_seconds
        wait = retry_after if retry_after is not None else base * 2 ** attempt + random.uniform(0, base)
        return min(wait, self.config.max_retry_wait)

    def _request_once(self, params: dict[str, str], ids: list[str]) -> dict[str, dict[str, Any]]:
        self.requests_made += 1
        try:
            response = self.session.get(
                self.config.endpoint, params=params, timeout=(self.config.timeout, self.config.timeout),
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip"},
            )
            body = response.content
        except requests.RequestException as error:
            raise _Retry(f"network error: {type(error).__name__}") from None
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retry(f"HTTP {response.status_code}", retry_after)
        if response.status_code != 200:
            raise _Fail(f"HTTP {response.status_code}")
        if "json" not in response.headers.get("Content-Type", ""):
            raise _Retry("the server answered with an HTML page, not JSON", retry_after)
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Retry("truncated or invalid JSON") from None
        if not isinstance(data, dict):
            raise _Fail("the answer is not a JSON object")
        if "error" in data:
            api_error = data["error"] if isinstance(data["error"], dict) else {}
            code = str(api_error.get("code", "unknown"))
            if code in _RETRYABLE_API_ERRORS or code.startswith("internal_api_error"):
                raise _Retry(f"API error {code}", retry_after)
            raise _Fail(f"API error {code}: {api_error.get('info', '')}".rstrip(": "))
        entities = data.get("entities")
        if not isinstance(entities, dict) or not all(isinstance(entities.get(i), dict) for i in ids):
            raise _Fail("the answer does not hold every entity asked for")
        return {entity_id: entities[entity_id] for entity_id in ids}


def _retry_after(header: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110)."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
