"""The project's own CI workflow and the recipes, read as files: they run what the README says, and
nothing installs the unrelated PyPI project that is also called `vaulttool`."""

from __future__ import annotations

import re
import tomllib

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


def test_nothing_installs_the_bare_name_and_every_pin_is_this_version() -> None:
    documents = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")),
                 *sorted(path for path in (REPO / "recipes").rglob("*") if path.is_file())]
    found = []
    for document in documents:
        for spec in INSTALLS.findall(document.read_text(encoding="utf-8")):
            spec = spec.strip("\"'`")
            found.append((document.name, spec))
            if spec.startswith(".") or spec.startswith("pre-commit"):
                continue  # from a clone, or a tool
            assert spec.startswith(DISTRIBUTION), f"{document}: installs {spec!r}"
            assert f"=={__version__}" in spec or f"@v{__version__}" in spec, f"{document}: {spec!r} is not pinned"
    recipes = {name for name, spec in found if spec.startswith(DISTRIBUTION)}
    assert {"vaulttool-refresh.yml", "vaulttool-refresh.cron", "vaulttool-refresh.service", "README.md"} <= recipes
