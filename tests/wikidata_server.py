"""A Wikidata API stand-in for the tests: a real HTTP server on localhost (pytest-httpserver) that
answers `wbgetentities` from the recorded JSON in tests/data/wikidata/, honouring `ids` and `props`.
Items known only by their label (labels.json) have their descriptions and aliases in terms.json, which
answers a request for those.

Scripted failures (`fail_next`) are replayed verbatim from the recorded error envelopes first; `serve_next`
and `serve_json_next` script any other answer (raw bytes, a chunked stream, a hostile JSON shape).
"""

from __future__ import annotations

import base64
import copy
import json
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DATA = Path(__file__).parent / "data" / "wikidata"
INFO_KEYS = ("pageid", "ns", "title", "lastrevid", "modified", "type", "id", "datatype", "redirects", "missing")


def load_entities(*names: str) -> dict[str, dict[str, Any]]:
    entities: dict[str, dict[str, Any]] = {}
    for name in names:
        entities.update(json.loads((DATA / name).read_text(encoding="utf-8"))["entities"])
    return entities


class FakeWikidata:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.entities = load_entities("Q472311.json", "edge.json", "example_entities.json")
        self.labels = load_entities("labels.json", "edge_labels.json")
        self.terms = load_entities("terms.json")
        self.requests: list[dict[str, str]] = []
        self.user_agents: list[str] = []
        self._failures: list[Response] = []
        server.expect_request("/w/api.php").respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/w/api.php")

    def fail_next(self, envelope: str, times: int = 1) -> None:
        """Answer the next `times` requests with a recorded error envelope from errors/."""
        record = json.loads((DATA / "errors" / envelope).read_text(encoding="utf-8"))
        body = base64.b64decode(record["body_base64"]) if "body_base64" in record else record["body"].encode()
        for _ in range(times):
            self._failures.append(Response(body, status=record["status"], headers=record["headers"]))

    def serve_next(self, body: bytes | Callable[[], Iterable[bytes]], status: int = 200,
                   headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with `body` as it is, as JSON unless `headers` say otherwise.
        A callable body is sent as the chunks it yields, without Content-Length (chunked)."""
        headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        for _ in range(times):
            content = body if isinstance(body, bytes) else body()
            self._failures.append(Response(content, status=status, headers=headers, direct_passthrough=True))

    def serve_json_next(self, data: Any, times: int = 1) -> None:
        """Answer the next `times` requests with `data` as a JSON answer, whatever its shape."""
        self.serve_next(json.dumps(data, ensure_ascii=False).encode(), times=times)

    def count(self, props: str) -> int:
        return sum(1 for request in self.requests if request["props"] == props)

    def handle(self, request: Request) -> Response:
        args = dict(request.args)
        self.requests.append(args)
        self.user_agents.append(request.headers.get("User-Agent", ""))
        if self._failures:
            return self._failures.pop(0)
        ids = args["ids"].split("|")
        answer = {entity_id: self._answer(entity_id, args["props"]) for entity_id in ids}
        body = json.dumps({"entities": answer, "success": 1}, ensure_ascii=False)
        return Response(body, status=200, content_type="application/json; charset=utf-8")

    def revision(self, entity_id: str) -> int:
        """An entity's `lastrevid`: a full entity's own; for an item known by its label and terms, one
        made from them, so that a test editing a label or an alias makes a new revision, as an edit does."""
        entity = self.entities.get(entity_id, {})
        if isinstance(entity.get("lastrevid"), int):
            return entity["lastrevid"]
        known = json.dumps([self.labels.get(entity_id), self.terms.get(entity_id)], sort_keys=True)
        return zlib.crc32(known.encode("utf-8")) or 1

    def _answer(self, entity_id: str, props: str) -> dict[str, Any]:
        wanted = set(props.split("|"))
        answer = self._entity(entity_id, wanted)
        if "info" in wanted and "missing" not in answer:
            answer["lastrevid"] = self.revision(entity_id)
        return answer

    def _entity(self, entity_id: str, wanted: set[str]) -> dict[str, Any]:
        if wanted <= {"info", "labels"} and entity_id in self.labels:
            answer = copy.deepcopy(self.labels[entity_id])
            if "labels" not in wanted:
                answer.pop("labels", None)
            return answer
        entity = self.entities.get(entity_id)
        if entity is None and wanted & {"descriptions", "aliases"}:
            entity = self.terms.get(entity_id)
        if entity is None:
            return {"id": entity_id, "missing": ""}
        keep = set(INFO_KEYS) if "info" in wanted else {"type", "id", "datatype", "redirects", "missing"}
        if "claims" in wanted:
            keep.add("claims")
        if "labels" in wanted:
            keep.add("labels")
        if "descriptions" in wanted:
            keep.add("descriptions")
        if "aliases" in wanted:
            keep.add("aliases")
        if "sitelinks" in wanted or "sitelinks/urls" in wanted:
            keep.add("sitelinks")
        return {key: copy.deepcopy(value) for key, value in entity.items() if key in keep}
