"""Time whole `vaulttool` processes beside python-frontmatter's bare parse of the same files.

Generates a vault of N notes shaped like the reference note, each with its six access-tier siblings,
then times, in the same run and alternating, whole processes:

* `vaulttool validate VAULT`, cold (its cache deleted first) and warm (cache from the run before);
* python-frontmatter loading every note (`frontmatter.load`), the peer;
* reading every file's bytes and nothing else, the floor;
* the pre-commit hook's command, `vaulttool check`, on 1 and on 20 notes (cache warm, as after any run);
* with `--start-methods spawn,forkserver`, the cold validate again with the worker pool started that way
  (VAULTTOOL_START_METHOD), beside the platform's default;
* with `--beside TREE` (another checkout, say `git worktree add /tmp/old fd46e32`), each vaulttool
  command again with that checkout's vaulttool, alternating with this one's.

Prints medians and ratios. Not a test: figures depend on the machine.

    python benchmarks/bench_validate.py --notes 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "tests" / "data" / "roundtrip" / "reference_note.md"
TIERS = ("public", "internal", "protect", "private", "personal", "secret")

PEER = """
import sys, frontmatter
from pathlib import Path
for path in Path(sys.argv[1]).rglob("*.md"):
    frontmatter.load(path)
"""
FLOOR = """
import sys
from pathlib import Path
for path in Path(sys.argv[1]).rglob("*.md"):
    path.read_bytes()
"""


def generate(root: Path, count: int) -> int:
    """Write `count` reference-shaped notes and their tier siblings; return the number of files."""
    (root / ".obsidian").mkdir(parents=True)
    shutil.copy(REPO / "example_vault" / "vaulttool.toml", root / "vaulttool.toml")
    reference = REFERENCE.read_text(encoding="utf-8")
    files = 0
    for index in range(count):
        folder = f"Org{index // 100:03}"
        stem = f"ORG{index:05}(Organization_{index})"
        text = (reference.replace("IOM(International_Organization_for_Migration)", stem)
                .replace("Q472311", f"Q{1000 + index}").replace("49000", str(1000 + index)))
        standard = root / "_Standards" / folder / f"{stem}.md"
        standard.parent.mkdir(parents=True, exist_ok=True)
        standard.write_text(text, encoding="utf-8")
        files += 1
        for tier in TIERS:
            sibling = root / f"_{tier}" / folder / f"{stem}.{tier}.md"
            sibling.parent.mkdir(parents=True, exist_ok=True)
            publish = "" if tier == "public" else "publish: false\n"
            sibling.write_text(
                f'---\ntier: {tier}\nsource: "[[_Standards/{folder}/{stem}]]"\n'
                f"has_id_wikidata: Q{1000 + index}\n{publish}---\n\n# {stem}.{tier}\n",
                encoding="utf-8",
            )
            files += 1
    return files


def compile_tree(tree: Path) -> None:
    """Byte-compile a checkout's vaulttool, as `pip install` does: where PYTHONDONTWRITEBYTECODE is set
    (as on the project's machines), every process would otherwise compile every module it imports."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "vaulttool")], check=True)


def timed(command: list[str], cache: Path | None = None, **options: Any) -> float:
    """Seconds one whole process takes (`options` go to subprocess.run: `env`, `cwd`)."""
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, **options)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command} failed: {result.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="standard notes (each gets 6 siblings)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                        help="where to generate the vault [default: /dev/shm, memory-backed, so that the "
                             "kernel reclaiming the page cache does not decide the figures]")
    parser.add_argument("--start-methods", default="", metavar="METHOD,…",
                        help="also time a cold validate with the pool started by each of these methods")
    parser.add_argument("--jobs", type=int, default=0, help="vaulttool's --jobs [default: 0, every core]")
    parser.add_argument("--beside", type=Path, default=None, metavar="TREE",
                        help="another checkout whose vaulttool is timed beside this one's")
    args = parser.parse_args()
    vaulttool = [sys.executable, "-m", "vaulttool", "validate", "--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory(prefix="vaulttool-bench-", dir=args.dir) as folder:
        vault = Path(folder) / "vault"
        files = generate(vault, args.notes)
        standard = sorted(str(p) for p in (vault / "_Standards").rglob("*.md"))
        commands = {
            "vaulttool validate, cold": vaulttool + [str(vault)],
            "vaulttool validate, warm": vaulttool + [str(vault)],
            "python-frontmatter parse": [sys.executable, "-c", PEER, str(vault)],
            "read bytes only": [sys.executable, "-c", FLOOR, str(vault)],
            "hook (check), 1 note": [sys.executable, "-m", "vaulttool", "check", standard[0]],
            "hook (check), 20 notes": [sys.executable, "-m", "vaulttool", "check", *standard[:20]],
        }
        environments: dict[str, dict[str, str]] = {}
        for method in filter(None, args.start_methods.split(",")):
            name = f"validate, cold, {method}"
            commands[name] = vaulttool + [str(vault)]
            environments[name] = {**os.environ, "VAULTTOOL_START_METHOD": method}
        if args.beside is not None:
            beside = {**os.environ, "PYTHONPATH": str(args.beside.resolve())}
            for name in [name for name in commands if "vaulttool" in name or "hook" in name]:
                commands[f"{name} ({args.beside.name})"] = commands[name]
                environments[f"{name} ({args.beside.name})"] = beside
            compile_tree(args.beside)
        cache = vault / ".vaulttool" / "cache"
        compile_tree(REPO)
        timed(commands["read bytes only"])  # fill the page cache once, for every contender alike
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                samples[name].append(timed(command, cache if "cold" in name else None, env=environments.get(name)))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    peer, floor = medians["python-frontmatter parse"], medians["read bytes only"]
    print(f"{args.notes} standard notes + siblings = {files} files, {args.repeat} runs each, medians:")
    for name, median in medians.items():
        print(f"  {name:36} {median:7.2f} s   {median / peer:5.2f}x python-frontmatter   "
              f"{median / floor:5.2f}x reading the files")


if __name__ == "__main__":
    main()
