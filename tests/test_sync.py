"""`vaulttool sync` on a copy of the example vault, offline: exit codes and summaries as documented."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import fingerprint

from vaulttool.cli import main

REFERENCE = "_Standards/UN(United_Nations)/IOM(International_Organization_for_Migration).md"
CLEAN_SUMMARY = ("sync: 49 notes validated (0 errors, 0 warnings); refresh: 3 notes checked, 0 changed, 0 failed, "
                 "0 skipped; 0 requests; entities: 21 items linked, wrote 0 files (0 errors, 0 warnings); "
                 "tiers: wrote 0 files (0 errors, 0 warnings); clean\n")


def sync(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, ["sync", "--offline", *args], catch_exceptions=False)


def test_clean_vault(example_vault: Path) -> None:
    result = sync(str(example_vault))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", CLEAN_SUMMARY)


def test_changed_then_clean(example_vault: Path) -> None:
    note = example_vault / REFERENCE
    reference = note.read_bytes()
    note.write_bytes(reference.replace(b"social_media_followers: 49000", b"social_media_followers: 1"))
    shutil.rmtree(example_vault / "_secret")
    first = sync(str(example_vault))
    assert first.exit_code == 3
    assert first.stderr == ("sync: 45 notes validated (0 errors, 0 warnings); refresh: 3 notes checked, 1 changed, "
                            "0 failed, 0 skipped; 0 requests; entities: 21 items linked, wrote 0 files (0 errors, "
                            "0 warnings); tiers: wrote 4 files (0 errors, 0 warnings); changed\n")
    assert note.read_bytes() == reference
    before = fingerprint(example_vault, "*.md")
    second = sync(str(example_vault))
    assert (second.exit_code, second.stderr) == (0, CLEAN_SUMMARY)
    assert fingerprint(example_vault, "*.md") == before


def test_dry_run_writes_nothing_and_says_what_would_change(example_vault: Path) -> None:
    shutil.rmtree(example_vault / "_public")
    before = fingerprint(example_vault, "*.md")
    result = sync("--dry-run", "--format", "json", str(example_vault))
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    summary = document["summary"]
    assert summary["tiers"] == {"files": 4, "errors": 0, "warnings": 0, "suppressed": 0}
    assert (summary["status"], document["exit_code"]) == ("changed", 3)
    assert [(f["action"], f["written"]) for f in document["files"]] == [("create", False)] * 4
    assert fingerprint(example_vault, "*.md") == before


def test_findings(example_vault: Path) -> None:
    (example_vault / "_Standards" / "broken.md").write_bytes(b"---\naliases: [unclosed\n---\n")
    result = sync(str(example_vault))
    assert result.exit_code == 1
    assert "broken.md:2:10: VT103 unclosed [: the list that starts here never ends" in result.stdout and result.stderr.endswith("; findings\n")


def test_failed(example_vault: Path) -> None:
    shutil.rmtree(example_vault / ".vaulttool" / "wikidata")
    result = sync(str(example_vault))
    assert result.exit_code == 4
    assert "failed: Q472311 is not in the offline cache" in result.stdout
    assert result.stderr.endswith("; failed\n")
