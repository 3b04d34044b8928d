"""The Wikidata API client: the only module importing requests.

`wbgetentities` with formatversion 2, at most 50 ids a request, ids checked before batching (one bad id
makes the API reject the whole batch), a User-Agent naming vaulttool and a contact, `maxlag=5`,
timeouts, and bounded retries with exponential backoff and jitter on 429, 5xx, HTML error pages,
truncated JSON, read timeouts and the `maxlag` error that comes with HTTP 200.

All waits of one Client share a retry budget (`retry_budget`). A server that asks for a longer wait
(`Retry-After`, or at least `maxlag_wait` after a maxlag error) than the budget has left is not asked
again before that time: the client gives up at once rather than come back early. `max_retry_wait` caps
any single wait. A connection that cannot be made at all (refused, no such host, connect timeout) is
not retried: every batch of that Client fails at once with the same reason.

Every answer is read within bounds and checked by `answer` before it is returned; a batch either
answers every id it asked for or fails as a whole.
"""

from __future__ import annotations

import email.utils
import errno
import random
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from vaulttool import __version__
from vaulttool.config.settings import WikidataConfig
from vaulttool.engine.ids import is_entity_id
from vaulttool.errors import ConfigError
from vaulttool.wikidata import answer

BATCH_SIZE = 50
_RETRYABLE_API_ERRORS = ("maxlag", "ratelimited")
_CHUNK = 64 * 1024


def make_session() -> requests.Session:
    return requests.Session()


@dataclass
class FetchResult:
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)  # cleaned by answer.check_answer
    failed: dict[str, str] = field(default_factory=dict)  # id -> why it could not be fetched
    problems: dict[str, list[str]] = field(default_factory=dict)  # id -> statements or labels dropped
    warnings: list[str] = field(default_factory=list)  # the API's own warnings, as lines


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None, maxlag: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait  # what Retry-After asked for
        self.maxlag = maxlag


class _Fail(Exception):
    pass


class Client:
    def __init__(self, session: requests.Session, config: WikidataConfig,
                 sleep: Callable[[float], None] = time.sleep, max_answer_bytes: int = answer.MAX_BYTES) -> None:
        self.host = urlsplit(config.endpoint).hostname or ""
        if (self.host == "wikidata.org" or self.host.endswith(".wikidata.org")) and not config.contact.strip():
            raise ConfigError(
                "calling wikidata.org needs a contact for the User-Agent (Wikimedia's policy): set "
                "[wikidata] contact in vaulttool.toml or the VAULTTOOL_CONTACT environment variable"
            )
        self.session = session
        self.config = config
        self.sleep = sleep
        self.max_answer_bytes = max_answer_bytes
        self.requests_made = 0
        self.waited = 0.0  # seconds of the retry budget spent
        self._stopped: str | None = None  # why every further batch fails without a request
        contact = f" ({config.contact.strip()})" if config.contact.strip() else ""
        self.user_agent = f"vaulttool/{__version__}{contact} python-requests/{requests.__version__}"

    def get_entities(self, ids: Iterable[str], props: str, languages: tuple[str, ...] = (),
                     fallback: bool = False) -> FetchResult:
        """Fetch entities in batches of 50. Malformed ids and failed batches are in `failed`."""
        result = FetchResult()
        valid: list[str] = []
        for entity_id in dict.fromkeys(ids):
            if is_entity_id(entity_id):
                valid.append(entity_id)
            else:
                result.failed[entity_id] = "not a valid Wikidata id"
        for start in range(0, len(valid), BATCH_SIZE):
            batch = valid[start:start + BATCH_SIZE]
            try:
                checked = self._fetch_batch(batch, props, languages, fallback)
            except _Fail as error:
                result.failed.update({entity_id: str(error) for entity_id in batch})
                continue
            result.entities.update(checked.entities)
            result.failed.update(checked.failed)
            result.problems.update(checked.problems)
            result.warnings += [line for line in checked.warnings if line not in result.warnings]
        return result

    def _fetch_batch(self, ids: list[str], props: str, languages: tuple[str, ...],
                     fallback: bool) -> answer.Checked:
        if self._stopped is not None:
            raise _Fail(self._stopped)
        params = {
            "action": "wbgetentities", "format": "json", "formatversion": "2", "ids": "|".join(ids),
            "props": props, "redirects": "yes", "maxlag": "5",
        }
        if languages:
            params["languages"] = "|".join(languages)
        if fallback:
            params["languagefallback"] = "1"
        attempts = self.config.max_retries + 1
        for attempt in range(attempts):
            try:
                return self._request_once(params, ids, props)
            except _Retry as retry:
                if attempt == attempts - 1:
                    raise _Fail(f"{retry.reason} (gave up after {attempts} attempts)") from None
                wait = self._wait(attempt, retry)
                self.sleep(wait)
                self.waited += wait
        raise AssertionError("unreachable")  # the loop returns or raises

    def _wait(self, attempt: int, retry: _Retry) -> float:
        """How long to wait before the next attempt; _Fail (for this and every later batch) when the
        retry budget cannot pay for it."""
        left = max(0.0, self.config.retry_budget - self.waited)
        asked = retry.wait or 0.0
        if retry.maxlag and self.config.maxlag_wait > asked:
            asked, source = self.config.maxlag_wait, "maxlag"
        else:
            source = "Retry-After"
        if asked > 0:
            if asked > left:
                self._stopped = (f"{retry.reason}: {self.host} asked to wait {asked:g} s ({source}); that is "
                                 f"more than the {left:g} s left of this run's retry budget")
                raise _Fail(self._stopped)
            return min(asked, self.config.max_retry_wait)
        base = self.config.retry_base_seconds
        wait = min(base * 2 ** attempt + random.uniform(0, base), self.config.max_retry_wait)
        if wait > 0 and left <= 0:
            self._stopped = f"{retry.reason}; this run's retry budget of {self.config.retry_budget:g} s is spent"
            raise _Fail(self._stopped)
        return min(wait, left)  # our own backoff may be cut short: no server asked for it

    def _request_once(self, params: dict[str, str], ids: list[str], props: str) -> answer.Checked:
        self.requests_made += 1
        try:
            response = self.session.get(
                self.config.endpoint, params=params, timeout=(self.config.timeout, self.config.timeout),
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip"}, stream=True,
            )
        except requests.RequestException as error:
            cannot = _cannot_connect(error, self.config.timeout)
            if cannot is not None:
                self._stopped = f"cannot connect to {self.config.endpoint} ({cannot})"
                raise _Fail(self._stopped) from None
            if isinstance(error, requests.Timeout):
                raise _Retry(f"no answer within {self.config.timeout:g} s (read timeout)") from None
            raise _Retry(f"network error: {type(error).__name__}") from None
        with response:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retry(f"HTTP {response.status_code}", retry_after)
            if response.status_code != 200:
                raise _Fail(f"HTTP {response.status_code}")
            if "json" not in response.headers.get("Content-Type", ""):
                raise _Retry("the server answered with an HTML page, not JSON", retry_after)
            data = answer_data(self._read(response), self.max_answer_bytes)
        if isinstance(data, dict) and "error" in data:
            api_error = data["error"] if isinstance(data["error"], dict) else {}
            code = answer.printable(api_error.get("code", "unknown"), 60)
            if code in _RETRYABLE_API_ERRORS or code.startswith("internal_api_error"):
                raise _Retry(f"API error {code}", retry_after, maxlag=code == "maxlag")
            raise _Fail(f"API error {code}: {answer.printable(api_error.get('info', ''), 300)}".rstrip(": "))
        try:
            return answer.check_answer(data, ids, props)
        except answer.AnswerError as error:
            raise _Fail(str(error)) from None

    def _read(self, response: requests.Response) -> bytes:
        """The body, read in chunks and never beyond the size cap (which applies after gzip)."""
        cap = self.max_answer_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > cap:
            raise _Fail(f"the answer would be {int(length)} bytes, more than the {answer.size_text(cap)} "
                        "vaulttool reads")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise _Fail(f"the answer is larger than {answer.size_text(cap)}")
                chunks.append(chunk)
        except requests.RequestException as error:  # a dropped connection or a read timeout mid-answer
            raise _Retry(f"network error while reading the answer: {type(error).__name__}") from None
        return b"".join(chunks)


def answer_data(body: bytes, max_bytes: int) -> Any:
    """The parsed body; a truncated one is retried, any other bad body fails its batch."""
    try:
        return answer.read_json(body, max_bytes)
    except answer.AnswerError as error:
        if error.retry:
            raise _Retry(str(error)) from None
        raise _Fail(str(error)) from None


def _cannot_connect(error: requests.RequestException, timeout: float) -> str | None:
    """Why no connection could be made at all, or None when the failure came after connecting (a
    dropped connection, a read timeout: worth retrying)."""
    if isinstance(error, requests.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(error, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return f"{type(error).__name__}"
    if not isinstance(error, requests.ConnectionError):
        return None
    cause = error.args[0] if error.args else None
    reason = cause.reason if isinstance(cause, MaxRetryError) else cause
    if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
        return f"no connection within {timeout:g} s"
    if isinstance(reason, NewConnectionError):
        os_error = reason.__cause__ or reason.__context__
        if isinstance(os_error, socket.gaierror):
            return "host name not found"
        if isinstance(os_error, OSError) and os_error.errno == errno.ECONNREFUSED or "refused" in str(reason):
            return "connection refused"
        return answer.printable(os_error.strerror if isinstance(os_error, OSError) and os_error.strerror else "no connection", 80)
    return None


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
