"""The project's own CI workflow and the recipes, read as files: they run what the README says, and
nothing installs the unrelated PyPI project that is also called `vaulttool`."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from conftest import REPO
from ruamel.yaml import YAML

from vaulttool import DISTRIBUTION, __version__

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


def readme_commands() -> list[str]:
    """The two set-up commands, as the README's `sh` blocks give them."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


def steps(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_macos_job_runs_the_readmes_commands_as_written() -> None:
    workflow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    first, second = readme_commands()
    assert first.startswith("python3 -m venv .venv && ") and second.endswith("python -m pytest")
    assert list(workflow["jobs"]) == ["macos"]  # (Linux, Windows and CRLF run in .ci/run)
    macos = workflow["jobs"]["macos"]
    assert macos["runs-on"] == "macos-latest" and macos["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    runs = [run.strip() for run in steps(macos)]
    assert runs[:2] == [first, second]


def test_this_projects_ci_runs_the_readmes_commands_and_every_leg() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace(" --quiet", "")
    first, second = readme_commands()
    assert first.removeprefix("python3 -m venv .venv && . .venv/bin/activate && ") in ci
    assert second.removeprefix(". .venv/bin/activate && ") in ci
    assert "core.autocrlf=true" in ci and "tests/windows/run" in ci


def test_the_distribution_has_its_own_name_and_the_packages_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "obsidian-vaulttool"
    assert project["version"] == __version__
    assert project["scripts"] == {"vaulttool": "vaulttool.cli:main"}


INSTALLS = re.compile(r"""\b(?:pip|pipx)\s+install\s+(?:-\S+\s+)*("[^"]+"|'[^']+'|\S+)""")
# vaulttool is not on PyPI yet (`obsidian-vaulttool==…` would install nothing) and has no published
# repository: from git, only as the user's own repository, named by a placeholder in angle brackets.
FROM_GIT = re.compile(rf"{DISTRIBUTION} @ git\+<[^>]+>@(?:<[^>]+>|\S+)")
TOOLS = ("pre-commit", "build")  # (`pip install build twine`: docs/release.md)
TAGS = re.compile(r"(?:@|\brev:\s*)(v\d+(?:\.\d+)+)\b")


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")),
            *sorted(path for path in (REPO / "recipes").rglob("*") if path.is_file())]


def test_nothing_installs_the_bare_name_or_a_package_that_does_not_exist() -> None:
    found = []
    for document in documents():
        for spec in INSTALLS.findall(document.read_text(encoding="utf-8")):
            spec = " ".join(spec.strip("\"'`").split())
            found.append((document.name, spec))
            if spec.startswith((".", "/", "dist/", "$")) or spec in TOOLS:
                continue  # a clone, a wheel's file, the recipes' one setting (VAULTTOOL_INSTALL), a tool
            assert FROM_GIT.fullmatch(spec), f"{document}: installs {spec!r}"
    assert ("README.md", f"{DISTRIBUTION} @ git+<your repository's URL>@<a commit or tag of it>") in found
    # The recipes install whatever VAULTTOOL_INSTALL says, and that alone (the script refuses it empty).
    assert ("vaulttool-scheduled.sh", "$spec") in found
    for recipe in ("github-actions/vaulttool-sync.yml", "cron/vaulttool-sync.cron", "systemd/vaulttool-sync.service",
                   "vaulttool.env", "vaulttool-scheduled.sh"):
        assert "VAULTTOOL_INSTALL" in (REPO / "recipes" / recipe).read_text(encoding="utf-8"), recipe


def test_no_document_names_a_repository_or_a_tag_that_does_not_exist() -> None:
    for document in documents():
        text = document.read_text(encoding="utf-8")
        assert not re.search(r"\bOWNER\b", text), document
        named = set(TAGS.findall(text))
        if named:  # (none is, while the repository has no tag)
            tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True, check=True)
            assert named <= set(tags.stdout.split()), f"{document} names the tags {sorted(named)}"


def test_ci_builds_checks_and_installs_the_wheel_and_runs_the_main_job_from_it() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    # After the suite (step 2), before the CRLF checkout (step 3).
    assert ci.index("python -m pytest") < ci.index("\n# 2b. ") < ci.index("\n# 3. ")
    step = ci.split("\n# 2b. ", 1)[1].split("\n# 3. ", 1)[0]
    commands = [line.strip() for line in step.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert 'python -m build --outdir "$release/dist" .' in step
    assert 'python -m twine check --strict "$release"/dist/*' in commands
    assert 'python3 -m venv "$release/venv"' in commands  # a fresh venv, and the wheel, not the tree (-e, .)
    assert '"$release/venv/bin/pip" install --quiet "$release"/dist/obsidian_vaulttool-*-py3-none-any.whl' in commands
    assert 'cd "$release"' in commands  # (run from outside the tree)
    assert "venv/bin/vaulttool sync --offline example_vault 2>&1 | tee sync.out" in commands
    assert "tail -n 1 sync.out | grep -q '; clean$'" in commands
    assert 'diff -r -x cache example_vault "$release/example_vault"' in commands
