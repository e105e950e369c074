"""Search quality on every BEIR folder at hand: each mode, hybrid against plain RRF and a whole-document baseline.

    .venv/bin/python bench/quality.py                         # examples/golden + ../shared/evaldata/*
    .venv/bin/python bench/quality.py path/to/beir-folder ... # only these

Each collection is ingested once into bench/.cache/quality/NAME (reused on the next run), then every
judged query runs through `Repository.rank` as `insights eval` does. The plain whole-document
baseline (bench/baseline.py: bm25s, exact MiniLM, RRF k=60, no chunking) runs on the same folder in
the same run, and each product row shows its nDCG@10 over the baseline's matching row. Prints one
Markdown table and writes bench/results/quality.json.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import baseline
from timing import machine_info, table, write_json

from insights.cli.evaluation import evaluate, load_beir, settings_for
from insights.config import Settings
from insights.repository import Repository
from insights.search.engine import MODES

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache" / "quality"
#: The baseline row each product row is set beside.
BASELINE_OF = {"keyword": "bm25", "semantic": "minilm", "hybrid": "rrf", "hybrid (rrf)": "rrf"}


def collections(paths: list[Path]) -> list[Path]:
    """Return the BEIR folders to score: those given, else the golden set and any shared evaluation data."""
    if paths:
        return paths
    shared = ROOT.parent / "shared" / "evaldata"
    found = sorted(p.parent for p in shared.glob("*/corpus.jsonl")) if shared.is_dir() else []
    return [ROOT / "examples" / "golden", *found]


def score(folder: Path, limit_queries: int | None) -> dict[str, Any]:
    """Return every mode's metrics on one collection, plus hybrid with reciprocal rank fusion."""
    dataset = load_beir(folder)
    repo = Repository(settings_for(Settings.from_env(), dataset, CACHE / dataset.name))
    try:
        started = time.perf_counter()
        result = evaluate(repo, dataset, MODES, limit_queries)
        rrf = evaluate(repo, dataset, ("hybrid",), limit_queries, fusion="rrf")
        result["modes"]["hybrid (rrf)"] = rrf["modes"]["hybrid"]
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["baseline"] = baseline.score(folder, limit_queries)["modes"]
        return result
    finally:
        repo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="BEIR folders (default: golden + shared evaldata)")
    parser.add_argument("--limit-queries", type=int, help="Score only the first N judged queries of each set.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = [score(folder, args.limit_queries) for folder in collections(args.folders)]
    rows = []
    for r in results:
        for mode, m in r["modes"].items():
            plain = r["baseline"][BASELINE_OF[mode]]
            rows.append([r["dataset"], mode, r["queries"], m["ndcg@10"], m["halves"].get("a"), m["halves"].get("b"),
                         m["recall@100"], m["mrr@10"], m["query_ms_p50"], plain["ndcg@10"],
                         f"{m['ndcg@10'] / plain['ndcg@10']:.3f}" if plain["ndcg@10"] else None])
    print(table(["set", "mode", "queries", "nDCG@10", "half a", "half b", "R@100", "MRR@10", "p50 ms",
                 "baseline", "ratio"], rows))
    for r in results:
        timing = f"ingest {r['ingest_seconds']} s" + (" (reused)" if r["reused"] else
                                                       f" ({r['passages_per_second']} passages/s)")
        print(f"{r['dataset']}: {r['documents']:,} documents, {r['passages']:,} passages; {timing}; "
              f"all modes {r['seconds']} s")
    write_json("quality", {"machine": machine_info(), "results": results})


if __name__ == "__main__":
    main()
