"""Every case of the recorded edge.json, mapped to the value the vault gets."""

from __future__ import annotations

import datetime

import pytest
from wikidata_server import load_entities

from vaulttool.config.settings import WikidataConfig
from vaulttool.wikidata.mapping import (
    derived_key,
    format_time,
    is_id_property,
    parse_label,
    property_values,
    safe_label,
)

TODAY = datetime.date(2026, 11, 23)
ENTITIES = load_entities("edge.json")
EDGE = ENTITIES["Q999999900"]["claims"]
LABELS = {key: parse_label(entity, ("en",)) for key, entity in ENTITIES.items()}
CONFIG = WikidataConfig()


def values(property_id: str, config: WikidataConfig = CONFIG) -> list:
    return property_values(property_id, EDGE[property_id], LABELS, config, TODAY).values


def link(label: str, number: int) -> str:
    return f"[[_Standards/WikiData/WD~{label},{number}]]"


@pytest.mark.parametrize(
    ("property_id", "expected"),
    [
        ("P3975", []),  # somevalue: nothing to write
        ("P576", []),  # novalue: nothing to write
        ("P1366", [link("_AC_DC__Live__1____Remastered__.._edition_", 999999901)]),
        ("P1365", [link("🌍_منظمة_الهجرة_الدولية_(IOM)", 999999902)]),  # bidi mark removed
        ("P361", [link("UNHCR", 999999903)]),  # the `mul` fallback label
        ("P749", [link("Redirect_target_item", 999999905)]),  # the redirect's target
        ("P127", []),  # missing item: reported as unresolved, see below
        ("P1659", []),  # a property value has no safe link
        ("P2046", [1.5]),
        ("P2044", [-27.5]),
        ("P571", ["2019-03-01T00:00:00Z"]),
        ("P580", ["-0499-01-01T00:00:00Z"]),
        ("P585", ["-0043-03-13T00:00:00Z"]),  # Julian 15 March 44 BCE, made Gregorian
        ("P625", ["Point(151.215297 -33.856784)"]),
        ("P1813", ["🇺🇳", "NO"]),
        ("P213", ["0000000400000017"]),
        ("P373", ["yes"]),
        ("P18", ["http://commons.wikimedia.org/wiki/Special:FilePath/"
                 "Ch%C3%A2teau%20d%27%C5%92x%20%E2%80%94%20panorama%20%282020%29%20%231%20%26%20more.jpg"]),
        ("P159", [link("Current_seat_city", 999999906), link("Former_seat_city", 999999907)]),  # as wdt: gives
        ("P856", []),  # all deprecated
    ],
)
def test_edge_case(property_id: str, expected: list) -> None:
    assert values(property_id) == expected


def test_missing_item_is_unresolved_not_invented() -> None:
    result = property_values("P127", EDGE["P127"], LABELS, CONFIG, TODAY)
    assert (result.values, result.unresolved) == ([], ["Q999999999"])


def test_a_current_only_property_drops_what_ended_before_the_as_of_day() -> None:
    config = WikidataConfig(current_only=("P159",))
    assert values("P159", config) == [link("Current_seat_city", 999999906)]  # the other ended in 1999
    before_it_ended = property_values("P159", EDGE["P159"], LABELS, config, datetime.date(1999, 12, 31)).values
    assert len(before_it_ended) == 2


def test_a_current_only_property_keeps_the_last_ended_value_rather_than_none() -> None:
    ended = [dict(statement, qualifiers={"P582": [{"snaktype": "value", "datavalue": {"value": {
        "time": f"+{year}-00-00T00:00:00Z", "precision": 9}}}]})
        for statement, year in zip(EDGE["P159"], (2001, 2005))]
    config = WikidataConfig(current_only=("P159",))
    assert property_values("P159", ended, LABELS, config, TODAY).values == [link("Former_seat_city", 999999907)]


def test_property_entity_in_a_response_is_parsed() -> None:
    assert LABELS["P31"].datatype == "wikibase-item" and LABELS["P31"].text == "instance of"


@pytest.mark.parametrize(
    ("time", "precision", "calendar", "wdqs", "precise"),
    [
        ("+1951-00-00T00:00:00Z", 9, "Q1985727", "1951-01-01T00:00:00Z", "1951"),
        ("+2019-03-00T00:00:00Z", 10, "Q1985727", "2019-03-01T00:00:00Z", "2019-03"),
        ("+2024-06-01T00:00:00Z", 11, "Q1985727", "2024-06-01T00:00:00Z", "2024-06-01"),
        ("-0500-00-00T00:00:00Z", 9, "Q1985727", "-0499-01-01T00:00:00Z", "-0500"),
        ("-0044-03-15T00:00:00Z", 11, "Q1985786", "-0043-03-13T00:00:00Z", "-0044-03-15"),
        ("+1582-10-04T00:00:00Z", 11, "Q1985786", "1582-10-14T00:00:00Z", "1582-10-04"),
    ],
)
def test_time_formats(time: str, precision: int, calendar: str, wdqs: str, precise: str) -> None:
    value = {"time": time, "precision": precision, "calendarmodel": f"http://www.wikidata.org/entity/{calendar}"}
    assert format_time(value, "wdqs") == wdqs
    assert format_time(value, "precision") == precise


def test_keys_and_id_properties() -> None:
    assert derived_key("has part(s)") == "has_part_s_"
    assert derived_key("X (Twitter) username") == "X_Twitter_username"
    assert derived_key("EU Corporate body code") == "EU_Corporate_body_code"
    assert is_id_property("VIAF ID") and not is_id_property("ISNI") and not is_id_property("IDentity")


def test_safe_label_caps_bytes_without_splitting_a_character() -> None:
    assert safe_label("é" * 300, 201) == "é" * 100
    assert safe_label("a\x00b\u202ec/d", 50) == "abc_d"


def test_a_key_is_the_same_whatever_the_labels_unicode_spelling() -> None:
    composed, decomposed = "d\u00e9put\u00e9", "de\u0301pute\u0301"
    assert derived_key(decomposed) == derived_key(composed) == "d\u00e9put\u00e9"
