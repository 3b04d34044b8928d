"""The real pre-commit framework in a real git repository: the hooks block, pass and fix as documented."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_VAULT, REPO
from ruamel.yaml import YAML

# This interpreter as a hook entry's first word: pre-commit splits an entry with shlex (POSIX rules),
# which would eat a Windows path's backslashes; Windows takes forward slashes, and quoting keeps a space.
PYTHON = shlex.quote(Path(sys.executable).as_posix())

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

def local_config(*hook_ids: str) -> str:
    """A `repo: local` pre-commit config running this checkout's hooks, as .pre-commit-hooks.yaml
    defines them (the entry's `vaulttool` made this interpreter's, since nothing is installed)."""
    defined = {hook["id"]: hook for hook in YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())}
    lines = ["repos:", "  - repo: local", "    hooks:"]
    for hook_id in hook_ids:
        hook = defined[hook_id]
        entry = hook["entry"].replace("vaulttool", f"{PYTHON} -m vaulttool", 1)
        lines += [f"      - id: {hook_id}", f"        name: {hook['name']}", f"        entry: {json.dumps(entry)}",
                  "        language: system"]
        if "types" in hook:
            lines.append(f"        types: [{', '.join(hook['types'])}]")
        for flag in ("always_run", "pass_filenames", "require_serial"):
            if flag in hook:
                lines.append(f"        {flag}: {json.dumps(hook[flag])}")
    return "\n".join(lines) + "\n"


CONFIG = local_config("vaulttool-tiers", "vaulttool-check")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns("cache", "lock"))
    (root / ".pre-commit-config.yaml").write_text(CONFIG, encoding="utf-8")
    (root / ".gitignore").write_text(".vaulttool/cache/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial vault")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=environment(root),
                   check=True, capture_output=True)
    return root


def environment(root: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(root.parent), "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@vaulttool.invalid",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@vaulttool.invalid", "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, env=environment(root), capture_output=True, text=True,
                          check=False)


def committed(root: Path, path: Path) -> bytes:
    """The bytes HEAD holds for `path` (named as git wants it, `/`-separated; read as bytes: no newline or
    locale decoding on the way)."""
    from vaulttool.disk.vault import vault_path_of

    return subprocess.run(["git", "show", f"HEAD:{vault_path_of(str(path), str(root))}"], cwd=root,
                          env=environment(root), capture_output=True, check=True).stdout


def commit(root: Path, message: str) -> subprocess.CompletedProcess[str]:
    git(root, "add", "-A")
    return git(root, "commit", "-m", message)


def test_a_bad_note_is_blocked_with_file_and_line(repo: Path) -> None:
    note = repo / "_Standards" / "WikiData" / "WD~Geneva,71.md"
    note.write_text(note.read_text(encoding="utf-8").replace('country: "[[_Standards/WikiData/WD~Switzerland,39]]"',
                                                             "country: [[_Standards/WikiData/WD~Switzerland,39]]"))
    result = commit(repo, "break a note")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "_Standards/WikiData/WD~Geneva,71.md:5:10: VT201 unquoted wikilink" in output
    assert "initial vault" in git(repo, "log", "-1", "--format=%s").stdout


def test_a_good_note_passes(repo: Path) -> None:
    note = repo / "_Standards" / "WikiData" / "WD~New_York_City,60.md"
    note.write_text("---\naliases:\n  - New York City\nhas_id_wikidata: Q60\n---\n\n# New York City\n", encoding="utf-8")
    result = commit(repo, "add New York City")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "add New York City" in git(repo, "log", "-1", "--format=%s").stdout


def test_a_new_standard_note_gets_its_stubs_and_the_commit_stops_once(repo: Path) -> None:
    note = repo / "_Standards" / "UN(United_Nations)" / "UNHCR(UN_Refugee_Agency).md"
    note.write_text("---\naliases:\n  - UN Refugee Agency\n  - UNHCR\n---\n\n# [[UNHCR(UN_Refugee_Agency)]] \n",
                    encoding="utf-8")
    first = commit(repo, "add UNHCR")
    assert first.returncode != 0
    assert "created _secret/UN(United_Nations)/UNHCR(UN_Refugee_Agency).secret.md" in first.stdout + first.stderr
    assert (repo / "_public" / "UN(United_Nations)" / "UNHCR(UN_Refugee_Agency).public.md").is_file()
    assert "## Confidential Links & Embeds: " in note.read_text(encoding="utf-8")
    second = commit(repo, "add UNHCR")
    assert second.returncode == 0, second.stdout + second.stderr
    files = git(repo, "show", "--name-only", "--format=", "HEAD").stdout.split("\n")
    assert len([f for f in files if f.startswith("_")]) == 7  # the note and its six stubs


def test_the_tiers_hook_keeps_what_follows_the_links_section(repo: Path) -> None:
    note = repo / "_Standards" / "UN(United_Nations)" / "IOM(International_Organization_for_Migration).md"
    reference = note.read_bytes()
    secret_line = reference[reference.rindex(b" \n\n### #is_/same_as"):reference.rindex(b"\n\n")]
    tail = b"\n> [!note] Added by hand\n> after the links\n\n![[logo.png]]\n#organisation\n"
    note.write_bytes(reference.replace(secret_line, b"") + tail)
    first = commit(repo, "a note after the links")
    assert first.returncode != 0  # the hook rewrote the section: the commit stops once
    assert note.read_bytes() == reference + tail
    second = commit(repo, "a note after the links")
    assert second.returncode == 0, second.stdout + second.stderr
    assert committed(repo, note) == reference + tail


FIX_CONFIG = local_config("vaulttool-fix", "vaulttool-check")


def test_the_fix_hook_quotes_a_wikilink_and_the_commit_stops_once(repo: Path) -> None:
    (repo / ".pre-commit-config.yaml").write_text(FIX_CONFIG, encoding="utf-8")
    assert commit(repo, "use the fix hook").returncode == 0
    note = repo / "_Standards" / "WikiData" / "WD~Geneva,71.md"
    quoted = b'country: "[[_Standards/WikiData/WD~Switzerland,39]]"'
    edited = note.read_bytes().replace(quoted, quoted + b"\nnickname: Genf")
    note.write_bytes(edited.replace(quoted, b"country: [[_Standards/WikiData/WD~Switzerland,39]]"))
    first = commit(repo, "a nickname, and a link unquoted by hand")
    assert first.returncode != 0
    output = first.stdout + first.stderr
    assert "_Standards/WikiData/WD~Geneva,71.md:" in output and "VT201 fixed: quoted the wikilink" in output
    assert note.read_bytes() == edited
    second = commit(repo, "a nickname, and a link unquoted by hand")
    assert second.returncode == 0, second.stdout + second.stderr
    assert committed(repo, note) == edited


def test_notes_named_like_options_are_checked_by_the_hooks(repo: Path) -> None:
    folder = repo / "_Standards" / "WikiData"
    for name in ("-n.md", "--all.md"):
        (folder / name).write_text("---\naliases:\n  - x\n---\n\n# x\n", encoding="utf-8")
    good = commit(repo, "notes with odd names")
    assert good.returncode == 0, good.stdout + good.stderr
    (folder / "--all.md").write_text("---\nlink: [[x]]\n---\n", encoding="utf-8")
    bad = commit(repo, "an unquoted link in --all.md")
    assert bad.returncode != 0
    assert "_Standards/WikiData/--all.md:2:7: VT201" in bad.stdout + bad.stderr
