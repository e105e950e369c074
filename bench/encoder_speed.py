"""Benchmark the encoders in one run on the same texts: torch, ONNX Runtime fp32, ONNX Runtime int8.

Passages are SciFact abstracts cut by the ingest chunker; questions are SciFact's claims. For each encoder it
reports passages/s on ingest-sized calls (median of the rounds), single-question encode time p50/p95, the
ratios against torch, and how closely its vectors agree with torch's (cosine, mean and minimum).

    .venv/bin/python bench/encoder_speed.py                   # 512 passages, 100 questions, 5 rounds
    .venv/bin/python bench/encoder_speed.py --passages 256 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import machine_info, median, percentile, table, write_json

from ingest.parsers import ParseOptions
from ingest.pipeline import parse_source, read_source
from insights.config import DEFAULT_MODEL, Settings, user_cache_dir
from insights.storage.embedder import ModelEmbedder, SentenceTransformerEmbedder, _model_path
from insights.storage.onnx_encoder import OnnxEmbedder

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata" / "scifact"


def passages(folder: Path, count: int) -> list[str]:
    """Return ``count`` passages picked at random (seeded) from the corpus, chunked as ingest chunks it."""
    options = ParseOptions()
    source = read_source(folder / "corpus.jsonl", options, 1 << 30)
    texts = [c.text for c in parse_source(source, options, Settings().chunk_chars)[1]]
    return random.Random(20260314).sample(texts, min(count, len(texts)))


def questions(folder: Path, count: int) -> list[str]:
    """Return the first ``count`` questions of the set."""
    with (folder / "queries.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line, _ in zip(lines, range(count), strict=False)]


def measure(encoders: dict[str, ModelEmbedder], texts: list[str], asked: list[str], rounds: int) -> dict[str, Any]:
    """Time every encoder in turn, round after round, so a change in the machine's load hits them all alike."""
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    query_s: dict[str, list[float]] = {name: [] for name in encoders}
    for number in range(rounds):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            encoder.encode(texts)  # more than one text: the batch path ingest takes
            rates[name].append(len(texts) / (time.perf_counter() - started))
        for question in asked:
            for name, encoder in encoders.items():
                # Straight to the model: the embedder remembers questions it has seen.
                started = time.perf_counter()
                encoder._encode([question])
                query_s[name].append(time.perf_counter() - started)
        print(f"round {number + 1}/{rounds}: " + ", ".join(f"{n} {r[-1]:.1f} p/s" for n, r in rates.items()),
              flush=True)
    return {"rates": rates, "query_s": query_s}


def main() -> None:
    """Run the benchmark, print a Markdown table and write bench/results/encoder_speed.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SCIFACT, help="a BEIR folder (default ../shared/evaldata/scifact)")
    parser.add_argument("--passages", type=int, default=512, help="passages per timed call (default 512)")
    parser.add_argument("--queries", type=int, default=100, help="questions timed one at a time (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; medians are reported (default 5)")
    parser.add_argument("--cache-dir", type=Path, help="where the exports live (default: a temporary folder)")
    args = parser.parse_args()

    texts, asked = passages(args.data, args.passages), questions(args.data, args.queries)
    model_dir = _model_path(DEFAULT_MODEL)
    print(f"{len(texts)} passages (mean {statistics.fmean(map(len, texts)):.0f} chars), {len(asked)} questions",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache_dir or Path(tmp)
        encoders: dict[str, ModelEmbedder] = {"torch": SentenceTransformerEmbedder(DEFAULT_MODEL)}
        started = time.perf_counter()
        encoders["onnx fp32"] = OnnxEmbedder(DEFAULT_MODEL, model_dir, cache, quantize=False)
        fp32_s = time.perf_counter() - started
        started = time.perf_counter()
        encoders["onnx int8"] = OnnxEmbedder(DEFAULT_MODEL, model_dir, cache)
        export_s = {"onnx fp32": fp32_s, "onnx int8": time.perf_counter() - started}
        # The same file, each batch split over every core instead of one batch per core.
        encoders["onnx int8, batches split over cores"] = OnnxEmbedder(DEFAULT_MODEL, model_dir, cache,
                                                                        side_by_side=False)
        vectors = {name: (e.encode(texts), e._encode(asked)) for name, e in encoders.items()}
        timed = measure(encoders, texts, asked, args.rounds)

    base_rate, base_query = median(timed["rates"]["torch"]), median(timed["query_s"]["torch"])
    results: dict[str, Any] = {}
    for name in encoders:
        rate, query = median(timed["rates"][name]), timed["query_s"][name]
        passage_cos = (vectors[name][0] * vectors["torch"][0]).sum(axis=1)
        query_cos = (vectors[name][1] * vectors["torch"][1]).sum(axis=1)
        results[name] = {
            "passages_per_s": rate, "rates": timed["rates"][name], "speedup": rate / base_rate,
            "query_p50_ms": 1000 * percentile(query, 50), "query_p95_ms": 1000 * percentile(query, 95),
            "query_time_ratio": median(query) / base_query,
            "cosine_passages_mean": float(passage_cos.mean()), "cosine_passages_min": float(passage_cos.min()),
            "cosine_queries_mean": float(query_cos.mean()), "cosine_queries_min": float(query_cos.min()),
            "export_s": export_s.get(name),
        }
    rows = [[name, r["passages_per_s"], f"{r['speedup']:.2f}×", r["query_p50_ms"], r["query_p95_ms"],
             f"{r['query_time_ratio']:.2f}", f"{r['cosine_passages_mean']:.4f} / {r['cosine_passages_min']:.4f}",
             f"{r['cosine_queries_mean']:.4f} / {r['cosine_queries_min']:.4f}"] for name, r in results.items()]
    print()
    print(table(["encoder", "passages/s", "vs torch", "query p50 ms", "query p95 ms", "query time / torch",
                 "cosine passages mean / min", "cosine questions mean / min"], rows))
    print(f"\nexport once into the cache: fp32 {export_s['onnx fp32']:.0f} s, int8 {export_s['onnx int8']:.0f} s "
          f"(including loading torch for it); default cache {user_cache_dir()}")
    int8 = results["onnx int8"]
    print(f"int8 vs torch: {int8['speedup']:.2f}× passages/s (bar ≥ 2), query time {int8['query_time_ratio']:.2f} "
          "of torch's (bar ≤ 0.5)")
    path = write_json("encoder_speed", {"passages": len(texts), "mean_chars": statistics.fmean(map(len, texts)),
                                        "questions": len(asked), "rounds": args.rounds, "results": results,
                                        "machine": machine_info(), "argv": sys.argv[1:]})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
