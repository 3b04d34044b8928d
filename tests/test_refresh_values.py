"""Values that land in notes, end to end through `vaulttool refresh` against the local stand-in:
exact numbers, dates that stay strings, and unsafe values left out with the key kept."""

from __future__ import annotations

import json
from pathlib import Path

from test_refresh import refresh
from test_refresh_keys import KEYS, label, statement
from wikidata_server import FakeWikidata

NOTE = "_Standards/Things/Thing.md"


def thing(wikidata: FakeWikidata, vault: Path, claims: dict, note_keys: bytes = b"") -> Path:
    wikidata.entities["Q900100"] = {"id": "Q900100", "type": "item", "lastrevid": 1,
                                    "modified": "2026-01-01T00:00:00Z", "claims": claims}
    note = vault / NOTE
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_bytes(b"---\naliases:\n  - Thing\nhas_id_wikidata: Q900100\n" + note_keys + b"---\n\nText.\n")
    return note


def quantity(amount: str, property_id: str = "P2067") -> dict:
    return {"mainsnak": {"snaktype": "value", "property": property_id, "datatype": "quantity",
                         "datavalue": {"type": "quantity", "value": {"amount": amount, "unit": "1"}}},
            "type": "statement", "rank": "normal"}


def test_amounts_and_date_like_strings_are_written_exactly(wikidata: FakeWikidata, vault: Path) -> None:
    label(wikidata, "P2067", "mass", "quantity")
    label(wikidata, "P1545", "series ordinal", "string")
    note = thing(wikidata, vault, {"P2067": [quantity("+0.12345678901234567890123"), quantity("+12345678901234567890000")],
                                   "P1545": [statement("P1545", "string", "2024-01-01")]})
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == (b"---\naliases:\n  - Thing\nhas_id_wikidata: Q900100\n"
                                 b'series_ordinal: "2024-01-01"\n'
                                 b"mass:\n  - 0.12345678901234567890123\n  - \"12345678901234567890000\"\n---\n\nText.\n")
    assert "0 changed" in refresh(str(vault)).stderr  # and it stays so


def test_an_unsafe_url_is_left_out_and_the_key_kept(wikidata: FakeWikidata, vault: Path) -> None:
    url = [statement("P856", "string", "javascript:alert(1)")]
    url[0]["mainsnak"]["datatype"] = "url"
    note = thing(wikidata, vault, {"P856": url}, b"official_website: https://thing.example/\n")
    keys = json.loads((vault / KEYS).read_text(encoding="utf-8"))
    assert keys["P856"] == "official_website"
    before = note.read_bytes()
    result = refresh(str(vault))
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == before
    assert (f"{NOTE}: note: official_website: a javascript: URL is not written (http and https only)"
            in result.stdout.replace(str(vault) + "/", ""))
