"""The scheduled-refresh recipes and the pre-commit hooks file are valid and run the documented commands."""

from __future__ import annotations

import configparser
import re

from conftest import REPO
from ruamel.yaml import YAML

README = (REPO / "README.md").read_text(encoding="utf-8")
REFRESH = "vaulttool refresh --format json"


def yaml(path: str):  # noqa: ANN201
    return YAML(typ="safe").load((REPO / path).read_text(encoding="utf-8"))


def test_the_workflow_is_valid_and_runs_the_documented_refresh() -> None:
    workflow = yaml("recipes/github-actions/vaulttool-refresh.yml")
    assert workflow["on"]["schedule"] == [{"cron": "17 4 * * 1"}]
    steps = workflow["jobs"]["refresh"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert f'{REFRESH} . > "$RUNNER_TEMP/refresh-summary.json"' in runs
    assert "gh pr create" in runs and "refresh-summary.json" in runs.split("gh pr create")[0]
    refresh_step = next(step for step in steps if step.get("id") == "refresh")
    assert refresh_step["env"] == {"VAULTTOOL_CONTACT": "${{ secrets.VAULTTOOL_CONTACT }}"}
    assert f"{REFRESH} ." in README and "secrets.VAULTTOOL_CONTACT" in README


def test_cron_and_systemd_recipes_run_the_documented_refresh() -> None:
    cron = (REPO / "recipes/cron/vaulttool-refresh.cron").read_text(encoding="utf-8")
    line = next(line for line in cron.splitlines() if line and not line.startswith("#"))
    assert re.match(r"17 4 \* \* 1 ", line) and f'{REFRESH} "$HOME/Vault"' in line
    assert '. "$HOME/.config/vaulttool/env"' in line
    service = configparser.ConfigParser(interpolation=None)
    service.read(REPO / "recipes/systemd/vaulttool-refresh.service")
    assert service["Service"]["ExecStart"] == f"%h/.local/bin/{REFRESH} %h/Vault"
    assert service["Service"]["EnvironmentFile"] == "%h/.config/vaulttool/env"
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(REPO / "recipes/systemd/vaulttool-refresh.timer")
    assert timer["Timer"]["Persistent"] == "true"
    for recipe in ("vaulttool-refresh.cron", "vaulttool-refresh.service", "vaulttool-refresh.timer", "VAULTTOOL_CONTACT="):
        assert recipe in README


def test_pre_commit_hooks_file() -> None:
    hooks = {hook["id"]: hook for hook in yaml(".pre-commit-hooks.yaml")}
    # (--skip-missing: the tiers hook, run before it, may have moved a staged stub after its renamed note)
    assert hooks["vaulttool-check"]["entry"] == "vaulttool check --skip-missing --"
    assert hooks["vaulttool-tiers"]["entry"] == "vaulttool tiers --fail-on-change --"
    assert hooks["vaulttool-tiers"]["require_serial"] is True
    assert all(hook["types"] == ["markdown"] for hook in hooks.values() if not hook.get("always_run"))
    assert hooks["vaulttool-tiers-complete"]["pass_filenames"] is False  # (pre-commit passes no deleted file)
    for hook_id in hooks:
        assert f"id: {hook_id}" in README


def test_the_fix_hook_is_a_serial_fixer() -> None:
    hooks = {hook["id"]: hook for hook in yaml(".pre-commit-hooks.yaml")}
    assert hooks["vaulttool-fix"]["entry"] == "vaulttool validate --fix --"
    assert hooks["vaulttool-fix"]["require_serial"] is True
