from __future__ import annotations

import frontmatter
import pytest

from vaulttool.engine.interop import VaultToolHandler, to_post


def test_post_carries_vaulttool_values_where_pyyaml_would_misread(reference_bytes: bytes) -> None:
    post = to_post(reference_bytes + b"")
    assert post["ISNI"][0] == "0000000092270825"
    assert post["inception"] == "1951-01-01T00:00:00Z"
    assert post.content.startswith("\n# [[IOM(International_Organization_for_Migration)]] ")


def test_handler_loads_through_python_frontmatter_and_refuses_to_write() -> None:
    post = frontmatter.loads("---\nanswer: NO\nid: 0000000092270825\n---\nbody", handler=VaultToolHandler())
    assert post.metadata == {"answer": "NO", "id": 92270825}
    assert frontmatter.loads("---\nanswer: NO\n---\n").metadata == {"answer": False}  # PyYAML, YAML 1.1
    with pytest.raises(NotImplementedError):
        frontmatter.dumps(post)
