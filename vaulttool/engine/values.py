"""Turn positioned YAML nodes into plain Python values, the way vaulttool reads every note."""

from __future__ import annotations

from typing import Any

from vaulttool.engine.scalars import resolve_plain
from vaulttool.engine.yamlnodes import Node, ScalarN, SeqN

_STR_TAG = "tag:yaml.org,2002:str"


def node_value(node: Node) -> Any:
    """The value of a node: plain scalars by the YAML 1.2 core schema, every other scalar a string."""
    if isinstance(node, ScalarN):
        if node.style or node.tag == _STR_TAG:
            return node.text
        return resolve_plain(node.text)
    if isinstance(node, SeqN):
        return [node_value(item) for item in node.items]
    return {_key_text(key): node_value(value) for key, value in node.pairs}


def _key_text(node: Node) -> str:
    return node.text if isinstance(node, ScalarN) else repr(node_value(node))
