"""The answer checks alone (vaulttool.wikidata.answer): bytes and data in, cleaned entities or a refusal out.

`data/wikidata/real_Q42_full.json` is a verbatim formatversion-2 answer for Q42 (siznax/wptools,
tests/wikidata.py at a98a544f, MIT), kept to hold the checks to a real, large answer.
"""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wikidata_server import DATA

from vaulttool.config.settings import WikidataConfig
from vaulttool.wikidata import mapping
from vaulttool.wikidata.answer import AnswerError, Checked, check_answer, check_entity, nesting_depth, read_json
from vaulttool.wikidata.values import Label

REFERENCE = json.loads((DATA / "Q472311.json").read_text(encoding="utf-8"))
EDGE = json.loads((DATA / "edge.json").read_text(encoding="utf-8"))
Q42 = (DATA / "real_Q42_full.json").read_bytes()
FULL = "info|claims"


def envelope(*entities: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"entities": {entity["id"]: entity for entity in entities}, "success": 1, **extra}


def item(entity_id: str = "Q1", claims: Any = None, **extra: Any) -> dict[str, Any]:
    entity = {"type": "item", "id": entity_id, "lastrevid": 7, "modified": "2024-01-01T00:00:00Z", **extra}
    entity["claims"] = {"P31": [statement()]} if claims is None else claims
    return entity


def statement(value: Any = None, property_id: str = "P31", datatype: str = "wikibase-item", **extra: Any) -> dict[str, Any]:
    value = {"type": "wikibase-entityid", "value": {"entity-type": "item", "numeric-id": 5, "id": "Q5"}} \
        if value is None else value
    snak = {"snaktype": "value", "property": property_id, "hash": "h", "datatype": datatype, "datavalue": value}
    return {"mainsnak": snak, "type": "statement", "id": "Q1$1", "rank": "normal", **extra}


def refused(data: Any, ids: list[str] | None = None, props: str = FULL) -> str:
    """Why the answer, or the one entity of it that was refused, is not used."""
    try:
        checked = check_answer(data, ids or ["Q1"], props)
    except AnswerError as error:
        return str(error)
    assert len(checked.failed) == 1, f"no entity of the answer was refused: {checked}"
    return next(iter(checked.failed.values()))


# --- the bounded reader ------------------------------------------------------------------------

def test_5000_deep_nesting_is_refused_without_recursion_error() -> None:
    for body in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
                 b'{"entities":{"Q1":{"id":"Q1","claims":{"P31":' + b"[" * 5000 + b"]" * 5000 + b'}}},"success":1}'):
        with pytest.raises(AnswerError, match="nests deeper than 64 levels"):
            read_json(body)


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert nesting_depth('{"a": ["[[[[", {"b": "}}\\"[["}]}') == 3
    assert read_json(b'{"a": "' + b"[" * 5000 + b'"}') == {"a": "[" * 5000}


@pytest.mark.parametrize(("body", "message"), [
    (b'{"a": NaN}', "holds NaN, which is not JSON"),
    (b'{"a": Infinity}', "holds Infinity"),
    (b'{"a": -Infinity}', "holds -Infinity"),
    (b'{"a": 1e999}', "a number out of range"),
    (b'{"a": 1, "b": 2, "a": 3}', "repeats the key 'a' in one object"),
    (b'{"a": "\\ud800"}', "lone surrogate"),
    (b'{"a": ' + b"9" * 5000 + b"}", "a number with too many digits"),
    (b'{"a": "\xff"}', r"not UTF-8 \(byte 7\)"),
])
def test_what_is_not_json_data_is_refused_and_not_retried(body: bytes, message: str) -> None:
    with pytest.raises(AnswerError, match=message) as caught:
        read_json(body)
    assert caught.value.retry is False


@pytest.mark.parametrize("body", [b'{"entities": {"Q1": {', b'{"a": "\xc3', b"", b"<html>"])
def test_truncated_json_is_refused_for_a_retry(body: bytes) -> None:
    with pytest.raises(AnswerError, match="truncated or invalid JSON") as caught:
        read_json(body)
    assert caught.value.retry is True


def test_an_oversize_body_is_refused() -> None:
    body = json.dumps(envelope(item())).encode()
    assert read_json(body, max_bytes=len(body)) == envelope(item())
    with pytest.raises(AnswerError, match=f"larger than {len(body) - 1} bytes"):
        read_json(body, max_bytes=len(body) - 1)


# --- the envelope and the entity ---------------------------------------------------------------

@pytest.mark.parametrize("success", [0, "1", True, None, 2])
def test_success_other_than_1_is_refused(success: Any) -> None:
    data = envelope(item())
    data["success"] = success
    assert refused(data) == "unusable answer: success is not 1"
    del data["success"]
    assert refused(data) == "unusable answer: success is missing"


def test_claims_as_a_list_refuses_that_entity_and_the_rest_of_the_batch_is_used() -> None:
    data = envelope(item("Q1"), item("Q2", claims=[]))
    assert refused(data, ["Q1", "Q2"]) == "unusable answer: Q2: claims is not an object"
    checked = check_answer(data, ["Q1", "Q2"], FULL)
    assert list(checked.entities) == ["Q1"] and list(checked.failed) == ["Q2"]


def test_an_answer_without_claims_is_refused_when_claims_were_asked_for() -> None:
    entity = item()
    del entity["claims"]
    assert refused(envelope(entity)) == "unusable answer: Q1: the entity has no claims, which were asked for"
    assert check_answer(envelope(entity), ["Q1"], "info").entities["Q1"]["lastrevid"] == 7


def test_an_entity_for_another_id_is_refused() -> None:
    data = {"entities": {"Q1": item("Q2")}, "success": 1}
    assert refused(data) == "unusable answer: Q1: the answer is for Q2, not for the id asked for"
    data = {"entities": {"Q1": item("Q2", redirects={"from": "Q3", "to": "Q2"})}, "success": 1}
    assert "does not lead from the id asked for" in refused(data)
    data = {"entities": {"Q1": item("Q2", redirects={"from": "Q1", "to": "Q4"})}, "success": 1}
    assert "does not lead from the id asked for" in refused(data)


def test_a_documented_redirect_is_accepted() -> None:
    data = {"entities": {"Q1": item("Q2", redirects={"from": "Q1", "to": "Q2"})}, "success": 1}
    checked = check_answer(data, ["Q1"], FULL)
    assert checked.entities["Q1"]["redirects"] == {"from": "Q1", "to": "Q2"}
    assert checked.entities["Q1"]["id"] == "Q2" and checked.problems == {}


def test_a_missing_entity_is_fine_and_every_asked_id_must_be_there() -> None:
    data = envelope({"id": "Q9", "missing": ""}, item("Q1"))
    checked = check_answer(data, ["Q9", "Q1"], FULL)
    assert checked.entities["Q9"] == {"id": "Q9", "missing": ""}
    assert refused(data, ["Q1", "Q8", "Q7"]) == "unusable answer: it does not hold Q8 and 1 more ids, which it was asked for"


def test_a_bad_statement_leaves_its_property_out_with_a_problem_and_the_rest_kept() -> None:
    bad = statement()
    bad["mainsnak"]["datavalue"]["value"] = "Q5"
    entity = item(claims={"P31": [bad, statement()], "P17": [statement(property_id="P17")]})
    checked = check_answer(envelope(entity), ["Q1"], FULL)
    assert checked.problems == {"Q1": ["Q1: P31: a statement was skipped (mainsnak.datavalue.value is not an object); "
                                       "the key is left as it is"]}
    # P31's good statement goes too: written alone, it would drop the value the bad one stands for.
    assert checked.entities["Q1"]["claims"]["P31"] == [] and len(checked.entities["Q1"]["claims"]["P17"]) == 1


def test_api_warnings_are_returned_as_lines() -> None:
    data = envelope(item(), warnings={"main": {"warnings": "Unrecognized parameter: foo.\nSecond."},
                                      "wbgetentities": {"*": "Old\x1b[31m style."}})
    assert check_answer(data, ["Q1"], FULL).warnings == [
        "main: Unrecognized parameter: foo.", "main: Second.", "wbgetentities: Old [31m style."]
    data = envelope(item(), warnings=[{"code": "deprecated", "module": "main", "text": "props=foo"}])
    assert check_answer(data, ["Q1"], FULL).warnings == ["main: props=foo"]


def test_a_bad_label_is_dropped_with_a_problem() -> None:
    entity = {"type": "item", "id": "Q1", "labels": {"en": {"language": "en", "value": "One"},
                                                      "de": {"language": "de", "value": 1},
                                                      "x y": {"language": "x", "value": "?"}}}
    checked = check_answer(envelope(entity), ["Q1"], "labels")
    assert checked.entities["Q1"]["labels"] == {"en": {"language": "en", "value": "One"}}
    assert checked.problems["Q1"] == ["Q1: the de label was skipped (value is not a string)",
                                      "Q1: a label under a key that is no language code was skipped"]


def test_descriptions_and_sitelinks_are_kept_when_asked_for_and_cleaned() -> None:
    """`vaulttool new` reads an item's English description and its enwiki title: kept as language and
    value, site and title (no badges, no URL), and only when the request asked for them."""
    props = "info|claims|labels|descriptions|sitelinks/urls"
    entity = check_answer(REFERENCE, ["Q472311"], props).entities["Q472311"]
    assert entity["descriptions"]["en"] == {"language": "en", "value": "United Nations related organization "
                                                                        "working in the field of migration"}
    assert entity["sitelinks"] == {"enwiki": {"site": "enwiki", "title": "International Organization for Migration"}}
    assert "descriptions" not in check_answer(REFERENCE, ["Q472311"], FULL).entities["Q472311"]
    assert "sitelinks" not in check_answer(REFERENCE, ["Q472311"], FULL).entities["Q472311"]


def test_a_bad_description_or_sitelink_is_dropped_with_a_problem() -> None:
    entity = {"type": "item", "id": "Q1",
              "descriptions": {"en": {"language": "en", "value": "one"}, "de": {"language": "de"}},
              "sitelinks": {"enwiki": {"site": "enwiki", "title": "One", "badges": [], "url": "https://x"},
                            "dewiki": {"site": "frwiki", "title": "Eins"}, "eswiki": {"site": "eswiki", "title": 1}}}
    checked = check_answer(envelope(entity), ["Q1"], "descriptions|sitelinks/urls")
    assert checked.entities["Q1"]["descriptions"] == {"en": {"language": "en", "value": "one"}}
    assert checked.entities["Q1"]["sitelinks"] == {"enwiki": {"site": "enwiki", "title": "One"}}
    assert checked.problems["Q1"] == ["Q1: the de description was skipped (value is missing)",
                                      "Q1: a sitelink that is not a site and title was skipped",
                                      "Q1: a sitelink that is not a site and title was skipped"]
    refused = {"entities": {"Q1": {"id": "Q1", "sitelinks": []}}, "success": 1}
    assert check_answer(refused, ["Q1"], "sitelinks").failed == {"Q1": "unusable answer: Q1: sitelinks is not an object"}


def test_entities_are_cleaned_to_what_vaulttool_reads() -> None:
    checked = check_answer(REFERENCE, ["Q472311"], FULL)
    entity = checked.entities["Q472311"]
    assert set(entity) == {"id", "type", "lastrevid", "modified", "claims"} and checked.problems == {}
    statements = [s for property_statements in entity["claims"].values() for s in property_statements]
    assert len(statements) == sum(len(s) for s in REFERENCE["entities"]["Q472311"]["claims"].values())
    assert {key for s in statements for key in s} <= {"mainsnak", "rank", "qualifiers", "id"}
    assert {key for s in statements for key in s["mainsnak"]} == {"snaktype", "property", "datatype", "datavalue"}


@pytest.mark.parametrize(("data", "ids", "props"), [
    (REFERENCE, ["Q472311"], FULL), (EDGE, list(EDGE["entities"]), "info|claims|labels"),
    (json.loads(Q42), ["Q42"], "info|claims|labels"),
    (REFERENCE, ["Q472311"], "info|claims|labels|descriptions|sitelinks"),
    (json.loads(Q42), ["Q42"], "info|claims|labels|descriptions|sitelinks/urls"),
])
def test_a_cleaned_entity_passes_again_unchanged(data: dict[str, Any], ids: list[str], props: str) -> None:
    """Stored entities are checked again by refresh: what the check returns must pass it as it is."""
    checked = check_answer(data, ids, props)
    assert checked.problems == {}
    for entity_id, entity in checked.entities.items():
        assert check_entity(entity_id, copy.deepcopy(entity), props) == (entity, [])


def test_the_real_q42_answer_is_read_and_kept_whole() -> None:
    checked = check_answer(read_json(Q42), ["Q42"], FULL)
    claims = checked.entities["Q42"]["claims"]
    assert sum(map(len, claims.values())) == 127 and checked.problems == {} and checked.warnings == []


# --- hostile shapes: each ends in a refusal or a cleaning, never in a traceback -----------------

def _with(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """An entity Q1 whose P31 statement has `value` at `path` (`_delete` removes the key)."""
    entity = item() if base is None else base
    target: Any = entity["claims"]["P31"][0]
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    if value == "_delete":
        del target[last]
    else:
        target[last] = value
    return envelope(entity)


TIME = {"type": "time", "value": {"time": "+2020-01-01T00:00:00Z", "precision": 11, "timezone": 0, "before": 0,
                                  "after": 0, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}}
HOSTILE = [
    # (id, answer, "refused: …" or "skipped: …")
    ("entities-list", {"entities": [], "success": 1}, "refused: entities is not an object"),
    ("answer-list", [], "refused: the answer is not an object"),
    ("entity-string", {"entities": {"Q1": "Q1"}, "success": 1}, "refused: Q1: the entity is not an object"),
    ("id-number", {"entities": {"Q1": {**item(), "id": 1}}, "success": 1}, "refused: Q1: id is not a string"),
    ("lastrevid-string", envelope(item(lastrevid="7")), "refused: Q1: lastrevid is not an integer"),
    ("redirect-to-garbage", {"entities": {"Q1": item("Q1]]", redirects={"from": "Q1", "to": "Q1]]"})}, "success": 1},
     "refused: Q1: redirects.to is not in the expected form"),
    ("claims-key", envelope(item(claims={"../../x": []})), "refused: Q1: claims has a key that is not a property id"),
    ("claims-dict-of-dict", envelope(item(claims={"P31": {}})), "refused: Q1: claims.P31 is not a list"),
    ("labels-list", {"entities": {"Q1": {"id": "Q1", "labels": []}}, "success": 1}, "refused: Q1: labels is not an object"),
    ("statement-string", envelope(item(claims={"P31": ["x"]})), "skipped: the statement is not an object"),
    ("no-mainsnak", _with("mainsnak", "_delete"), "skipped: mainsnak is missing"),
    ("rank", _with("rank", "best"), "skipped: rank is not one of preferred, normal, deprecated"),
    ("snaktype", _with("mainsnak.snaktype", "evil"), "skipped: mainsnak.snaktype is not one of value, somevalue, novalue"),
    ("property-mismatch", _with("mainsnak.property", "P17"), "skipped: mainsnak.property is P17, not P31"),
    ("no-datavalue", _with("mainsnak.datavalue", "_delete"), "skipped: mainsnak.datavalue is missing"),
    ("item-id-link", _with("mainsnak.datavalue.value.id", "Q5]]|x"), "skipped: mainsnak.datavalue.value.id is not in"),
    ("item-as-string", _with("mainsnak.datavalue", {"type": "string", "value": "Q5"}),
     'skipped: mainsnak.datavalue.type is not "wikibase-entityid"'),
    ("unknown-value-type", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "x-new",
                                              "datavalue": {"type": "x-new", "value": {}}}),
     "skipped: mainsnak.datavalue.type is not one of string"),
    ("time-month-13", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "time", "datavalue": {
        **TIME, "value": {**TIME["value"], "time": "+2020-13-01T00:00:00Z"}}}), "skipped: mainsnak.datavalue.value.time is not in"),
    ("time-30-february", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "time", "datavalue": {
        **TIME, "value": {**TIME["value"], "time": "+2021-02-30T00:00:00Z"}}}), "skipped: a day that does not exist"),
    ("time-precision", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "time", "datavalue": {
        **TIME, "value": {**TIME["value"], "precision": 99}}}), "skipped: mainsnak.datavalue.value.precision is out of range"),
    ("quantity-exponent", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "quantity", "datavalue": {
        "type": "quantity", "value": {"amount": "1e999999999", "unit": "1"}}}), "skipped: mainsnak.datavalue.value.amount is not in"),
    ("coordinate-bool", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "globe-coordinate",
                                           "datavalue": {"type": "globecoordinate", "value": {"latitude": True, "longitude": 1}}}),
     "skipped: mainsnak.datavalue.value.latitude is not a number"),
    ("monolingual-no-text", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "monolingualtext",
                                               "datavalue": {"type": "monolingualtext", "value": {"language": "en"}}}),
     "skipped: mainsnak.datavalue.value.text is missing"),
    ("huge-string", _with("mainsnak", {"snaktype": "value", "property": "P31", "datatype": "string",
                                       "datavalue": {"type": "string", "value": "x" * 20_000}}), "skipped: mainsnak.datavalue.value is too long"),
    ("qualifiers-list", _with("qualifiers", []), "skipped: qualifiers is not an object"),
    ("qualifier-mismatch", _with("qualifiers", {"P580": [statement(property_id="P585")["mainsnak"]]}),
     "skipped: qualifiers.P580.0.property is P585, not P580"),
    ("end-time-as-string", _with("qualifiers", {"P582": [{"snaktype": "value", "property": "P582", "datatype": "string",
                                                          "datavalue": {"type": "string", "value": "2020"}}]}),
     'skipped: qualifiers.P582.0.datatype is not "time"'),
    ("mixed-datatypes", envelope(item(claims={"P31": [statement(), statement(
        {"type": "string", "value": "x"}, datatype="string")]})), "skipped: its datatype 'string' is not the property's wikibase-item"),
]


@pytest.mark.parametrize(("data", "expected"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_shapes_end_in_a_refusal_or_a_cleaning(data: Any, expected: str) -> None:
    outcome, text = expected.split(": ", 1)
    if outcome == "refused":
        message = refused(data)
        assert message.startswith("unusable answer: ") and text in message
        return
    checked = check_answer(data, ["Q1"], FULL)
    assert len(checked.problems["Q1"]) == 1 and text in checked.problems["Q1"][0], checked.problems
    assert checked.problems["Q1"][0].startswith("Q1: P31: a statement was skipped (")
    _map_everything(checked)


def _map_everything(checked: Checked) -> None:
    """What refresh does with a checked entity must run: no shape that got through may raise later."""
    config = WikidataConfig(current_only=("P31", "P17"))
    labels = {item_id: Label(item_id) for item_id in ("Q5", "Q39")}
    day = datetime.date(2024, 1, 1)
    for entity in checked.entities.values():
        mapping.referenced_items(entity, day, config)
        for property_id, statements in entity.get("claims", {}).items():
            mapping.property_values(property_id, statements, labels, config, day)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=8), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["id", "P31", "value", "type", "time", "mainsnak", "x"]), inner,
                                      max_size=3), max_leaves=8)
PATHS = ["mainsnak", "mainsnak.datavalue", "mainsnak.datavalue.value", "mainsnak.datavalue.value.id",
         "mainsnak.datatype", "mainsnak.snaktype", "qualifiers", "rank"]


@settings(max_examples=150)
@given(path=st.sampled_from(PATHS), value=JSON)
def test_any_value_anywhere_in_a_statement_is_refused_or_cleaned(path: str, value: Any) -> None:
    try:
        checked = check_answer(_with(path, value), ["Q1"], FULL)
    except AnswerError:
        return
    _map_everything(checked)


def test_a_statement_seen_before_is_still_checked_for_its_id() -> None:
    """Verdicts on good statements are remembered by their text without the id: the id is checked each time."""
    bad = statement(id=5)
    checked = check_answer(envelope(item(claims={"P31": [statement(), bad]})), ["Q1"], FULL)
    assert checked.problems == {"Q1": ["Q1: P31: a statement was skipped (id is not a string); the key is left as it is"]}
