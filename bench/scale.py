"""Benchmark the vector index at 10k, 100k (and 1M) passages: the approximate (IVF) index against exact search."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from timing import machine_info, summary_ms, table, write_json

from insights.storage.vectors import VectorIndex

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("/tmp/ev-scifact/insights.db", "/tmp/ev-stackfaq/insights.db")
QUERIES = ("../shared/evaldata/scifact/queries.jsonl", "../shared/evaldata/stackfaq/queries.jsonl")
#: Passages one file adds, or one delete removes: a long interview.
BATCH = 200
#: Filters as a share of the passages they allow: a kind or a collection, and one document set.
SHARES = (0.1, 0.01, 0.001)

PROBE = """
import json, sys, time
from pathlib import Path
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) * 1024
from insights.storage.vectors import VectorIndex
before = rss(); start = time.perf_counter()
index, _ = VectorIndex.load(Path(sys.argv[1]))
print(json.dumps({"load_s": time.perf_counter() - start, "rss_delta_mb": (rss() - before) / 2**20}))
"""


def real_vectors(paths: list[str]) -> np.ndarray:
    """Return the stored MiniLM vectors of existing repositories (read-only): real text embeddings."""
    blocks = []
    for path in paths:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        blocks += [np.frombuffer(row[0], dtype=np.float32) for row in db.execute("SELECT vector FROM embeddings")]
        db.close()
    if not blocks:
        sys.exit(f"no stored vectors in {paths}: build them with `insights eval DIR --data-dir /tmp/ev-NAME`")
    return np.vstack(blocks)


def query_vectors(paths: list[str], count: int, cache: Path) -> np.ndarray:
    """Return real query embeddings of the BEIR queries, encoded once with the bundled model and cached."""
    if cache.exists():
        cached = np.load(cache)
        if len(cached) >= count:
            return cached[:count]
    from insights.config import DEFAULT_MODEL
    from insights.storage.embedder import make_embedder

    texts = [json.loads(line)["text"] for path in paths for line in (ROOT / path).read_text().splitlines() if line]
    order = np.random.default_rng(11).permutation(len(texts))[:count]
    vectors = make_embedder(DEFAULT_MODEL).encode([texts[i] for i in order]).astype(np.float32)
    np.save(cache, vectors)
    return vectors


def perturbed(real: np.ndarray, size: int, sigma: float, seed: int) -> np.ndarray:
    """Return ``size`` unit vectors, each a random real vector plus Gaussian noise: text-like structure at scale."""
    rng = np.random.default_rng(seed)
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    for start in range(0, size, 100_000):  # in blocks: 1M × 384 float32 temporaries would double the peak
        n = min(100_000, size - start)
        block = real[rng.integers(0, len(real), n)] + sigma * rng.standard_normal((n, real.shape[1]), dtype=np.float32)
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def timed(function: Any) -> tuple[float, Any]:
    """Return the seconds one call took and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def probe(directory: Path) -> dict[str, float]:
    """Load a saved index in a fresh process: startup seconds and resident memory it adds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(directory)], capture_output=True, text=True, env=env,
                          check=True)
    return json.loads(done.stdout)


def measure(size: int, real: np.ndarray, queries: np.ndarray, sigma: float, scratch: Path) -> dict[str, Any]:
    """Build both indexes over ``size`` perturbed vectors and time every operation on each."""
    vectors = perturbed(real, size, sigma, seed=size)
    ids = np.arange(1, size + 1, dtype=np.int64)
    rng = np.random.default_rng(size + 1)
    filters = {f"filter {share:.1%}": np.sort(rng.choice(ids, max(1, int(share * size)), replace=False))
               for share in SHARES}
    out: dict[str, Any] = {"passages": size}
    indexes: dict[str, VectorIndex] = {}
    for name, approximate in (("exact", False), ("ann", True)):
        out[f"{name} build_s"], indexes[name] = timed(lambda a=approximate, v=vectors: VectorIndex.build(ids, v, a))
    del vectors
    exact, ann = indexes["exact"], indexes["ann"]
    out["nlist"] = int(ann.ivf.nlist)
    times: dict[str, list[float]] = {}
    found: dict[str, list[float]] = {}
    for number, query in enumerate(queries):
        for where, allowed in (("no filter", None), *filters.items()):
            results = {}
            # Alternate which index goes first, so neither always runs on a warm cache.
            for name in (("exact", "ann") if number % 2 else ("ann", "exact")):
                seconds, results[name] = timed(lambda i=indexes[name], a=allowed, q=query: i.search(q, 100, a))
                times.setdefault(f"{name}, {where}", []).append(seconds)
            top = set(results["exact"][0][:10])
            found.setdefault(where, []).append(len(top & set(results["ann"][0][:10])) / max(1, len(top)))
    out["latency"] = {name: summary_ms(values) for name, values in times.items()}
    out["recall@10"] = {where: float(np.mean(values)) for where, values in found.items()}
    batch_ids = np.arange(size + 1, size + 1 + BATCH, dtype=np.int64)
    batch = perturbed(real, BATCH, sigma, seed=size + 2)
    for name, index in indexes.items():
        out[f"{name} add_ms"] = timed(lambda i=index: i.add(batch_ids, batch))[0] * 1000
        out[f"{name} delete_ms"] = timed(lambda i=index: i.remove(batch_ids))[0] * 1000
        folder = scratch / name
        folder.mkdir()
        out[f"{name} save_s"] = timed(lambda i=index, f=folder: i.save(f, {"generation": 1}))[0]
        out[f"{name} disk_mb"] = (folder / "index.faiss").stat().st_size / 2**20
    indexes.clear()
    del exact, ann
    for name in ("exact", "ann"):
        for key, value in probe(scratch / name).items():
            out[f"{name} {key}"] = value
    return out


def report(run: dict[str, Any], queries: int) -> None:
    """Print one size's figures, each beside the exact index's and their ratio."""
    lat = run["latency"]
    rows = [["build (s)", run["exact build_s"], run["ann build_s"], run["ann build_s"] / run["exact build_s"]]]
    for where in ("no filter", *(f"filter {s:.1%}" for s in SHARES)):
        for p in ("p50_ms", "p95_ms"):
            e, a = lat[f"exact, {where}"][p], lat[f"ann, {where}"][p]
            rows.append([f"search top-100, {where}, {p[:3]} (ms)", e, a, a / e])
    for key, label in (("add_ms", f"add {BATCH} vectors (ms)"), ("delete_ms", f"delete {BATCH} ids (ms)"),
                       ("save_s", "save (s)"), ("disk_mb", "index file (MiB)"), ("load_s", "load at start (s)"),
                       ("rss_delta_mb", "resident memory after load (MiB)")):
        rows.append([label, run[f"exact {key}"], run[f"ann {key}"], run[f"ann {key}"] / max(run[f"exact {key}"], 1e-9)])
    recall = ", ".join(f"{where} {value:.3f}" for where, value in run["recall@10"].items())
    print(f"\n### {run['passages']:,} passages (IVF with {run['nlist']:,} lists; {queries} real queries; "
          f"recall@10 vs exact: {recall})\n")
    print(table(["measure", "exact", "ANN (IVF)", "ratio ANN / exact"], rows), flush=True)


def main() -> None:
    """Run the scale benchmark and write bench/results/scale.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated passage counts (add 1000000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sigma", type=float, default=0.03,
                        help="noise per dimension; 0.03 leaves each vector at cosine ≈ 0.86 to its source")
    parser.add_argument("--source-db", action="append", help="repositories whose stored vectors seed the sets")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "insights-scale-queries.npy")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    real = real_vectors(args.source_db or list(SOURCES))
    queries = query_vectors(list(QUERIES), args.queries, args.cache)
    print(f"{len(real):,} real passage vectors, {len(queries)} real query vectors", flush=True)
    results: dict[str, Any] = {"queries": len(queries), "sigma": args.sigma, "batch": BATCH, "sizes": {}}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="insights-scale-") as tmp:
            run = measure(size, real, queries, args.sigma, Path(tmp))
        results["sizes"][str(size)] = run
        report(run, len(queries))
    results["machine"] = machine_info()
    print(f"written {write_json('scale', results)}")


if __name__ == "__main__":
    main()
