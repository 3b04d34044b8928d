"""Time the deletion guard, `vaulttool tiers-complete` (the `vaulttool-tiers-complete` hook, run on
every commit), on an unchanged vault beside its peers, as whole processes, in one run.

Generates a vault (bench_validate's `generate`: N reference-shaped standard notes, each with its six
tier siblings), settles it once with `vaulttool tiers` (links sections, sealed stubs, caches warm),
then times, alternating within each round, medians over `--repeat` rounds:

* `tiers-complete` of the whole vault, nothing deleted (the hook's every-commit cost);
* `tiers-complete` with one stub deleted (the names single out one note, which `tiers` then plans);
* `check` on 1 staged note (the per-file hook every commit runs; the peer the ratios are taken to);
* `tiers --check` of the whole vault, warm (what the guard would cost if it were built on it);
* `vaulttool --version`, the floor: starting Python and vaulttool's command line.

Prints medians and ratios. Not a test: figures depend on the machine.

    python benchmarks/bench_deletions.py --notes 10000 --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_validate import REPO, TIERS, compile_tree, generate, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="standard notes (each gets 6 siblings)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                        help="where to generate the vault [default: /dev/shm, memory-backed]")
    args = parser.parse_args()
    vaulttool = [sys.executable, "-m", "vaulttool"]
    compile_tree(REPO)
    with tempfile.TemporaryDirectory(prefix="vaulttool-bench-", dir=args.dir) as folder:
        vault = Path(folder) / "vault"
        files = generate(vault, args.notes)
        subprocess.run([*vaulttool, "tiers", "--quiet", str(vault)], check=True, stdout=subprocess.DEVNULL)
        standard = sorted(str(path) for path in (vault / "_Standards").rglob("*.md"))
        stub = Path(standard[len(standard) // 2].replace("_Standards", f"_{TIERS[0]}", 1)[:-3] + f".{TIERS[0]}.md")
        rows = {
            "tiers-complete, nothing deleted": ([*vaulttool, "tiers-complete", str(vault)], False),
            "tiers-complete, one stub deleted": ([*vaulttool, "tiers-complete", str(vault)], True),
            "check, 1 note (the peer)": ([*vaulttool, "check", standard[0]], False),
            "tiers --check, whole vault, warm": ([*vaulttool, "tiers", "--check", str(vault)], False),
            "vaulttool --version (the floor)": ([*vaulttool, "--version"], False),
        }
        for command, _ in rows.values():  # every cache warm before timing
            timed(command)
        samples: dict[str, list[float]] = {name: [] for name in rows}
        kept = stub.read_bytes()
        for _ in range(args.repeat):
            for name, (command, deleted) in rows.items():
                if deleted:
                    stub.unlink()
                samples[name].append(timed(command))
                if deleted:
                    stub.write_bytes(kept)
    medians = {name: statistics.median(times) for name, times in samples.items()}
    peer = medians["check, 1 note (the peer)"]
    print(f"{args.notes} standard notes + siblings = {files} files, {args.repeat} runs each, medians:")
    for name, median in medians.items():
        print(f"  {name:36} {median * 1000:7.0f} ms   {median / peer:5.2f}x check of 1 note")


if __name__ == "__main__":
    main()
