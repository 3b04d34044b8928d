"""A vault in git stays clean: vaulttool's caches and lock ignore themselves, and `vaulttool init` sets a
vault up (vaulttool.toml, .gitignore, the pre-commit snippet) without ever overwriting a file."""

from __future__ import annotations

import os
import re
import shlex
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
    """validate, tiers, refresh --offline, entities --offline and sync --offline on a vault with one
    standard note whose stored Wikidata answer the user committed (their choice: offline runs)."""
    (root / "_Standards" / "X").mkdir(parents=True)
    (root / "_Standards" / "X" / "Note.md").write_text(NOTE, encoding="utf-8")
    shutil.copytree(EXAMPLE_VAULT / ".vaulttool" / "wikidata", root / ".vaulttool" / "wikidata")
    git(root, "add", ".vaulttool/wikidata")
    for command in (["validate"], ["tiers"], ["refresh", "--offline"], ["entities", "--offline"], ["sync", "--offline"],
                    ["validate", "--fix"]):
        result = vaulttool(root, *command)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert (root / ".vaulttool" / "cache" / "validate.json").is_file()  # the cache was written...
    assert (root / ".vaulttool" / "cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def entity_notes(root: Path) -> set[str]:
    """The entity notes `entities` made: one for each of the 18 items the refreshed note links to."""
    made = {f"_Standards/WikiData/{path.name}" for path in (root / "_Standards" / "WikiData").glob("*.md")}
    assert len(made) == 18
    return made


def test_a_vault_that_never_ran_init_stays_clean_in_git(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "vaulttool.toml").write_text("# written by hand\n", encoding="utf-8")
    git(root, "init", "-q")
    run_every_command(root)
    # ...and git sees only what the user commits: no cache, no lock, no holder record.
    assert untracked(root) == {"vaulttool.toml", ".vaulttool/keys.json", "_Standards/X/Note.md", *STUBS,
                               *entity_notes(root)}


def test_the_lock_lives_in_the_cache_folder_which_ignores_itself(tmp_path: Path) -> None:
    from vaulttool.disk.lock import VaultLock
    from vaulttool.disk.store import cache_folder

    with VaultLock(cache_folder(tmp_path), "test", 0) as lock:
        assert lock.path == tmp_path / ".vaulttool" / "cache" / "lock"
        assert lock.holder_path == tmp_path / ".vaulttool" / "cache" / "lock.holder"
        assert lock.holder_path.is_file()
        assert lock.path.is_file()
    # Released: the holder's record is gone; the lock file stays on POSIX (flock), while filelock's Windows
    # lock deletes it on release.
    left = [".gitignore"] if os.name == "nt" else [".gitignore", "lock"]
    assert sorted(p.name for p in (tmp_path / ".vaulttool" / "cache").iterdir()) == left


def test_a_gitignore_someone_wrote_in_the_cache_folder_is_kept(tmp_path: Path) -> None:
    from vaulttool.disk.store import ensure_cache_folder

    folder = tmp_path / ".vaulttool" / "cache"
    folder.mkdir(parents=True)
    (folder / ".gitignore").write_bytes(b"*\n!keep\n")
    ensure_cache_folder(folder)
    assert (folder / ".gitignore").read_bytes() == b"*\n!keep\n"


# --- vaulttool init ---------------------------------------------------------------------------


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def uncommented(text: str) -> str:
    """The generated file with every `# name = value` setting line made active."""
    return re.sub(r"^# ([a-z_]+ = )", r"\1", text, flags=re.MULTILINE)


def test_init_then_validate_and_tiers_leave_only_what_a_user_commits(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    git(root, "init", "-q")
    result = vaulttool(root, "init")
    assert result.returncode == 0, result.stderr
    assert "created vaulttool.toml" in result.stdout and "created .gitignore" in result.stdout
    run_every_command(root)
    assert untracked(root) == {"vaulttool.toml", ".gitignore", ".vaulttool/keys.json", "_Standards/X/Note.md", *STUBS,
                               *entity_notes(root)}


def test_a_second_init_changes_nothing_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".gitignore").write_bytes(b"# mine\n.DS_Store\n*.vaulttool-tmp")  # one line there, no final newline
    first = vaulttool(root, "init", ".")
    assert first.returncode == 0, first.stderr
    assert "added to .gitignore: .vaulttool/cache/" in first.stdout
    assert (root / ".gitignore").read_bytes() == (b"# mine\n.DS_Store\n*.vaulttool-tmp\n# vaulttool: caches, the "
                                                  b"writer lock, a killed run's temporary files\n.vaulttool/cache/\n")
    before = files_of(root)
    second = vaulttool(root, "init", ".")
    assert second.returncode == 0, second.stderr
    assert files_of(root) == before
    assert "vaulttool.toml exists; left as it is" in second.stdout
    assert ".gitignore has every line vaulttool needs; left as it is" in second.stdout
    assert second.stdout.split("\n", 2)[2] == first.stdout.split("\n", 2)[2]  # the same snippets


def test_init_outside_git_writes_no_gitignore_and_says_what_to_ignore(tmp_path: Path) -> None:
    result = vaulttool(tmp_path, "init", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no git repository here" in result.stdout and ".vaulttool/cache/ and *.vaulttool-tmp" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vaulttool.toml"]


def test_the_generated_toml_holds_every_setting_and_uncommented_loads_to_the_defaults(tmp_path: Path) -> None:
    import dataclasses

    from vaulttool.commands.init import config_text, defaults
    from vaulttool.config.load import SETTINGS, load

    text = config_text()
    assert load(tmp_path, text) == dataclasses.replace(load(tmp_path, None), file=tmp_path / "vaulttool.toml")
    active = uncommented(text)
    assert active != text
    assert load(tmp_path, active) == dataclasses.replace(load(tmp_path, None), file=tmp_path / "vaulttool.toml")
    for table, names in SETTINGS.items():
        assert f"\n[{table}]\n" in text
        section = text.split(f"\n[{table}]\n", 1)[1].split("\n\n", 1)[0]
        for name in names:
            if defaults()[table][name] is None:  # unset by default: said so, nothing to uncomment
                assert f"\n# {name}: not set; " in "\n" + section, (table, name)
            else:
                assert re.search(rf"^{name} = .+  # \S", uncommented(section), re.MULTILINE), (table, name)
    # Each setting is really read: a changed value in the uncommented file changes the config.
    assert load(tmp_path, active.replace("max_values = 100", "max_values = 7")).wikidata.max_values == 7


def test_the_packaged_hooks_file_is_the_repository_s(tmp_path: Path) -> None:
    from conftest import REPO

    assert (REPO / "templates" / "pre-commit-hooks.yaml").read_bytes() == (REPO / ".pre-commit-hooks.yaml").read_bytes()


def test_the_local_snippet_has_each_hook_exactly_as_defined() -> None:
    from conftest import REPO
    from ruamel.yaml import YAML

    from vaulttool.commands.init import precommit_snippet

    defined = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    snippet = precommit_snippet((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    # The one repository: local (vaulttool has no published repository or release tag to name).
    (local_repo,) = YAML(typ="safe").load(snippet)["repos"]
    assert local_repo["repo"] == "local" and "rev" not in local_repo
    assert [h["id"] for h in local_repo["hooks"]] == ["vaulttool-fix", "vaulttool-tiers", "vaulttool-check",
                                                      "vaulttool-tiers-complete"]
    expected = {h["id"]: {k: v for k, v in h.items() if k != "description"} | {"language": "system"} for h in defined
                if h["id"] != "vaulttool-links"}  # (opt-in: not in the snippet)
    assert {h["id"]: h for h in local_repo["hooks"]} == expected


def test_the_readme_shows_the_snippet_init_prints() -> None:
    from conftest import REPO

    from vaulttool.commands.init import precommit_snippet

    section = (REPO / "README.md").read_text(encoding="utf-8").split("\n### As a pre-commit hook\n", 1)[1]
    first_block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert first_block is not None
    assert first_block.group(1) == precommit_snippet((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_the_check_hook_on_an_init_vault_without_obsidian_judges_against_the_whole_vault(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    environment = {**os.environ, "HOME": str(tmp_path), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
                   "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@vaulttool.invalid",
                   "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@vaulttool.invalid",
                   "GIT_CONFIG_NOSYSTEM": "1"}

    def run_git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=root, env=environment, capture_output=True, text=True, check=False)

    run_git("init", "-q", "-b", "main")
    result = vaulttool(root, "init")
    local = result.stdout.split("(no network needed):\n\n", 1)[1]
    assert "OWNER" not in result.stdout and "rev:" not in result.stdout  # (no repository or tag that does not exist)
    python = shlex.quote(Path(sys.executable).as_posix())  # pre-commit splits an entry with shlex (test_hooks.PYTHON)
    local = local.replace('entry: "vaulttool ', f'entry: "{python} -m vaulttool ')
    (root / ".pre-commit-config.yaml").write_text(local,
                                                  encoding="utf-8")
    assert not (root / ".obsidian").exists()
    (root / "Other.md").write_text("---\naliases: []\n---\n", encoding="utf-8")
    run_git("add", "-A")
    assert run_git("commit", "-q", "-m", "vault").returncode == 0
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=environment, check=True,
                   capture_output=True)
    (root / "_Standards" / "X").mkdir(parents=True)
    (root / "_Standards" / "X" / "Note.md").write_text(NOTE, encoding="utf-8")
    run_git("add", "_Standards/X/Note.md")
    check = subprocess.run([sys.executable, "-m", "pre_commit", "run", "vaulttool-check"], cwd=root, env=environment,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "_Standards/X/Note.md:1:1: VT411 missing tier stub _public/X/Note.public.md" in check.stdout
