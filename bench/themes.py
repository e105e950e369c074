"""Time the themes of a whole repository of 5,000 passages, from stored vectors (nothing is re-embedded).

The passages are the demo corpus's, embedded once with the real model, then repeated with a marker and
their vectors jittered (cosine ~0.9 to the original, under the 0.95 copy threshold) until there are
``--passages`` of them: real topic structure at the size asked for, without embedding 5,000 texts.

    .venv/bin/python bench/themes.py                    # 5,000 passages, 3 timed runs
    .venv/bin/python bench/themes.py --passages 10000 --runs 5

It prints the in-process time of ``Repository.themes()`` (median and each run, the kept result dropped
before each), the time to open one theme right after (served from the kept result, as the pages are), and the
wall time of the whole ``insights themes --json`` command in a subprocess (interpreter start and imports).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from insights import demo  # noqa: E402
from insights import themes as theming  # noqa: E402
from insights.config import Settings  # noqa: E402
from insights.repository import Repository  # noqa: E402
from insights.storage.store import DOCUMENT_COLUMNS, Store  # noqa: E402

#: Noise added to each repeated vector: cosine to its original lands near 0.9.
JITTER = 0.025


def build(source: Repository, target: Store, size: int, seed: int = 7) -> None:
    """Fill an empty store with ``size`` passages repeated from ``source``, with jittered stored vectors."""
    rng = np.random.default_rng(seed)
    documents = [dict(r) for r in source.store.db.execute("SELECT * FROM documents ORDER BY id")]
    left, copy = size, 0
    with target.transaction():
        while left > 0:
            for doc in documents:
                if left <= 0:
                    break
                passages = source.store.passages_of(doc["id"])[:left]
                ids, vectors = source.store.vectors([p["id"] for p in passages])
                order = {int(i): k for k, i in enumerate(ids)}
                fields = {c: doc[c] for c in DOCUMENT_COLUMNS} | {"source": f"{doc['source']}#{copy}"}
                document_id = target.save_document(fields, [], None)
                rows = [{"text": f"{p['text']} [{copy}]" if copy else p["text"], "char_start": p["char_start"],
                         "char_end": p["char_end"], "locator": json.loads(p["locator"]),
                         "metadata": json.loads(p["metadata"]), "participant": p["participant"],
                         "segment": p["segment"], "competitor": p["competitor"], "date": p["date"]}
                        for p in passages]
                block = vectors[[order[p["id"]] for p in passages]]
                if copy:
                    block = block + rng.standard_normal(block.shape, dtype=np.float32) * JITTER
                    block /= np.linalg.norm(block, axis=1, keepdims=True)
                target.insert_passages(document_id, rows, block)
                left -= len(rows)
            copy += 1
        for key in ("model", "dimension"):
            target.set_meta(key, source.store.get_meta(key) or "")
        target.bump_generation()


def main() -> None:
    """Build the demo (once) and the larger repository, then time its themes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--demo-dir", type=Path, default=Path(tempfile.gettempdir()) / "insights-bench-demo")
    args = parser.parse_args()
    source = Repository(Settings.from_env(data_dir=args.demo_dir))
    demo.build(source)
    from timing import machine_info, table, write_json

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        repo = Repository(Settings.from_env(data_dir=data))
        build(source, repo.store, args.passages)
        repo.catalog()  # the filter catalog is shared with search and built once per database generation
        seconds, report = [], None
        for _ in range(args.runs):
            theming.forget()  # time the clustering every run, not the kept result
            started = time.perf_counter()
            report = repo.themes()
            seconds.append(time.perf_counter() - started)
        assert report is not None
        started = time.perf_counter()
        repo.themes(theme=1)  # opening a theme right after the list, as the pages do
        drill = time.perf_counter() - started
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "insights", "--data-dir", str(data), "themes", "--json"],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["passages"] == report.passages
    result = {"passages": report.passages, "themes": len(report.themes), "unthemed": report.unthemed,
              "seconds": seconds, "median_seconds": statistics.median(seconds), "cli_wall_seconds": wall,
              "open_one_theme_seconds": drill,
              "target_seconds": 3.0, "machine": machine_info()}
    print(table(["passages", "themes", "in no theme", "Repository.themes() median s", "runs s",
                 "then one theme s", "insights themes --json wall s"],
                [[report.passages, len(report.themes), report.unthemed, statistics.median(seconds),
                  " / ".join(f"{s:.2f}" for s in seconds), drill, wall]]))
    print(f"wrote {write_json('themes', result)}")


if __name__ == "__main__":
    main()
