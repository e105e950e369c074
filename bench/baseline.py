"""The plain whole-document baseline Insights must beat: bm25s, exact MiniLM, and RRF (k=60), no chunking.

    .venv/bin/python bench/baseline.py ../shared/evaldata/scifact     # one table per BEIR folder

Nothing here uses Insights' ingest or search code: each document is title + " " + text, scored whole.
BM25 is bm25s's Lucene variant with k1=0.9, b=0.4, its English stop words and the Snowball stemmer
(the evaldata README's reference); meaning is the bundled all-MiniLM-L6-v2 through sentence-transformers,
searched exactly. Document vectors are cached in bench/.cache/baseline/NAME.npy. `bench/quality.py`
runs this beside the product's figures.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from insights.cli.evaluation import half, load_beir
from insights.search import metrics

CACHE = Path(__file__).resolve().parent / ".cache" / "baseline"
#: Documents each side ranks and fusion sees: a TREC run's depth, so RRF is not cut short.
DEPTH = 1000
RRF_K = 60


def corpus(folder: Path) -> tuple[list[str], list[str]]:
    """Return the corpus ids and texts (title + " " + text) of a BEIR folder."""
    import json

    ids, texts = [], []
    with (folder / "corpus.jsonl").open(encoding="utf-8-sig") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                ids.append(str(record["_id"]))
                texts.append(f"{record.get('title') or ''} {record.get('text') or ''}".strip())
    return ids, texts


def bm25_rankings(texts: list[str], queries: list[str]) -> list[np.ndarray]:
    """Return each query's document scores under bm25s (Lucene, k1=0.9, b=0.4, English stop words, Snowball)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    model = bm25s.BM25(k1=0.9, b=0.4)
    model.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(queries, stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False)
    return [model.get_scores(t) if t else np.zeros(len(texts)) for t in tokens]


def dense_rankings(name: str, texts: list[str], queries: list[str]) -> list[np.ndarray]:
    """Return each query's cosine similarity to every document, with the bundled MiniLM (document vectors cached)."""
    from sentence_transformers import SentenceTransformer

    from insights.config import DEFAULT_MODEL
    from insights.storage.embedder import _model_path

    model = SentenceTransformer(_model_path(DEFAULT_MODEL), device="cpu")
    digest = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:12]
    cached = CACHE / f"{name}-{digest}.npy"
    if cached.is_file():
        documents = np.load(cached)
    else:
        documents = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(cached, documents)
    asked = model.encode(queries, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    return list(asked @ documents.T)


def top(scores: np.ndarray, k: int = DEPTH) -> list[int]:
    """Return the positions of the ``k`` best positive-or-any scores, best first (ties by position)."""
    best = np.argsort(-scores, kind="stable")[:k]
    return [int(i) for i in best]


def rrf(*rankings: list[int]) -> list[int]:
    """Fuse rankings by reciprocal rank (k=60), best first."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank + 1)
    return [doc for doc, _ in sorted(fused.items(), key=lambda item: (-item[1], item[0]))]


def score(folder: Path, limit_queries: int | None = None) -> dict[str, Any]:
    """Return nDCG@10 (and halves), Recall@100 and MRR@10 of BM25, MiniLM and their RRF on one BEIR folder."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dataset = load_beir(folder)
    ids, texts = corpus(folder)
    queries = dataset.judged_queries[:limit_queries]
    asked = [dataset.queries[q] for q in queries]
    keyword = [[i for i in top(s) if s[i] > 0] for s in bm25_rankings(texts, asked)]
    dense = [top(s) for s in dense_rankings(dataset.name, texts, asked)]
    runs = {"bm25": keyword, "minilm": dense, "rrf": [rrf(k, d) for k, d in zip(keyword, dense, strict=True)]}
    out: dict[str, Any] = {"dataset": dataset.name, "queries": len(queries), "documents": len(ids), "modes": {}}
    for mode, ranked in runs.items():
        per_query = {q: metrics.scores([ids[i] for i in r], dataset.qrels[q]) for q, r in zip(queries, ranked,
                                                                                            strict=True)}
        means = {m: round(statistics.fmean(s[m] for s in per_query.values()), 4) for m in ("ndcg@10", "recall@100",
                                                                                            "mrr@10")}
        means["halves"] = {h: round(statistics.fmean(s["ndcg@10"] for q, s in per_query.items() if half(q) == h), 4)
                           for h in "ab" if any(half(q) == h for q in per_query)}
        out["modes"][mode] = means
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="BEIR folders")
    for folder in parser.parse_args().folders:
        result = score(folder)
        for mode, m in result["modes"].items():
            print(f"{result['dataset']:10s} {mode:7s} nDCG@10 {m['ndcg@10']:.4f} (a {m['halves'].get('a')}, "
                  f"b {m['halves'].get('b')})  R@100 {m['recall@100']:.4f}  MRR@10 {m['mrr@10']:.4f}")


if __name__ == "__main__":
    main()
