"""Rewrite the table of finding codes in README.md from vaulttool.explanations (between its markers).

    python scripts/readme_codes.py [README.md]

tests/test_explain.py fails while the README's table and the generated one differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vaulttool.explanations import with_table


def main(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    updated = with_table(text)
    if updated != text:
        path.write_bytes(updated.encode("utf-8"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "README.md"))
