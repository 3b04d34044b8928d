"""The validate cache: warm runs check only what changed, and say the same as cold ones."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import DATA

from vaulttool.commands import validate as validate_command
from vaulttool.disk import statcache, vault


def validate(root: Path, *paths: Path, use_cache: bool = True) -> validate_command.ValidateResult:
    config = vault.open_vault(root)
    return validate_command.run(config, vault.discover(config, list(paths)), use_cache=use_cache, whole_vault=not paths)


def texts(result: validate_command.ValidateResult) -> list[str]:
    return [finding.text() for finding in result.findings]


def test_warm_run_reuses_every_unchanged_note_and_reports_the_same(negative_vault: Path) -> None:
    cold = validate(negative_vault)
    assert cold.cached == 0
    warm = validate(negative_vault)
    assert warm.cached == warm.notes == cold.notes
    assert texts(warm) == texts(cold) == texts(validate(negative_vault, use_cache=False))


def test_a_changed_note_is_checked_again(negative_vault: Path) -> None:
    validate(negative_vault)
    (negative_vault / "whitespace.md").write_bytes(b"---\ntitle: fine\n---\n")
    warm = validate(negative_vault)
    assert warm.cached == warm.notes - 1
    assert not [line for line in texts(warm) if "whitespace.md" in line]


def test_a_touched_but_unchanged_note_is_recognised_by_its_hash(negative_vault: Path) -> None:
    cold = validate(negative_vault)
    note = negative_vault / "duplicate_key.md"
    os.utime(note, ns=(1, 1))
    warm = validate(negative_vault)
    assert warm.cached == warm.notes and texts(warm) == texts(cold)


def test_a_partial_run_sees_the_rest_of_the_vault_through_the_cache(negative_vault: Path) -> None:
    validate(negative_vault)
    result = validate(negative_vault, negative_vault / "rating_a.md")
    assert texts(result) == [f"{vault.display_path(negative_vault / 'rating_a.md')}:2:9: VT306 property 'rating' "
                             "holds number in 2 notes and text in 1, but Obsidian gives a property one type: quote "
                             "this number, or declare its type in [schema.fields] or .obsidian/types.json"]


def test_other_settings_or_a_deleted_cache_mean_a_cold_run(negative_vault: Path) -> None:
    validate(negative_vault)
    shutil.rmtree(negative_vault / ".vaulttool" / "cache")
    assert validate(negative_vault).cached == 0
    config = negative_vault / "vaulttool.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("max_frontmatter_bytes = 512",
                                                                 "max_frontmatter_bytes = 4096"))
    result = validate(negative_vault)
    assert result.cached == 0 and "VT107" not in " ".join(texts(result))


def test_cache_lives_under_vaulttool_and_is_not_a_note(negative_vault: Path) -> None:
    validate(negative_vault)
    assert (negative_vault / ".vaulttool" / "cache" / "validate.json").is_file()
    assert not list((negative_vault / ".vaulttool").rglob("*.md"))
    assert DATA.joinpath("negative", ".vaulttool").exists() is False  # the corpus itself stays clean


def test_a_stat_key_sees_an_edit_that_puts_size_and_mtime_back(tmp_path: Path) -> None:
    """The change time, not the creation time (Windows' st_ctime), stands for the bytes in a stat key."""
    note = tmp_path / "note.md"
    note.write_bytes(b"---\nid: Q1\n---\n")
    before = os.stat(note)
    key = statcache.stat_key(note)
    time.sleep(0.05)  # (beyond the coarsest change-time tick of the file systems vaults live on, NTFS's 100 ns)
    note.write_bytes(b"---\nid: Q2\n---\n")
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or a sync client would
    after = statcache.stat_key(note)
    assert after[:2] == key[:2] and after[3] == key[3]  # size, mtime and file: as they were
    assert after != key and after[2] > key[2]
    assert statcache.file_stat(tmp_path / "gone.md") == statcache.ABSENT
