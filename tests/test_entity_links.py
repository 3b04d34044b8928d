"""The pure parts of entity notes: which links name an item (wikidata.linkpattern), an item's terms
(wikidata.terms, answer's aliases), the stored terms, and text from Wikidata in a note's body."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from vaulttool.config.settings import DEFAULT_LINK_PATTERN
from vaulttool.disk.store import Store
from vaulttool.engine.note import Note
from vaulttool.tiers.templates import Template, markdown_prose, render
from vaulttool.wikidata.answer import check_answer
from vaulttool.wikidata.linkpattern import LinkPatternError, entity_links, normal_target
from vaulttool.wikidata.terms import Terms, note_aliases, note_description, one_line, parse_terms

MATCHER = entity_links(DEFAULT_LINK_PATTERN)


@pytest.mark.parametrize(("target", "item"), [
    ("_Standards/WikiData/WD~Geneva,71", "Q71"),
    ("/_Standards/WikiData/WD~Geneva,71.md", "Q71"),
    ("_Standards/WikiData/WD~Geneva,71#History", "Q71"),
    ("WD~International_Organization_for_Migration,472311", "Q472311"),  # the bare name, as Obsidian resolves it
    ("wd~geneva,71", "Q71"),  # Obsidian compares without case
    ("_Standards/WikiData/WD~Paris,_Texas,1,2", "Q2"),  # the id follows the last comma
    ("_Standards/WikiData/WD~Geneva,071", None),  # no item id has a leading 0
    ("_Standards/WikiData/WD~Geneva,0", None),
    ("_Standards/WikiData/WD~Geneva,99999999999", None),  # beyond any item id
    ("_Standards/WikiData/WD~Geneva", None),
    ("Elsewhere/WD~Geneva,71", None),  # a path, and not the pattern's
    ("_Standards/WikiData/Sub/WD~Geneva,71", None),
    ("_Standards/WikiData/WD~,71", None),
    ("Geneva", None),
])
def test_which_targets_name_an_item(target: str, item: str | None) -> None:
    assert MATCHER.item_of(target) == item


def test_other_patterns() -> None:
    by_id = entity_links("[[Items/{id} {label}|{label}]]")
    assert by_id.folder == "Items" and by_id.item_of("Items/Q71 Geneva") == "Q71" and by_id.item_of("Q71 x") == "Q71"
    both = entity_links("[[{label} ({id}, {numeric_id})]]")
    assert both.folder == "" and both.item_of("Geneva (Q71, 71)") == "Q71" and both.item_of("Geneva (Q71, 72)") is None
    assert both.item_of_path("Anywhere/Geneva (Q71, 71).md") == "Q71"
    assert MATCHER.item_of_path("_Standards/WikiData/WD~Geneva,71.md") == "Q71"
    assert MATCHER.item_of_path("_Standards/WikiData/Old/WD~Geneva,71.md") == "Q71"
    assert MATCHER.item_of_path("_Standards/WD~Geneva,71.md") is None
    assert MATCHER.item_of_path("_Standards/WikiData/WD~Geneva,71.txt") is None
    assert MATCHER.note_path("[[_Standards/WikiData/WD~Geneva,71]]") == "_Standards/WikiData/WD~Geneva,71.md"


@pytest.mark.parametrize(("pattern", "message"), [
    ("WD:{id}", "need a wikilink pattern"),
    ("[[{label}]]", "must hold {numeric_id} or {id}"),
    ("[[{label}/WD~{numeric_id}]]", "may not hold a placeholder"),
])
def test_patterns_entity_notes_cannot_follow(pattern: str, message: str) -> None:
    with pytest.raises(LinkPatternError, match=message.replace("{", r"\{").replace("}", r"\}")):
        entity_links(pattern)


def test_normal_target() -> None:
    assert normal_target("/a/b.MD#x|y") == "a/b"


NOTE = ('---\naliases:\n  - "[[WD~Alias,1]] is no link to find"\nplain: see [[WD~Geneva,71]] here\n'
        "quoted: 'x [[_Standards/WikiData/WD~Switzerland,39|CH]]'\nescaped: \"\\u00e9 [[WD~France,142]]\"\n"
        "nested:\n  key:\n    - \"[[WD~Spanish,1321#intro]]\"\nother: \"[[Not an entity]]\"\n---\n"
        "Body [[WD~Geneva,71]] and ![[WD~English,1860]]\n```\n[[WD~Fenced,5]]\n```\n"
        "[md](/_Standards/WikiData/WD~New%20York,60.md) [web](https://x.org/WD~a,1)\n")


def test_links_in_frontmatter_values_and_the_body_at_their_places() -> None:
    found = [(link.item, link.line, link.col) for link in MATCHER.links(Note.parse(NOTE.encode()))]
    assert found == [("Q1", 3, 6), ("Q71", 4, 12), ("Q39", 5, 12), ("Q142", 6, 10), ("Q1321", 9, 8),
                     ("Q71", 12, 6), ("Q1860", 12, 27), ("Q60", 16, 1)]


def test_links_of_a_note_without_frontmatter() -> None:
    found = [(link.item, link.line, link.col) for link in MATCHER.links(Note.parse(b"x\n\n  [[WD~Geneva,71]]\n"))]
    assert found == [("Q71", 3, 3)]


# --- terms ---------------------------------------------------------------------------------------

def envelope(entity: dict) -> dict:
    return {"entities": {entity["id"]: entity}, "success": 1}


def test_aliases_are_checked_and_a_malformed_one_dropped() -> None:
    entity = {"id": "Q1", "labels": {"en": {"language": "en", "value": "One"}},
              "descriptions": {"en": {"language": "en", "value": "the first"}},
              "aliases": {"en": [{"language": "en", "value": "I"}, {"language": "en", "value": 1},
                                 {"language": "en", "value": "Uno"}], "not a code!": [], "de": [{"value": "Eins"}]}}
    checked = check_answer(envelope(entity), ["Q1"], "info|labels|descriptions|aliases")
    cleaned = checked.entities["Q1"]
    assert cleaned["aliases"] == {"en": [{"language": "en", "value": "I"}, {"language": "en", "value": "Uno"}]}
    assert checked.problems["Q1"] == ["Q1: an alias in en was skipped (value is not a string)",
                                      "Q1: aliases under a key that is no language code were skipped",
                                      "Q1: an alias in de was skipped (language is missing)"]
    assert parse_terms(cleaned, ("en",)) == Terms("the first", ("I", "Uno"), languages=("en",))
    assert "aliases" not in check_answer(envelope(entity), ["Q1"], "labels").entities["Q1"]


def test_aliases_not_a_map_refuse_the_entity() -> None:
    checked = check_answer(envelope({"id": "Q1", "aliases": ["x"]}), ["Q1"], "aliases")
    assert checked.entities == {} and "aliases" in checked.failed["Q1"]


def test_terms_by_language_and_the_notes_aliases() -> None:
    entity = {"descriptions": {"de": {"value": "Stadt"}, "en": {"value": "city"}},
              "aliases": {"en": [{"value": "Genf"}], "de": [{"value": "Genf"}, {"value": "Genève"}]}}
    assert parse_terms(entity, ("de", "en")) == Terms("Stadt", ("Genf", "Genève", "Genf"), languages=("de", "en"))
    assert parse_terms({"id": "Q1", "missing": "", "lastrevid": 5}, ("en",)) == Terms(None, (), 5, ("en",))
    assert note_aliases("Geneva", Terms(None, ("Genf", "Geneva", "Genf", " \u200b", "Gen\nf"))) == \
        ["Geneva", "Genf", "Gen f"]
    assert note_description(Terms(" \u202e ")) is None and note_description(Terms("a\r\nb")) == "a b"
    assert one_line("a\u2028b\tc\u200fd") == "a b cd"


def test_stored_terms(tmp_path: Path) -> None:
    store = Store(tmp_path)
    today = datetime.date(2026, 12, 3)
    assert store.terms(None, today) == {}
    store.save_terms({"Q71": Terms("city in Switzerland", ("Genf",)), "Q1": Terms(None)}, today - datetime.timedelta(10))
    assert store.terms(30, today) == {"Q71": Terms("city in Switzerland", ("Genf",)), "Q1": Terms(None)}
    assert store.terms(9, today) == {} and len(store.terms(None, today)) == 2
    data = json.loads(store.terms_file.read_text(encoding="utf-8"))
    data["Q2"] = {"description": 5, "aliases": [], "fetched": "2026-12-03"}  # a hand edit
    data["P3"] = {"description": None, "aliases": [], "fetched": "2026-12-03"}
    data["Q4"] = {"description": None, "aliases": [1], "fetched": "2026-12-03"}
    data["Q5"] = "x"
    store.terms_file.write_text(json.dumps(data), encoding="utf-8")
    assert sorted(store.terms(None, today)) == ["Q1", "Q71"]
    store.terms_file.write_text("[1]", encoding="utf-8")
    assert store.terms(None, today) == {}


# --- text from Wikidata in a body ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "escaped"), [
    ("city in Switzerland", "city in Switzerland"),
    ("see #tag", r"see \#tag"),
    ("- item", r"\- item"),
    ("+ item", r"\+ item"),
    ("1. first", r"1\. first"),
    ("12) twelfth", r"12\) twelfth"),
    ("---", r"\---"),
    ("%%comment%% $x$ ==mark== &amp;", r"\%\%comment\%\% \$x\$ \=\=mark\=\= \&amp;"),
    ("[[link]] <b> `code` *em* ~s~ a|b", r"\[\[link\]\] \<b\> \`code\` \*em\* \~s\~ a\|b"),
    ("snake_case _under_", r"snake_case \_under\_"),
    ("a\\#b", r"a\\\#b"),
])
def test_markdown_prose(text: str, escaped: str) -> None:
    assert markdown_prose(text) == escaped


def test_an_empty_placeholder_alone_on_its_line_is_left_out() -> None:
    template = Template("t.md", "---\n---\n# {{label}}\n\n{{description}}\n\nEnd {{description}}\n")
    assert render(template, {"label": "L", "description": ""}, omit_empty=frozenset({"description"})) == \
        "---\n---\n# L\n\nEnd \n"
    assert render(template, {"label": "L", "description": "D"}, omit_empty=frozenset({"description"})) == \
        "---\n---\n# L\n\nD\n\nEnd D\n"
