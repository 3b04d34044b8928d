"""Time `vaulttool refresh` of N generated notes against a local Wikidata stand-in.

The notes are shaped like the reference note, each about its own item (a copy of the recorded Q472311
entity), served by the test suite's real HTTP server on localhost. Reports the cold run (nothing
stored), the warm run (nothing changed upstream: `props=info` requests only) and a run after every
note was made stale, each with its request count. Not a test.

    python benchmarks/bench_refresh.py --notes 1000
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from pytest_httpserver import HTTPServer  # noqa: E402  (a test extra)
from wikidata_server import FakeWikidata  # noqa: E402

REFERENCE = (REPO / "tests" / "data" / "roundtrip" / "reference_note.md").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    args = parser.parse_args()
    server = HTTPServer()
    server.start()
    try:
        fake = FakeWikidata(server)
        with tempfile.TemporaryDirectory(prefix="vaulttool-bench-") as folder:
            vault = Path(folder)
            (vault / ".obsidian").mkdir()
            shutil.copy(REPO / "example_vault" / "vaulttool.toml", vault / "vaulttool.toml")
            notes = []
            for index in range(args.notes):
                entity_id = f"Q{7000 + index}"
                fake.entities[entity_id] = dict(copy.deepcopy(fake.entities["Q472311"]), id=entity_id)
                path = vault / "_Standards" / f"Org{index // 100:02}" / f"N{index:05}.md"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(REFERENCE.replace(b"Q472311", entity_id.encode()))
                notes.append(path)
            env = dict(os.environ, VAULTTOOL_WIKIDATA_URL=fake.url)
            command = [sys.executable, "-m", "vaulttool", "refresh", str(vault)]

            def run(label: str) -> None:
                fake.requests.clear()
                start = time.perf_counter()
                result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - start
                summary = result.stderr.strip().splitlines()[-1]
                print(f"  {label:32} {elapsed:6.2f} s  {len(fake.requests):3} requests  ({summary})")

            print(f"refresh of {args.notes} reference-shaped notes against a local server:")
            run("cold (nothing stored)")
            run("warm (nothing changed)")
            for path in notes:
                path.write_bytes(path.read_bytes().replace(b"social_media_followers: 49000",
                                                           b"social_media_followers: 47500"))
            run("warm, every note stale")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
