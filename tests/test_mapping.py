"""Every case of the recorded edge.json, mapped to the value the vault gets."""

from __future__ import annotations

import datetime

import pytest
from wikidata_server import load_entities

from vaulttool.config.settings import WikidataConfig
from vaulttool.engine.scalars import DateText
from vaulttool.wikidata.mapping import derived_key, is_id_property, parse_label, property_values
from vaulttool.wikidata.values import GREGORIAN, Skip, format_time, safe_label

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


G, J = "Q1985727", "Q1985786"  # Gregorian, Julian


@pytest.mark.parametrize(
    ("time", "precision", "calendar", "wdqs", "precise"),
    [
        # year and coarser: month and day 01; BCE years astronomical only from year precision on
        ("+1951-00-00T00:00:00Z", 9, G, "1951-01-01T00:00:00Z", "1951"),
        ("-0500-00-00T00:00:00Z", 9, G, "-0499-01-01T00:00:00Z", "-0499"),
        ("-0001-00-00T00:00:00Z", 9, G, "0000-01-01T00:00:00Z", "0000"),  # 1 BCE is year 0
        ("-0500-00-00T00:00:00Z", 8, G, "-0500-01-01T00:00:00Z", "-0500"),  # decade: as given
        ("-0500-00-00T00:00:00Z", 7, G, "-0500-01-01T00:00:00Z", "-0500"),  # century
        ("-3000-00-00T00:00:00Z", 6, G, "-3000-01-01T00:00:00Z", "-3000"),  # millennium
        ("+1950-00-00T00:00:00Z", 8, J, "1950-01-01T00:00:00Z", "1950"),  # calendar ignored above day
        ("-13798000000-00-00T00:00:00Z", 0, G, "-13798000000-01-01T00:00:00Z", "-13798000000"),
        ("+00000002014-05-00T00:00:00Z", 9, G, "2014-01-01T00:00:00Z", "2014"),  # padding dropped
        # month: day 01; a Julian month is not converted
        ("+2019-03-00T00:00:00Z", 10, G, "2019-03-01T00:00:00Z", "2019-03"),
        ("-0044-03-00T00:00:00Z", 10, J, "-0043-03-01T00:00:00Z", "-0043-03"),
        # day: Julian made Gregorian, astronomical years
        ("+2024-06-01T00:00:00Z", 11, G, "2024-06-01T00:00:00Z", "2024-06-01"),
        ("-0044-03-15T00:00:00Z", 11, J, "-0043-03-13T00:00:00Z", "-0043-03-13"),
        ("-0100-07-12T00:00:00Z", 11, J, "-0099-07-10T00:00:00Z", "-0099-07-10"),  # Wikibase's own test
        ("+1582-10-04T00:00:00Z", 11, J, "1582-10-14T00:00:00Z", "1582-10-14"),
        ("+1700-02-29T00:00:00Z", 11, J, "1700-03-11T00:00:00Z", "1700-03-11"),  # a Julian leap day
        ("+0001-01-01T00:00:00Z", 11, J, "0000-12-30T00:00:00Z", "0000-12-30"),
        ("-4714-01-01T00:00:00Z", 11, J, "-4713-01-01T00:00:00Z", "-4713-01-01"),  # too early: not converted
        ("-4713-01-02T00:00:00Z", 11, J, "-4713-11-25T00:00:00Z", "-4713-11-25"),  # Wikibase's own tests
        ("-4713-01-01T00:00:00Z", 11, J, "-4712-01-01T00:00:00Z", "-4712-01-01"),  # Julian day 0: as Gregorian
        ("+1465072-01-01T00:00:00Z", 11, J, "1465102-01-30T00:00:00Z", "1465102-01-30"),
        ("+1465073-01-01T00:00:00Z", 11, J, "1465073-01-01T00:00:00Z", "1465073-01-01"),
        ("-2014-01-05T12:34:56Z", 11, J, "-2014-12-19T12:34:56Z", "-2014-12-19"),
        ("+2000-02-29T00:00:00Z", 11, G, "2000-02-29T00:00:00Z", "2000-02-29"),
        # finer than a day: the time of day as given
        ("+2019-03-15T12:00:00Z", 12, G, "2019-03-15T12:00:00Z", "2019-03-15T12:00Z"),
        ("+2019-03-15T12:34:00Z", 13, G, "2019-03-15T12:34:00Z", "2019-03-15T12:34Z"),
        ("+2019-03-15T12:34:56Z", 14, G, "2019-03-15T12:34:56Z", "2019-03-15T12:34:56Z"),
    ],
)
def test_time_formats(time: str, precision: int, calendar: str, wdqs: str, precise: str) -> None:
    value = {"time": time, "precision": precision, "calendarmodel": f"http://www.wikidata.org/entity/{calendar}"}
    assert format_time(value, "wdqs") == wdqs
    assert format_time(value, "precision") == precise


@pytest.mark.parametrize(
    ("time", "precision", "calendar", "reason"),
    [
        ("+2024-02-30T00:00:00Z", 11, G, "+2024-02-30 is not a day of the Gregorian calendar"),
        ("+1900-02-29T00:00:00Z", 11, G, "+1900-02-29 is not a day of the Gregorian calendar"),
        ("+1901-02-29T00:00:00Z", 11, J, "+1901-02-29 is not a day of the Julian calendar"),
        ("+2024-04-31T00:00:00Z", 11, G, "+2024-04-31 is not a day of the Gregorian calendar"),
        ("+2024-06-00T00:00:00Z", 11, G, "+2024-06-00 is not a day of the Gregorian calendar"),
        ("+2024-00-00T00:00:00Z", 10, G, "month 00 does not exist (a time of month precision or finer)"),
        ("+2024-13-01T00:00:00Z", 11, G, "month 13 does not exist (a time of month precision or finer)"),
        ("+0000-00-00T00:00:00Z", 9, G, "year 0 is not a Wikidata year (1 BCE is -0001); the Query Service writes no value"),
        ("-0000-00-00T00:00:00Z", 7, G, "year 0 is not a Wikidata year (1 BCE is -0001); the Query Service writes no value"),
        ("+2024-06-01T24:00:00Z", 11, G, "the time of day 24:00:00 does not exist"),
        ("+2024-06-01T00:00:00Z", 15, G, "the time precision 15 is not one of Wikidata's (0-14)"),
        ("+2024-06-01T00:00:00Z", 11, "Q12138", "the calendar 'http://www.wikidata.org/entity/Q12138' is neither Gregorian nor Julian"),
        ("2024-06-01", 11, G, "the time '2024-06-01' is not a Wikidata time"),
        ("+\u0662\u0660\u0662\u0664-06-01T00:00:00Z", 11, G, "the time '+\u0662\u0660\u0662\u0664-06-01T00:00:00Z' is not a Wikidata time"),
    ],
)
def test_malformed_times_are_skipped_with_a_reason(time: str, precision: int, calendar: str, reason: str) -> None:
    value = {"time": time, "precision": precision, "calendarmodel": f"http://www.wikidata.org/entity/{calendar}"}
    assert format_time(value, "wdqs") == format_time(value, "precision") == Skip(reason)


def test_fields_finer_than_the_precision_are_not_checked() -> None:
    value = {"time": "+2024-02-30T00:00:00Z", "precision": 10, "calendarmodel": f"http://www.wikidata.org/entity/{G}"}
    assert format_time(value, "wdqs") == "2024-02-01T00:00:00Z"
    value = {"time": "+2024-13-00T00:00:00Z", "precision": 9, "calendarmodel": f"http://www.wikidata.org/entity/{G}"}
    assert format_time(value, "wdqs") == "2024-01-01T00:00:00Z"


def test_full_dates_are_date_text_and_partial_ones_plain_strings() -> None:
    def time(text: str, precision: int, style: str) -> object:
        return format_time({"time": text, "precision": precision, "calendarmodel": GREGORIAN}, style)
    assert type(time("+1951-00-00T00:00:00Z", 9, "wdqs")) is DateText
    assert type(time("+1951-03-15T00:00:00Z", 11, "precision")) is DateText
    assert type(time("+1951-00-00T00:00:00Z", 9, "precision")) is str  # `1951`: written quoted
    assert type(time("+1951-03-00T00:00:00Z", 10, "precision")) is str
    assert type(time("+13798000000-00-00T00:00:00Z", 3, "wdqs")) is str  # no 4-digit year: no date form


def test_keys_and_id_properties() -> None:
    assert derived_key("has part(s)") == "has_part_s_"
    assert derived_key("X (Twitter) username") == "X_Twitter_username"
    assert derived_key("EU Corporate body code") == "EU_Corporate_body_code"
    assert is_id_property("VIAF ID") and not is_id_property("ISNI") and not is_id_property("IDentity")


def test_safe_label_caps_bytes_without_splitting_a_character() -> None:
    assert safe_label("é" * 300, 201) == "é" * 100
    assert safe_label("a\x00b\u202ec/d", 50) == "abc_d"
    assert safe_label("e\u200d\u0301", 50) == "\u00e9"  # the joiner goes, then NFC composes
    assert safe_label("\u00ad\ufeffa\u200bb\u2028c", 50) == "ab_c"


def test_a_key_is_the_same_whatever_the_labels_unicode_spelling() -> None:
    composed, decomposed = "d\u00e9put\u00e9", "de\u0301pute\u0301"
    assert derived_key(decomposed) == derived_key(composed) == "d\u00e9put\u00e9"
