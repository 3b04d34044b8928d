"""Values that are exact and safe where they land: every rule of `render_value`, `safe_label`,
`item_link` and the scalar writer, each with the boundary that would go unnoticed if the rule went."""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vaulttool.config.settings import WikidataConfig
from vaulttool.engine.note import Note
from vaulttool.engine.scalars import DateText, format_scalar, format_string, reads_differently, resolve_plain
from vaulttool.tiers import templates
from vaulttool.wikidata.values import Label, Skip, item_link, php_number, render_value, safe_label, unit_item

CONFIG = WikidataConfig()
LINKED_UNITS = WikidataConfig(units="link")
KILOMETRE = "http://www.wikidata.org/entity/Q828224"
LABELS = {"Q828224": Label("kilometre"), "Q71": Label("Geneva")}


def render(datatype: str, value: Any, config: WikidataConfig = CONFIG) -> Any:
    return render_value(datatype, value, "P1", config, LABELS)


# --- datatypes vaulttool does not write ---------------------------------------------------------

@pytest.mark.parametrize("datatype", ["wikibase-lexeme", "wikibase-form", "wikibase-sense", "entity-schema"])
def test_object_valued_datatypes_are_skipped_without_a_reason(datatype: str) -> None:
    assert render(datatype, {"entity-type": "lexeme", "id": "L7"}) == Skip(None)
    assert render(datatype, "L7") == Skip(None)  # even a string: the datatype decides


def test_an_unknown_datatype_with_an_object_value_is_skipped() -> None:
    assert render("some-new-type", {"x": 1}) == Skip(None)


# --- URLs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://www.iom.int/", "http://example.org", "HTTPS://EXAMPLE.ORG/a?b=c#d",
                                 "https://[::1]:8080/x"])
def test_http_and_https_urls_are_written_as_they_are(url: str) -> None:
    assert render("url", url) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "a javascript: URL is not written (http and https only)"),
        ("JavaScript:alert(1)", "a javascript: URL is not written (http and https only)"),
        ("data:text/html,<b>x</b>", "a data: URL is not written (http and https only)"),
        ("file:///etc/passwd", "a file: URL is not written (http and https only)"),
        ("obsidian://open?vault=x", "an obsidian: URL is not written (http and https only)"),
        ("ftp://example.org/", "a ftp: URL is not written (http and https only)"),
        ("//example.org/x", "a URL without a scheme is not written (http and https only)"),
        ("example.org/x", "a URL without a scheme is not written (http and https only)"),
        ("https://", "a URL without a host is not written"),
        ("https:///path", "a URL without a host is not written"),
        ("https://exa mple.org/", "a URL with whitespace, control or format characters is not written"),
        ("https://example.org/\n", "a URL with whitespace, control or format characters is not written"),
        ("https://example.org/\x00", "a URL with whitespace, control or format characters is not written"),
        ("https://example.org/\u202e", "a URL with whitespace, control or format characters is not written"),
        ("https://example.org:99999/", "a malformed URL is not written"),
        ("https://[::1/", "a malformed URL is not written"),
        (42, "a URL that is not text is not written"),
    ],
)
def test_other_urls_are_skipped_with_a_reason(url: Any, reason: str) -> None:
    assert render("url", url) == Skip(reason)


def test_a_url_may_have_2048_characters_not_2049() -> None:
    base = "https://example.org/"
    assert render("url", base + "a" * (2048 - len(base))) == base + "a" * (2048 - len(base))
    assert render("url", base + "a" * (2049 - len(base))) == Skip(
        "a URL of 2049 characters is not written (at most 2048)")


def test_external_ids_and_strings_are_not_held_to_url_rules() -> None:
    assert render("external-id", "javascript:x") == "javascript:x"
    assert render("string", "a b") == "a b"


# --- Commons files ------------------------------------------------------------------------------

def test_a_commons_file_name_becomes_its_file_path_url() -> None:
    assert render("commonsMedia", "Logo (IOM).jpg") == (
        "http://commons.wikimedia.org/wiki/Special:FilePath/Logo%20%28IOM%29.jpg")
    assert render("commonsMedia", "..jpg") == "http://commons.wikimedia.org/wiki/Special:FilePath/..jpg"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "a Commons file name that is empty or not text is not written"),
        (None, "a Commons file name that is empty or not text is not written"),
        ("a/b.jpg", "a Commons file name that is a path (/, \\, . or ..) is not written"),
        ("..\\b.jpg", "a Commons file name that is a path (/, \\, . or ..) is not written"),
        ("..", "a Commons file name that is a path (/, \\, . or ..) is not written"),
        (".", "a Commons file name that is a path (/, \\, . or ..) is not written"),
        ("a\x07.jpg", "a Commons file name with control characters is not written"),
        ("a\x7f.jpg", "a Commons file name with control characters is not written"),
    ],
)
def test_a_commons_file_name_that_is_not_one_name_is_skipped(name: Any, reason: str) -> None:
    assert render("commonsMedia", name) == Skip(reason)


# --- coordinates --------------------------------------------------------------------------------

def point(latitude: Any, longitude: Any, globe: Any = "http://www.wikidata.org/entity/Q2") -> dict[str, Any]:
    return {"latitude": latitude, "longitude": longitude, "globe": globe}


@pytest.mark.parametrize(("latitude", "longitude", "written"), [
    (90, 360, "Point(360 90)"), (-90, -360, "Point(-360 -90)"), (90.0, 0, "Point(0 90)"), (0, -360.0, "Point(-360 0)")])
def test_coordinates_at_the_limits_are_written(latitude: float, longitude: float, written: str) -> None:
    assert render("globe-coordinate", point(latitude, longitude)) == written


@pytest.mark.parametrize(("number", "written"), [
    (7.0, "7"), (45.5, "45.5"), (-33.856784, "-33.856784"), (0.1 + 0.2, "0.3"), (123.456789012345678, "123.45678901235"),
    (1e-05, "1.0E-5"), (-1.5e-07, "-1.5E-7"), (0.0001, "0.0001"), (0.00012, "0.00012"), (0.5, "0.5"), (0.0, "0"),
    (-0.0, "-0"), (1e14, "1.0E+14"), (99999999999999.0, "99999999999999"), (1.25e20, "1.25E+20")])
def test_coordinates_are_numbers_as_the_query_service_writes_them(number: float, written: str) -> None:
    """PHP's string of a float (precision 14), which Wikibase's RDF export puts in the WKT literal."""
    assert php_number(number) == written


@pytest.mark.parametrize(("latitude", "longitude"), [(90.000001, 0), (-90.000001, 0), (0, 360.000001),
                                                     (0, -360.000001)])
def test_coordinates_out_of_range_are_skipped(latitude: float, longitude: float) -> None:
    assert render("globe-coordinate", point(latitude, longitude)) == Skip(
        f"a coordinate out of range (latitude {latitude!r}, longitude {longitude!r}) is not written")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, False, "45", None])
def test_coordinates_that_are_not_finite_numbers_are_skipped(bad: Any) -> None:
    reason = Skip("a coordinate whose latitude or longitude is not a finite number is not written")
    assert render("globe-coordinate", point(bad, 0)) == reason
    assert render("globe-coordinate", point(0, bad)) == reason


def test_another_globe_is_named_and_a_hostile_one_skipped() -> None:
    assert render("globe-coordinate", point(1, 2, "http://www.wikidata.org/entity/Q405")) == (
        "<http://www.wikidata.org/entity/Q405> Point(2 1)")
    # Earth is Wikidata's own Q2, not any entity URI ending in /Q2
    assert render("globe-coordinate", point(1, 2, "https://example.org/entity/Q2")) == (
        "<https://example.org/entity/Q2> Point(2 1)")
    assert render("globe-coordinate", point(1, 2, "x> Point(0 0) <y")) == Skip(
        "a coordinate whose globe is not an entity URI is not written")
    assert render("globe-coordinate", [1, 2]) == Skip("a coordinate that is not an object is not written")


# --- monolingual text ---------------------------------------------------------------------------

def test_monolingual_text_is_its_text_with_tabs_and_newlines_allowed() -> None:
    assert render("monolingualtext", {"text": "a\tb\nc", "language": "en"}) == "a\tb\nc"


@pytest.mark.parametrize("text", ["a\x00b", "a\rb", "a\x1b[31mb", "\x7f", "a\x85b"])
def test_monolingual_text_with_other_control_characters_is_skipped(text: str) -> None:
    assert render("monolingualtext", {"text": text, "language": "en"}) == Skip(
        "text with control characters is not written")


@pytest.mark.parametrize("value", [{"text": 5, "language": "en"}, {"language": "en"}, "text"])
def test_monolingual_text_without_a_text_string_is_skipped(value: Any) -> None:
    assert render("monolingualtext", value) == Skip("monolingual text without a text string is not written")


# --- quantities ---------------------------------------------------------------------------------

def quantity(amount: Any, unit: str = "1") -> dict[str, Any]:
    return {"amount": amount, "unit": unit}


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("+49000", 49000),
        ("-12", -12),
        ("+007", 7),
        ("-0", 0),
        ("+1.5", 1.5),
        ("-27.50", -27.5),
        ("+0.1", 0.1),
        ("-0.0", 0.0),
        ("+0.12345678901234567890123", Decimal("0.12345678901234567890123")),
        ("+9007199254740993.5", Decimal("9007199254740993.5")),
    ],
)
def test_amounts_are_exact(amount: str, expected: Any) -> None:
    got = render("quantity", quantity(amount))
    assert type(got) is type(expected) and got == expected
    assert not (got == 0 and math.copysign(1, got) < 0)  # no `-0.0`


def test_a_decimal_is_written_digit_for_digit_and_reads_back_as_that_text() -> None:
    number = render("quantity", quantity("+0.12345678901234567890123"))
    assert format_scalar(number) == "0.12345678901234567890123"
    assert resolve_plain(format_scalar(number)) == float("0.12345678901234567890123")
    assert format_scalar(Decimal("1E+2")) == "100.0" and format_scalar(Decimal("-0.5")) == "-0.5"


@pytest.mark.parametrize("amount", ["+1.5E+10", "1e5", "+1.", "+.5", "0x10", "+١٢", " +1", "+1 ", "", "++1", 12, None])
def test_amounts_that_are_not_plain_decimals_are_skipped(amount: Any) -> None:
    got = render("quantity", quantity(amount))
    assert isinstance(got, Skip) and got.reason == f"the amount {str(amount)[:40]!r} is not a decimal number"


def test_an_amount_may_have_127_characters_not_128() -> None:
    assert render("quantity", quantity("+" + "9" * 126)) == int("9" * 126)
    assert render("quantity", quantity("+" + "9" * 127)) == Skip(
        "an amount of 128 characters is not written (Wikidata allows 127)")


@given(st.from_regex(r"[+-]?[0-9]{1,40}(\.[0-9]{1,40})?", fullmatch=True))
@example("0.00001")  # (its shortest float is 1e-05: hypothesis found it once, in CI)
def test_any_amount_round_trips_exactly(amount: str) -> None:
    number = render("quantity", quantity(amount))
    text = format_scalar(number)
    assert "e" not in text.lower()
    assert Decimal(text) == Decimal(amount)  # the digits Wikidata gave, no more and no fewer
    read = resolve_plain(text)
    assert type(read) is (int if "." not in amount else float)
    assert read == (int(amount) if "." not in amount else float(Decimal(amount)))


def test_units_are_dropped_by_default_and_linked_on_request() -> None:
    assert render("quantity", quantity("+12.5", KILOMETRE)) == 12.5
    assert render("quantity", quantity("+12.5", KILOMETRE), LINKED_UNITS) == (
        "12.5 [[_Standards/WikiData/WD~kilometre,828224]]")
    assert render("quantity", quantity("+0.12345678901234567890123", KILOMETRE), LINKED_UNITS) == (
        "0.12345678901234567890123 [[_Standards/WikiData/WD~kilometre,828224]]")
    assert render("quantity", quantity("+3"), LINKED_UNITS) == 3  # unit 1: a plain number


def test_a_unit_that_cannot_be_linked_is_skipped_when_units_are_linked() -> None:
    assert render("quantity", quantity("+1", "http://www.wikidata.org/entity/Q999"), LINKED_UNITS) == Skip(
        "the unit Q999 was not found on Wikidata")
    assert render("quantity", quantity("+1", "metre"), LINKED_UNITS) == Skip("the unit 'metre' is not a Wikidata item")
    assert render("quantity", quantity("+1", "metre")) == 1


def test_a_linked_amount_is_quoted_like_any_wikilink() -> None:
    assert format_string("12.5 [[_Standards/WikiData/WD~kilometre,828224]]") == (
        '"12.5 [[_Standards/WikiData/WD~kilometre,828224]]"')


@pytest.mark.parametrize(
    ("unit", "item"),
    [
        ("http://www.wikidata.org/entity/Q11573", "Q11573"),
        ("https://wikibase.example/entity/Q5", "Q5"),
        ("1", None),
        ("http://www.wikidata.org/entity/Q0", None),
        ("http://www.wikidata.org/entity/P31", None),
        ("http://www.wikidata.org/entity/Q11573/x", None),
        ("Q11573", None),
    ],
)
def test_unit_item(unit: str, item: str | None) -> None:
    assert unit_item({"amount": "+1", "unit": unit}) == item


def test_unit_item_of_malformed_values() -> None:
    assert unit_item({"amount": "+1"}) is None and unit_item({"unit": 5}) is None
    assert unit_item("x") is None  # type: ignore[arg-type]


# --- labels and links ---------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["", ".", "..", "...", "\u200b", "\u202e..\u202c", "\x00\x01"])
def test_a_label_that_cleans_to_nothing_or_dots_links_by_its_id(label: str) -> None:
    assert item_link("Q71", {"Q71": Label(label)}, CONFIG) == "[[_Standards/WikiData/WD~Q71,71]]"


def test_a_label_with_dots_and_letters_keeps_them() -> None:
    assert item_link("Q71", {"Q71": Label(".Geneva.")}, CONFIG) == "[[_Standards/WikiData/WD~.Geneva.,71]]"


def test_a_redirect_with_an_empty_label_links_by_the_target_id() -> None:
    assert item_link("Q1", {"Q1": Label("..", target="Q71")}, CONFIG) == "[[_Standards/WikiData/WD~Q71,71]]"


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_safe_label_is_nfc_without_invisible_characters_and_within_the_cap(label: str, cap: int) -> None:
    text = safe_label(label, cap)
    assert unicodedata.is_normalized("NFC", text)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
    assert not any(ch in text for ch in ' \\/*:#?<>"[]|^\u2028\u2029')
    assert len(text.encode("utf-8")) <= cap


@given(st.text())
def test_item_link_never_names_an_empty_or_dot_only_label(label: str) -> None:
    link = item_link("Q71", {"Q71": Label(label)}, CONFIG)
    assert link is not None
    name = link[len("[[_Standards/WikiData/WD~"):-len(",71]]")]
    assert name.strip(".") and name == safe_label(name, 10_000)


# --- dates: DateText plain, date-shaped strings quoted ------------------------------------------

def test_a_date_text_is_written_plain_and_a_date_shaped_string_quoted() -> None:
    assert format_scalar(DateText("1951-01-01T00:00:00Z")) == "1951-01-01T00:00:00Z"
    assert format_scalar(DateText("-0043-03-13")) == "-0043-03-13"
    assert format_scalar("2024-01-01") == '"2024-01-01"'
    assert format_scalar("2024-01-01T10:00") == '"2024-01-01T10:00"'
    assert format_scalar("2001-12-14 21:59:43.10 -5") == '"2001-12-14 21:59:43.10 -5"'  # a 1.1 timestamp
    assert format_scalar("2024-01-01", "'") == "'2024-01-01'"
    assert format_scalar(DateText("1951")) == '"1951"'  # not a date form: the str rules


def test_plain_dates_read_back_as_date_text_and_quoted_ones_as_str() -> None:
    assert type(resolve_plain("2024-01-01")) is DateText
    assert type(resolve_plain("1951-01-01T00:00:00Z")) is DateText
    assert type(resolve_plain("2024-13-01")) is str and resolve_plain("2024") == 2024
    assert DateText("2024-01-01") == "2024-01-01" and hash(DateText("x")) == hash("x")
    assert repr(DateText("2024-01-01")) == "DateText('2024-01-01')"


def test_bce_dates_are_not_reported_as_reading_differently() -> None:
    assert reads_differently("-0043-03-13T00:00:00Z") is None
    assert reads_differently("2024-01-01T10:00") is None


def test_an_edit_writes_date_text_plain_and_a_date_shaped_string_quoted() -> None:
    note = Note.parse(b"---\ntitle: x\n---\nbody\n")
    edited = note.edit({"k": DateText("2024-01-01"), "s": "2024-01-01"})
    assert edited.render() == b'---\ntitle: x\nk: 2024-01-01\ns: "2024-01-01"\n---\nbody\n'
    assert type(edited.values()["k"]) is DateText and type(edited.values()["s"]) is str
    assert edited.edit({"k": DateText("2024-01-01"), "s": "2024-01-01"}) is edited  # nothing new


def test_a_string_once_written_plain_is_rewritten_quoted() -> None:
    note = Note.parse(b"---\ns: 2024-01-01\n---\n")
    assert note.edit({"s": "2024-01-01"}).render() == b'---\ns: "2024-01-01"\n---\n'


def test_an_edit_with_a_decimal_reads_back_and_is_not_repeated() -> None:
    number = Decimal("0.12345678901234567890123")
    edited = Note.parse(b"---\nk: 1\n---\n").edit({"k": number})
    assert edited.render() == b"---\nk: 0.12345678901234567890123\n---\n"
    assert edited.edit({"k": number}) is edited
    listed = edited.edit({"k": [number, Decimal("1.5")]})
    assert listed.render() == b"---\nk:\n  - 0.12345678901234567890123\n  - 1.5\n---\n"


def test_a_template_date_stays_plain_and_a_date_shaped_title_is_quoted() -> None:
    template = templates.Template("t.md", "---\ncreated: {{date}}\nname: {{title}}\n---\n")
    text = templates.render(template, {"date": DateText("2024-05-01"), "title": "2024-05-01"})
    assert text == '---\ncreated: 2024-05-01\nname: "2024-05-01"\n---\n'
