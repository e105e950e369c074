"""Benchmark search latency at 10k and 100k passages: hybrid, semantic, keyword, and their parts alone."""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from corpus import questions, synthetic_documents
from threadpoolctl import threadpool_limits
from timing import machine_info, summary_ms, table, write_json

from insights.config import DEFAULT_MODEL, Settings
from insights.filters import Filters
from insights.repository import Repository
from insights.search.engine import DEPTH
from insights.storage.embedder import Embedder, SentenceTransformerEmbedder, make_embedder
from insights.storage.store import Store

DIMENSION = 384
FILTER = Filters(kind=("interview",))


def build(store: Store, size: int, seed: int = 7) -> None:
    """Fill an empty store with ``size`` realistic passages and random unit vectors, in one transaction."""
    rng = np.random.default_rng(seed)
    with store.transaction():
        for number, doc in enumerate(synthetic_documents(size)):
            text = "\n\n".join(doc.passages)
            digest = hashlib.sha256(text.encode()).hexdigest()
            fields = {"source": f"/bench/{number:06d}.md", "filename": f"{number:06d}.md", "format": "md",
                      "title": doc.title, "kind": doc.kind, "date": doc.date, "participant": doc.participant,
                      "segment": doc.segment, "competitor": None, "author": doc.author, "fingerprint": digest,
                      "content_hash": digest, "original": digest + ".md", "size": len(text), "text": text,
                      "metadata": "{}"}
            document_id = store.save_document(fields, doc.tags, None)
            rows, start = [], 0
            for passage in doc.passages:
                rows.append({"text": passage, "char_start": start, "char_end": start + len(passage),
                             "locator": {}, "metadata": {}})
                start += len(passage) + 2
            vectors = rng.standard_normal((len(rows), DIMENSION), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store.insert_passages(document_id, rows, vectors)
        store.set_meta("model", DEFAULT_MODEL)
        store.set_meta("dimension", str(DIMENSION))
        store.bump_generation()


def numpy_top(matrix: np.ndarray, ids: np.ndarray, vector: np.ndarray, k: int) -> np.ndarray:
    """Return the ids of the ``k`` best inner products, best first: the plain-numpy reference."""
    scores = matrix @ vector
    top = np.argpartition(-scores, k)[:k]
    return ids[top[np.argsort(-scores[top], kind="stable")]]


def single_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function`` with BLAS held to one thread."""
    with threadpool_limits(1):
        return function(*args)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Return the seconds one call took and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def measure(repo: Repository, embedder: Embedder, asked: list[str], warmup: list[str]) -> dict[str, Any]:
    """Time every search mode and every part alone for each question; rotate the order to spread noise."""
    index = repo.index()
    repo.keywords()
    ids, matrix = repo.store.vectors()
    exact = faiss.IndexFlatIP(matrix.shape[1])  # the exact float32 baseline beside our float16 index
    exact.add(matrix)
    names = ["hybrid", "semantic", "keyword", "hybrid + kind filter", "encode query", "faiss search",
             "exact faiss (flat float32)", "numpy matrix @ q"]
    times: dict[str, list[float]] = {name: [] for name in names}
    agree = 0
    recall10: list[float] = []
    for warming, question in [(True, q) for q in warmup] + [(False, q) for q in asked]:
        vector = embedder.encode([question])[0]
        steps: dict[str, Callable[[], Any]] = {
            "hybrid": lambda q=question: repo.search(q, mode="hybrid"),
            "semantic": lambda q=question: repo.search(q, mode="semantic"),
            "keyword": lambda q=question: repo.search(q, mode="keyword"),
            "hybrid + kind filter": lambda q=question: repo.search(q, mode="hybrid", filters=FILTER),
            "encode query": lambda q=question: embedder.encode([q]),
            "faiss search": lambda v=vector: index.search(v, DEPTH),
            "exact faiss (flat float32)": lambda v=vector: exact.search(v[None], DEPTH),
            # One BLAS thread: idle BLAS threads spinning after a call would slow whatever is timed next.
            "numpy matrix @ q": lambda v=vector: single_thread(numpy_top, matrix, ids, v, DEPTH),
        }
        shift = len(times["hybrid"]) % len(names)
        results = {}
        for name in names[shift:] + names[:shift]:
            seconds, results[name] = timed(steps[name])
            if not warming:
                times[name].append(seconds)
        if not warming:
            agree += set(results["faiss search"][0].tolist()) == set(results["numpy matrix @ q"].tolist())
            top = set(results["faiss search"][0][:10].tolist())
            recall10.append(len(top & set(ids[results["exact faiss (flat float32)"][1][0][:10]].tolist())) / 10)
    return {"times": times, "faiss_numpy_same_top": agree / len(asked), "recall@10_vs_exact": float(np.mean(recall10))}


def measure_one_thread(repo: Repository, embedder: Embedder, asked: list[str]) -> dict[str, list[float]]:
    """Time query encoding and hybrid search again with torch limited to one thread, then restore it."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for question in asked[:10]:
            repo.search(question)
        times: dict[str, list[float]] = {"encode query, torch 1 thread": [], "hybrid, torch 1 thread": []}
        for question in asked:
            times["encode query, torch 1 thread"].append(timed(lambda q=question: embedder.encode([q]))[0])
            times["hybrid, torch 1 thread"].append(timed(lambda q=question: repo.search(q))[0])
    finally:
        torch.set_num_threads(threads)
    return times


def main() -> None:
    """Build repositories of each size with synthetic vectors, then time searches with the real model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="passage counts, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="distinct timed questions per size")
    parser.add_argument("--warmup", type=int, default=20, help="untimed questions first")
    parser.add_argument("--quick", action="store_true", help="10k passages and 50 questions only")
    parser.add_argument("--no-one-thread", action="store_true", help="skip the torch-one-thread rows")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    count = 50 if args.quick else args.queries
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    bank = questions(count + args.warmup)
    asked, warmup = bank[args.warmup :], bank[: args.warmup]

    start = time.perf_counter()
    embedder = make_embedder(DEFAULT_MODEL)
    print(f"model loaded in {time.perf_counter() - start:.1f} s", flush=True)
    results: dict[str, Any] = {"queries": len(asked), "warmup": len(warmup), "depth": DEPTH,
                               "filter": FILTER.to_dict(), "sizes": {}}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="insights-bench-") as tmp:
            repo = Repository(Settings(data_dir=Path(tmp), model=DEFAULT_MODEL), embedder=embedder)
            build_s, _ = timed(lambda repo=repo, size=size: build(repo.store, size))
            index_s, _ = timed(repo.index)
            keywords_s, _ = timed(repo.keywords)
            print(f"{size} passages: database built in {build_s:.1f} s, FAISS index in {index_s:.1f} s, "
                  f"BM25 keyword index in {keywords_s:.1f} s", flush=True)
            run = measure(repo, embedder, asked, warmup)
            if not args.no_one_thread and isinstance(embedder, SentenceTransformerEmbedder):
                run["times"].update(measure_one_thread(repo, embedder, asked))
            allowed = repo.store.db.execute(
                "SELECT count(*) FROM passages p JOIN documents d ON d.id = p.document_id WHERE d.kind = ?",
                FILTER.kind).fetchone()[0]
            repo.close()
        stats = {name: summary_ms(values) for name, values in run["times"].items()}
        samples = {name: [round(v * 1000, 3) for v in values] for name, values in run["times"].items()}
        parts = [stats["encode query"][p] + stats["exact faiss (flat float32)"][p] for p in ("p50_ms", "p95_ms")]
        results["sizes"][str(size)] = {
            "passages": size, "build_s": build_s, "index_s": index_s, "keywords_s": keywords_s,
            "filter_allowed_passages": allowed,
            "faiss_numpy_same_top": run["faiss_numpy_same_top"], "recall@10_vs_exact": run["recall@10_vs_exact"],
            "latency": stats,
            "hybrid_over_encode_plus_faiss_p50": stats["hybrid"]["p50_ms"] / parts[0],
            "hybrid_over_encode_plus_faiss_p95": stats["hybrid"]["p95_ms"] / parts[1], "samples_ms": samples,
        }
        rows = [[name, s["p50_ms"], s["p95_ms"], s["mean_ms"]] for name, s in stats.items()]
        rows.append(["ratio hybrid / (encode + exact faiss)", stats["hybrid"]["p50_ms"] / parts[0],
                     stats["hybrid"]["p95_ms"] / parts[1], ""])
        print(f"\n### {size:,} passages ({len(asked)} questions; filter allows {allowed:,} passages; "
              f"index top-{DEPTH} = exact numpy top-{DEPTH} for {run['faiss_numpy_same_top']:.0%} of questions, "
              f"recall@10 vs exact {run['recall@10_vs_exact']:.3f})\n")
        print(table(["measure", "p50 ms", "p95 ms", "mean ms"], rows))
        verdict = "meets" if stats["hybrid"]["p95_ms"] <= 50 else "misses"
        print(f"\nhybrid p95 {stats['hybrid']['p95_ms']:.1f} ms {verdict} the 50 ms target\n", flush=True)
    results["machine"] = machine_info()
    print(f"written {write_json('search_latency', results)}")


if __name__ == "__main__":
    main()
