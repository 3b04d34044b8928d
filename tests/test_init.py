"""A vault in git stays clean: vaulttool's caches and lock ignore themselves, and `vaulttool init` sets a
vault up (vaulttool.toml, .gitignore, the pre-commit snippet) without ever overwriting a file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_VAULT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NOTE = "---\nhas_id_wikidata: Q472311\n---\n\n# Note\n"
STUBS = [f"_{tier}/X/Note.{tier}.md" for tier in ("public", "internal", "protect", "private", "personal", "secret")]


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=root, capture_output=True, text=True,
                          check=True)


def vaulttool(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vaulttool", *args], cwd=root, capture_output=True, text=True,
                          check=False)


def untracked(root: Path) -> set[str]:
    """What `git status --porcelain` lists as new, after checking that nothing staged changed since."""
    lines = git(root, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
    assert all(line.startswith(("?? ", "A  ")) for line in lines), lines
    return {line[3:] for line in lines if line.startswith("?? ")}


def run_every_command(root: Path) -> None:
    """validate, tiers, refresh --offline and sync --offline on a vault with one standard note whose
    stored Wikidata answer the user committed (their choice: offline runs)."""
    (root / "_Standards" / "X").mkdir(parents=True)
    (root / "_Standards" / "X" / "Note.md").write_text(NOTE, encoding="utf-8")
    shutil.copytree(EXAMPLE_VAULT / ".vaulttool" / "wikidata", root / ".vaulttool" / "wikidata")
    git(root, "add", ".vaulttool/wikidata")
    for command in (["validate"], ["tiers"], ["refresh", "--offline"], ["sync", "--offline"], ["validate", "--fix"]):
        result = vaulttool(root, *command)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert (root / ".vaulttool" / "cache" / "validate.json").is_file()  # the cache was written...
    assert (root / ".vaulttool" / "cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_a_vault_that_never_ran_init_stays_clean_in_git(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "vaulttool.toml").write_text("# written by hand\n", encoding="utf-8")
    git(root, "init", "-q")
    run_every_command(root)
    # ...and git sees only what the user commits: no cache, no lock, no holder record.
    assert untracked(root) == {"vaulttool.toml", ".vaulttool/keys.json", "_Standards/X/Note.md", *STUBS}


def test_the_lock_lives_in_the_cache_folder_which_ignores_itself(tmp_path: Path) -> None:
    from vaulttool.disk.lock import VaultLock
    from vaulttool.disk.store import cache_folder

    with VaultLock(cache_folder(tmp_path), "test", 0) as lock:
        assert lock.path == tmp_path / ".vaulttool" / "cache" / "lock"
        assert lock.holder_path == tmp_path / ".vaulttool" / "cache" / "lock.holder"
        assert lock.holder_path.is_file()
    assert sorted(p.name for p in (tmp_path / ".vaulttool" / "cache").iterdir()) == [".gitignore", "lock"]


def test_a_gitignore_someone_wrote_in_the_cache_folder_is_kept(tmp_path: Path) -> None:
    from vaulttool.disk.store import ensure_cache_folder

    folder = tmp_path / ".vaulttool" / "cache"
    folder.mkdir(parents=True)
    (folder / ".gitignore").write_bytes(b"*\n!keep\n")
    ensure_cache_folder(folder)
    assert (folder / ".gitignore").read_bytes() == b"*\n!keep\n"
