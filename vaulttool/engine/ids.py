"""The shape of Wikidata ids, as Wikibase itself accepts them: `Q` or `P`, no leading zero, at most
ten digits and at most 2,147,483,647 (Wikibase's `ItemId::PATTERN`, an `Int32EntityId`). A longer
number is no id Wikidata can have, and sent along with others it makes the API refuse the whole batch."""

from __future__ import annotations

import re

_ID = re.compile(r"[QP]([1-9][0-9]{0,9})")
MAX_NUMBER = 2_147_483_647
ITEM_ID_FORM = "Q followed by digits, no leading 0, at most Q2147483647"  # for messages


def is_entity_id(text: object) -> bool:
    """An item (`Q42`) or property (`P31`) id Wikidata could have."""
    if not isinstance(text, str):
        return False
    match = _ID.fullmatch(text)
    return match is not None and int(match.group(1)) <= MAX_NUMBER


def is_item_id(text: object) -> bool:
    """An item id (`Q42`) Wikidata could have."""
    return isinstance(text, str) and text.startswith("Q") and is_entity_id(text)
