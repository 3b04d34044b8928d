"""Time every vaulttool command a vault runs, as whole processes, in one run, in memory or on disk.

Generates a vault (bench_validate's `generate`: N reference-shaped standard notes, each with its six
tier siblings) under /dev/shm (`--where shm`, memory-backed tmpfs) or /tmp (`--where disk`), settles
it once with each checkout (`vaulttool sync` against the test suite's local Wikidata stand-in,
tests/wikidata_server.py, which stores every answer in the vault's `.vaulttool/`), then times,
alternating the contenders within each round, medians over `--repeat` rounds:

* `validate` warm: the reference every ratio is taken to; python-frontmatter `load` of every note
  (the peer, as in bench_validate); reading every file's bytes (the floor);
* `tiers` first run: a fresh copy of a vault of standard notes only (no tier folder), made outside
  the timing each round, with the files written and the milliseconds per file written;
* `tiers`, `tiers --check` and `sync --offline`, warm, with nothing to do;
* `check` (the pre-commit hook) on 1, 20 and every standard note, paths relative to the vault as
  pre-commit passes them; every note goes through pre-commit's own xargs (pre_commit.xargs): batches
  under its command-line limit, run as many at a time as pre-commit runs them, and again one after
  another (the sum of the batches);
* `links --check` warm, whole vault;
* with `--refresh 1000,10000`, `refresh` of a vault of that many standard notes against the local
  stand-in (each note its own item, as in bench_refresh), cold (nothing stored) and warm (nothing
  changed upstream), with the requests each run made.

With `--beside TREE` (another checkout: `git worktree add /tmp/before HEAD~3`), every vaulttool
command runs with that checkout's vaulttool too, on its own copy of the vault settled by that
checkout (so neither shares the other's cache or stored answers), and the table adds each row's
"this ÷ beside". Each checkout is byte-compiled first (PYTHONDONTWRITEBYTECODE is set on the
project's machines). Progress goes to standard error; the Markdown tables to standard output.
Not a test: figures depend on the machine.

    python benchmarks/bench_commands.py --notes 10000 --repeat 3 --where shm --beside /work/base
    python benchmarks/bench_commands.py --notes 2000 --only tiers-first,check-1 --refresh 1000
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import bench_refresh  # noqa: F401  (puts tests/ on sys.path, for wikidata_server)
from bench_validate import FLOOR, PEER, REPO, TIERS, compile_tree, generate
from pre_commit import lang_base
from pre_commit import xargs as pre_commit_xargs
from pytest_httpserver import HTTPServer
from wikidata_server import FakeWikidata

PLACES = {"shm": "/dev/shm", "disk": "/tmp"}
FIRST_ID = 1000  # generate() gives standard note `index` the item Q{1000 + index}


@dataclass
class Row:
    key: str
    label: str
    per_tree: bool = True  # a vaulttool command, run with each checkout; else once a round
    samples: dict[str, list[float]] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)  # each contender's last summary line
    written: dict[str, int] = field(default_factory=dict)


ROWS = [
    Row("validate", "`validate`, warm (nothing changed)"),
    Row("frontmatter", "python-frontmatter `load` of every note (the peer)", per_tree=False),
    Row("read", "reading every file's bytes (the floor)", per_tree=False),
    Row("tiers-first", "`tiers`, first run (standard notes only, no tier folder)"),
    Row("tiers", "`tiers`, warm (nothing to do)"),
    Row("tiers-check", "`tiers --check`, warm (nothing to do)"),
    Row("sync", "`sync --offline`, warm (nothing to do)"),
    Row("check-1", "`check`, 1 note"),
    Row("check-20", "`check`, 20 notes"),
    Row("check-all", "`check`, every standard note (pre-commit's xargs, {jobs} at a time)"),
    Row("check-all-serial", "`check`, every standard note (the same batches one after another)"),
    Row("check-vault", "`check`, every Markdown file of the vault (`pre-commit run --all-files`, {jobs} at a time)"),
    Row("links", "`links --check`, warm, whole vault"),
]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def environment(tree: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), **extra}


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path | str | None = None,
        ok: tuple[int, ...] = (0, 1)) -> tuple[float, int, str]:
    """Seconds a whole process takes, its exit code and the last line of its standard error."""
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                            env=env, cwd=cwd or tempfile.gettempdir())
    elapsed = time.perf_counter() - start
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    if result.returncode not in ok:
        raise SystemExit(f"{command[:6]}… exited {result.returncode}:\n" + "\n".join(lines[-20:]))
    return elapsed, result.returncode, lines[-1] if lines else ""


def vaulttool(tree: Path, *arguments: str, env: dict[str, str] | None = None, cwd: Path | None = None,
              ok: tuple[int, ...] = (0, 1)) -> tuple[float, int, str]:
    return run([sys.executable, "-m", "vaulttool", *arguments], env or environment(tree), cwd, ok)


def standard_only(root: Path, count: int) -> None:
    """A vault of `count` standard notes and no tier folder: generate()'s, the siblings removed."""
    generate(root, count)
    for tier in TIERS:
        shutil.rmtree(root / f"_{tier}")


def serve_items(fake: FakeWikidata, count: int) -> None:
    """Answer for each generated note's item (Q1000…) with the recorded Q472311 under that id, its
    preferred social media followers the number generate() wrote in that note: every note then holds
    exactly its item's values, so a first refresh adopts every key. Where the fixtures already know an
    id, the generated note wins (Q1065 is no longer the United Nations, whom no generated note links
    to), except that an item known by its terms (Q1321 Spanish, Q1860 English, which every note links
    to) keeps its labels, descriptions and aliases."""
    model = fake.entities["Q472311"]
    followers = model["claims"]["P8687"]
    for index in range(count):
        entity_id = f"Q{FIRST_ID + index}"
        claims = copy.deepcopy(followers)
        for claim in claims:
            if claim["rank"] == "preferred":
                claim["mainsnak"]["datavalue"]["value"]["amount"] = f"+{FIRST_ID + index}"
        entity = dict(model, id=entity_id, title=entity_id, claims=dict(model["claims"], P8687=claims))
        for key in ("labels", "descriptions", "aliases"):
            if key in fake.terms.get(entity_id, {}):
                entity[key] = fake.terms[entity_id][key]
        fake.entities[entity_id] = entity


def settle(tree: Path, vault: Path, url: str) -> None:
    """Bring a generated vault to rest with `tree`'s vaulttool: one `sync` against the stand-in (refresh
    stores every answer under .vaulttool/, entities writes the entity notes, tiers the links sections),
    then `sync --offline`, which must find nothing to do, and one run of each warm command."""
    elapsed, code, summary = vaulttool(tree, "sync", str(vault), env=environment(tree, VAULTTOOL_WIKIDATA_URL=url),
                                       ok=(0, 1, 3))
    progress(f"  sync against the stand-in: {elapsed:.1f} s, exit {code}: {summary}")
    elapsed, code, summary = vaulttool(tree, "sync", "--offline", str(vault), ok=(0, 1, 3))
    if code != 0:
        progress(f"  WARNING: sync --offline after settling exited {code} (not nothing to do): {summary}")
    for arguments in (["validate"], ["tiers", "--check"], ["links", "--check"]):
        elapsed, code, summary = vaulttool(tree, *arguments, str(vault))
        progress(f"  {' '.join(arguments)}: {elapsed:.1f} s, exit {code}: {summary}")


class Bench:
    def __init__(self, args: argparse.Namespace, base: Path) -> None:
        self.args = args
        self.base = base
        self.trees = {"this": REPO}
        if args.beside is not None:
            self.trees["beside"] = args.beside.resolve()
        self.vaults = {name: base / name / "vault" for name in self.trees}
        self.first_run = base / "standard-only"
        self.jobs = lang_base.target_concurrency()
        self.staged: list[str] = []  # the generated standard notes, relative to the vault
        self.every: list[str] = []  # every Markdown file of the vault (entity notes and siblings too)

    def check_all(self, tree: Path, vault: Path, jobs: int, paths: list[str]) -> tuple[float, int, str]:
        """`vaulttool check -- PATH…` over `paths` as pre-commit runs the hook: the paths
        shuffled as pre-commit shuffles them, cut into its batches, `jobs` processes at a time."""
        command = (sys.executable, "-m", "vaulttool", "check", "--")
        start = time.perf_counter()
        code, output = pre_commit_xargs.xargs(command, lang_base._shuffled(paths), target_concurrency=jobs,
                                              env=environment(tree), cwd=str(vault))
        elapsed = time.perf_counter() - start
        if code not in (0, 1):
            raise SystemExit(f"check over every note exited {code}:\n{output.decode(errors='replace')[-2000:]}")
        batches = len(pre_commit_xargs.partition(command, paths, jobs))
        lines = output.decode(errors="replace").strip().splitlines()
        return elapsed, code, f"{batches} processes; last: {lines[-1] if lines else ''}"

    def measure(self, row: Row, name: str) -> tuple[float, int, str]:
        tree, vault = self.trees[name], self.vaults[name]
        key = row.key
        if key == "validate":
            return vaulttool(tree, "validate", str(vault))
        if key == "frontmatter":
            return run([sys.executable, "-c", PEER, str(vault)])
        if key == "read":
            return run([sys.executable, "-c", FLOOR, str(vault)])
        if key == "tiers-first":
            fresh = self.base / name / "first-run"
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.copytree(self.first_run, fresh)
            result = vaulttool(tree, "tiers", str(fresh))
            found = re.search(r"wrote (\d+) files?", result[2])
            row.written[name] = int(found.group(1)) if found else 0
            shutil.rmtree(fresh)
            return result
        if key == "tiers":
            return vaulttool(tree, "tiers", str(vault))
        if key == "tiers-check":
            return vaulttool(tree, "tiers", "--check", str(vault))
        if key == "sync":
            return vaulttool(tree, "sync", "--offline", str(vault), ok=(0, 1, 3, 4))
        if key in ("check-1", "check-20"):
            size = int(key.split("-")[1])
            return vaulttool(tree, "check", "--", *self.staged[:size], cwd=vault)
        if key == "check-all":
            return self.check_all(tree, vault, self.jobs, self.staged)
        if key == "check-all-serial":
            return self.check_all(tree, vault, 1, self.staged)
        if key == "check-vault":
            return self.check_all(tree, vault, self.jobs, self.every)
        if key == "links":
            return vaulttool(tree, "links", "--check", str(vault))
        raise AssertionError(key)

    def prepare(self, rows: list[Row], server_url: str) -> None:
        template = self.base / "generated"
        progress(f"generating {self.args.notes} standard notes + siblings in {self.base}")
        files = generate(template, self.args.notes)
        progress(f"  {files} files")
        if any(row.key == "tiers-first" for row in rows):
            standard_only(self.first_run, self.args.notes)
        for name, tree in self.trees.items():
            compile_tree(tree)
            progress(f"settling the vault of {name} ({tree})")
            shutil.copytree(template, self.vaults[name])
            settle(tree, self.vaults[name], server_url)
        shutil.rmtree(template)
        self.staged = sorted(path.relative_to(self.vaults["this"]).as_posix()
                             for path in (self.vaults["this"] / "_Standards").rglob("*.md")
                             if "WikiData" not in path.parts)
        self.every = sorted(path.relative_to(self.vaults["this"]).as_posix()
                            for path in self.vaults["this"].rglob("*.md") if ".vaulttool" not in path.parts)
        run([sys.executable, "-c", FLOOR, str(self.vaults["this"])])  # the page cache, for every contender alike

    def rounds(self, rows: list[Row]) -> None:
        for round_ in range(1, self.args.repeat + 1):
            for row in rows:
                for name in (self.trees if row.per_tree else ["this"]):
                    elapsed, code, summary = self.measure(row, name)
                    row.samples.setdefault(name, []).append(elapsed)
                    row.last[name] = f"exit {code}: {summary}"
                    progress(f"round {round_}/{self.args.repeat} {row.key:16} {name:6} {elapsed:7.2f} s  exit {code}")

    def table(self, rows: list[Row]) -> None:
        beside = "beside" in self.trees
        medians = {(row.key, name): statistics.median(times) for row in rows for name, times in row.samples.items()}
        reference = {name: medians.get(("validate", name)) for name in self.trees}
        print(f"\n{self.args.notes:,} standard notes + 6 siblings each, in {PLACES[self.args.where]} "
              f"({self.args.where}); medians of {self.args.repeat} alternating rounds; "
              f"this = {REPO}" + (f", beside = {self.trees['beside']}" if beside else "") + "\n")
        header = ["command", "this", "× warm validate"]
        if beside:
            header += ["beside", "× warm validate", "this ÷ beside"]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            label = row.label.format(jobs=self.jobs)
            cells = [label]
            for name in (["this", "beside"] if beside else ["this"]):
                median = medians.get((row.key, name if row.per_tree else "this"))
                ratio = median / reference[name] if reference[name] and median is not None else None
                if not row.per_tree and name == "beside":
                    cells += ["", ""]
                    continue
                cells += [f"{median:.2f} s" if median is not None else "", f"{ratio:.2f}" if ratio else ""]
            if beside:
                cells.append(f"{medians[(row.key, 'this')] / medians[(row.key, 'beside')]:.2f}" if row.per_tree else "")
            print("| " + " | ".join(cells) + " |")
        for row in rows:
            if row.written:
                for name, count in row.written.items():
                    median = medians[(row.key, name)]
                    print(f"\n`tiers` first run ({name}): wrote {count:,} files, "
                          f"{median * 1000 / max(count, 1):.2f} ms per file written")
        print("\nEach command's last summary line:\n")
        for row in rows:
            for name, line in row.last.items():
                print(f"- {row.key} ({name}): {line}")

    def refresh(self, counts: list[int], fake: FakeWikidata) -> None:
        """`vaulttool refresh` of standard-only vaults against the stand-in, cold then warm, each round on a
        fresh copy, alternating the checkouts."""
        results: dict[tuple[int, str, str], list[tuple[float, int]]] = {}
        last: dict[tuple[int, str, str], str] = {}
        for count in counts:
            template = self.base / f"refresh-{count}"
            standard_only(template, count)
            for round_ in range(1, self.args.refresh_repeat + 1):
                for name, tree in self.trees.items():
                    vault = self.base / name / f"refresh-{count}"
                    shutil.rmtree(vault, ignore_errors=True)
                    shutil.copytree(template, vault)
                    env = environment(tree, VAULTTOOL_WIKIDATA_URL=fake.url)
                    for state in ("cold", "warm"):
                        fake.requests.clear()
                        elapsed, code, summary = vaulttool(tree, "refresh", str(vault), env=env)
                        results.setdefault((count, state, name), []).append((elapsed, len(fake.requests)))
                        last[(count, state, name)] = f"exit {code}: {summary}"
                        progress(f"refresh {count} {state} round {round_} {name:6} {elapsed:7.2f} s "
                                 f"{len(fake.requests)} requests")
                    shutil.rmtree(vault)
            shutil.rmtree(template)
        beside = "beside" in self.trees
        print(f"\n`refresh` of standard notes (no tier folder) against the local stand-in, in "
              f"{PLACES[self.args.where]}; medians of {self.args.refresh_repeat}, each round on a fresh copy\n")
        header = ["notes", "run", "this", "requests"] + (["beside", "requests", "this ÷ beside"] if beside else [])
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for count in counts:
            for state in ("cold", "warm"):
                label = "cold (nothing stored)" if state == "cold" else "warm (nothing changed upstream)"
                cells = [f"{count:,}", label]
                medians = {}
                for name in self.trees:
                    samples = results[(count, state, name)]
                    medians[name] = statistics.median(seconds for seconds, _ in samples)
                    cells += [f"{medians[name]:.2f} s", str(samples[-1][1])]
                if beside:
                    cells.append(f"{medians['this'] / medians['beside']:.2f}")
                print("| " + " | ".join(cells) + " |")
        print("\nEach refresh's last summary line:\n")
        for (count, state, name), line in last.items():
            print(f"- {count} {state} ({name}): {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="standard notes (each gets 6 siblings)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each row's median is over them")
    parser.add_argument("--where", choices=sorted(PLACES), default="shm",
                        help="shm: /dev/shm (memory-backed tmpfs); disk: /tmp [default: shm]")
    parser.add_argument("--beside", type=Path, default=None, metavar="TREE",
                        help="another checkout of vaulttool, timed beside this one")
    parser.add_argument("--only", default="", metavar="ROW,…",
                        help="time only these rows (validate, the ratios' reference, is always timed): "
                             + ", ".join(row.key for row in ROWS))
    parser.add_argument("--refresh", default="", metavar="N,…",
                        help="also time refresh of vaults of these many notes against the stand-in (1000,10000)")
    parser.add_argument("--refresh-repeat", type=int, default=1, help="rounds of the refresh runs [default: 1]")
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(",")))
    unknown = wanted - {row.key for row in ROWS}
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    rows = [row for row in ROWS if not wanted or row.key in wanted or row.key == "validate"]
    counts = [int(count) for count in filter(None, args.refresh.split(","))]
    started = time.perf_counter()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line a request
    server = HTTPServer()
    server.start()
    try:
        fake = FakeWikidata(server)
        serve_items(fake, max([args.notes, *counts]))
        with tempfile.TemporaryDirectory(prefix="vaulttool-bench-", dir=PLACES[args.where]) as folder:
            bench = Bench(args, Path(folder))
            if args.notes > 0:
                bench.prepare(rows, fake.url)
                bench.rounds(rows)
                bench.table(rows)
            if counts:
                bench.refresh(counts, fake)
    finally:
        server.stop()
    progress(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
