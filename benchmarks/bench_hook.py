"""Time the pre-commit hooks' commands of this checkout beside other checkouts of vaulttool, in one run.

For a change that should cost the hooks little or nothing (a refactor, a new module on the import
path, a new check): check out the revision before it beside this one and compare whole processes,
alternating, with the validate cache warm as after any run: `vaulttool check` on 1 and on 20 staged
notes, and `vaulttool tiers --check` of the whole vault (what `pre-commit run --all-files` asks).

    git worktree add /tmp/before HEAD~5
    python benchmarks/bench_hook.py --against /tmp/before --repeat 25

Prints medians and each checkout's ratio to this one. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_validate import REPO, compile_tree, generate, timed

SIZES = (1, 20)


def run(tree: Path, arguments: list[str]) -> float:
    """A whole `vaulttool` process of the checkout at `tree` (run from elsewhere, so that the working
    folder's own vaulttool is not the one imported)."""
    return timed([sys.executable, "-m", "vaulttool", *arguments], env={**os.environ, "PYTHONPATH": str(tree)},
                 cwd=tempfile.gettempdir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, action="append", default=[], metavar="CHECKOUT",
                        help="another checkout of vaulttool to time beside this one (repeatable)")
    parser.add_argument("--notes", type=int, default=2000, help="standard notes in the vault (each gets 6 siblings)")
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    trees = {"this checkout": REPO, **{str(path): path.resolve() for path in args.against}}
    folder = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="vaulttool-bench-", dir=folder) as temporary:
        vault = Path(temporary) / "vault"
        generate(vault, args.notes)
        staged = sorted(str(path) for path in (vault / "_Standards").rglob("*.md"))
        for tree in trees.values():  # each tree's own byte code and validate cache, made before timing
            compile_tree(tree)
            run(tree, ["validate", str(vault)])
        commands = {f"check, {size} notes": ["check", *staged[:size]] for size in SIZES}
        commands["tiers --check, whole vault"] = ["tiers", "--check", str(vault)]
        samples: dict[tuple[str, str], list[float]] = {(name, command): [] for name in trees for command in commands}
        for _ in range(args.repeat):
            for name, tree in trees.items():
                for command, arguments in commands.items():
                    samples[(name, command)].append(run(tree, arguments))
    print(f"a vault of {args.notes} standard notes, {args.repeat} runs each, medians:")
    for command in commands:
        base = statistics.median(samples[("this checkout", command)])
        for name in trees:
            median = statistics.median(samples[(name, command)])
            print(f"  {command:27} {name:24} {median * 1000:7.0f} ms  {median / base:5.3f}x this checkout")

if __name__ == "__main__":
    main()
