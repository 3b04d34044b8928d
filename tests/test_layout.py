"""The package's layers, read from its source: arrows point down only, each outside library has one
home, the pure layers touch neither disk nor network, and the pre-commit hooks stay light."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_VAULT, REPO

PACKAGE = REPO / "vaulttool"

# What each room may import from the rest of vaulttool ("" is the package's own __init__: __version__).
ALLOWED: dict[str, set[str]] = {
    "": set(),
    "errors": set(),
    "findings": set(),
    "explanations": {"findings"},
    "config": {"errors", "findings"},  # (the finding codes, for [validate.ignore])
    "engine": {"errors"},
    "tiers": {"engine", "config", "errors"},
    "rules": {"tiers", "engine", "config", "errors", "findings"},
    "wikidata": {"engine", "config", "errors", ""},
    "disk": {"tiers", "wikidata", "engine", "config", "errors", "findings"},
    "commands": {"disk", "rules", "wikidata", "tiers", "engine", "config", "errors", "findings", ""},
    "cli": {"commands", "rules", "disk", "config", "errors", "findings", "explanations", ""},  # (rules: suppressions)
    "__main__": {"cli"},
}
# Outside libraries and the one module that may import each.
ONLY_IN = {
    "requests": "vaulttool.wikidata.client",
    "jsonschema": "vaulttool.wikidata.answer",
    "click": "vaulttool.cli",
    "ruamel": "vaulttool.engine.yamlnodes",
    "frontmatter": "vaulttool.engine.interop",
    "multiprocessing": "vaulttool.commands.pool",
    "concurrent": "vaulttool.commands.pool",
    "filelock": "vaulttool.disk.lock",
}
# Modules Windows does not have: none of ours may import them (filelock picks the OS lock itself).
POSIX_ONLY = {"fcntl", "termios", "pwd", "grp", "resource"}
PURE_ROOMS = ("engine", "rules", "tiers", "wikidata", "config")
FILESYSTEM_MODULES = {"os", "shutil", "tempfile", "glob", "io"}
FILESYSTEM_CALLS = {"open", "read_bytes", "read_text", "write_bytes", "write_text", "is_file", "is_dir", "exists",
                    "mkdir", "unlink", "iterdir", "rglob", "scandir", "stat", "lstat"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """`vaulttool.engine.note` -> `engine`; `vaulttool` -> ``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(path: Path) -> list[tuple[str, int]]:
    """Every module a file imports, at any depth (function-level and TYPE_CHECKING ones included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            # `from vaulttool.engine import note` imports the module vaulttool.engine.note
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names
                      if (PACKAGE.parent / f"{node.module}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()]
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_sources_are_found() -> None:
    names = {module_name(path) for path in SOURCES}
    assert {"vaulttool.cli", "vaulttool.engine.links", "vaulttool.commands.sync", "vaulttool.disk.fileio"} <= names
    assert all(room(name) in ALLOWED for name in names), sorted(n for n in names if room(n) not in ALLOWED)


def test_arrows_point_down_only() -> None:
    wrong = []
    for path in SOURCES:
        here = module_name(path)
        for target, line in imports(path):
            if target == "vaulttool" or target.startswith("vaulttool."):
                there = room(target)
                if there != room(here) and there not in ALLOWED[room(here)]:
                    wrong.append(f"{path.relative_to(REPO)}:{line}: {here} imports {target}")
    assert wrong == []


def test_no_module_imports_itself_in_a_circle() -> None:
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        graph[module_name(path)] = {target for target, _ in imports(path)
                                    if target.startswith("vaulttool.") and target != module_name(path)}
    modules = set(graph)
    circles = []

    def visit(module: str, trail: list[str]) -> None:
        for target in sorted(graph.get(module, set()) & modules):
            if target in trail:
                circles.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif len(trail) < 40:
                visit(target, trail + [target])

    for module in sorted(graph):
        visit(module, [module])
    assert circles == []


def test_each_outside_library_has_one_home() -> None:
    wrong = []
    for path in SOURCES:
        here = module_name(path)
        for target, line in imports(path):
            home = ONLY_IN.get(target.split(".")[0])
            if home is not None and here != home and not here.startswith(home + "."):  # a home may be a package
                wrong.append(f"{path.relative_to(REPO)}:{line}: {target} belongs in {home}")
    assert wrong == []


def test_no_module_imports_what_windows_lacks() -> None:
    wrong = [f"{path.relative_to(REPO)}:{line}: {target}" for path in SOURCES for target, line in imports(path)
             if target.split(".")[0] in POSIX_ONLY]
    assert wrong == []


def test_the_pure_rooms_touch_no_files() -> None:
    wrong = []
    for path in SOURCES:
        if room(module_name(path)) not in PURE_ROOMS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                wrong += [f"{path.name}:{node.lineno}: import {name}" for name in names
                          if name.split(".")[0] in FILESYSTEM_MODULES]
            elif isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called in FILESYSTEM_CALLS:
                    wrong.append(f"{path.name}:{node.lineno}: {called}()")
    assert wrong == []


# --- the pre-commit hooks' imports -------------------------------------------------------------

HEAVY = ("requests", "ruamel", "multiprocessing", "jsonschema")


def imported_by(arguments: list[str], cwd: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a whole `vaulttool` process imports, as `python -X importtime` lists them."""
    # A closed local port: should anything try the network, it fails at once and stays here.
    environment = {**os.environ, "VAULTTOOL_WIKIDATA_URL": "http://127.0.0.1:9/w/api.php"}
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "vaulttool", *arguments], cwd=cwd,
                            capture_output=True, text=True, check=False, env=environment)
    names = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return names, result


@pytest.mark.parametrize("arguments", [["check"], ["tiers", "--fail-on-change"]], ids=["check", "tiers"])
def test_the_hooks_import_neither_network_nor_full_yaml_nor_a_pool(tmp_path: Path, arguments: list[str]) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    staged = sorted(str(path.relative_to(vault)) for path in vault.glob("_Standards/*/*.md"))
    assert staged  # what pre-commit passes: the staged notes
    names, result = imported_by([*arguments, *staged], vault)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vaulttool.rules.checks" in names or "vaulttool.commands.tiers" in names  # the listing is real
    assert sorted(name for name in names if name.split(".")[0] in HEAVY) == []


def test_refresh_does_import_requests(tmp_path: Path) -> None:
    """The same listing sees requests where it is used: the hook test above can fail."""
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("cache", "lock"))
    names, result = imported_by(["refresh", "--check", "--qid", "Q1", "."], vault)
    assert "requests" in names, result.stderr[-2000:]
